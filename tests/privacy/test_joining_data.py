"""Requests to join and invitations are personal data (an address on a Labour CLP's list says
something of its owner's politics): they are in a copy of the person's data, go with an
erasure, and are deleted 90 days after they are answered, used, revoked or expired."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from clps.joining import clp_join, invitation_send, join_request_decide
from clps.models import AuditAction, AuditEvent, Invitation, JoinOutcome, JoinRequest, Role
from clps.personal_data import JOINING_DAYS
from privacy.erasure import person_erase
from privacy.export import person_export
from privacy.people import person_find
from privacy.retention import retention_run

from ..factories import InvitationFactory, JoinRequestFactory, UserFactory
from .test_erasure import database_text
from .test_export import download

pytestmark = pytest.mark.django_db

EMAIL = "Ada.Lovelace@Example.org"


@pytest.fixture
def ada(db):
    return UserFactory(email=EMAIL.lower(), name="Ada Lovelace")


@pytest.fixture
def asked_and_invited(clp, other_clp, tulo, other_tulo, ada):
    """Ada asked to join this CLP (still waiting) and was invited by the other, under the
    address as she typed it elsewhere."""
    clp_join(clp=clp, user=ada)
    invitation, _ = invitation_send(clp=other_clp, email=EMAIL, role=Role.MEMBER, by=other_tulo)
    return JoinRequest.objects.get(user=ada), invitation


def test_a_copy_of_the_whole_sites_data_has_requests_and_invitations(asked_and_invited, ada):
    data = person_export(person=person_find(email=EMAIL.lower()))
    [asked] = data["join_requests"]
    assert asked["clp"] == "Hackney North & Stoke Newington"
    assert asked["answer"] == "waiting for the TULO"
    [invited] = data["invitations"]
    assert invited["clp"] == "Hackney South & Shoreditch"
    assert (invited["sent_to"], invited["role"], invited["state"]) == (EMAIL, "Member", "waiting")
    # The invitation is her own record, not a mention of her in someone else's.
    assert not any(m["record"] == "invitation" for m in data["mentioned_in_text"])


def test_a_tulos_copy_has_only_their_own_clps(client, asked_and_invited, clp, tulo, ada):
    client.force_login(tulo)
    data = download(
        client.post(
            reverse("privacy:clp_requests", args=[clp.slug]),
            {"email": EMAIL, "action": "export"},
        )
    )
    assert [r["clp"] for r in data["join_requests"]] == ["Hackney North & Stoke Newington"]
    assert data["invitations"] == []


def test_an_invitation_accepted_with_another_address_is_in_the_accounts_copy(clp, tulo, ada):
    invitation, _ = invitation_send(clp=clp, email="ada@work.example", role="executive", by=tulo)
    Invitation.objects.filter(pk=invitation.pk).update(accepted_at=timezone.now(), accepted_by=ada)
    data = person_export(person=person_find(email=EMAIL))
    [accepted] = data["invitations"]
    assert accepted["sent_to"] == "ada@work.example" and accepted["accepted_by_you"]


def test_an_address_only_invited_is_found_and_erased_by_the_clps_tulo(client, clp, tulo):
    invitation_send(clp=clp, email=EMAIL, role=Role.MEMBER, by=tulo)
    client.force_login(tulo)
    url = reverse("privacy:clp_requests", args=[clp.slug])
    review = client.post(url, {"email": EMAIL.upper(), "action": "review"}).content.decode()
    assert "Invitations" in review and "Erase for good" in review
    client.post(url, {"email": EMAIL.upper(), "action": "erase", "confirm": "on"})
    assert not Invitation.objects.exists()
    assert AuditEvent.objects.filter(clp=clp, action=AuditAction.PERSON_ERASED).exists()


@pytest.mark.django_db(transaction=True)  # pg_dump sees only what is committed
def test_erasure_removes_requests_and_invitations_and_leaves_no_trace(
    asked_and_invited, clp, site_admin, ada, other_clp
):
    # An answered request of hers elsewhere too, and an invitation she sent as a TULO (which
    # stays, as the invited person's, without her name on it).
    join_request_decide(
        join_request=JoinRequestFactory(clp=other_clp, user=ada),
        by=site_admin,
        outcome=JoinOutcome.DECLINED,
    )
    theirs = InvitationFactory(clp=clp, email="someone@example.org", invited_by=ada)
    before = database_text()
    assert "ada.lovelace@example.org" in before.lower() and "Ada Lovelace" in before

    result = person_erase(email=EMAIL, by=site_admin)

    assert result.erased["join requests"] == 2 and result.erased["invitations"] == 1
    assert not JoinRequest.objects.exists()
    assert list(Invitation.objects.all()) == [theirs]
    theirs.refresh_from_db()
    assert theirs.invited_by.name == "Erased person"
    after = database_text()
    assert "ada.lovelace" not in after.lower() and "Ada Lovelace" not in after
    erased_in = set(
        AuditEvent.objects.filter(action=AuditAction.PERSON_ERASED).values_list("clp", flat=True)
    )
    assert {clp.pk, other_clp.pk} <= erased_in


def test_retention_deletes_what_was_answered_used_revoked_or_expired_90_days_ago(clp, tulo):
    assert JOINING_DAYS == 90
    now = timezone.now()
    long_ago = now - datetime.timedelta(days=91)
    lately = now - datetime.timedelta(days=89)

    waiting = JoinRequestFactory(clp=clp, created_at=long_ago)
    answered_lately = JoinRequestFactory(
        clp=clp, decided_at=lately, decided_by=tulo, outcome=JoinOutcome.APPROVED
    )
    JoinRequestFactory(clp=clp, decided_at=long_ago, outcome=JoinOutcome.DECLINED)

    open_invitation = InvitationFactory(clp=clp)
    InvitationFactory(clp=clp, created_at=long_ago - datetime.timedelta(days=14))  # expired
    InvitationFactory(clp=clp, accepted_at=long_ago, accepted_by=tulo)
    InvitationFactory(clp=clp, revoked_at=long_ago)
    revoked_lately = InvitationFactory(clp=clp, revoked_at=lately)
    expired_lately = InvitationFactory(clp=clp, created_at=lately - datetime.timedelta(days=14))

    done = retention_run(now=now)
    assert (done["join_requests"], done["invitations"]) == (1, 3)
    assert retention_run(now=now)["invitations"] == 0  # a second run does no harm

    assert set(JoinRequest.objects.all()) == {waiting, answered_lately}
    assert set(Invitation.objects.all()) == {open_invitation, revoked_lately, expired_lately}
    counts = dict(AuditEvent.objects.filter(clp=clp, actor=None).values_list("action", "count"))
    assert counts == {AuditAction.JOIN_REQUESTS_EXPIRED: 1, AuditAction.INVITATIONS_EXPIRED: 3}


def test_the_notice_states_the_period(client, clp):
    page = client.get(reverse("privacy:clp_notice", args=[clp.slug])).content.decode()
    assert " ".join(page.split()).count(f"{JOINING_DAYS} days after") >= 2


def test_the_audit_log_shows_joining_by_number(client, clp, tulo, outsider):
    join_request = clp_join(clp=clp, user=outsider)
    join_request_decide(join_request=join_request, by=tulo, outcome=JoinOutcome.APPROVED)
    client.force_login(tulo)
    page = client.get(reverse("privacy:audit_log", args=[clp.slug])).content.decode()
    assert f"Request to join no. {join_request.pk}" in page
    assert "Approved a request to join" in page and "Asked to join the CLP" in page
    assert outsider.email not in page
