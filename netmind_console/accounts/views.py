from django.contrib import messages
from django.contrib.auth import get_user_model, login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.messages.views import SuccessMessageMixin
from django.db import transaction
from django.shortcuts import redirect, render
from django.template.defaultfilters import pluralize
from django.urls import reverse_lazy
from django.views.decorators.http import require_POST

from netmind_console.accounts import login_attempts, services
from netmind_console.accounts.forms import (
    ConcurrencyCapForm,
    FirstAdminForm,
    PreferencesForm,
    ProviderAccountForm,
    WebhookForm,
)
from netmind_console.accounts.models import ProviderAccount, preferences_for
from netmind_console.core.forms import submitted
from netmind_console.core.registry import page_context
from netmind_console.workspaces import access, audit
from netmind_console.workspaces.roles import Role


class LoginView(auth_views.LoginView):
    """Django's login, warning before the lockout (login_attempts.py) rather than only once it has happened."""

    template_name = "accounts/login.html"

    def form_invalid(self, form):
        warning = login_attempts.warning(self.request, form.data.get("username", ""))
        return self.render_to_response(self.get_context_data(form=form, attempts_warning=warning))


class PasswordChangeView(SuccessMessageMixin, auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("settings")
    success_message = "Your password was changed. Use the new one the next time you log in; you stay logged in here."


def _get_account(request, uuid, minimum) -> ProviderAccount:
    return access.get_for(request, ProviderAccount.objects.select_related("workspace"), minimum, uuid=uuid)


def setup(request):
    """First run: create the first (admin) account. Closed once any user exists."""
    if get_user_model().objects.exists():
        return redirect("dashboard")
    form = FirstAdminForm(submitted(request))
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            user = form.save(commit=False)
            user.is_staff = user.is_superuser = True
            user.save()
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, f"Welcome, {user.username}. Your console is ready.")
        return redirect("dashboard")
    return render(request, "accounts/setup.html", {"form": form}, status=400 if form.errors else 200)


@login_required
def settings_page(request):
    """The current workspace's provider accounts, and the person's own preferences."""
    form = PreferencesForm(submitted(request), instance=preferences_for(request.user))
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Preferences saved.")
        return redirect("settings")
    return render(request, "accounts/settings.html", _settings_context(request, preferences_form=form),
                  status=400 if form.errors else 200)


def _settings_context(request, preferences_form=None, cap_form=None) -> dict:
    """The page's accounts, each with its cap form (`cap_form`, bound, for the account it was posted for)."""
    accounts = services.accounts_for(access.current_workspace(request))
    rows = [{"account": account, "cap_form": cap_form if cap_form and cap_form.account.pk == account.pk
             else ConcurrencyCapForm(account=account)} for account in accounts]
    preferences_form = preferences_form or PreferencesForm(instance=preferences_for(request.user))
    return {"account_rows": rows, "preferences_form": preferences_form, **page_context("settings", request)}


@login_required
def account_form(request, uuid=None):
    account = _get_account(request, uuid, Role.ADMIN) if uuid else None
    workspace = account.workspace if account else access.require(request, Role.ADMIN)
    form = ProviderAccountForm(submitted(request), workspace=workspace, account=account,
                               initial={"provider": account.provider, "label": account.label,
                                        "base_url": account.base_url} if account else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            saved = services.save_account(request.user, data.get("provider") or account.provider, data["label"],
                                          data["token"], data["base_url"], account, workspace=workspace,
                                          request=request)
        except services.BaseUrlRefused as error:  # the settings changed since the form checked it
            form.add_error("base_url", str(error))
        else:
            messages.success(request, f"Saved {saved.label}.{_default_note(saved) if not account else ''}")
            return redirect("settings")
    return render(request, "accounts/account_form.html", {"form": form, "account": account, "shown": workspace},
                  status=400 if form.errors else 200)


def _default_note(added: ProviderAccount) -> str:
    """A new account never takes over silently: say which one the forms keep preselecting."""
    provider = added.get_provider_display()
    if added.is_default:
        return f" It is the default {provider} account: forms preselect it."
    default = services.default_account(added.workspace, added.provider)
    return (f" {default.label} stays the default {provider} account; test this one's connection, then make it the "
            "default if forms should preselect it.")


@login_required
@require_POST
def account_test(request, uuid):
    """A provider call: members and up (they submit with the account), not viewers."""
    account = _get_account(request, uuid, Role.MEMBER)
    ok, message = services.test_connection(account)
    context = {"account": account, "ok": ok, "message": message}
    if request.htmx:
        return render(request, "accounts/settings.html#test-result", context)
    (messages.success if ok else messages.error)(request, message)
    return redirect("settings")


@login_required
@require_POST
def account_cap(request, uuid):
    """An admin sets how many jobs of the account may be in flight at once; everyone sees it."""
    account = _get_account(request, uuid, Role.ADMIN)
    form = ConcurrencyCapForm(request.POST, account=account)
    if not form.is_valid():
        error = f"The cap of {account.label} was not saved: {' '.join(form.errors['concurrency_cap'])}"
        return render(request, "accounts/settings.html", {**_settings_context(request, cap_form=form), "error": error},
                      status=422)
    cap = form.cleaned_data["concurrency_cap"]
    services.set_concurrency_cap(account, cap, actor=request.user, request=request)
    messages.success(request, f"Saved: {account.label} sends at most {cap} job{pluralize(cap)} at once.")
    return redirect("settings")


@login_required
@require_POST
def account_default(request, uuid):
    """An admin makes the account the one every form preselects for its provider."""
    account = _get_account(request, uuid, Role.ADMIN)
    services.make_default(account, actor=request.user, request=request)
    messages.success(request, f"{account.label} is now the default {account.get_provider_display()} account: "
                              "forms preselect it.")
    return redirect("settings")


@login_required
def account_delete(request, uuid):
    account = _get_account(request, uuid, Role.ADMIN)
    if request.method == "POST":
        heir = services.remove_account(account, actor=request.user, request=request)
        handed = f" {heir.label} is now the default {heir.get_provider_display()} account." if heir else ""
        messages.success(request, f"Removed {account.label}.{handed}")
        return redirect("settings")
    heir = services.successor(account) if account.is_default else None
    return render(request, "accounts/account_delete.html", {"account": account, "heir": heir})


def webhook_context(request) -> dict:
    """The webhook section of the workspace settings page (registered in apps.py): admins only."""
    workspace = access.current_workspace(request)
    if not access.may(request, Role.ADMIN, workspace):
        return {}
    return {"webhook_form": WebhookForm(instance=workspace)}


@login_required
@require_POST
def webhook(request, uuid):
    workspace = access.workspace_by_uuid(request, uuid, Role.ADMIN)
    before = workspace.webhook_url
    form = WebhookForm(request.POST, instance=workspace)
    if not form.is_valid():
        return render(request, "accounts/webhook.html", {"webhook_form": form, "shown": workspace}, status=400)
    with transaction.atomic():
        form.save()
        audit.record(workspace, request.user, "workspace.webhook_changed", workspace.name,
                     before={"url": before}, after={"url": workspace.webhook_url}, request=request)
    messages.success(request, f"Saved the webhook of {workspace.name}.")
    return redirect("workspaces:settings")

