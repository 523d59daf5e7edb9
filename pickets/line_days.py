"""A picket line's days to come as a member chooses among them: the dispute's runs of days
(strikes.runs), each day with how many are going and whether the visitor is one of them.

A short run shows its days; a long one folds behind its one line ("Mon 7 Dec to Fri 15 Jan,
every weekday"), a tap away.
"""

from dataclasses import dataclass

from strikes.models import ActionDay
from strikes.runs import Run, listed, runs, short_day

# A run of more days than this folds behind its line.
SHOWN_DAYS = 5
# The TULO's list names this many days that have people going, then counts the rest.
GOING_LISTED = 4


@dataclass
class LineDay:
    day: ActionDay
    count: int  # confirmed sign-ups
    going: bool  # the signed-in visitor is one of them

    @property
    def open(self) -> bool:
        """Someone can still say they'll go: the day is not called off."""
        return not self.day.cancelled


@dataclass
class LineRun:
    run: Run
    days: list[LineDay]
    open: bool

    @property
    def count(self) -> int:
        return sum(row.count for row in self.days)

    @property
    def days_with_people(self) -> int:
        return sum(1 for row in self.days if row.count)

    @property
    def going_label(self) -> str:
        """'Going: 3 on Mon 7 Dec, 1 on Tue 8 Dec', the first few days someone is going, or ''
        when nobody has said yet (never '0 going')."""
        said = [f"{row.count} on {short_day(row.day.date)}" for row in self.days if row.count]
        if not said:
            return ""
        more = len(said) - GOING_LISTED
        return (
            "Going: "
            + ", ".join(said[:GOING_LISTED])
            + (f" and {more} more day{'s' if more > 1 else ''}" if more > 0 else "")
        )

    @property
    def mine(self) -> str:
        """'Tue 8 Dec and Thu 10 Dec': the days the visitor is down for."""
        return listed([short_day(row.day.date) for row in self.days if row.going])


def line_runs(
    days: list[ActionDay],
    *,
    counts: dict[int, int],
    mine: set[int],
) -> list[LineRun]:
    """The days as runs. counts: action day id -> how many are going; mine: the ids of the days
    the visitor is going on."""
    found = []
    for run in runs(days, kinds_only=True):
        rows = [LineDay(day=d, count=counts.get(d.pk, 0), going=d.pk in mine) for d in run.days]
        found.append(LineRun(run=run, days=rows, open=len(rows) <= SHOWN_DAYS))
    return found
