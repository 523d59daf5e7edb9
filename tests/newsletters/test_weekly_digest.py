"""The weekly strikes-and-ballots email: what it says, when it goes, and that each subscriber
gets each week's email once."""

import datetime
import re

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from newsletters.models import (
    Delivery,
    DeliveryStatus,
    Digest,
    DigestStatus,
    SubscriberStatus,
    WeeklySchedule,
)
from newsletters.weekly import schedule, sending
from newsletters.weekly.schedule import week_start
from newsletters.weekly.services import ensure_upcoming_digest

from ..factories import (
    ActionDayFactory,
    BallotFactory,
    DisputeFactory,
    FollowedDisputeFactory,
    PicketLineFactory,
    SubscriberFactory,
    UnionFactory,
    WeeklyScheduleFactory,
)

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
MONDAY = week_start(TODAY)


@pytest.fixture
def news(clp, due_last_night):
    """A CLP with a local picket line this week, a followed strike, a ballot closing and one
    that missed its threshold, all in the days of the email being prepared."""
    clp.districts.create(district="N16")
    cwu, unison, neu = (
        UnionFactory(short_name="CWU"),
        UnionFactory(short_name="UNISON"),
        UnionFactory(short_name="NEU"),
    )
    delivery_office = DisputeFactory(
        title="Delivery office cuts",
        workers="postal workers at the delivery office",
        unions=[cwu],
    )
    FollowedDisputeFactory(clp=clp, dispute=delivery_office)
    day = ActionDayFactory(dispute=delivery_office, date=TODAY + datetime.timedelta(days=2))
    PicketLineFactory(clp=clp, dispute=delivery_office, action_days=[day])
    hospital = DisputeFactory(title="Hospital back in-house", unions=[unison])
    FollowedDisputeFactory(clp=clp, dispute=hospital)
    BallotFactory(
        dispute=hospital,
        union=unison,
        opens_on=TODAY - datetime.timedelta(days=14),
        closes_on=TODAY + datetime.timedelta(days=4),
        entitled_to_vote=420,
    )
    schools = DisputeFactory(title="Schools support staff", unions=[neu])
    FollowedDisputeFactory(clp=clp, dispute=schools)
    BallotFactory(
        dispute=schools,
        union=neu,
        opens_on=TODAY - datetime.timedelta(days=30),
        closes_on=TODAY - datetime.timedelta(days=2),
        entitled_to_vote=1250,
        votes_cast=550,
        yes_votes=484,
        no_votes=66,
    )
    elsewhere = DisputeFactory(title="Not followed anywhere")
    ActionDayFactory(dispute=elsewhere, date=TODAY + datetime.timedelta(days=1))
    return clp


def test_the_digest_reads_from_the_records_in_both_parts(news, clp):
    sam = SubscriberFactory(clp=clp, email="sam@example.org")
    SubscriberFactory(clp=clp, email="pending@example.org", status=SubscriberStatus.PENDING)
    SubscriberFactory(clp=clp, email="gone@example.org", status=SubscriberStatus.UNSUBSCRIBED)
    digest = ensure_upcoming_digest(clp)
    digest.note = "Bring the CLP banner on Thursday!"
    digest.save()

    assert sending.send_all(digest.pk) == 1
    assert [m.to for m in mail.outbox] == [["sam@example.org"]]
    message = mail.outbox[0]
    # The subject names the week and its biggest item: the strike with a picket line near you.
    assert re.fullmatch(
        r"Strikes (this week|[A-Z][a-z]{2} \d+ [A-Z][a-z]{2} to [A-Z][a-z]{2} \d+ [A-Z][a-z]{2}|"
        r"[A-Z][a-z]{2} \d+ to [A-Z][a-z]{2} \d+ [A-Z][a-z]{2}): "
        r"CWU postal workers at the delivery office out on "
        + f"{TODAY + datetime.timedelta(days=2):%A}",
        message.subject,
    ), message.subject
    html = message.alternatives[0].content
    for part in (message.body, html):
        # Read as words: where the text part's lines wrap moves with the dates' lengths.
        words = " ".join(part.split())
        assert part.index("Bring the CLP banner") < part.index("The yard gate")
        assert "Delivery office cuts" in part
        assert "Hospital back in-house" in words and "Needs 50% turnout" in words
        assert "Schools support staff" in words and "No mandate for action" in words
        assert "Not followed anywhere" not in part
        assert f"/subscriptions/{sam.token}/" in part
        assert "__TULIAISON" not in part
    assert "<script" not in html
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert sam.token in message.extra_headers["List-Unsubscribe"]


def test_a_second_send_sends_nothing_more(news, clp):
    for n in range(5):
        SubscriberFactory(clp=clp, email=f"member{n}@example.org")
    digest = ensure_upcoming_digest(clp)
    assert sending.send_all(digest.pk) == 5
    assert sending.send_all(digest.pk) == 0
    assert len(mail.outbox) == 5
    assert Delivery.objects.filter(digest=digest, status=DeliveryStatus.SENT).count() == 5
    digest.refresh_from_db()
    assert digest.status == DigestStatus.SENT


def test_a_held_digest_does_not_go(news, clp):
    SubscriberFactory(clp=clp, email="sam@example.org")
    digest = ensure_upcoming_digest(clp)
    Digest.objects.filter(pk=digest.pk).update(status=DigestStatus.HELD)
    assert sending.send_all(digest.pk) == 0
    assert mail.outbox == []


def test_an_empty_week_is_skipped_when_the_clp_says_so(clp):
    SubscriberFactory(clp=clp, email="sam@example.org")
    WeeklyScheduleFactory(clp=clp, skip_empty=True)
    digest = ensure_upcoming_digest(clp)
    assert sending.send_all(digest.pk) == 0
    digest.refresh_from_db()
    assert digest.status == DigestStatus.SKIPPED
    assert mail.outbox == []


def test_an_empty_week_says_so_when_the_clp_wants_it_anyway(clp):
    SubscriberFactory(clp=clp, email="sam@example.org")
    WeeklyScheduleFactory(clp=clp, skip_empty=False)
    assert sending.send_all(ensure_upcoming_digest(clp).pk) == 1
    assert "Nothing new this week." in mail.outbox[0].body


def test_duplicate_ticks_make_one_digest_per_week(news, clp):
    WeeklySchedule.objects.filter(clp=clp).update(weekday=0, send_time=datetime.time(8))
    due_time = timezone.make_aware(datetime.datetime.combine(MONDAY, datetime.time(8, 1)))
    first = schedule.due_digests(due_time)
    second = schedule.due_digests(due_time + datetime.timedelta(minutes=1))
    assert first == second and len(first) == 1
    assert Digest.objects.filter(clp=clp, week_start=MONDAY).count() == 1
    before = timezone.make_aware(datetime.datetime.combine(MONDAY, datetime.time(7, 59)))
    Digest.objects.all().delete()
    assert schedule.due_digests(before) == []


def test_a_clp_that_never_saved_a_schedule_gets_its_email_at_the_default_time(clp):
    assert not WeeklySchedule.objects.exists()
    before = timezone.make_aware(datetime.datetime.combine(MONDAY, datetime.time(7, 59)))
    assert schedule.due_digests(before) == []
    at_eight = timezone.make_aware(datetime.datetime.combine(MONDAY, datetime.time(8)))
    (due,) = schedule.due_digests(at_eight)
    assert Digest.objects.get(pk=due).clp == clp


def test_a_clp_that_turned_its_email_off_gets_none(clp):
    WeeklyScheduleFactory(clp=clp, enabled=False)
    at_noon = timezone.make_aware(datetime.datetime.combine(MONDAY, datetime.time(12)))
    assert schedule.due_digests(at_noon) == []


@pytest.mark.parametrize("clps", [3, 30])
def test_the_tick_finds_due_digests_in_the_same_few_queries_for_any_number_of_clps(
    clps, django_assert_num_queries
):
    for n in range(clps):
        WeeklyScheduleFactory(clp__slug=f"due-{n}", weekday=0, send_time=datetime.time(8))
    due_time = timezone.make_aware(datetime.datetime.combine(MONDAY, datetime.time(8, 1)))
    # The schedules, the week's digests made so far, one INSERT of the rest, the due ones.
    with django_assert_num_queries(4):
        assert len(schedule.due_digests(due_time)) == clps
    Digest.objects.filter(pk=Digest.objects.first().pk).update(status=DigestStatus.SENT)
    with django_assert_num_queries(3):  # all made: nothing to insert
        assert len(schedule.due_digests(due_time)) == clps - 1


def test_a_worker_killed_mid_batch_leaves_its_deliveries_to_be_requeued(news, clp, settings):
    settings.WEEKLY_BATCH_SIZE = 2
    for n in range(3):
        SubscriberFactory(clp=clp, email=f"member{n}@example.org")
    digest = sending.prepare(ensure_upcoming_digest(clp).pk)
    claimed = sending.claim(digest)  # then the worker dies
    assert len(claimed) == 2
    later = timezone.now() + datetime.timedelta(minutes=11)
    assert sending.requeue_stuck(later, after=datetime.timedelta(minutes=10)) == 2
    assert sending.send_all(digest.pk) == 3
    assert sorted(m.to[0] for m in mail.outbox) == [f"member{n}@example.org" for n in range(3)]


def test_a_subscriber_deleted_after_the_digest_is_prepared_is_sent_nothing(news, clp):
    SubscriberFactory(clp=clp, email="kept@example.org")
    gone = SubscriberFactory(clp=clp, email="gone@example.org")
    digest = sending.prepare(ensure_upcoming_digest(clp).pk)
    gone.delete()
    assert sending.send_all(digest.pk) == 1
    assert [m.to for m in mail.outbox] == [["kept@example.org"]]
    orphan = Delivery.objects.get(digest=digest, subscriber=None)
    assert (orphan.status, orphan.error) == (DeliveryStatus.FAILED, sending.SUBSCRIBER_GONE)
    assert Digest.objects.get(pk=digest.pk).status == DigestStatus.SENT


def test_a_failing_email_service_leaves_the_batch_queued(news, clp, settings):
    SubscriberFactory(clp=clp, email="sam@example.org")
    settings.MAILERS = {"default": {"BACKEND": "tests.newsletters.failing_backend.EmailBackend"}}
    digest = ensure_upcoming_digest(clp)
    with pytest.raises(ConnectionError):
        sending.send_all(digest.pk)
    assert Delivery.objects.get().status == DeliveryStatus.QUEUED


@pytest.mark.parametrize("role", ["anonymous", "member", "executive", "other_tulo"])
def test_only_the_tulo_controls_the_weekly_email(client, request, clp, role):
    if role != "anonymous":
        client.force_login(request.getfixturevalue(role))
    for name in ["newsletters:weekly", "newsletters:preview"]:
        response = client.get(reverse(name, args=[clp.slug]))
        assert response.status_code == (302 if role == "anonymous" else 403)


def test_tulo_previews_holds_and_sends_a_test(client, tulo, news, clp):
    client.force_login(tulo)
    page = client.get(reverse("newsletters:weekly", args=[clp.slug])).content.decode()
    assert "The yard gate" in page
    preview = client.get(reverse("newsletters:preview", args=[clp.slug]))
    assert "The yard gate" in preview.content.decode()
    assert "unsafe-inline" in preview["Content-Security-Policy"]
    assert "script-src" not in preview["Content-Security-Policy"]
    client.post(reverse("newsletters:save_note", args=[clp.slug]), {"note": "Banner on Thursday"})
    client.post(reverse("newsletters:hold", args=[clp.slug]), {"action": "hold"})
    digest = ensure_upcoming_digest(clp)
    assert (digest.note, digest.status) == ("Banner on Thursday", DigestStatus.HELD)
    client.post(reverse("newsletters:send_test", args=[clp.slug]))
    assert mail.outbox[-1].to == [tulo.email]
    assert "Banner on Thursday" in mail.outbox[-1].body
