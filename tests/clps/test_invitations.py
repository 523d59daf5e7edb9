"""Invitations: the TULO invites an address with a role from the people page; the emailed link
opens a page that changes nothing, and one POST, signed in, joins with that role, once. Expired,
used, revoked and unknown links say so and change nothing."""

import datetime
import re

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils import timezone

from clps.joining import invitation_send
from clps.models import AuditAction, AuditEvent, Invitation, JoinRequest, Membership, Role

from ..factories import PASSWORD, InvitationFactory, JoinRequestFactory, UserFactory

pytestmark = pytest.mark.django_db

TOKEN = "k3Jx0f2mZl9qVn8aYt4bRw6sPc1dHe7gUo5iLj-_AbC"


def invitation_path(token: str = TOKEN) -> str:
    return reverse("clps_public:invitation", args=[token])


def every_table() -> dict[str, list]:
    """Every row of every table of the project's apps and allauth's, but the sessions."""
    return {
        model._meta.label: sorted(map(repr, model._base_manager.values_list()))
        for model in apps.get_models()
        if model._meta.app_label not in ("sessions", "admin", "contenttypes")
    }


@pytest.fixture
def invited(clp, tulo):
    return InvitationFactory(
        clp=clp, email="ada@example.org", role=Role.EXECUTIVE, invited_by=tulo, token=TOKEN
    )


def test_the_tulo_invites_an_address_and_it_gets_the_link(client, clp, tulo):
    client.force_login(tulo)
    response = client.post(
        reverse("clps:invite", args=[clp.slug]),
        {"email": "Ada@Example.org", "role": "executive"},
        follow=True,
    )
    assert "Invitation sent to Ada@Example.org" in response.content.decode()
    invitation = Invitation.objects.get()
    assert (invitation.clp, invitation.role, invitation.invited_by) == (
        clp,
        Role.EXECUTIVE,
        tulo,
    )
    assert invitation.expires_at - invitation.created_at == datetime.timedelta(days=14)
    mail = clp.outgoing_mail.get(kind="invitation")
    assert mail.to == "Ada@Example.org"
    assert "Priya Sharma invites you to join" in mail.subject
    link = re.search(r"http\S+/invitations/([\w-]+)/", mail.text)
    assert link and link.group(0) in mail.html
    # Only the token's digest is kept: the link is not in the invitation's row.
    assert link.group(1) not in repr(Invitation.objects.values_list())
    assert AuditEvent.objects.get(action=AuditAction.INVITED).object_id == invitation.pk
    # It waits on the people page, with a button to revoke it.
    people = client.get(reverse("clps:people", args=[clp.slug])).content.decode()
    assert "Ada@Example.org" in people
    assert reverse("clps:invitation_revoke", args=[clp.slug, invitation.pk]) in people


def test_an_address_invited_already_is_refused_next_to_the_field(client, clp, tulo, invited):
    client.force_login(tulo)
    response = client.post(
        reverse("clps:invite", args=[clp.slug]), {"email": "ADA@example.org", "role": "member"}
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "already has an invitation to this CLP" in page
    assert 'value="ADA@example.org"' in page  # what was typed is kept
    assert Invitation.objects.count() == 1
    assert not clp.outgoing_mail.exists()


def test_an_expired_invitation_is_replaced_by_a_new_one(clp, tulo, invited):
    Invitation.objects.filter(pk=invited.pk).update(expires_at=timezone.now())
    fresh, _ = invitation_send(clp=clp, email="ada@example.org", role=Role.MEMBER, by=tulo)
    invited.refresh_from_db()
    assert invited.revoked_at is not None
    assert Invitation.objects.filter(accepted_at=None, revoked_at=None).get() == fresh


def test_a_bad_address_is_refused_and_nothing_is_written(client, clp, tulo):
    client.force_login(tulo)
    before = every_table()
    response = client.post(
        reverse("clps:invite", args=[clp.slug]), {"email": "not an address", "role": "member"}
    )
    assert response.status_code == 400
    assert "Enter a valid email address" in response.content.decode()
    assert every_table() == before


def test_opening_the_link_changes_nothing(client, clp, invited, outsider):
    """Mail scanners open every link: a GET, signed in or not, only shows the page."""
    before = every_table()
    page = client.get(invitation_path())
    assert page.status_code == 200
    text = page.content.decode()
    assert "Priya Sharma invited you to join" in text and "Executive" in text
    assert f"{reverse('account_login')}?next={invitation_path()}" in text
    assert f"{reverse('account_signup')}?next={invitation_path()}" in text
    assert page["Referrer-Policy"] == "same-origin"
    assert "no-store" in page["Cache-Control"]
    assert every_table() == before
    client.force_login(outsider)  # which notes when they last signed in
    before = every_table()
    signed_in = client.get(invitation_path()).content.decode()
    assert "Accept and join" in signed_in and outsider.email in signed_in
    client.head(invitation_path())
    assert every_table() == before


def test_accepting_signed_in_joins_with_the_role_once(client, clp, invited, outsider):
    client.force_login(outsider)
    response = client.post(invitation_path(), follow=True)
    assert "you are Executive here" in response.content.decode()
    assert Membership.objects.get(clp=clp, user=outsider).role == Role.EXECUTIVE
    invited.refresh_from_db()
    assert invited.accepted_by == outsider and invited.accepted_at is not None
    event = AuditEvent.objects.get(action=AuditAction.INVITATION_ACCEPTED)
    assert (event.actor, event.object_id) == (outsider, invited.pk)

    # Their own second click: they are in already.
    again = client.post(invitation_path(), follow=True)
    assert "already accepted this invitation" in again.content.decode()
    # Anyone else with the link: it has been used, and nothing changes.
    client.force_login(UserFactory(email="someone.else@example.org"))
    before = every_table()
    for method in ("get", "post"):
        response = getattr(client, method)(invitation_path())
        assert response.status_code == 410
        assert "already been used" in response.content.decode()
    assert every_table() == before


def test_the_account_need_not_have_the_invited_address(client, clp, invited, member):
    """People have several addresses: who accepted is recorded instead."""
    client.force_login(member)
    client.post(invitation_path())
    invited.refresh_from_db()
    assert invited.accepted_by == member
    assert Membership.objects.get(clp=clp, user=member).role == Role.EXECUTIVE


def test_accepting_never_lowers_a_role(client, clp, tulo):
    InvitationFactory(clp=clp, role=Role.MEMBER, token=TOKEN)
    client.force_login(tulo)
    response = client.post(invitation_path(), follow=True)
    assert Membership.objects.get(clp=clp, user=tulo).role == Role.TULO
    assert "you are TULO here" in response.content.decode()


def test_accepting_answers_a_waiting_request_to_join(client, clp, invited, outsider):
    join_request = JoinRequestFactory(clp=clp, user=outsider)
    client.force_login(outsider)
    client.post(invitation_path())
    join_request.refresh_from_db()
    assert not join_request.is_open
    assert not JoinRequest.objects.filter(decided_at=None).exists()


@pytest.mark.parametrize(
    ("state", "status", "says"),
    [
        ("expired", 410, "This invitation has expired"),
        ("revoked", 410, "This invitation has been withdrawn"),
        ("forged", 404, "This invitation link doesn't work"),
        ("too long", 404, "This invitation link doesn't work"),
    ],
)
def test_a_link_that_cannot_be_used_says_why_and_changes_nothing(
    client, clp, invited, outsider, state, status, says
):
    path = invitation_path()
    if state == "expired":
        Invitation.objects.filter(pk=invited.pk).update(
            expires_at=timezone.now() - datetime.timedelta(seconds=1)
        )
    elif state == "revoked":
        Invitation.objects.filter(pk=invited.pk).update(revoked_at=timezone.now())
    elif state == "forged":
        path = invitation_path(TOKEN[:-1] + "x")
    else:
        path = invitation_path(TOKEN * 2)
    client.force_login(outsider)
    before = every_table()
    for method in ("get", "post"):
        response = getattr(client, method)(path)
        assert response.status_code == status
        assert says in response.content.decode()
    assert every_table() == before
    assert not Membership.objects.filter(user=outsider).exists()


def test_signed_out_the_button_is_signing_in_and_back(client, clp, invited, outsider):
    response = client.post(invitation_path())
    login = f"{reverse('account_login')}?next={invitation_path()}"
    assert response["Location"] == login
    assert not Membership.objects.filter(user=outsider).exists()
    signed_in = client.post(login, {"login": outsider.email, "password": PASSWORD})
    assert signed_in["Location"] == invitation_path()
    client.post(invitation_path())
    assert Membership.objects.get(clp=clp, user=outsider).role == Role.EXECUTIVE


def test_the_tulo_revokes_an_invitation(client, clp, tulo, invited, outsider):
    client.force_login(tulo)
    url = reverse("clps:invitation_revoke", args=[clp.slug, invited.pk])
    page = client.post(url, follow=True).content.decode()
    assert "revoked: its link no longer works" in page
    invited.refresh_from_db()
    assert invited.revoked_at is not None
    assert AuditEvent.objects.filter(action=AuditAction.INVITATION_REVOKED).count() == 1
    # Twice changes nothing more.
    client.post(url)
    assert AuditEvent.objects.filter(action=AuditAction.INVITATION_REVOKED).count() == 1
    client.force_login(outsider)
    assert client.post(invitation_path()).status_code == 410
    assert not Membership.objects.filter(user=outsider).exists()


@pytest.mark.parametrize("role", ["anonymous", "outsider", "member", "executive", "other_tulo"])
def test_only_the_clps_tulo_invites_and_revokes(client, request, clp, invited, role):
    if role != "anonymous":
        client.force_login(request.getfixturevalue(role))
    before = every_table()
    for url, data in [
        (reverse("clps:invite", args=[clp.slug]), {"email": "x@example.org", "role": "tulo"}),
        (reverse("clps:invitation_revoke", args=[clp.slug, invited.pk]), {}),
    ]:
        response = client.post(url, data)
        if role == "anonymous":
            assert response["Location"].startswith(reverse("account_login"))
        else:
            assert response.status_code == 403
    assert every_table() == before


def test_another_clps_tulo_cannot_revoke_by_id(client, other_clp, other_tulo, invited):
    client.force_login(other_tulo)
    url = reverse("clps:invitation_revoke", args=[other_clp.slug, invited.pk])
    assert client.post(url).status_code == 404
    invited.refresh_from_db()
    assert invited.revoked_at is None
