"""Mounted at /workspaces/. Pages show the current workspace; actions name theirs by UUID in the URL, so a form
acts on the workspace it was shown for even if another tab switched since. The accept page is /invite/<secret>/
(netmind_console/urls.py), the webhook form is the accounts app's (/workspaces/<uuid>/webhook/)."""

from django.urls import path

from netmind_console.workspaces.views import audit_log, invitations, manage, members

app_name = "workspaces"

urlpatterns = [
    path("", members.members, name="members"),
    path("switch/", manage.switch, name="switch"),
    path("new/", manage.new, name="new"),
    path("settings/", manage.settings_page, name="settings"),
    path("invitations/", invitations.invitation_list, name="invitations"),
    path("invitations/<uuid:uuid>/revoke/", invitations.revoke, name="revoke_invitation"),
    path("audit/", audit_log.audit_page, name="audit"),
    path("audit.csv", audit_log.audit_csv, name="audit_csv"),
    path("<uuid:uuid>/invitations/", invitations.create, name="create_invitation"),
    path("<uuid:uuid>/rename/", manage.rename, name="rename"),
    path("<uuid:uuid>/delete/", manage.delete, name="delete"),
    path("<uuid:uuid>/members/<str:username>/remove/", members.remove, name="remove_member"),
    path("<uuid:uuid>/members/<str:username>/limits/", members.set_limits, name="set_limits"),
    path("<uuid:uuid>/members/<str:username>/role/", members.change_role, name="change_role"),
    path("<uuid:uuid>/members/<str:username>/transfer/", members.transfer, name="transfer"),
]
