"""The CLP's audit log: who changed which disputes, ballots, visits, ledger entries and
subscriptions, and when, bulk changes included; the TULO's alone, a page at a time."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from clps.models import AuditAction, AuditEvent
from newsletters.models import Subscriber
from newsletters.services import subscriber_bounced, subscription_confirm, unsubscribe
from pickets.models import PicketVisit, SolidarityAction, VisitStatus

from ..factories import (
    AuditEventFactory,
    BallotFactory,
    DisputeFactory,
    FollowedDisputeFactory,
    SubscriberFactory,
)

pytestmark = pytest.mark.django_db


def log_rows(client, clp, query: str = "") -> list[str]:
    response = client.get(reverse("privacy:audit_log", args=[clp.slug]) + query)
    assert response.status_code == 200
    body = re.search(r"<tbody>(.*?)</tbody>", response.content.decode(), re.S)
    rows = re.findall(r"<tr>\s*(.*?)</tr>", body.group(1), re.S) if body else []
    return [" ".join(re.sub(r"<[^>]+>", " ", row).split()) for row in rows]


@pytest.fixture
def followed(clp, dispute):
    FollowedDisputeFactory(clp=clp, dispute=dispute)
    return dispute


def new_visit(clp, dispute, by) -> PicketVisit:
    visit = PicketVisit(clp=clp, dispute=dispute, date=timezone.localdate(), members_count=4)
    visit._history_user = by
    visit.save()
    return visit


def test_the_log_shows_who_changed_what_in_the_clps_records(
    client, clp, tulo, member, other_clp, other_tulo, followed
):
    visit = new_visit(clp, followed, member)
    client.force_login(tulo)
    client.post(reverse("pickets:visit_confirm", args=[clp.slug, visit.pk]))
    client.post(
        reverse("pickets:action_create", args=[clp.slug]),
        {"kind": "money_raised", "date": "2026-11-20", "amount": "1350", "fund_name": "CWU fund"},
    )
    followed.status = "won"
    followed._history_user = other_tulo
    followed.save()
    BallotFactory(dispute=followed)
    client.post(
        reverse("newsletters_public:subscribe", args=[clp.slug]),
        {"email": "ada@example.org", "consent": "on"},
    )
    subscriber = Subscriber.objects.get(email="ada@example.org")
    subscription_confirm(subscriber=subscriber)
    unsubscribe(subscriber=subscriber)
    # Another CLP's records are not this CLP's business.
    new_visit(other_clp, followed, other_tulo)
    SubscriberFactory(clp=other_clp, email="bo@example.org")
    subscriber_bounced(email="bo@example.org", reason="bounced")

    rows = log_rows(client, clp)
    assert any(
        "Picket visit" in r
        and "changed status, confirmed by, confirmed at" in r
        and "Priya Sharma" in r
        for r in rows
    ), rows
    assert any("Picket visit" in r and "added" in r and "Sam Whitfield" in r for r in rows)
    assert any("Solidarity ledger" in r and "added" in r and "Priya Sharma" in r for r in rows)
    assert any(
        "Dispute" in r and "changed status" in r and "someone outside this CLP" in r for r in rows
    ), rows
    assert any("Ballot" in r and "added" in r for r in rows)
    no = subscriber.pk
    for action in ("Asked to subscribe", "Confirmed a subscription", "Unsubscribed"):
        assert any(
            action in r and f"Subscriber no. {no}" in r and "the subscriber" in r for r in rows
        ), (action, rows)
    assert not any("Email bounced" in r for r in rows)
    assert sum("Picket visit" in r for r in rows) == 2  # not the other CLP's
    assert "tulo@other.example" not in " ".join(rows)

    signed_out = client.__class__().get(reverse("privacy:audit_log", args=[clp.slug]))
    assert signed_out.status_code == 302 and "/accounts/login/" in signed_out["Location"]


def test_a_bounce_leaves_one_row_per_clp_it_touched(clp, other_clp):
    SubscriberFactory(clp=clp, email="cy@example.org")
    SubscriberFactory(clp=other_clp, email="CY@example.org")
    assert subscriber_bounced(email="cy@example.org", reason="bounced") == 2
    events = AuditEvent.objects.filter(action=AuditAction.BOUNCED)
    assert sorted(e.clp_id for e in events) == sorted([clp.pk, other_clp.pk])
    assert subscriber_bounced(email="cy@example.org", reason="bounced") == 0
    assert events.count() == 2


def test_confirming_a_visit_twice_records_it_once(client, clp, tulo, member, followed):
    visit = new_visit(clp, followed, member)
    client.force_login(tulo)
    url = reverse("pickets:visit_confirm", args=[clp.slug, visit.pk])
    client.post(url)
    client.post(url)
    visit.refresh_from_db()
    assert visit.status == VisitStatus.CONFIRMED and visit.confirmed_by == tulo
    assert [h.history_type for h in visit.history.order_by("history_date")] == ["+", "~"]
    assert visit.history.first().history_user == tulo


def test_only_the_tulo_sees_the_log(client, clp, executive, member, other_tulo):
    url = reverse("privacy:audit_log", args=[clp.slug])
    for who in (executive, member, other_tulo):
        client.force_login(who)
        assert client.get(url).status_code == 403


def test_pages_run_newest_first_with_nothing_missed_or_repeated(client, clp, tulo):
    now = timezone.now()
    # Rows of several sources at the very same moment, as a bulk change makes them.
    AuditEvent.objects.bulk_create(
        [
            AuditEvent(
                clp=clp,
                action=AuditAction.SUBSCRIBED,
                object_type="subscriber",
                object_id=n,
                created_at=now,
            )
            for n in range(1, 31)
        ]
    )
    for n in range(12):
        action = SolidarityAction(
            clp=clp, kind="message", date=datetime.date(2026, 11, 1), title=f"Message {n}"
        )
        action.save()
    SolidarityAction.history.update(history_date=now)
    client.force_login(tulo)
    seen, query, pages = [], "", 0
    while True:
        response = client.get(reverse("privacy:audit_log", args=[clp.slug]) + query)
        page = response.context["page"]
        seen += [(e.kind, e.id) for e in page.rows]
        pages += 1
        if not page.next_cursor:
            break
        query = f"?after={page.next_cursor}"
    assert pages == 2
    assert len(seen) == len(set(seen)) == 30 + 12
    assert [k for k, _ in seen[:30]] == ["Subscriptions"] * 25 + ["Subscriptions"] * 5
    assert all(k == "Solidarity ledger" for k, _ in seen[30:])


def test_a_bad_cursor_starts_from_the_first_page(client, clp, tulo):
    AuditEventFactory(clp=clp)
    client.force_login(tulo)
    assert len(log_rows(client, clp, "?after=not-a-cursor")) == 1


def seed(clp, tulo, member, n: int) -> None:
    """n of everything the log shows, each with a change after it was added."""
    for i in range(n):
        dispute = DisputeFactory()
        FollowedDisputeFactory(clp=clp, dispute=dispute)
        dispute.status = "won"
        dispute._history_user = tulo
        dispute.save()
        ballot = BallotFactory(dispute=dispute)
        ballot.entitled_to_vote = 100
        ballot.save()
        visit = new_visit(clp, dispute, member)
        visit.members_count = 5
        visit._history_user = tulo
        visit.save()
        action = SolidarityAction(clp=clp, kind="motion", date=datetime.date(2026, 11, 2))
        action._history_user = tulo
        action.save()
        action.title = f"Motion {i}"
        action.save()
        subscriber = SubscriberFactory(clp=clp, status="pending")
        subscription_confirm(subscriber=subscriber)


@pytest.mark.parametrize("n", [4, 12])
def test_the_log_costs_the_same_queries_however_long(
    client, clp, tulo, member, n, django_assert_num_queries
):
    seed(clp, tulo, member, n)
    client.force_login(tulo)
    url = reverse("privacy:audit_log", args=[clp.slug])
    client.get(url)  # the session and two-factor lookups settle on the first request
    with django_assert_num_queries(15):
        response = client.get(url)
    assert len(response.context["page"].rows) == 25
