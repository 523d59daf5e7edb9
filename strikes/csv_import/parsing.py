"""The values in a row: dates, times, yes or no, choices, lengths; and how a message quotes them.

Each parser returns (value, None), or (None, what is wrong and how to write it).
"""

import datetime
import re

from django.db import models

from ..models import ActionKind
from .plan import Plan

YEARS_BACK = 5
YEARS_AHEAD = 2
TRUE_WORDS = {"yes", "y", "true", "1", "x"}
FALSE_WORDS = {"no", "n", "false", "0", ""}
DATE_ISO_RE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
DATE_UK_RE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
TIME_RE = re.compile(r"^(\d{1,2}):(\d{2})$")


def quoted(value: str, limit: int = 40) -> str:
    """A value as a message quotes it back: in quotes, cut short if long."""
    return "'" + (value if len(value) <= limit else value[: limit - 1] + "…") + "'"


def listed(names: list[str]) -> str:
    """['a', 'b', 'c'] -> "'a', 'b' and 'c'"."""
    each = [quoted(n) for n in names]
    return each[0] if len(each) == 1 else ", ".join(each[:-1]) + " and " + each[-1]


def _years_from(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def parse_date(value: str, today: datetime.date) -> tuple[datetime.date | None, str | None]:
    if not value:
        return None, "the date is missing: write it as 2026-03-14 or 14/03/2026"
    if match := DATE_ISO_RE.match(value):
        year, month, day = (int(g) for g in match.groups())
    elif match := DATE_UK_RE.match(value):
        day, month, year = (int(g) for g in match.groups())
    else:
        return None, f"date {quoted(value)} is not a date: write it as 2026-03-14 or 14/03/2026"
    try:
        parsed = datetime.date(year, month, day)
    except ValueError:
        return None, f"date {quoted(value)} is not a real date"
    if parsed < _years_from(today, -YEARS_BACK):
        return None, f"date {quoted(value)} is more than {YEARS_BACK} years ago: check the year"
    if parsed > _years_from(today, YEARS_AHEAD):
        return None, f"date {quoted(value)} is more than {YEARS_AHEAD} years ahead: check the year"
    return parsed, None


def parse_time(name: str, value: str) -> tuple[datetime.time | None, str | None]:
    if not value:
        return None, None
    match = TIME_RE.match(value)
    if not match:
        return None, f"{name} {quoted(value)} is not a time: write it as 07:00"
    try:
        return datetime.time(int(match.group(1)), int(match.group(2))), None
    except ValueError:
        return None, f"{name} {quoted(value)} is not a real time"


def parse_yes_no(name: str, value: str) -> tuple[bool, str | None]:
    word = value.lower()
    if word in TRUE_WORDS:
        return True, None
    if word in FALSE_WORDS:
        return False, None
    return False, f"{name} {quoted(value)} should be yes or no, or left blank"


def parse_kind(value: str) -> tuple[str | None, str | None]:
    word = value.lower().replace("_", " ")
    if word in ("", "strike"):
        return ActionKind.STRIKE, None
    if word in ("asos", "action short of strike"):
        return ActionKind.ASOS, None
    return None, f"kind {quoted(value)} should be strike or asos (action short of strike)"


def choice_lookup(choices: type[models.Choices]) -> dict[str, str]:
    """Accept a choice's value or its label, in any case."""
    lookup = {}
    for value, label in choices.choices:
        lookup[value.lower()] = value
        lookup[value.lower().replace("_", " ")] = value
        lookup[str(label).lower()] = value
    return lookup


def within_limit(plan: Plan, line: int, name: str, value: str, limit: int) -> str:
    """The value, with a problem noted on the plan if it is longer than `limit`."""
    if len(value) > limit:
        plan.error(line, f"{name} is {len(value)} characters long: the most is {limit}")
    return value
