"""The weekly send reads many CLPs' news at once (build_contents): each CLP's email says exactly
what it says read alone, whatever the others in the same read follow, when their emails go and
when their last one went; and the read costs the same queries for four CLPs as for two. And a
batch claimed when its digest was prepared, which waits while the task sends the digests before
it, is sent once however long it waited."""

import datetime

import pytest
from django.core import mail
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from newsletters.models import Delivery, DeliveryStatus, Digest, DigestStatus
from newsletters.services import unsubscribe
from newsletters.weekly import sending
from newsletters.weekly.content import build_content, build_contents, with_previous_send
from newsletters.weekly.render import render
from newsletters.weekly.schedule import schedule_for, window
from newsletters.weekly.services import ensure_upcoming_digest

from ..factories import (
    ActionDayFactory,
    BallotFactory,
    CLPFactory,
    DisputeFactory,
    FollowedDisputeFactory,
    PicketLineFactory,
    PicketSignupFactory,
    PostcodeDistrictFactory,
    SolidarityActionFactory,
    SubscriberFactory,
    WeeklyScheduleFactory,
    WorkplaceFactory,
)

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def day(n: int) -> datetime.date:
    return TODAY + datetime.timedelta(days=n)


def sent_before(clp, days_ago: int) -> None:
    """The CLP's last email, which went `days_ago` days ago."""
    week = ensure_upcoming_digest(clp).week_start - datetime.timedelta(days=7 * (1 + days_ago // 7))
    Digest.objects.create(
        clp=clp,
        week_start=week,
        status=DigestStatus.SENT,
        send_started_at=timezone.now() - datetime.timedelta(days=days_ago),
    )


@pytest.fixture
def four_clps():
    """Four CLPs with emails that go on different days, and news some of them share: a local
    dispute two of them are near (with a picket line of one, and sign-ups), a national strike
    three follow over three weeks, a result announced a fortnight ago (news to the CLP whose
    last email went three weeks ago, not to the one whose went three days ago), a win, a fund,
    an open ballot, an event; and a CLP with nothing at all."""
    clps = [CLPFactory(slug=f"clp-{i}") for i in range(4)]
    weekdays = [(TODAY.weekday() - 1) % 7, (TODAY.weekday() + 2) % 7, 0, 4]
    for clp, weekday in zip(clps, weekdays, strict=True):
        WeeklyScheduleFactory(clp=clp, weekday=weekday, skip_empty=False)
    a, b, c, d = clps
    for clp in (a, b):
        PostcodeDistrictFactory(clp=clp, district="N16")
    # Every day for three weeks, but one in A's email's days called off; A's picket line on
    # the first two of its days.
    first = window(schedule_for(a), ensure_upcoming_digest(a).week_start, today=TODAY).first
    local = DisputeFactory(title="Depot cleaners", workplaces=[WorkplaceFactory()])
    local_days = {
        day(n): ActionDayFactory(
            dispute=local, date=day(n), cancelled=day(n) == first + datetime.timedelta(days=3)
        )
        for n in range(21)
    }
    on_the_line = [local_days[first], local_days[first + datetime.timedelta(days=1)]]
    line = PicketLineFactory(clp=a, dispute=local, action_days=on_the_line, is_local=True)
    PicketSignupFactory(picket_line=line, action_day=on_the_line[0], confirmed_at=timezone.now())
    BallotFactory(dispute=local, opens_on=day(-10), closes_on=day(5), entitled_to_vote=300)
    national = DisputeFactory(
        title="National pay",
        is_national=True,
        hardship_fund_name="Strike fund",
        hardship_fund_url="https://fund.example/",
    )
    for n in range(1, 22, 2):
        ActionDayFactory(dispute=national, date=day(n))
    counted = DisputeFactory(title="Counted", status="mandate_won")
    BallotFactory(
        dispute=counted,
        opens_on=day(-40),
        closes_on=day(-14),
        result_announced_on=day(-14),
        entitled_to_vote=1000,
        votes_cast=600,
        yes_votes=500,
        no_votes=100,
    )
    won = DisputeFactory(title="Won back", status="won")
    for clp in (a, b, d):
        for dispute in (national, counted, won):
            FollowedDisputeFactory(clp=clp, dispute=dispute)
    SolidarityActionFactory(clp=a, kind="speaker", date=first, title="A speaker at the branch")
    # A's too, a day after A's email's days.
    SolidarityActionFactory(clp=a, kind="speaker", date=first + datetime.timedelta(days=7))
    SolidarityActionFactory(
        clp=b,
        kind="benefit_event",
        date=window(schedule_for(b), ensure_upcoming_digest(b).week_start, today=TODAY).last,
        title="Quiz night",
    )
    sent_before(a, 3)
    sent_before(b, 21)
    for clp in clps:
        SubscriberFactory(clp=clp)
    return clps


def read(clps) -> list[Digest]:
    ids = [ensure_upcoming_digest(clp).pk for clp in clps]
    digests = with_previous_send(
        Digest.objects.select_related("clp", "clp__weekly_schedule").filter(pk__in=ids)
    )
    return sorted(digests, key=lambda d: ids.index(d.pk))


def test_each_clps_email_read_with_others_says_what_it_says_read_alone(four_clps):
    together = build_contents(read(four_clps))
    for digest, content in zip(read(four_clps), together, strict=True):
        alone = render(build_content(digest))
        with_others = render(content)
        assert with_others == alone, digest.clp.slug
    a, b, c, d = together
    # The shares differ, so the comparison above compared something.
    assert [row["line"].dispute.title for row in a.picket_lines] == ["Depot cleaners"]
    assert b.picket_lines == [] and c.is_empty
    assert [ballot.dispute.title for ballot, _ in b.results] == ["Counted"]
    assert a.results == []
    assert {e.dispute.title for e in b.strikes} == {"Depot cleaners", "National pay"}
    assert [e.dispute.title for e in d.strikes] == ["National pay"]
    assert [x.title for x in a.events] == ["A speaker at the branch"]
    assert [x.title for x in b.events] == ["Quiz night"]
    assert a.window != b.window


def test_four_clps_news_is_read_in_the_queries_of_two(four_clps):
    digests = read(four_clps)
    # A's and B's between them have every kind of news: one query for each.
    with CaptureQueriesContext(connection) as one:
        build_contents(digests[:2])
    with CaptureQueriesContext(connection) as four:
        build_contents(digests)
    assert len(four) == len(one) == 11


def prepared_a_while_ago(clp, members: int, *, minutes: int):
    """A digest of `members` subscribers prepared (its first batches claimed) by a task that
    reaches it `minutes` later: its subscribers, the digest and its claimed batches."""
    subscribers = [SubscriberFactory(clp=clp) for _ in range(members)]
    WeeklyScheduleFactory(clp=clp, skip_empty=False)
    digest = ensure_upcoming_digest(clp)
    [(prepared, claimed)] = sending.prepare_many([digest.pk], claim_first=True)
    earlier = datetime.timedelta(minutes=minutes)
    Delivery.objects.filter(digest=digest).update(claimed_at=F("claimed_at") - earlier)
    for batch in claimed:
        batch.claimed_at -= earlier
    return subscribers, prepared, claimed


def test_a_batch_claimed_when_prepared_and_swept_back_meanwhile_is_not_sent_again(clp):
    """A task prepares many digests, each with its first batch claimed, then sends them in turn.
    If it takes so long to reach one that the sweeper puts that batch back and another worker
    sends it, the task does not send it a second time when it gets there."""
    # Eleven minutes pass before the task reaches this digest...
    members, digest, claimed = prepared_a_while_ago(clp, 3, minutes=11)
    assert [len(batch) for batch in claimed] == [3]
    # ...the sweeper has put the batch back, and another worker has sent it.
    assert sending.requeue_stuck(timezone.now(), after=datetime.timedelta(minutes=10)) == 3
    assert sending.send_all(digest.pk) == 3
    assert sorted(m.to[0] for m in mail.outbox) == sorted(s.email for s in members)

    assert sending.send_prepared(digest, claimed) == 0
    assert len(mail.outbox) == 3


def test_a_batch_claimed_when_prepared_and_still_the_tasks_goes_after_a_wait(clp):
    members, digest, claimed = prepared_a_while_ago(clp, 3, minutes=5)
    assert sending.send_prepared(digest, claimed) == 3
    assert sorted(m.to[0] for m in mail.outbox) == sorted(s.email for s in members)
    assert Delivery.objects.filter(status=DeliveryStatus.SENT, attempts=1).count() == 3


def test_batches_claimed_together_are_each_read_again_when_reached_after_a_wait(
    clp, settings, monkeypatch
):
    """Three batches claimed when the digest was prepared. While the first goes (slowly), the
    claims of the other two grow old, the sweeper puts them back and another worker sends
    them: the task does not send them again when it reaches them."""
    settings.WEEKLY_BATCH_SIZE = 2
    members = [SubscriberFactory(clp=clp).email for _ in range(5)]
    WeeklyScheduleFactory(clp=clp, skip_empty=False)
    digest = ensure_upcoming_digest(clp)
    [(prepared, claimed)] = sending.prepare_many([digest.pk], claim_first=True)
    assert [len(batch) for batch in claimed] == [2, 2, 1]
    hand_over, meanwhile = sending.hand_over, []

    def slowly(connection, esp, digest, batch, personal):
        if not meanwhile:
            meanwhile.append(True)
            earlier = datetime.timedelta(minutes=11)
            later = [d.pk for each in claimed[1:] for d in each]
            Delivery.objects.filter(pk__in=later).update(claimed_at=F("claimed_at") - earlier)
            for each in claimed[1:]:
                each.claimed_at -= earlier
            assert sending.requeue_stuck(timezone.now(), after=datetime.timedelta(minutes=10)) == 3
            assert sending.send_all(digest.pk) == 3  # another worker
        return hand_over(connection, esp, digest, batch, personal)

    monkeypatch.setattr(sending, "hand_over", slowly)
    assert sending.send_prepared(prepared, claimed) == 2
    assert sorted(m.to[0] for m in mail.outbox) == sorted(members)
    assert Delivery.objects.filter(status=DeliveryStatus.SENT).count() == 5


def test_a_subscriber_erased_while_their_claimed_batch_waited_is_not_sent_to(clp):
    members, digest, claimed = prepared_a_while_ago(clp, 3, minutes=1)
    members[1].delete()  # erased meanwhile
    assert sending.send_prepared(digest, claimed) == 2
    assert sorted(m.to[0] for m in mail.outbox) == sorted([members[0].email, members[2].email])
    gone = Delivery.objects.get(digest=digest, subscriber=None)
    assert (gone.status, gone.error) == (DeliveryStatus.FAILED, sending.SUBSCRIBER_GONE)


def test_a_subscriber_who_unsubscribed_while_their_claimed_batch_waited_is_not_sent_to(clp):
    members, digest, claimed = prepared_a_while_ago(clp, 3, minutes=1)
    unsubscribe(subscriber=members[1])
    assert sending.send_prepared(digest, claimed) == 2
    assert sorted(m.to[0] for m in mail.outbox) == sorted([members[0].email, members[2].email])
    left = Delivery.objects.get(digest=digest, subscriber=members[1])
    assert (left.status, left.error) == (DeliveryStatus.FAILED, sending.SUBSCRIBER_LEFT)


def test_digests_prepared_together_each_get_their_own_clps_subscribers_less_its_suppressions(
    settings,
):
    """One INSERT makes the deliveries of every digest prepared together: each gets its own
    CLP's subscribers, numbered in batches from its own first, less those suppressed for its
    CLP or for every CLP."""
    from newsletters.models import Suppression, SuppressionReason, email_hash

    settings.WEEKLY_BATCH_SIZE = 2
    first, second = CLPFactory(), CLPFactory()
    for clp, emails in [(first, "abcd"), (second, "abcx")]:
        WeeklyScheduleFactory(clp=clp, skip_empty=False)
        for letter in emails:
            SubscriberFactory(clp=clp, email=f"{letter}@example.org")
    # a@ unsubscribed from the first CLP only; x@ bounced, for every CLP.
    Suppression.objects.create(
        email_hash=email_hash("a@example.org"), clp=first, reason=SuppressionReason.UNSUBSCRIBED
    )
    Suppression.objects.create(email_hash=email_hash("x@example.org"), reason="bounced")
    digests = [ensure_upcoming_digest(first), ensure_upcoming_digest(second)]
    prepared = sending.prepare_many([d.pk for d in digests], claim_first=True)
    got = {
        digest.clp_id: [[d.subscriber.email[0] for d in batch] for batch in claimed]
        for digest, claimed in prepared
    }
    assert got == {first.pk: [["b", "c"], ["d"]], second.pk: [["a", "b"], ["c"]]}
    rows = Delivery.objects.order_by("digest__clp", "batch", "subscriber__email")
    assert [(r.digest.clp_id, r.batch, r.subscriber.email[0]) for r in rows] == [
        (first.pk, 0, "b"),
        (first.pk, 0, "c"),
        (first.pk, 1, "d"),
        (second.pk, 0, "a"),
        (second.pk, 0, "b"),
        (second.pk, 1, "c"),
    ]


def test_digests_prepared_together_include_two_weeks_of_one_clp_and_a_clp_with_no_one(settings):
    settings.WEEKLY_BATCH_SIZE = 2
    busy, empty = CLPFactory(), CLPFactory()
    for clp in (busy, empty):
        WeeklyScheduleFactory(clp=clp, skip_empty=False)
    emails = sorted(SubscriberFactory(clp=busy).email for _ in range(3))
    this_week = ensure_upcoming_digest(busy)
    next_week = Digest.objects.create(
        clp=busy, week_start=this_week.week_start + datetime.timedelta(days=7)
    )
    digests = [this_week, next_week, ensure_upcoming_digest(empty)]
    prepared = sending.prepare_many([d.pk for d in digests], claim_first=True)
    got = {
        digest.pk: [[d.subscriber.email for d in batch] for batch in claimed]
        for digest, claimed in prepared
    }
    assert got == {
        this_week.pk: [emails[:2], emails[2:]],
        next_week.pk: [emails[:2], emails[2:]],
        digests[2].pk: [[]],  # nothing to claim, and nothing more
    }
    for digest, claimed in prepared:
        sending.send_prepared(digest, claimed)
    assert sorted(m.to[0] for m in mail.outbox) == sorted(emails * 2)
    assert set(Digest.objects.values_list("status", flat=True)) == {DigestStatus.SENT}


@pytest.mark.parametrize("claim_first", [True, False])
def test_a_digest_prepared_with_a_delivery_already_made_still_gets_one_each(clp, claim_first):
    """The INSERT of a digest's deliveries expects none to exist; if one does, it is kept,
    the rest are made, and each subscriber is sent one email."""
    members = [SubscriberFactory(clp=clp) for _ in range(3)]
    WeeklyScheduleFactory(clp=clp, skip_empty=False)
    digest = ensure_upcoming_digest(clp)
    Delivery.objects.create(
        digest=digest, subscriber=members[1], status=DeliveryStatus.QUEUED, batch=0
    )

    [(prepared, claimed)] = sending.prepare_many([digest.pk], claim_first=claim_first)

    made = Delivery.objects.filter(digest=digest).values_list("subscriber", flat=True)
    assert sorted(made) == sorted(m.pk for m in members)
    if claim_first:  # the rows made now, claimed; the one there before waits for its claim
        ids = sorted(d.subscriber.id for batch in claimed for d in batch)
        assert ids == sorted([members[0].pk, members[2].pk])
    sending.send_prepared(prepared, claimed)
    sending.send_all(digest.pk)
    assert sorted(m.to[0] for m in mail.outbox) == sorted(m.email for m in members)
    assert set(Delivery.objects.values_list("status", flat=True)) == {DeliveryStatus.SENT}
