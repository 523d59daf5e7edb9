"""When each CLP's union-updates section is due, and the month maths it rests on.

A month runs from midnight to midnight in Europe/London, whatever the clocks do in between. The
draft for a month is due `days_before` the newsletter that carries it, at BUILD_TIME; the tick
calls due_sections to learn which to draft. Read-only: services.section_build makes them.
"""

import calendar
import datetime
import re
import zoneinfo

from clps.models import CLP
from strikes.ballot_law import add_months

from ..models import NewsletterCovers, NewsletterSchedule, NewsletterSection

LONDON = zoneinfo.ZoneInfo("Europe/London")
# The draft is ready at this time (Europe/London) on its due day: in the TULO's morning, not
# at midnight.
BUILD_TIME = datetime.time(7)


def first_of_month(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def parse_month(value: str) -> datetime.date:
    """'2026-10' -> 1 October 2026. Raises ValueError for anything else."""
    match = re.fullmatch(r"(\d{4})-(\d{1,2})", value.strip())
    if not match:
        raise ValueError(f"Give the month as YYYY-MM, such as 2026-10, not {value!r}.")
    year, month = int(match[1]), int(match[2])
    if not 1 <= month <= 12 or year < 2000:
        raise ValueError(f"{value!r} is not a month: give it as YYYY-MM, such as 2026-10.")
    return datetime.date(year, month, 1)


def month_bounds(month: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """The month's first instant and the next month's, as aware datetimes: midnight in London,
    which is 23:00 UTC the day before while British Summer Time is on."""
    start = datetime.datetime.combine(month, datetime.time(), tzinfo=LONDON)
    end = datetime.datetime.combine(add_months(month, 1), datetime.time(), tzinfo=LONDON)
    return start, end


def last_day(month: datetime.date) -> datetime.date:
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


def schedule_for(clp: CLP) -> NewsletterSchedule:
    """The CLP's saved schedule, or an unsaved one with the defaults to start the form from."""
    return NewsletterSchedule.objects.filter(clp=clp).first() or NewsletterSchedule(clp=clp)


def newsletter_date(schedule: NewsletterSchedule, month: datetime.date) -> datetime.date:
    """The day the newsletter carrying `month`'s section goes out; day 31 in a 30-day month is
    the 30th, and so on."""
    issue = add_months(month, 1) if schedule.covers == NewsletterCovers.PREVIOUS else month
    return issue.replace(day=min(schedule.day_of_month, last_day(issue).day))


def draft_due_at(schedule: NewsletterSchedule, month: datetime.date) -> datetime.datetime:
    due_day = newsletter_date(schedule, month) - datetime.timedelta(days=schedule.days_before)
    return datetime.datetime.combine(due_day, BUILD_TIME, tzinfo=LONDON)


def current_section_month(schedule: NewsletterSchedule, today: datetime.date) -> datetime.date:
    """The month whose newsletter is next to go out on or after `today`."""
    month = first_of_month(today)
    for offset in (-2, -1, 0, 1):
        candidate = add_months(month, offset)
        if newsletter_date(schedule, candidate) >= today:
            return candidate
    return add_months(month, 2)


def due_sections(now: datetime.datetime) -> list[tuple[int, datetime.date]]:
    """(CLP id, month) of every section whose draft is due by `now` and not yet made.

    Due from its time on the due day until its newsletter has gone: a worker that was down on
    the day still drafts it in time, and a CLP that sets its schedule up late is not sent
    drafts for newsletters long gone. Two queries, however many CLPs.
    """
    today = now.astimezone(LONDON).date()
    wanted: list[tuple[int, datetime.date]] = []
    for schedule in NewsletterSchedule.objects.filter(enabled=True):
        for offset in (-2, -1, 0, 1):
            month = add_months(first_of_month(today), offset)
            if draft_due_at(schedule, month) <= now and today <= newsletter_date(schedule, month):
                wanted.append((schedule.clp_id, month))
    if not wanted:
        return []
    made = set(
        NewsletterSection.objects.filter(
            clp_id__in={clp_id for clp_id, _ in wanted},
            month__in={month for _, month in wanted},
        ).values_list("clp_id", "month")
    )
    return [pair for pair in wanted if pair not in made]
