from django.contrib.auth import views as auth_views
from django.urls import path

from netmind_console.accounts import views

urlpatterns = [
    path("setup/", views.setup, name="setup"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("settings/", views.settings_page, name="settings"),
    path("settings/accounts/new/", views.account_form, name="account_new"),
    path("settings/accounts/<uuid:uuid>/", views.account_form, name="account_edit"),
    path("settings/accounts/<uuid:uuid>/test/", views.account_test, name="account_test"),
    path("settings/accounts/<uuid:uuid>/cap/", views.account_cap, name="account_cap"),
    path("settings/accounts/<uuid:uuid>/default/", views.account_default, name="account_default"),
    path("settings/accounts/<uuid:uuid>/delete/", views.account_delete, name="account_delete"),
    path("workspaces/<uuid:uuid>/webhook/", views.webhook, name="workspace_webhook"),
]
