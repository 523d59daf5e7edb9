"""The month as a column for a local paper, in prose only: an opening, the month's disputes, the
ballots, what the CLP's members did, the money raised, what is coming, and where to find more.

Editors ask for about 400 words. Every sentence is news, with a priority: while the column is too
long the least important goes, then any dropped sentence that still fits comes back, so a busy
month fills 350 to 400 words with what mattered most. A quiet month stays short: nothing is
written to fill the space.
"""

from collections.abc import Callable
from dataclasses import dataclass

from clps.models import CLP
from strikes.models import Dispute

from .phrases import join, join_some, plural, possessive, sentence
from .schedule import last_day
from .selectors import MonthContent
from .sentences import (
    ballot_coming,
    ballot_open,
    ballot_result,
    days_told,
    ended,
    escalations,
    new_disputes,
    strikes,
    took_action,
    who,
)
from .solidarity import coming_event, event_sentences, money_sentences, picket_sentences

# The column for a local paper: editors ask for about this many words.
COLUMN_WORDS = 400
# With enough news, the column comes to at least this many.
COLUMN_FULL = 350
# How many disputes with the same news may be told one by one, most first: the column tells as
# many as it has room for, and more than that in one sentence that names two.
ONE_BY_ONE = range(8, 1, -1)

OPENING, DISPUTES, BALLOTS, DID, MONEY, COMING, MORE = range(7)


def word_count(text: str) -> int:
    return len(text.split())


def party(clp: CLP) -> str:
    """'Hackney North & Stoke Newington Labour Party'."""
    name = " ".join(clp.name.split())
    if name.lower().endswith(("labour party", "clp", "labour")):
        return name
    return f"{name} Labour Party"


@dataclass(frozen=True)
class Part:
    paragraph: int
    priority: int  # lower is kept longer
    order: int  # as written
    text: str


def _each_or_all(
    disputes: list[Dispute],
    one: Callable[[Dispute], str],
    all_of: Callable[[str], str],
    one_by_one: int,
) -> list[str]:
    """A sentence for each of a few disputes, or one for many: 'A, B and five others ...'."""
    if len(disputes) <= one_by_one:
        return [one(d) for d in disputes]
    return [sentence(all_of(join_some([who(d) for d in disputes])))]


def _dispute_news(content: MonthContent, one_by_one: int) -> list[tuple[int, str]]:
    news: list[tuple[int, str]] = []
    for n, (dispute, status) in enumerate(content.wins):
        news.append((1 + n, ended(dispute, status)))
    # Days of action told with a dispute's news are not told again; days of disputes told
    # many to a sentence are counted in the month's total.
    told: set[Dispute] = set()
    started = new_disputes(content)
    if len(started) > one_by_one:
        started = [sentence(f"{join_some([who(d) for d in content.started])} began new disputes")]
    else:
        told |= set(content.started)
    news += [(4 + n, text) for n, text in enumerate(started)]
    escalated = escalations(content)
    if len(escalated) > one_by_one:
        stepped = join_some([who(d) for d, _ in content.escalated])
        escalated = [sentence(f"{stepped} stepped up their disputes")]
    else:
        told |= days_told(content) - set(content.started)
    news += [(5 + n, text) for n, text in enumerate(escalated)]
    if len(content.strike_days) <= one_by_one:
        news += [(6 + n, text) for n, text in enumerate(strikes(content, told=told))]
    else:
        total = sum(len(days) for _, days in content.strike_days)
        names = [who(d) for d, _ in content.strike_days[:2]]
        news.append(
            (
                6,
                sentence(
                    f"Workers took action on {plural(total, 'day')} across "
                    f"{plural(len(content.strike_days), 'dispute')}, among them {join(names)}"
                ),
            )
        )
    ended_status = dict(content.ended)
    gone = _each_or_all(
        list(ended_status),
        lambda d: ended(d, ended_status[d]),
        lambda names: f"disputes ended without a win for {names}",
        one_by_one,
    )
    news += [(7 + n, text) for n, text in enumerate(gone)]
    return news


def _appeals(content: MonthContent) -> list[str]:
    """Where readers can give, for the disputes still going that the column tells of."""
    live = [*content.started, *(d for d, _ in content.strike_days)]
    live += [d for d, _ in content.coming_days]
    seen: dict[str, str] = {}  # url -> the fund's name
    for dispute in live:
        name, url = dispute.hardship_fund_name.strip(), dispute.hardship_fund_url
        if url and url not in seen:
            seen[url] = name or f"hardship fund for {who(dispute)}"
    funds = [
        f"{'' if name.lower().startswith('the ') else 'the '}{name} at {url}"
        for url, name in list(seen.items())[:2]
    ]
    return [sentence(f"Readers can give to {join(funds)}")] if funds else []


def _coming(content: MonthContent, one_by_one: int) -> list[str]:
    next_name = f"{content.next_month:%B}"
    if len(content.coming_days) <= one_by_one:
        out = [
            took_action(d, days, content.coming_kinds.get(d.pk, set()), coming=True)
            for d, days in content.coming_days
        ]
    else:
        names = join_some([who(d) for d, _ in content.coming_days])
        out = [sentence(f"{names} are due to take action in {next_name}")]
    out += [ballot_coming(ballot, result) for ballot, result in content.coming_ballots[:2]]
    out += [coming_event(action) for action in content.coming_events[:2]]
    return out


def _parts(content: MonthContent, one_by_one: int) -> list[Part]:
    month_name = f"{content.month:%B}"
    parts: list[Part] = []

    def add(paragraph: int, priority: int, text: str) -> None:
        parts.append(Part(paragraph, priority, len(parts), text))

    if content.is_empty:
        add(
            OPENING,
            0,
            f"{month_name} was a quiet month for the disputes that {party(content.clp)} "
            "follows: no new disputes, no ballot results and no picket-line visits to report.",
        )
    else:
        did = ", and of what our members did to support them" if content.has_solidarity else ""
        add(
            OPENING,
            0,
            f"Here is {possessive(month_name)} round-up of the workers' disputes that "
            f"{party(content.clp)} follows{did}.",
        )
    for priority, text in _dispute_news(content, one_by_one):
        add(DISPUTES, priority, text)
    for n, (ballot, result) in enumerate(content.results[:4]):
        add(BALLOTS, 3 + n, ballot_result(ballot, result, rules=False))
    month_end = last_day(content.month)
    for n, (ballot, result) in enumerate(content.voting[:2]):
        add(BALLOTS, 8 + n, ballot_open(ballot, result, month_end=month_end))
    for n, text in enumerate(picket_sentences(content)):
        add(DID, 1 + 2 * n, text)
    for n, text in enumerate(event_sentences(content)):
        add(DID, 4 + n, text)
    for text in money_sentences(content):
        add(MONEY, 1, text)
    for n, text in enumerate(_appeals(content)):
        add(MONEY, 9 + n, text)
    for n, text in enumerate(_coming(content, one_by_one)):
        add(COMING, 2 + n, text)
    add(
        MORE,
        0,
        f"Every strike day and picket line near us is on the CLP's strike calendar at "
        f"{content.calendar_url}, and you can have the week's strikes and ballots by email: "
        f"sign up at {content.subscribe_url}.",
    )
    return parts


def _assemble(parts: list[Part]) -> str:
    paragraphs: dict[int, list[str]] = {}
    for part in sorted(parts, key=lambda p: (p.paragraph, p.order)):
        paragraphs.setdefault(part.paragraph, []).append(part.text)
    return "\n\n".join(" ".join(texts) for texts in paragraphs.values()) + "\n"


def _trimmed(parts: list[Part], limit: int) -> str:
    """The least important sentences dropped until the rest fit, then any dropped sentence that
    still fits put back, most important first."""
    kept = list(parts)
    dropped: list[Part] = []
    while word_count(_assemble(kept)) > limit and len(kept) > 1:
        least = max(kept, key=lambda p: (p.priority, p.order))
        kept.remove(least)
        dropped.append(least)
    for part in sorted(dropped, key=lambda p: (p.priority, p.order)):
        if word_count(_assemble([*kept, part])) <= limit:
            kept.append(part)
    return _assemble(kept)


def column_text(content: MonthContent, *, limit: int = COLUMN_WORDS) -> str:
    """The month as a column of at most `limit` words, and with enough news at least
    COLUMN_FULL (for the usual limit).

    It tells disputes with the same news one by one as far as the column has room, and more
    than that in one sentence ("A, B and five others began new disputes"), so no dispute goes
    untold. Where even that leaves it short, the telling with one more told one by one loses its
    least important sentences instead; where even the briefest telling is too long, so does
    that. The wins and what the CLP did stay in however busy the month.
    """
    full = limit - (COLUMN_WORDS - COLUMN_FULL)
    levels = list(ONE_BY_ONE)
    parts: list[Part] = []
    for n, one_by_one in enumerate(levels):
        parts = _parts(content, one_by_one)
        text = _assemble(parts)
        if word_count(text) > limit:
            continue
        if n == 0 or word_count(text) >= full:
            return text
        fuller = _trimmed(_parts(content, levels[n - 1]), limit)
        return fuller if word_count(fuller) >= full else text
    return _trimmed(parts, limit)
