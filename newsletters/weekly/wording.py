"""How the weekly email says things that need more than a template: its subject line, which
names the week and its biggest item, and its text part wrapped for mail programs."""

import datetime
import textwrap

from strikes.models import ActionKind, Dispute, Union

from ..monthly.sentences import PLACE_WORDS, who
from .content import DigestContent, StrikeEntry

# Mail programs show text parts as they come: lines longer than this wrap wherever they fall.
TEXT_WIDTH = 78

# A subject longer than this is cut short even in a phone's open message.
SUBJECT_WIDTH = 90


def _weekday(day: datetime.date) -> str:
    return f"{day:%A}"


def when(entry: StrikeEntry, content: DigestContent) -> str:
    """When, in the email's days, the dispute's action goes ahead: 'on Tuesday', 'all week',
    'Monday to Wednesday', 'from Monday'."""
    days = [day.date for day in entry.going_ahead]
    first, last = min(days), max(days)
    if len(days) == 1:
        return f"on {_weekday(first)}"
    weekdays = [
        content.window.first + datetime.timedelta(days=n)
        for n in range((content.window.last - content.window.first).days + 1)
    ]
    if content.window.whole_week and all(d in days for d in weekdays if d.weekday() < 5):
        return "all week"
    consecutive = [run for run in entry.runs if run.going_ahead]
    if len(consecutive) == 1 and not consecutive[0].exceptions:
        return f"{_weekday(first)} to {_weekday(last)}"
    return f"from {_weekday(first)}"


def biggest(content: DigestContent) -> StrikeEntry | None:
    """The strike to name in the subject: one with a picket line near you before any other,
    then the most days going ahead, then the soonest."""
    going = [entry for entry in content.strikes if entry.going_ahead]
    if not going:
        return None
    return min(
        going,
        key=lambda e: (not e.picket_lines, -len(e.going_ahead), e.going_ahead[0].date),
    )


# Words a title cut short should not end on.
_DANGLING = {"a", "an", "and", "at", "by", "for", "from", "in", "of", "on", "or", "the", "to"}


def _fit(parts: list[str], title: str, tail: str) -> str:
    """The subject with the dispute's title, shortened if it must be: to the words before its
    first colon, then to whole words and '...'."""
    head = ", ".join(parts)

    def line(name: str) -> str:
        return f"{head}, {name}{tail}"

    if len(line(title)) <= SUBJECT_WIDTH:
        return line(title)
    short = title.split(":", 1)[0].strip()
    if len(line(short)) <= SUBJECT_WIDTH:
        return line(short)
    room = max(SUBJECT_WIDTH - len(line("...")), 0)
    # Whole words only: the last one goes unless the cut fell just after it.
    words = short[: room + 1].split()
    if words and not short[: room + 1].endswith(" "):
        words.pop()
    while words and words[-1].lower().strip(",;-") in _DANGLING:
        words.pop()
    return line(" ".join(words).rstrip(",;:-") + "...") if words else f"{head}{tail}"


def _named(
    head: str, dispute: Dispute, unions: list[Union] | None, says: str, *, or_: str, more: str
) -> str:
    """'Strikes this week: UNISON mental health social workers in Clapton out all week, and 2
    more': who is in dispute as the monthly section names them and what they do (`says`),
    shortened to the words before where they work when the line would be too long; after that
    the union, the dispute's title and `or_` ('Strikes this week: PCS, Caxton House cleaners,
    on Monday')."""
    phrase = who(dispute, unions)
    place = PLACE_WORDS.search(phrase)
    for name in (phrase, phrase[: place.start()].strip() if place else phrase):
        line = f"{head}: {name}{says}{more}"
        if len(name.split()) > 1 and len(line) <= SUBJECT_WIDTH:
            return line
    names = "/".join(union.short_name for union in unions or dispute.unions.all())
    return _fit([f"{head}: {names}"], dispute.title, or_ + more)


def _more(others: int) -> str:
    return f", and {others} more" if others else ""


def subject(content: DigestContent) -> str:
    """'Strikes this week: UNISON mental health social workers out all week, and 2 more'.

    The week is 'this week' when the email covers Monday to Sunday, else its days ('Strikes
    Wed 9 to Sun 13 Dec: ...'). The item is the biggest strike (see biggest); with none, the
    ballot that closes first, a result, a win; with nothing at all, the CLP and the week."""
    week = content.window.short_label
    entry = biggest(content)
    if entry is not None:
        out = "out" if any(run.kind == ActionKind.STRIKE for run in entry.runs) else "taking action"
        days = when(entry, content)
        others = sum(1 for e in content.strikes if e.going_ahead) - 1
        return _named(
            f"Strikes {week}",
            entry.dispute,
            None,
            f" {out} {days}",
            or_=f", {days}",
            more=_more(others),
        )
    if content.ballots_open:
        ballot, _ = content.ballots_open[0]
        closes = f"{ballot.closes_on:%a} {ballot.closes_on.day} {ballot.closes_on:%b}"
        return _named(
            f"Ballots open {week}",
            ballot.dispute,
            [ballot.union],
            f" vote until {closes}",
            or_=f", closes {closes}",
            more=_more(len(content.ballots_open) - 1),
        )
    if content.results:
        ballot, _ = content.results[0]
        more = _more(len(content.results) - 1)
        return _named("Ballot results", ballot.dispute, [ballot.union], "", or_="", more=more)
    if content.wins:
        return _fit(["Won"], content.wins[0].title, _more(len(content.wins) - 1))
    return f"Strikes and ballots {week}: {content.clp.name}"


def wrap(text: str, width: int = TEXT_WIDTH) -> str:
    """Each line of the text part that is longer than `width` broken between words, carrying
    its indent (and a list item's hanging indent) on. A URL is never broken: one too long for
    the line goes on a line of its own, however long."""
    out = []
    for line in text.split("\n"):
        if len(line) <= width:
            out.append(line)
            continue
        indent = line[: len(line) - len(line.lstrip())]
        hanging = indent + ("  " if line.lstrip()[:2] in ("* ", "- ") else "")
        out.extend(
            textwrap.wrap(
                line.strip(),
                width=width,
                initial_indent=indent,
                subsequent_indent=hanging,
                break_long_words=False,
                break_on_hyphens=False,
            )
        )
    return "\n".join(out)
