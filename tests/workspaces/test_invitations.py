"""Invite links: made by admins, shown once, single use, at most a week, revocable; new people sign up through
them and signed-in people join with one click."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.utils import timezone

from netmind_console.workspaces.models import AuditEntry, Invitation, Membership
from netmind_console.workspaces.roles import Role
from tests.fixtures.teams import client_in, join

pytestmark = pytest.mark.django_db


def invite(client, workspace, role="member", days=7, email="", **extra):
    return client.post(f"/workspaces/{workspace.uuid}/invitations/", {"role": role, "days": days, "email": email,
                                                                      **extra})


def link_in(response) -> str:
    found = re.search(r"http://testserver(/invite/[^/]+/)", response.content.decode())
    assert found, "the page shows the new link"
    return found.group(1)


def sign_up(client, link, username="dora", password="a-long-passphrase-9", again=None):
    return client.post(link, {"username": username, "password1": password, "password2": again or password})


def test_an_admin_creates_a_link_shown_once_and_only_its_hash_is_stored(studio, studio_client):
    response = invite(studio_client, studio, role="viewer")

    assert response.status_code == 201
    link = link_in(response)
    secret = link.split("/")[2]
    invitation = Invitation.objects.get(workspace=studio)
    assert (invitation.role, invitation.status) == ("viewer", "open")
    assert secret not in invitation.secret_hash
    listing = studio_client.get("/workspaces/invitations/").content.decode()
    assert secret not in listing and "open" in listing
    assert AuditEntry.objects.filter(workspace=studio, action="invite.created", actor_name="alice").exists()


def test_a_new_person_signs_up_through_the_link_and_lands_in_the_workspace(studio, studio_client, client):
    link = link_in(invite(studio_client, studio, role="member"))

    page = client.get(link)
    assert page.status_code == 200 and "Sign up and join" in page.content.decode()
    response = sign_up(client, link)

    assert response.status_code == 302 and response["Location"] == "/"
    dora = get_user_model().objects.get(username="dora")
    assert Membership.objects.get(workspace=studio, user=dora).role == Role.MEMBER
    assert "Studio" in client.get("/workspaces/").content.decode()  # signed in, Studio is current
    assert Invitation.objects.get(workspace=studio).status == "used"
    assert AuditEntry.objects.filter(workspace=studio, action="invite.accepted", actor_name="dora").exists()


def test_a_weak_or_mismatched_password_is_refused_and_nobody_joins(studio, studio_client, client):
    link = link_in(invite(studio_client, studio))

    weak = sign_up(client, link, password="123")
    mismatched = sign_up(client, link, again="another-passphrase-9")

    assert weak.status_code == 400 and "This password is too short" in weak.content.decode()
    assert mismatched.status_code == 400 and "didn’t match" in mismatched.content.decode()
    assert not get_user_model().objects.filter(username="dora").exists()
    assert Invitation.objects.get(workspace=studio).status == "open"


def test_a_signed_in_user_joins_with_one_click(studio, studio_client, other, other_client):
    link = link_in(invite(studio_client, studio, role="admin"))

    assert "Join Studio as admin" in other_client.get(link).content.decode()
    assert other_client.post(link).status_code == 302
    assert Membership.objects.get(workspace=studio, user=other).role == Role.ADMIN


def test_joining_twice_says_already_a_member(studio, studio_client, other, other_client):
    join(studio, other, Role.VIEWER)
    link = link_in(invite(studio_client, studio))

    response = other_client.post(link)

    assert response.status_code == 409 and "already a member" in response.content.decode()
    assert Membership.objects.get(workspace=studio, user=other).role == Role.VIEWER
    assert Invitation.objects.get(workspace=studio).status == "open"


def test_a_used_link_says_so_with_410_and_never_joins(studio, studio_client, other_client, client, other):
    link = link_in(invite(studio_client, studio))
    sign_up(client, link)

    response = other_client.post(link)

    assert response.status_code == 410 and "was used" in response.content.decode()
    assert not Membership.objects.filter(workspace=studio, user=other).exists()


def test_an_expired_link_says_so_with_410(studio, studio_client, client):
    link = link_in(invite(studio_client, studio, days=1))
    Invitation.objects.update(expires_at=timezone.now() - timedelta(seconds=1))

    assert client.get(link).status_code == 410
    response = sign_up(client, link)
    assert response.status_code == 410 and "was expired" in response.content.decode()
    assert not get_user_model().objects.filter(username="dora").exists()


def test_a_revoked_link_says_so_and_the_revoke_is_audited(studio, studio_client, client):
    link = link_in(invite(studio_client, studio))
    invitation = Invitation.objects.get(workspace=studio)

    assert studio_client.post(f"/workspaces/invitations/{invitation.uuid}/revoke/").status_code == 302

    response = client.get(link)
    assert response.status_code == 410 and "was revoked" in response.content.decode()
    assert AuditEntry.objects.filter(workspace=studio, action="invite.revoked", actor_name="alice").exists()
    assert "revoked" in studio_client.get("/workspaces/invitations/").content.decode()


def test_a_made_up_link_is_404(client, owner):
    assert client.get("/invite/not-a-real-secret/").status_code == 404


def test_expiry_is_one_to_seven_days(studio, studio_client):
    for days in (0, 8):
        response = invite(studio_client, studio, days=days)
        assert response.status_code == 400
    assert "less than or equal to 7" in response.content.decode()
    assert not Invitation.objects.exists()


def test_an_admin_cannot_invite_an_owner_but_an_owner_can(studio, studio_client, other):
    join(studio, other, Role.ADMIN)
    admin_client = client_in(studio, other)

    refused = invite(admin_client, studio, role="owner")

    assert refused.status_code == 400 and "Select a valid choice" in refused.content.decode()
    assert not Invitation.objects.exists()
    assert invite(studio_client, studio, role="owner").status_code == 201


@pytest.mark.parametrize("role", [Role.VIEWER, Role.MEMBER])
def test_members_and_viewers_cannot_invite_or_revoke(studio, studio_client, other, role):
    join(studio, other, role)
    invite(studio_client, studio)
    invitation = Invitation.objects.get()
    client = client_in(studio, other)

    assert client.get("/workspaces/invitations/").status_code == 403
    assert invite(client, studio).status_code == 403
    assert client.post(f"/workspaces/invitations/{invitation.uuid}/revoke/").status_code == 403
    assert Invitation.objects.get().status == "open" and Invitation.objects.count() == 1


def test_a_non_member_gets_404(studio, other_client):
    assert invite(other_client, studio).status_code == 404


def test_the_link_is_mailed_when_the_console_can_send_mail(studio, studio_client, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.EMAIL_HOST = "smtp.example.com"

    response = invite(studio_client, studio, email="dora@example.com")

    assert "also mailed" in response.content.decode()
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["dora@example.com"]
    assert link_in(response) in mail.outbox[0].body


def test_without_mail_settings_the_admin_copies_the_link(studio, studio_client, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.EMAIL_HOST = ""

    response = invite(studio_client, studio, email="dora@example.com")

    assert response.status_code == 201 and "also mailed" not in response.content.decode()
    assert mail.outbox == []


def test_a_mail_server_that_cannot_be_reached_leaves_the_link_on_screen(studio, studio_client, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2

    response = invite(studio_client, studio, email="dora@example.com")

    assert response.status_code == 201 and "Mailing it failed: send it yourself" in response.content.decode()
    assert Invitation.objects.get(workspace=studio).status == "open" and link_in(response)
