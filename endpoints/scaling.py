"""Scaling through intents: a wish to run N instances is saved under its idempotency key, then sent once.

The key (from the form, or derived by the budget and schedule sweeps) is checked here, not in the views:
the same key is the same wish, whoever asks.
"""

from django.db import IntegrityError, transaction
from django.utils import timezone

from endpoints.errors import EndpointError
from endpoints.lifecycle import apply_service
from endpoints.models import MAX_INSTANCES, Endpoint, ScaleIntent, Status
from netmind_console.accounts.services import client_for_account
from netmind_console.clients.errors import ProviderError
from netmind_console.workspaces import audit


def check_scalable(endpoint: Endpoint):
    if endpoint.status == Status.DELETED or endpoint.delete_requested_at:
        raise EndpointError("This endpoint is deleted; it cannot be scaled.")
    if not endpoint.service_id:
        raise EndpointError("This endpoint does not exist at the provider yet; it cannot be scaled.")


def request_scale(endpoint: Endpoint, target: int, key, reason=ScaleIntent.Reason.MANUAL, note: str = "", *,
                  actor=None, request=None) -> tuple[ScaleIntent, bool]:
    """Save the wish to run `target` instances; returns (intent, created). The same key is the same wish.

    The audit row is written with the wish, where the person (`actor`; None for the budget and schedule
    sweeps) is known: the task that sends it later takes ids only.
    """
    check_scalable(endpoint)
    if not 0 <= target <= MAX_INSTANCES:
        raise EndpointError(f"An endpoint runs between 0 and {MAX_INSTANCES} instances.")
    try:
        with transaction.atomic():
            intent = ScaleIntent.objects.create(endpoint=endpoint, key=key, target=target, reason=reason, note=note)
            if not _already_satisfied(endpoint, target):
                audit.record(endpoint.workspace, actor, _audit_action(endpoint, target, reason), endpoint.name,
                             before={"instances": endpoint.target_instances}, after={"instances": target},
                             request=request)
    except IntegrityError:
        intent = ScaleIntent.objects.filter(key=key, endpoint=endpoint).first()
        if intent is None:  # the key of a form rendered for another endpoint
            raise EndpointError("This form belongs to another endpoint's page. Reload the page and try again.")
        return intent, False
    return intent, True


def _audit_action(endpoint: Endpoint, target: int, reason) -> str:
    if reason == ScaleIntent.Reason.BUDGET:
        return "endpoint.budget_stop"
    if reason == ScaleIntent.Reason.SCHEDULE:
        return "endpoint.schedule_edge"
    if target == 0:
        return "endpoint.stopped"
    return "endpoint.started" if endpoint.target_instances == 0 else "endpoint.scaled"


def apply_scale(intent_id: int):
    """Send one scale intent, once; an intent the endpoint already satisfies sends nothing."""
    if not ScaleIntent.objects.filter(pk=intent_id, state=ScaleIntent.State.PENDING).update(
        state=ScaleIntent.State.SENDING
    ):
        return
    intent = ScaleIntent.objects.select_related("endpoint__account").get(pk=intent_id)
    endpoint = intent.endpoint
    if _already_satisfied(endpoint, intent.target) or _superseded(intent):
        _finish_intent(intent, ScaleIntent.State.SKIPPED)
        return
    try:
        check_scalable(endpoint)
        with client_for_account(endpoint.account) as client:
            service = client.scale_service(endpoint.service_id, intent.target)
    except (EndpointError, ProviderError) as error:
        _finish_intent(intent, ScaleIntent.State.FAILED, getattr(error, "user_message", str(error)))
        return
    fields = {"target_instances": intent.target}
    if intent.target:
        fields["last_nonzero_instances"] = intent.target
    note = intent.note or f"Scaled to {intent.target} instance{'s' if intent.target != 1 else ''}"
    apply_service(endpoint, service, note, **fields)
    _finish_intent(intent, ScaleIntent.State.SENT)


def _already_satisfied(endpoint: Endpoint, target: int) -> bool:
    """Two tabs asking for the same number send one call; after a failed deploy, asking again retries."""
    return endpoint.target_instances == target and endpoint.status != Status.UNAVAILABLE


def _superseded(intent: ScaleIntent) -> bool:
    """A later wish replaces this one: only the newest is sent."""
    later = ScaleIntent.objects.filter(endpoint_id=intent.endpoint_id, created_at__gt=intent.created_at)
    return later.exclude(state=ScaleIntent.State.FAILED).exists()


def _finish_intent(intent: ScaleIntent, state, error: str = ""):
    ScaleIntent.objects.filter(pk=intent.pk).update(state=state, error=error[:500], sent_at=timezone.now())
