"""The month's disputes and ballots as sentences, each naming the workers, their union, where
they work and what the dispute is over in the words people use: "CWU postal workers at Royal
Mail's Stoke Newington delivery office began a dispute over job cuts and bullying."

A dispute is named by who is in it: its `workers` phrase, or when that is blank its unions and
employer ("UNISON members at Homerton Healthcare NHS Foundation Trust"). Never by its title: the
title is the TULO's label for our own pages, and reads as a place or a person mid-sentence.

Sentences come back as plain text; the section escapes them for Markdown.
"""

import datetime
import re

from strikes.ballot_law import BallotAssessment
from strikes.models import ActionKind, Ballot, BallotKind, Dispute, DisputeStatus, Union

from .phrases import (
    capitalise,
    day,
    day_span,
    join,
    on_days,
    percent,
    possessive,
    sentence,
    union_name,
    with_article,
)
from .selectors import MonthContent

# A workers phrase with one of these already says where they work.
PLACE_WORDS = re.compile(r"\b(at|in|across|for|of|from)\b", re.IGNORECASE)
# Employers named with "the" mid-sentence: "at the Department for Work and Pensions", "at the
# London Borough of Hackney"; others go bare: "at Royal Mail Group".
THE_BEFORE = (
    "department ",
    "ministry ",
    "london borough ",
    "royal borough ",
    "borough of ",
    "city of ",
    "university of ",
    "county ",
    "home office",
    "cabinet office",
    "foreign office",
    "crown ",
    "metropolitan police",
    "environment agency",
    "national trust",
)

# What a dispute that began this month is doing now.
STATE_NOW: dict[str, str] = {
    DisputeStatus.BALLOTING: "they are balloting for action",
    DisputeStatus.MANDATE_WON: "they have a mandate for action",
    DisputeStatus.TAKING_ACTION: "they are taking action",
    DisputeStatus.SUSPENDED: "their action is suspended",
}


def employer_name(name: str) -> str:
    """An employer as named after "at": 'Royal Mail Group', 'the Department for Work and
    Pensions'."""
    name = " ".join(name.split())
    lower = name.lower()
    if lower.startswith("the "):
        return "the " + name[4:]
    return f"the {name}" if lower.startswith(THE_BEFORE) else name


def workers(dispute: Dispute) -> str:
    """Who is in dispute, without their union: 'postal workers at Royal Mail's Stoke Newington
    delivery office', 'cleaners at the Department for Work and Pensions', or from the employer
    alone, 'members at Royal Mail Group'."""
    phrase = " ".join(dispute.workers.split())
    if phrase.lower().startswith("the "):
        phrase = phrase[4:]
    phrase = phrase or "members"
    if not PLACE_WORDS.search(phrase):
        phrase += f" at {employer_name(dispute.employer.name)}"
    return phrase


def who(dispute: Dispute, unions: list[Union] | None = None) -> str:
    """Who is in dispute, with their union (or the given unions) in front: 'CWU postal workers at
    Royal Mail's Stoke Newington delivery office', 'UNISON and GMB members at ...'."""
    names = [u.short_name for u in (dispute.unions.all() if unions is None else unions)]
    phrase = workers(dispute)
    first = phrase.split()[0].lower()
    if not names or first in {name.lower() for name in names}:
        return phrase
    return f"{join(names)} {phrase}"


def over(dispute: Dispute) -> str:
    """' over job cuts and bullying', from its `about` phrase or its issues; '' when neither."""
    about = " ".join(dispute.about.split()).rstrip(".")
    if about.lower().startswith("over "):
        about = about[5:]
    if not about:
        about = join([label.lower() for label in dispute.issue_labels()])
    return f" over {about}" if about else ""


def began(
    dispute: Dispute, dates: list[datetime.date] | None = None, kinds: set[str] | None = None
) -> str:
    """'CWU postal workers at ... began a dispute over jobs; they are balloting for action', or
    with the month's days of action, '; they struck on 18 March'."""
    text = f"{who(dispute)} began a dispute{over(dispute)}"
    if dates:
        text += f"; they {_action(kinds or set(), coming=False)} {on_days(dates)}"
    elif state := STATE_NOW.get(dispute.status):
        text += f"; {state}"
    return sentence(text)


def stepped_up(
    dispute: Dispute,
    status: str,
    dates: list[datetime.date] | None = None,
    kinds: set[str] | None = None,
) -> str:
    """'NEU school support staff in Hackney began action in their dispute over pay', and when
    the month's days are given, ', striking from 20 to 22 October'."""
    if status == DisputeStatus.MANDATE_WON:
        return sentence(f"{who(dispute)} won a mandate for action in their dispute{over(dispute)}")
    text = f"{who(dispute)} began action in their dispute{over(dispute)}"
    if dates:
        text += f", {_action(kinds or set(), coming=False, ing=True)} {on_days(dates)}"
    return sentence(text)


def ended(dispute: Dispute, status: str) -> str:
    """How a dispute ended, and then, in the TULO's words, what came of it."""
    how: dict[str, str] = {
        DisputeStatus.WON: f"{who(dispute)} won their dispute{over(dispute)}",
        DisputeStatus.SETTLED: f"{who(dispute)} settled their dispute{over(dispute)}",
        DisputeStatus.LOST: f"{who(dispute)} ended their dispute{over(dispute)} without a win",
        DisputeStatus.CALLED_OFF: f"{who(dispute)} called off their dispute{over(dispute)}",
    }
    text = how[status]
    outcome = " ".join(dispute.outcome.split())
    return sentence(text) + (f" {sentence(outcome)}" if outcome else "")


def _action(kinds: set[str], *, coming: bool, ing: bool = False) -> str:
    """The verb for days of action of these kinds: 'struck', 'are due to strike', 'striking'."""
    if kinds == {ActionKind.STRIKE}:
        verb = ("striking", "are due to strike", "struck")
    elif kinds == {ActionKind.ASOS}:
        verb = (
            "taking action short of a strike",
            "are due to take action short of a strike",
            "took action short of a strike",
        )
    else:
        verb = ("taking action", "are due to take action", "took action")
    return verb[0] if ing else verb[1] if coming else verb[2]


def took_action(
    dispute: Dispute, dates: list[datetime.date], kinds: set[str], *, coming: bool = False
) -> str:
    """'UNISON mental health social workers in Clapton struck on 11 days between 16 and 30
    November.'"""
    return sentence(f"{who(dispute)} {_action(kinds, coming=coming)} {on_days(dates)}")


def new_disputes(content: MonthContent) -> list[str]:
    """The disputes that began in the month, each with its days of action in it if it had any
    (so strikes need not tell them again)."""
    days_of = dict(content.strike_days)
    return [began(d, days_of.get(d), content.day_kinds.get(d.pk)) for d in content.started]


def escalations(content: MonthContent) -> list[str]:
    """The disputes that stepped up in the month; one that began action says on which days (so
    strikes need not tell them again)."""
    days_of = dict(content.strike_days)
    return [
        stepped_up(dispute, status, days_of.get(dispute), content.day_kinds.get(dispute.pk))
        if status == DisputeStatus.TAKING_ACTION
        else stepped_up(dispute, status)
        for dispute, status in content.escalated
    ]


def days_told(content: MonthContent) -> set[Dispute]:
    """The disputes whose days of action new_disputes and escalations tell."""
    began_action = {d for d, status in content.escalated if status == DisputeStatus.TAKING_ACTION}
    return set(content.started) | began_action


def strikes(content: MonthContent, *, told: set[Dispute] | None = None) -> list[str]:
    """The month's days of action, dispute by dispute, but for those already `told`."""
    told = days_told(content) if told is None else told
    return [
        took_action(dispute, days, content.day_kinds.get(dispute.pk, set()))
        for dispute, days in content.strike_days
        if dispute not in told
    ]


def _threshold_name(label: str, required: int) -> str:
    if label == "Turnout":
        return f"the {required}% turnout threshold"
    return f"the {required}% support threshold for important public services"


def ballot_result(ballot: Ballot, result: BallotAssessment, *, rules: bool = True) -> str:
    """What a ballot's result was and what it means in law, in a sentence or two."""
    voters = who(ballot.dispute, [ballot.union])
    yes = percent(result.yes_pct_of_votes)
    turnout = result.turnout_pct
    on_turnout = f" on {with_article(percent(turnout))} turnout" if turnout is not None else ""
    if ballot.kind == BallotKind.INDICATIVE:
        text = (
            f"In an indicative ballot, {voters} voted {yes} yes{on_turnout}. An indicative ballot "
            "is a test of feeling: it gives no mandate for industrial action."
        )
    elif result.mandate:
        text = f"{voters} voted {yes} yes{on_turnout}"
        if result.thresholds:
            names = [_threshold_name(t.label, t.required_pct) for t in result.thresholds]
            text += f", clearing {join(names)}"
        text += ". That gives them a mandate for industrial action"
        if result.mandate_ends_on:
            text += f" until {day(result.mandate_ends_on)} {result.mandate_ends_on.year}"
        text += "."
    elif result.mandate is False and not result.majority_yes:
        text = f"{voters} voted against action: {yes} yes{on_turnout}."
    elif result.mandate is False:
        missed = []
        for t in result.thresholds:
            if t.met is False and t.label == "Turnout":
                missed.append(
                    f"the {percent(t.actual_pct)} turnout fell short of the law's "
                    f"{t.required_pct}% threshold"
                )
            elif t.met is False:
                missed.append(
                    f"yes votes came to {percent(t.actual_pct)} of all those entitled to vote, "
                    f"short of the {t.required_pct}% needed in important public services"
                )
        text = (
            f"{voters} voted {yes} yes, but {join(missed)}, so the ballot gives no mandate for "
            "industrial action."
        )
    else:
        text = (
            f"{voters} voted {yes} yes{on_turnout}. The number entitled to vote is not recorded, "
            "so whether it met the legal thresholds is not known."
        )
    if rules and result.rule_set is not None and ballot.kind != BallotKind.INDICATIVE:
        text += f" (Judged under {result.rule_set.name}.)"
    return capitalise(text)


def _needed(result: BallotAssessment) -> str:
    if not result.needed_turnout_pct:
        return ""
    return f"; the turnout must reach {result.needed_turnout_pct}% for a mandate"


def ballot_open(ballot: Ballot, result: BallotAssessment, *, month_end: datetime.date) -> str:
    """A ballot open in the month: voting until a day, or closed with no result yet."""
    if ballot.closes_on <= month_end:
        union = possessive(union_name(ballot.union.short_name))
        return sentence(
            f"Voting closed on {day(ballot.closes_on)} in {union} ballot of "
            f"{workers(ballot.dispute)}; the result is not in yet"
        )
    indicative = " in an indicative ballot" if ballot.kind == BallotKind.INDICATIVE else ""
    voters = who(ballot.dispute, [ballot.union])
    text = f"{voters} are voting{indicative} until {day(ballot.closes_on)}"
    return sentence(text + _needed(result))


def ballot_coming(ballot: Ballot, result: BallotAssessment) -> str:
    """A ballot that opens next month."""
    indicative = " in an indicative ballot" if ballot.kind == BallotKind.INDICATIVE else ""
    text = (
        f"{who(ballot.dispute, [ballot.union])} are due to vote{indicative} from "
        f"{day_span(ballot.opens_on, ballot.closes_on)}"
    )
    return sentence(text + _needed(result))
