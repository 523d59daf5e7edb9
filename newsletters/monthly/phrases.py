"""The small pieces of a newspaper's English the section is written in: numbers in words, lists
joined with "and", dates with runs of days as ranges, and sentences that end with a full stop."""

import datetime
from collections import defaultdict
from decimal import Decimal

from strikes.templatetags.strikes_tags import pct

NUMBER_WORDS = ["no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]


def words(n: int) -> str:
    """Small numbers in words, as a newspaper would: 'two', '12', '1,350'."""
    return NUMBER_WORDS[n] if 0 <= n < len(NUMBER_WORDS) else f"{n:,}"


def plural(n: int, one: str, many: str | None = None) -> str:
    return f"{words(n)} {one if n == 1 else (many or one + 's')}"


def join(items: list[str]) -> str:
    items = [i for i in items if i]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def percent(value: Decimal | None) -> str:
    return "an unknown" if value is None else pct(value)


def day(date: datetime.date) -> str:
    return f"{date.day} {date:%B}"


def _runs(days: list[int]) -> list[str]:
    """[2, 3, 4, 5, 9, 10] -> ['2–5', '9', '10']: three days or more in a row as a range."""
    runs: list[list[int]] = []
    for d in sorted(set(days)):
        if runs and d == runs[-1][-1] + 1:
            runs[-1].append(d)
        else:
            runs.append([d])
    out: list[str] = []
    for run in runs:
        out += [f"{run[0]}–{run[-1]}"] if len(run) >= 3 else [str(d) for d in run]
    return out


def dates(values: list[datetime.date]) -> str:
    """[3 Oct, 4 Oct, 2 Nov] -> '3 and 4 October and 2 November'; runs of days as '2–6'."""
    by_month: dict[tuple[int, int], list[int]] = defaultdict(list)
    for value in values:
        by_month[(value.year, value.month)].append(value.day)
    parts = [
        f"{join(_runs(days))} {datetime.date(y, m, 1):%B}" for (y, m), days in by_month.items()
    ]
    return join(parts)


def sentence(text: str) -> str:
    text = text.strip()
    return text if not text or text[-1] in ".!?" else text + "."
