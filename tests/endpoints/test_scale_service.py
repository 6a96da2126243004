import uuid

import pytest
import requests

from endpoints import errors, lifecycle, scaling
from endpoints.models import ScaleIntent

from .conftest import create_endpoint, remote_calls, wait_until_settled


def scale(endpoint, target, key=None):
    intent, created = scaling.request_scale(endpoint, target, key or uuid.uuid4())
    scaling.apply_scale(intent.pk)
    endpoint.refresh_from_db()
    return intent, created


def test_scaling_up_reaches_the_new_count_and_records_each_change(running, sandbox):
    sandbox.configure(speed=10)  # 3 s initializing: the first sync sees it on a loaded machine (CI missed 0.6 s)
    scale(running, 2)
    endpoint = wait_until_settled(running)
    assert (endpoint.status, endpoint.target_instances, endpoint.reported_instances) == ("available", 2, 2)
    assert endpoint.last_nonzero_instances == 2
    assert [(e.status, e.instances) for e in endpoint.events.all()][-2:] == [("initializing", 2), ("available", 2)]
    assert endpoint.events.all()[len(endpoint.events.all()) - 2].note == "Scaled to 2 instances"


def test_the_same_scale_intent_sent_twice_makes_one_remote_call(running, sandbox):
    key = uuid.uuid4()
    _, created = scale(running, 2, key)
    _, created_again = scale(running, 2, key)
    assert created and not created_again
    assert remote_calls(sandbox, "PUT") == 1


def test_a_scale_form_of_one_endpoint_posted_against_another_is_refused_in_words(running, owner, rtx):
    key = uuid.uuid4()
    scale(running, 2, key)
    other = wait_until_settled(create_endpoint(owner, rtx, name="other"))
    with pytest.raises(errors.EndpointError, match="another endpoint"):
        scaling.request_scale(other, 3, key)
    assert not ScaleIntent.objects.filter(endpoint=other).exists()  # nothing half-saved for the wrong endpoint


def test_two_tabs_asking_for_the_same_count_send_one_remote_call(running, sandbox):
    first, _ = scale(running, 3)
    second, _ = scale(running, 3)
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.state, second.state) == (ScaleIntent.State.SENT, ScaleIntent.State.SKIPPED)
    assert remote_calls(sandbox, "PUT") == 1


def test_stop_scales_to_zero_and_start_returns_to_the_last_nonzero_count(running):
    scale(running, 2)
    wait_until_settled(running)
    scale(running, 0)
    stopped = wait_until_settled(running)
    assert (stopped.status, stopped.target_instances, stopped.reported_instances) == ("stopped", 0, 0)
    assert stopped.last_nonzero_instances == 2
    scale(stopped, stopped.last_nonzero_instances)
    started = wait_until_settled(stopped)
    assert (started.status, started.reported_instances) == ("available", 2)


def test_a_deleted_endpoint_cannot_be_scaled(running):
    lifecycle.request_delete(running)
    lifecycle.delete_endpoint(running.pk)
    running.refresh_from_db()
    with pytest.raises(errors.EndpointError, match="deleted"):
        scaling.request_scale(running, 2, uuid.uuid4())


def test_deleting_removes_the_service_and_keeps_the_row_with_its_history(running, sandbox):
    assert lifecycle.request_delete(running)
    assert not lifecycle.request_delete(running)  # a second click claims nothing
    lifecycle.delete_endpoint(running.pk)
    lifecycle.delete_endpoint(running.pk)  # a task delivered twice
    running.refresh_from_db()
    assert running.status == "deleted" and running.deleted_at
    assert running.events.last().status == "deleted" and running.events.last().instances == 0
    assert remote_calls(sandbox, "DELETE") == 1


def test_a_service_gone_at_the_provider_is_marked_deleted_on_sync(running, sandbox):
    # Deleted elsewhere (NetMind's web console): straight at the API, not through the console.
    requests.delete(f"{sandbox.url}/v1/inference-service/{running.service_id}",
                    headers=sandbox.headers_for(running.account.reveal_token()), timeout=5)
    lifecycle.sync_endpoint(running.pk)
    running.refresh_from_db()
    assert running.status == "deleted"
    assert running.events.last().note == "The provider no longer has this service."
