"""The section as the TULO first sees it, written from what selectors.gather found: a short lead
on what the CLP did, then the month's news under headings, each item a sentence that names the
workers, their union, where they work and what the dispute is over (sentences.py), never the
dispute's title. Record text is escaped before it goes into Markdown, so nothing in a record can
format, link or inject.

The column for a local paper is written from the same sentences in column.py.
"""

from ..markdown import escape as md
from .schedule import last_day
from .selectors import MonthContent
from .sentences import (
    ballot_coming,
    ballot_open,
    ballot_result,
    ended,
    escalations,
    new_disputes,
    strikes,
    took_action,
)
from .solidarity import coming_event, solidarity_sentences


def _items(sentences: list[str]) -> list[str]:
    return [f"- {md(text)}" for text in sentences]


def draft_markdown(content: MonthContent) -> str:
    """The section: a short lead, then the news under headings, one sentence to an item."""
    month_name = f"{content.month:%B %Y}"
    next_name = f"{content.next_month:%B}"
    out = [f"## Union updates: {month_name}", ""]

    if content.has_solidarity:
        out += [" ".join(md(s) for s in solidarity_sentences(content)), ""]
    elif content.is_empty:
        out += [
            f"A quiet month in our records: no disputes began, stepped up or ended, no ballot "
            f"results came in and no picket-line visits were logged in {month_name}.",
            "",
        ]
    else:
        out += [f"Here is what happened in {month_name} in the disputes we follow.", ""]

    if content.wins:
        out += ["### Wins", ""]
        out += _items([ended(dispute, status) for dispute, status in content.wins])
        out.append("")

    if content.started or content.escalated or content.ended or content.strike_days:
        out += ["### Disputes", ""]
        out += _items(new_disputes(content))
        out += _items(escalations(content))
        out += _items(strikes(content))
        out += _items([ended(dispute, status) for dispute, status in content.ended])
        out.append("")

    if content.results or content.voting:
        out += ["### Ballots", ""]
        month_end = last_day(content.month)
        out += _items([ballot_result(ballot, result) for ballot, result in content.results])
        out += _items(
            [ballot_open(ballot, result, month_end=month_end) for ballot, result in content.voting]
        )
        out.append("")

    out += [f"### Coming up in {next_name}", ""]
    if content.has_coming:
        out += _items(
            [
                took_action(dispute, days, content.coming_kinds.get(dispute.pk, set()), coming=True)
                for dispute, days in content.coming_days
            ]
        )
        out += _items([ballot_coming(ballot, result) for ballot, result in content.coming_ballots])
        out += _items([coming_event(action) for action in content.coming_events])
    else:
        out.append(
            f"Nothing is on the calendar for {next_name} yet: the calendar and the weekly email "
            "will have it as soon as it is."
        )
    out += [
        "",
        f"Every strike day and picket line near us is on [our strike calendar]"
        f"({content.calendar_url}). For the week's strikes and ballots in your inbox, "
        f"[sign up to the weekly email]({content.subscribe_url}).",
        "",
    ]
    return "\n".join(out)
