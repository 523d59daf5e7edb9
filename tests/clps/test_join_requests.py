"""Joining a CLP: with open joining off a request waits for a TULO, who is emailed and approves
or declines it from the people page or the dashboard; with it on, joining is at once."""

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from clps import joining
from clps.models import (
    AuditAction,
    AuditEvent,
    JoinOutcome,
    JoinRequest,
    Membership,
    OutgoingMail,
    Role,
)

from ..factories import JoinRequestFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def ask(client, clp):
    return client.post(reverse("clps:join", args=[clp.slug]), follow=True)


def approve_url(clp, join_request):
    return reverse("clps:join_request_approve", args=[clp.slug, join_request.pk])


def decline_url(clp, join_request):
    return reverse("clps:join_request_decline", args=[clp.slug, join_request.pk])


def test_joining_with_open_joining_off_asks_the_tulos(client, clp, tulo, outsider):
    MembershipFactory(clp=clp, role=Role.TULO, user__email="co.tulo@example.org")
    MembershipFactory(clp=clp, role=Role.EXECUTIVE)  # not asked
    client.force_login(outsider)

    page = ask(client, clp).content.decode()

    assert "has gone to its TULO" in page
    assert not Membership.objects.filter(clp=clp, user=outsider).exists()
    join_request = JoinRequest.objects.get(clp=clp, user=outsider)
    assert join_request.is_open
    mails = OutgoingMail.objects.filter(kind="join_requested").order_by("to")
    assert [m.to for m in mails] == ["co.tulo@example.org", tulo.email]
    people_url = f"/c/{clp.slug}/people/"
    for mail in mails:
        assert outsider.email in mail.subject + mail.text
        assert people_url in mail.text and people_url in mail.html
    event = AuditEvent.objects.get(action=AuditAction.JOIN_REQUESTED)
    assert (event.clp, event.actor, event.object_id) == (clp, outsider, join_request.pk)


def test_the_person_sees_their_request_waiting(client, clp, tulo, outsider, other_clp):
    client.force_login(outsider)
    ask(client, clp)
    home = client.get(reverse("home")).content.decode()
    assert "Your request to join" in home and "is waiting for the TULO" in home
    # Not offered again beside the CLPs still to join.
    assert reverse("clps:join", args=[clp.slug]) not in home
    assert reverse("clps:join", args=[other_clp.slug]) in home
    clp_page = client.get(reverse("clps:home", args=[clp.slug])).content.decode()
    assert "is waiting for the TULO" in clp_page
    assert reverse("clps:join", args=[clp.slug]) not in clp_page


def test_asking_twice_changes_nothing_and_emails_nobody_again(client, clp, tulo, outsider):
    client.force_login(outsider)
    ask(client, clp)
    ask(client, clp)
    assert JoinRequest.objects.filter(clp=clp, user=outsider).count() == 1
    assert OutgoingMail.objects.filter(kind="join_requested").count() == 1
    assert AuditEvent.objects.filter(action=AuditAction.JOIN_REQUESTED).count() == 1


def test_one_open_request_per_person_and_clp_is_the_databases_rule(clp, outsider):
    JoinRequestFactory(clp=clp, user=outsider)
    with pytest.raises(IntegrityError), transaction.atomic():
        JoinRequest.objects.create(clp=clp, user=outsider)


def test_a_request_that_lost_the_race_returns_the_winner(clp, tulo, outsider, monkeypatch):
    """Two clicks at once: the second finds no open request, then the constraint refuses it."""
    winner = JoinRequestFactory(clp=clp, user=outsider)
    real_filter = JoinRequest.objects.filter
    calls = []

    def blind_first_look(*args, **kwargs):
        calls.append(kwargs)
        if len(calls) == 1:
            return JoinRequest.objects.none()
        return real_filter(*args, **kwargs)

    monkeypatch.setattr(JoinRequest.objects, "filter", blind_first_look)
    assert joining.clp_join(clp=clp, user=outsider) == winner
    monkeypatch.undo()
    assert JoinRequest.objects.filter(clp=clp, user=outsider).count() == 1
    assert not OutgoingMail.objects.exists()
    assert not AuditEvent.objects.exists()


def test_the_tulo_approves_and_the_person_is_a_member_and_told(client, clp, tulo, outsider):
    join_request = JoinRequestFactory(clp=clp, user=outsider)
    client.force_login(tulo)

    page = client.post(approve_url(clp, join_request), follow=True).content.decode()

    assert "is now a member" in page
    assert Membership.objects.get(clp=clp, user=outsider).role == Role.MEMBER
    join_request.refresh_from_db()
    assert (join_request.outcome, join_request.decided_by) == (JoinOutcome.APPROVED, tulo)
    mail = OutgoingMail.objects.get(kind="join_approved")
    assert mail.to == outsider.email
    assert f"/c/{clp.slug}/" in mail.text
    event = AuditEvent.objects.get(action=AuditAction.JOIN_APPROVED)
    assert (event.actor, event.object_id) == (tulo, join_request.pk)

    # A second click (or another TULO at once) changes nothing and tells no one again.
    page = client.post(approve_url(clp, join_request), follow=True).content.decode()
    assert "had already been answered" in page
    assert OutgoingMail.objects.filter(kind="join_approved").count() == 1
    assert Membership.objects.filter(clp=clp, user=outsider).count() == 1


def test_the_tulo_declines_and_the_person_is_told_politely(client, clp, tulo, outsider):
    join_request = JoinRequestFactory(clp=clp, user=outsider)
    client.force_login(tulo)

    page = client.post(decline_url(clp, join_request), follow=True).content.decode()

    assert "declined" in page
    assert not Membership.objects.filter(clp=clp, user=outsider).exists()
    join_request.refresh_from_db()
    assert join_request.outcome == JoinOutcome.DECLINED
    mail = OutgoingMail.objects.get(kind="join_declined")
    assert mail.to == outsider.email and "Thank you for asking" in mail.text
    # Approving after declining changes nothing: the request has been answered.
    client.post(approve_url(clp, join_request))
    assert not Membership.objects.filter(clp=clp, user=outsider).exists()
    # They may ask again later; that is a new request.
    client.force_login(outsider)
    ask(client, clp)
    assert JoinRequest.objects.filter(clp=clp, user=outsider, decided_at=None).count() == 1


def test_with_open_joining_on_joining_is_at_once(client, clp, tulo, outsider):
    clp.open_joining = True
    clp.save()
    client.force_login(outsider)
    page = ask(client, clp).content.decode()
    assert "You are now a member" in page
    assert Membership.objects.get(clp=clp, user=outsider).role == Role.MEMBER
    assert not JoinRequest.objects.exists()
    assert not OutgoingMail.objects.exists()


def test_the_tulo_turns_open_joining_on_in_the_settings(client, clp, tulo):
    client.force_login(tulo)
    url = reverse("clps:settings", args=[clp.slug])
    assert 'name="open_joining"' in client.get(url).content.decode()
    client.post(url, {"districts": "N16", "open_joining": "on"})
    clp.refresh_from_db()
    assert clp.open_joining
    client.post(url, {"districts": "N16"})
    clp.refresh_from_db()
    assert not clp.open_joining


def test_requests_wait_on_the_people_page_and_the_dashboard(client, clp, tulo):
    join_request = JoinRequestFactory(
        clp=clp, user__name="Ada Lovelace", user__email="ada@example.org"
    )
    client.force_login(tulo)
    for name in ("clps:people", "dashboard"):
        page = client.get(reverse(name, args=[clp.slug])).content.decode()
        assert "Ada Lovelace" in page and "ada@example.org" in page
        assert approve_url(clp, join_request) in page
        assert decline_url(clp, join_request) in page
    # Approved from the dashboard, the TULO is back on the dashboard, and it is gone from it.
    response = client.post(approve_url(clp, join_request), {"from": "dashboard"})
    assert response["Location"] == reverse("dashboard", args=[clp.slug])
    dashboard = client.get(reverse("dashboard", args=[clp.slug])).content.decode()
    assert approve_url(clp, join_request) not in dashboard


def test_approving_needs_a_post(client, clp, tulo, outsider):
    join_request = JoinRequestFactory(clp=clp, user=outsider)
    client.force_login(tulo)
    assert client.get(approve_url(clp, join_request)).status_code == 405
    assert not Membership.objects.filter(user=outsider).exists()


@pytest.mark.parametrize("role", ["anonymous", "outsider", "member", "executive", "other_tulo"])
@pytest.mark.parametrize("url", [approve_url, decline_url], ids=["approve", "decline"])
def test_only_the_clps_tulo_answers_a_request(client, request, clp, role, url):
    asker = UserFactory(email="asker@example.org")
    join_request = JoinRequestFactory(clp=clp, user=asker)
    if role != "anonymous":
        client.force_login(request.getfixturevalue(role))
    response = client.post(url(clp, join_request))
    if role == "anonymous":
        assert response["Location"].startswith(reverse("account_login"))
    else:
        assert response.status_code == 403
    join_request.refresh_from_db()
    assert join_request.is_open
    assert not Membership.objects.filter(user=asker).exists()
    assert not OutgoingMail.objects.exists()


def test_a_tulo_without_two_factor_sign_in_is_sent_to_set_it_up(client, clp, tulo_without_mfa):
    join_request = JoinRequestFactory(clp=clp)
    client.force_login(tulo_without_mfa)
    response = client.post(approve_url(clp, join_request))
    assert response["Location"] == reverse("mfa_activate_totp")
    join_request.refresh_from_db()
    assert join_request.is_open


def test_another_clps_tulo_cannot_answer_by_id(client, clp, other_clp, other_tulo):
    join_request = JoinRequestFactory(clp=clp)
    client.force_login(other_tulo)
    # Their own CLP's URL, with this CLP's request in it.
    for url in (approve_url(other_clp, join_request), decline_url(other_clp, join_request)):
        assert client.post(url).status_code == 404
    join_request.refresh_from_db()
    assert join_request.is_open
    assert not Membership.objects.filter(user=join_request.user, clp=other_clp).exists()
