from django.contrib import messages
from django.contrib.auth import get_user_model, login
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from netmind_console.accounts import services
from netmind_console.accounts.forms import FirstAdminForm, PreferencesForm, ProviderAccountForm
from netmind_console.accounts.models import ProviderAccount, preferences_for
from netmind_console.core.forms import submitted
from netmind_console.core.registry import page_context


def _get_account_for_user(request, uuid) -> ProviderAccount:
    return get_object_or_404(ProviderAccount, uuid=uuid, owner=request.user)


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
    form = PreferencesForm(submitted(request), instance=preferences_for(request.user))
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Preferences saved.")
        return redirect("settings")
    context = {"accounts": services.accounts_for(request.user), "preferences_form": form, "webhook_secret": form.instance.webhook_secret, **page_context("settings", request.user)}
    return render(request, "accounts/settings.html", context, status=400 if form.errors else 200)


@login_required
def account_form(request, uuid=None):
    account = _get_account_for_user(request, uuid) if uuid else None
    form = ProviderAccountForm(submitted(request), owner=request.user, account=account,
                               initial={"provider": account.provider, "label": account.label,
                                        "base_url": account.base_url} if account else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.save_account(request.user, data.get("provider") or account.provider, data["label"],
                                  data["token"], data["base_url"], account)
        except services.BaseUrlRefused as error:  # the settings changed since the form checked it
            form.add_error("base_url", str(error))
        else:
            messages.success(request, f"Saved {data['label']}.")
            return redirect("settings")
    return render(request, "accounts/account_form.html", {"form": form, "account": account},
                  status=400 if form.errors else 200)


@login_required
@require_POST
def account_test(request, uuid):
    account = _get_account_for_user(request, uuid)
    ok, message = services.test_connection(account)
    context = {"account": account, "ok": ok, "message": message}
    if request.htmx:
        return render(request, "accounts/settings.html#test-result", context)
    (messages.success if ok else messages.error)(request, message)
    return redirect("settings")


@login_required
def account_delete(request, uuid):
    account = _get_account_for_user(request, uuid)
    if request.method == "POST":
        label = account.label
        account.delete()
        messages.success(request, f"Removed {label}.")
        return redirect("settings")
    return render(request, "accounts/account_delete.html", {"account": account})
