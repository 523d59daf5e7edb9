"""A dispute's action days as people say them: runs, not rows.

Consecutive days of one dispute with the same kind and the same times make one run: "Mon 30 Nov
to Fri 11 Dec, every weekday, 8am to 11am". A run of weekdays steps over weekends; a run that
takes in a Saturday or Sunday is "every day". A cancelled day inside a run stays in it, named as
an exception ("not Tue 1 Dec: cancelled"), so one cancellation does not break a nine-week strike
into two; a run whose days are all cancelled is a cancelled run.

Everything that shows a dispute's days (the weekly email, the calendar, the dispute page, the
picket line page, the monthly section) uses `runs()` and the labels here. No queries: give it
the days.
"""

import datetime
import itertools
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import groupby

from .models import ActionDay, ActionKind

ONE_DAY = datetime.timedelta(days=1)


def clock(value: datetime.time) -> str:
    """07:00 -> 7am, 13:30 -> 1:30pm, 12:00 -> noon."""
    if value == datetime.time(12):
        return "noon"
    hour = value.hour % 12 or 12
    minutes = f":{value.minute:02d}" if value.minute else ""
    return f"{hour}{minutes}{'am' if value.hour < 12 else 'pm'}"


def hours(start: datetime.time | None, end: datetime.time | None) -> str:
    """'8am to 11am', 'from 8am', 'until 11am', or '' when the union has not said."""
    if start and end:
        return f"{clock(start)} to {clock(end)}"
    if start:
        return f"from {clock(start)}"
    if end:
        return f"until {clock(end)}"
    return ""


def short_day(day: datetime.date) -> str:
    """Mon 30 Nov."""
    return f"{day:%a} {day.day} {day:%b}"


def listed(names: list[str], conjunction: str = "and") -> str:
    """['Mon', 'Wed', 'Fri'] -> 'Mon, Wed and Fri'."""
    if len(names) < 2:
        return "".join(names)
    return ", ".join(names[:-1]) + f" {conjunction} " + names[-1]


def monday_of(day: datetime.date) -> datetime.date:
    return day - datetime.timedelta(days=day.weekday())


def _called_off(dates: list[datetime.date]) -> str:
    """'not Tue 1 Dec: cancelled', 'not Tue 1 Dec or Wed 2 Dec: cancelled', or ''."""
    names = [short_day(date) for date in dates]
    return f"not {listed(names, 'or')}: cancelled" if names else ""


def _next_weekday(day: datetime.date) -> datetime.date:
    day += ONE_DAY
    while day.weekday() >= 5:
        day += ONE_DAY
    return day


@dataclass
class Run:
    kind: str
    start_time: datetime.time | None
    end_time: datetime.time | None
    days: list[ActionDay] = field(default_factory=list)  # in date order, cancelled ones too

    @property
    def first(self) -> datetime.date:
        return self.days[0].date

    @property
    def last(self) -> datetime.date:
        return self.days[-1].date

    @property
    def going_ahead(self) -> list[ActionDay]:
        return [day for day in self.days if not day.cancelled]

    @property
    def cancelled(self) -> bool:
        """Every day of it is called off."""
        return not self.going_ahead

    @property
    def exceptions(self) -> list[ActionDay]:
        """Days inside the run that are called off (none when the whole run is)."""
        return [] if self.cancelled else [day for day in self.days if day.cancelled]

    @property
    def every_day(self) -> bool:
        return any(day.date.weekday() >= 5 for day in self.days)

    @property
    def steps_over_weekends(self) -> bool:
        """Some days of it are more than a day apart (only ever a weekend between)."""
        return any(b.date - a.date > ONE_DAY for a, b in itertools.pairwise(self.days))

    @property
    def kind_label(self) -> str:
        return ActionKind(self.kind).label if self.kind in ActionKind.values else self.kind

    @property
    def dates_label(self) -> str:
        """'Mon 30 Nov', 'Mon 30 Nov and Tue 1 Dec', 'Mon 30 Nov to Wed 2 Dec', 'Mon 30 Nov to Fri
        11 Dec, every weekday' (it steps over the weekend), 'Fri 4 Dec to Mon 7 Dec, every day'
        (it takes the weekend in)."""
        first, last = short_day(self.first), short_day(self.last)
        if len(self.days) == 1:
            return first
        if len(self.days) == 2:
            return f"{first} and {last}"
        if self.every_day:
            return f"{first} to {last}, every day"
        if self.steps_over_weekends:
            return f"{first} to {last}, every weekday"
        return f"{first} to {last}"

    @property
    def weekday_span(self) -> str:
        """The days by name alone, for a run inside a week whose dates are said elsewhere: 'Mon
        to Fri', 'Mon and Tue', 'Wed'."""
        first, last = f"{self.first:%a}", f"{self.last:%a}"
        if len(self.days) == 1:
            return first
        return f"{first} {'and' if len(self.days) == 2 else 'to'} {last}"

    @property
    def hours_label(self) -> str:
        return hours(self.start_time, self.end_time)

    @property
    def exceptions_label(self) -> str:
        """'not Tue 1 Dec: cancelled', 'not Tue 1 Dec or Wed 2 Dec: cancelled', or ''."""
        return _called_off([day.date for day in self.exceptions])

    @property
    def label(self) -> str:
        """The whole run in words: 'Mon 30 Nov to Fri 11 Dec, every weekday, 8am to 11am
        (not Tue 1 Dec: cancelled)'."""
        text = ", ".join(part for part in (self.dates_label, self.hours_label) if part)
        if self.exceptions_label:
            text += f" ({self.exceptions_label})"
        return text

    @property
    def week_label(self) -> str:
        """The run inside one week: 'Mon to Fri, 8am to 11am (not Tue 1 Dec: cancelled)'."""
        text = ", ".join(part for part in (self.weekday_span, self.hours_label) if part)
        if self.exceptions_label:
            text += f" ({self.exceptions_label})"
        return text

    @property
    def notes(self) -> list[str]:
        """What the union said about the days: one line when every day says the same (or the
        run is one day), otherwise each note after its day ('Tue 1 Dec: called off')."""
        noted = [day for day in self.days if day.note]
        if not noted:
            return []
        if len(noted) == len(self.days) and len({day.note for day in noted}) == 1:
            return [noted[0].note]
        return [f"{short_day(day.date)}: {day.note}" for day in noted]

    def __len__(self) -> int:
        return len(self.days)


def _follows(run: Run, day: ActionDay) -> bool:
    """Whether the day carries the run on: the next calendar day (a Saturday or Sunday only for a
    run with no gaps, so a run never says "every day" over a weekend it stepped over), or the
    next weekday for a run that has so far kept to weekdays."""
    last = run.last
    if day.date == last + ONE_DAY and (day.date.weekday() < 5 or not run.steps_over_weekends):
        return True
    return not run.every_day and day.date.weekday() < 5 and day.date == _next_weekday(last)


def runs(
    days: Iterable[ActionDay], *, dates_only: bool = False, kinds_only: bool = False
) -> list[Run]:
    """One dispute's days as runs, in order of their first day. (Days of several disputes are
    run together as if one dispute's: group them by dispute first.)

    A picket line keeps its own hours whatever the strike's, so its days are run without their
    times: with kinds_only by kind and date (a picket line's page, which badges each run's
    kind), with dates_only by date alone (the lines that name the days). Such runs have no
    hours."""

    def same(d: ActionDay) -> tuple:
        if dates_only:
            return ("", None, None)
        return (d.kind, None, None) if kinds_only else (d.kind, d.start_time, d.end_time)

    ordered = sorted(
        days,
        key=lambda d: (
            same(d)[0],
            (same(d)[1] or datetime.time.min),
            (same(d)[2] or datetime.time.min),
            d.date,
        ),
    )
    found: list[Run] = []
    for (kind, start, end), group in groupby(ordered, key=same):
        current: Run | None = None
        for day in group:
            if current is None or not _follows(current, day):
                current = Run(kind=kind or day.kind, start_time=start, end_time=end)
                found.append(current)
            current.days.append(day)
    found.sort(key=lambda run: (run.first, run.start_time or datetime.time.min))
    return found


def by_dispute(days: Iterable[ActionDay]) -> dict[int, list[Run]]:
    """dispute id -> its runs, for days of many disputes."""
    grouped: dict[int, list[ActionDay]] = {}
    for day in days:
        grouped.setdefault(day.dispute_id, []).append(day)
    return {dispute_id: runs(group) for dispute_id, group in grouped.items()}


def by_week(days: Iterable[ActionDay]) -> list[tuple[datetime.date, dict[int, list[Run]]]]:
    """Days of many disputes week by week (Monday to Sunday), earliest first: each week's
    dispute id -> runs, the disputes in the order their first day that week is given."""
    weeks: dict[datetime.date, list[ActionDay]] = {}
    for day in days:
        weeks.setdefault(monday_of(day.date), []).append(day)
    return [(monday, by_dispute(weeks[monday])) for monday in sorted(weeks)]


def summary(found: list[Run]) -> str:
    """Several runs in one line: 'Mon 30 Nov to Fri 4 Dec, every weekday, 8am to 11am; Mon 14
    Dec'."""
    return "; ".join(run.label for run in found)


def with_hours(found: list[Run], start: datetime.time | None, end: datetime.time | None) -> str:
    """Runs made by date alone (dates_only) with the hours that hold for all of them, as a
    picket line's: 'Mon 7 Dec to Fri 11 Dec, every weekday, 7am to 10am (not Tue 8 Dec:
    cancelled)'. Days called off, inside a run or not, are named at the end."""
    text = "; ".join(run.dates_label for run in found if not run.cancelled)
    if hours(start, end):
        text += f", {hours(start, end)}"
    off = _called_off([day.date for run in found for day in run.days if day.cancelled])
    return f"{text} ({off})" if off else text
