"""Which days each week's email covers and what it calls them: seven days from its day, or the
week after a weekend email, so that one email starts where the last one ended; sent late, the
days it has left. The label in its header and subject always names the days it lists."""

import datetime

import pytest
from django.utils import timezone

from newsletters.models import Digest, WeeklySchedule
from newsletters.weekly import schedule
from newsletters.weekly.content import build_content
from newsletters.weekly.render import render
from newsletters.weekly.schedule import Window, covering_week, window

from ..factories import ActionDayFactory, FollowedDisputeFactory, WeeklyScheduleFactory

MONDAY = datetime.date(2026, 12, 7)
ONE_DAY = datetime.timedelta(days=1)


def at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def on(weekday: int, hour: int = 8) -> WeeklySchedule:
    return WeeklySchedule(weekday=weekday, send_time=datetime.time(hour))


@pytest.mark.parametrize(
    ("weekday", "sent", "first", "last", "label"),
    [
        (0, MONDAY, MONDAY, MONDAY + 6 * ONE_DAY, "week of Monday 7 December"),
        (2, MONDAY + 2 * ONE_DAY, MONDAY + 2 * ONE_DAY, MONDAY + 8 * ONE_DAY,
         "Wed 9 to Tue 15 December"),
        # A weekend email is for the week after it.
        (6, MONDAY - ONE_DAY, MONDAY, MONDAY + 6 * ONE_DAY, "week of Monday 7 December"),
        (5, MONDAY - 2 * ONE_DAY, MONDAY, MONDAY + 6 * ONE_DAY, "week of Monday 7 December"),
    ],
)  # fmt: skip
def test_each_weeks_email_covers_seven_days_from_its_day_or_the_week_after_a_weekend(
    weekday, sent, first, last, label
):
    assert schedule.send_at(on(weekday), MONDAY) == at(sent, 8)
    days = window(on(weekday), MONDAY)
    assert (days.first, days.last, days.label) == (first, last, label)
    # The next week's email starts the day after this one's last.
    assert window(on(weekday), MONDAY + 7 * ONE_DAY).first == last + ONE_DAY


@pytest.mark.parametrize(
    ("first", "last", "label", "short"),
    [
        (MONDAY, MONDAY + 6 * ONE_DAY, "week of Monday 7 December", "this week"),
        (MONDAY + 2 * ONE_DAY, MONDAY + 6 * ONE_DAY, "Wed 9 to Sun 13 December",
         "Wed 9 to Sun 13 Dec"),
        (MONDAY + 6 * ONE_DAY, MONDAY + 6 * ONE_DAY, "Sunday 13 December", "Sun 13 Dec"),
        (datetime.date(2026, 12, 30), datetime.date(2027, 1, 5),
         "Wed 30 December to Tue 5 January", "Wed 30 Dec to Tue 5 Jan"),
        (datetime.date(2026, 12, 28), datetime.date(2027, 1, 3),
         "week of Monday 28 December", "this week"),
    ],
)  # fmt: skip
def test_the_label_names_the_days(first, last, label, short):
    assert (Window(first, last).label, Window(first, last).short_label) == (label, short)


def test_sent_late_it_covers_the_days_it_has_left():
    days = window(on(0), MONDAY, today=MONDAY + 2 * ONE_DAY)
    assert (days.first, days.last) == (MONDAY + 2 * ONE_DAY, MONDAY + 6 * ONE_DAY)
    assert days.label == "Wed 9 to Sun 13 December"
    # Previewed before its week, it covers the whole of it.
    assert window(on(0), MONDAY, today=MONDAY - 3 * ONE_DAY).label == "week of Monday 7 December"


@pytest.mark.parametrize(
    ("weekday", "now", "week"),
    [
        (0, at(MONDAY, 7, 59), MONDAY - 7 * ONE_DAY),
        (0, at(MONDAY, 8), MONDAY),
        (0, at(MONDAY + 6 * ONE_DAY, 23), MONDAY),
        (6, at(MONDAY - ONE_DAY, 7, 59), MONDAY - 7 * ONE_DAY),
        (6, at(MONDAY - ONE_DAY, 8), MONDAY),  # Sunday morning: the coming week's
        (3, at(MONDAY + 2 * ONE_DAY, 12), MONDAY - 7 * ONE_DAY),
    ],
)
def test_the_due_week_is_the_latest_whose_time_has_come(weekday, now, week):
    assert schedule.due_week(on(weekday), now) == week


@pytest.mark.django_db
def test_a_sunday_email_is_labelled_for_the_coming_week_and_lists_it(clp):
    """Sunday evening, 18:01: the email for the week starting tomorrow is made, named for that
    week, and lists that week's strike days, not today's."""
    WeeklyScheduleFactory(clp=clp, weekday=6, send_time=datetime.time(18))
    sunday = MONDAY - ONE_DAY
    [due] = schedule.due_digests(at(sunday, 18, 1))
    digest = Digest.objects.select_related("clp").get(pk=due)
    assert digest.week_start == MONDAY
    today, monday = ActionDayFactory(date=sunday), ActionDayFactory(date=MONDAY)
    for day in (today, monday):
        FollowedDisputeFactory(clp=clp, dispute=day.dispute)
    content = build_content(digest, today=sunday)
    assert content.window == Window(MONDAY, MONDAY + 6 * ONE_DAY)
    assert [entry.dispute for entry in content.strikes] == [monday.dispute]
    rendered = render(content)
    assert rendered.text.splitlines()[1] == "Week of Monday 7 December"
    assert rendered.subject.startswith("Strikes this week: ")
    assert today.dispute.title not in rendered.text and monday.dispute.title in rendered.text


@pytest.mark.parametrize(
    ("weekday", "day", "monday"),
    [
        (2, datetime.date(2026, 12, 8), datetime.date(2026, 11, 30)),  # Wed email, on Tue
        (2, datetime.date(2026, 12, 9), datetime.date(2026, 12, 7)),  # Wed email, on its day
        (6, datetime.date(2026, 12, 12), datetime.date(2026, 12, 7)),  # Sun email, on Sat
        (6, datetime.date(2026, 12, 13), datetime.date(2026, 12, 14)),  # Sun email, on its day
        (5, datetime.date(2026, 12, 13), datetime.date(2026, 12, 14)),  # Sat email, on Sun
    ],
)
def test_the_send_command_sends_the_email_whose_days_it_is(weekday, day, monday):
    """`send_weekly_digest` sends the week whose email covers today: on a Sunday with a Sunday
    email, the coming week's, as the tick would."""
    schedule = WeeklySchedule(weekday=weekday, send_time=datetime.time(8))
    assert covering_week(schedule, day) == monday
