"""An email whose time passed more than a day ago is not sent by the tick: news read days late
would mislead, as the digest headed "week of 23 November" sent on Sunday 29th did. It waits for
the TULO, whose weekly page says so and sends it, named for the days it has left."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from newsletters.models import Digest, DigestStatus, WeeklySchedule
from newsletters.weekly import schedule
from newsletters.weekly.schedule import window

from ..factories import (
    ActionDayFactory,
    DigestFactory,
    DisputeFactory,
    FollowedDisputeFactory,
    UnionFactory,
    WeeklyScheduleFactory,
)

pytestmark = pytest.mark.django_db

MONDAY = datetime.date(2026, 11, 23)
DUE = timezone.make_aware(datetime.datetime.combine(MONDAY, datetime.time(8)))
ONE_DAY = datetime.timedelta(days=1)
TODAY = timezone.localdate()


@pytest.fixture
def monday_8am(clp):
    return WeeklyScheduleFactory(clp=clp, weekday=0, send_time=datetime.time(8))


@pytest.mark.parametrize(
    ("late", "sent"),
    [
        (datetime.timedelta(minutes=1), True),
        (datetime.timedelta(hours=23, minutes=59), True),
        (datetime.timedelta(hours=24), True),
        (datetime.timedelta(hours=24, minutes=1), False),
        (datetime.timedelta(days=6), False),
    ],
)
def test_the_tick_sends_an_email_up_to_a_day_late_and_no_later(clp, monday_8am, late, sent):
    due = schedule.due_digests(DUE + late)
    assert bool(due) is sent
    if sent:
        assert Digest.objects.get(pk=due[0]).week_start == MONDAY
    else:
        assert not Digest.objects.exists()  # nor is it made, to be sent by anything else


def test_a_draft_made_on_time_and_never_sent_is_not_sent_a_day_later(clp, monday_8am):
    [due] = schedule.due_digests(DUE + datetime.timedelta(minutes=1))  # the worker was down
    assert schedule.due_digests(DUE + datetime.timedelta(hours=23, minutes=59)) == [due]
    assert schedule.due_digests(DUE + datetime.timedelta(hours=24, minutes=1)) == []
    assert Digest.objects.get(pk=due).status == DigestStatus.DRAFT


def test_a_send_under_way_is_carried_on_however_late(clp, monday_8am):
    digest = DigestFactory(clp=clp, week_start=MONDAY, status=DigestStatus.SENDING)
    assert schedule.due_digests(DUE + datetime.timedelta(days=3)) == [digest.pk]


def test_started_on_a_sunday_the_app_sends_nothing_and_the_tulo_sees_the_email_waiting(
    clp, monday_8am
):
    """`make run` on Sunday 29 November: Monday's email is six days late."""
    sunday = DUE + 6 * ONE_DAY + datetime.timedelta(hours=2)
    assert schedule.due_digests(sunday) == []
    waiting = schedule.waiting_digest(clp, sunday)
    assert waiting is not None and waiting.pk is None and waiting.week_start == MONDAY
    assert window(monday_8am, MONDAY, today=sunday.date()).label == "Sunday 29 November"
    # The TULO prepares the next week's meanwhile.
    assert schedule.upcoming_week(clp, sunday) == MONDAY + 7 * ONE_DAY
    # Nothing waits once its days are over, nor before it is late, nor once it has gone.
    assert schedule.waiting_digest(clp, DUE + 7 * ONE_DAY - datetime.timedelta(hours=1)) is None
    assert schedule.waiting_digest(clp, DUE + datetime.timedelta(hours=23)) is None
    DigestFactory(clp=clp, week_start=MONDAY, status=DigestStatus.SENT)
    assert schedule.waiting_digest(clp, sunday) is None


@pytest.fixture
def due_two_days_ago(clp, members):
    """The subscribers' email fell due at midnight a day or two ago and was not sent; its seven
    days take in today and more, whatever day the test runs."""
    day = TODAY - ONE_DAY
    if day.weekday() == 5:  # a Saturday email would be for the week after
        day -= ONE_DAY
    WeeklySchedule.objects.filter(clp=clp).update(weekday=day.weekday(), send_time=datetime.time(0))
    return WeeklySchedule.objects.get(clp=clp)


def test_the_tulo_sees_the_late_email_waiting_and_sends_it_for_the_days_it_has_left(
    client,
    clp,
    tulo,
    due_two_days_ago,
    smtp_server,
    members,
    eager,
    django_capture_on_commit_callbacks,
):
    week = schedule.due_week(due_two_days_ago, timezone.now())
    days = window(due_two_days_ago, week, today=TODAY)
    assert days.first == TODAY
    dispute = DisputeFactory(
        title="Porters at the Homerton", unions=[UnionFactory(short_name="GMB")]
    )
    FollowedDisputeFactory(clp=clp, dispute=dispute)
    ActionDayFactory(dispute=dispute, date=TODAY)
    gone = DisputeFactory(title="Already over")
    FollowedDisputeFactory(clp=clp, dispute=gone)
    ActionDayFactory(dispute=gone, date=TODAY - ONE_DAY)

    client.force_login(tulo)
    url = reverse("newsletters:weekly", args=[clp.slug])
    page = client.get(url).content.decode()
    assert "This week's email was due on" in page and "and was not sent" in page
    the = "the " if days.whole_week else ""
    assert f"Send it now, for {the}{days.label}</button>" in page
    assert f'name="week" value="{week.isoformat()}"' in page

    hold = reverse("newsletters:hold", args=[clp.slug])
    # A page left open since an earlier week sends nothing.
    stale = (week - 7 * ONE_DAY).isoformat()
    response = client.post(hold, {"action": "send_waiting", "week": stale}, follow=True)
    assert "no longer waiting" in response.content.decode()
    assert not Digest.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(hold, {"action": "send_waiting", "week": week.isoformat()})
    digest = Digest.objects.get()
    assert response.url == reverse("newsletters:digest", args=[clp.slug, digest.pk])
    assert (digest.week_start, digest.status) == (week, DigestStatus.SENT)
    assert len(smtp_server.received) == len(members)
    received = smtp_server.received[0]
    text = received.text.replace("\r\n", "\n")
    assert text.splitlines()[1] == days.label[0].upper() + days.label[1:]
    assert f"· {days.label}</div>" in received.html
    assert received.message["Subject"].startswith(f"Strikes {days.short_label}: GMB members at ")
    assert "Porters at the Homerton" in text and "Already over" not in text
    assert all(
        day in {f"{d:%a} {d.day} {d:%b}" for d in (days.first + n * ONE_DAY for n in range(7))}
        for day in re.findall(r"\b(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) \d{1,2} [A-Z][a-z]{2}\b", text)
    )

    # Sent, it no longer waits.
    page = client.get(url).content.decode()
    assert "was not sent" not in page
