"""The section's two texts, written from what selectors.gather found: the Markdown draft the TULO
edits (a short lead, then lists under headings) and the column for a local paper (prose only, cut
to length by dropping the least important sentences first). Record text is escaped before it goes
into Markdown, so nothing in a record can format, link or inject."""

import datetime
from collections import defaultdict

from pickets.models import ActionType, Office, SolidarityAction
from pickets.templatetags.pickets_tags import pounds
from strikes.ballot_law import BallotAssessment
from strikes.models import Ballot, BallotKind, Dispute, DisputeStatus

from ..markdown import escape as md
from .phrases import dates, day, join, percent, plural, sentence, words
from .schedule import last_day
from .selectors import MonthContent

# The column for a local paper: editors ask for about this many words.
COLUMN_WORDS = 400

# Keyed by a dispute's status as stored, which is the DisputeStatus value.
STATUS_NOW: dict[str, str] = {
    DisputeStatus.BALLOTING: "balloting for action",
    DisputeStatus.MANDATE_WON: "with a mandate for action",
    DisputeStatus.TAKING_ACTION: "taking action",
    DisputeStatus.SUSPENDED: "with action suspended",
}
STEPPED_UP: dict[str, str] = {
    DisputeStatus.MANDATE_WON: "won a mandate for action",
    DisputeStatus.TAKING_ACTION: "began action",
}
ENDED_HOW: dict[str, str] = {
    DisputeStatus.WON: "won",
    DisputeStatus.SETTLED: "settled",
    DisputeStatus.LOST: "ended without a win",
    DisputeStatus.CALLED_OFF: "was called off",
}


def unions(dispute: Dispute) -> str:
    return "/".join(u.short_name for u in dispute.unions.all())


def _labelled(dispute: Dispute) -> str:
    """**Title** (CWU)"""
    who = unions(dispute)
    return f"**{md(dispute.title)}**" + (f" ({md(who)})" if who else "")


def _threshold_name(label: str, required: int) -> str:
    if label == "Turnout":
        return f"the {required}% turnout threshold"
    return f"the {required}% support threshold for important public services"


def ballot_result(ballot: Ballot, result: BallotAssessment, *, rules: bool = True) -> str:
    """What a ballot's result was and what it means in law, in a sentence or two."""
    who = f"{ballot.union.short_name} members in {ballot.dispute.title}"
    yes = percent(result.yes_pct_of_votes)
    turnout = result.turnout_pct
    on_turnout = f" on a {percent(turnout)} turnout" if turnout is not None else ""
    if ballot.kind == BallotKind.INDICATIVE:
        text = (
            f"In an indicative ballot, {who} voted {yes} yes{on_turnout}. An indicative ballot "
            "is a test of feeling: it gives no mandate for industrial action."
        )
    elif result.mandate:
        text = f"{who} voted {yes} yes{on_turnout}"
        if result.thresholds:
            names = [_threshold_name(t.label, t.required_pct) for t in result.thresholds]
            text += f", clearing {join(names)}"
        text += ". That gives them a mandate for industrial action"
        if result.mandate_ends_on:
            text += f" until {day(result.mandate_ends_on)} {result.mandate_ends_on.year}"
        text += "."
    elif result.mandate is False and not result.majority_yes:
        text = f"{who} voted against action: {yes} yes{on_turnout}."
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
            f"{who} voted {yes} yes, but {join(missed)}, so the ballot gives no mandate for "
            "industrial action."
        )
    else:
        text = (
            f"{who} voted {yes} yes{on_turnout}. The number entitled to vote is not recorded, "
            "so whether it met the legal thresholds is not known."
        )
    if rules and result.rule_set is not None and ballot.kind != BallotKind.INDICATIVE:
        text += f" (Judged under {result.rule_set.name}.)"
    return text[0].upper() + text[1:]


def ballot_open(ballot: Ballot, result: BallotAssessment, *, month_end: datetime.date) -> str:
    who = f"{ballot.union.short_name} members in {ballot.dispute.title}"
    if ballot.closes_on <= month_end:
        return f"{who}: voting closed on {day(ballot.closes_on)}; the result is not in yet."
    text = f"{who} are voting until {day(ballot.closes_on)}"
    if result.needed_turnout_pct:
        text += f"; the turnout must reach {result.needed_turnout_pct}% for a mandate"
    return text + "."


def ballot_coming(ballot: Ballot, result: BallotAssessment) -> str:
    text = (
        f"{ballot.union.short_name} members in {ballot.dispute.title} vote from "
        f"{day(ballot.opens_on)} to {day(ballot.closes_on)}"
    )
    if result.needed_turnout_pct:
        text += f"; the turnout must reach {result.needed_turnout_pct}% for a mandate"
    return text + "."


def _office(office: str, n: int, *, visits: int) -> str:
    """'the MP at two' of several visits; at a single visit, who was there."""
    if visits == 1:
        if office == Office.MP:
            return "the MP"
        if office == Office.MAYOR:
            return "the mayor"
        if office == Office.COUNCILLOR:
            return "a councillor" if n == 1 else f"{words(n)} councillors"
        return "an elected representative" if n == 1 else plural(n, "elected representative")
    at = "at one of them" if n == 1 else f"at {words(n)}"
    if office == Office.MP:
        return f"the MP {at}"
    if office == Office.MAYOR:
        return f"the mayor {at}"
    if office == Office.COUNCILLOR:
        return f"{'a councillor' if n == 1 else 'councillors'} {at}"
    return f"{'another elected representative' if n == 1 else 'other elected representatives'} {at}"


def _fund(name: str, union: str, total: int) -> str:
    if name == "(no fund named)":
        return (
            f"{pounds(total)} for {union} members" if union else f"{pounds(total)} in other gifts"
        )
    the = "" if name.lower().startswith("the ") else "the "
    return f"{pounds(total)} for {the}{name}" + (
        f" ({union})" if union and union not in name else ""
    )


def solidarity_sentences(content: MonthContent) -> list[str]:
    """What the CLP did, as sentences: '23 members went to 9 picket lines, with the MP at two.'"""
    report = content.report
    sentences: list[str] = []
    if report is None:
        return sentences
    if report.visits:
        text = (
            f"{plural(report.attendances, 'member')} went to {plural(report.visits, 'picket line')}"
        )
        order = [Office.MP, Office.MAYOR, Office.COUNCILLOR, Office.OTHER]
        reps = [
            _office(office, report.representatives_by_office[office], visits=report.visits)
            for office in order
            if report.representatives_by_office.get(office)
        ]
        if reps and report.visits == 1:
            text += f", with {join(reps)} there"
        elif reps:
            text += f", with {join(reps)}"
        sentences.append(sentence(text[0].upper() + text[1:]))
    if report.money_pence:
        funds = [_fund(*row) for row in report.money_by_fund]
        if len(funds) == 1:
            sentences.append(sentence(f"We raised {funds[0]}"))
        else:
            sentences.append(
                sentence(f"We raised {pounds(report.money_pence)} for strike funds: {join(funds)}")
            )
    if content.events:
        titles = [e.title or "a benefit event" for e in content.events]
        sentences.append(sentence(f"We held {join(titles)}"))
    if content.speakers:
        titles = [s.title for s in content.speakers if s.title]
        text = f"We heard from {plural(len(content.speakers), 'union speaker')}"
        sentences.append(sentence(text + (f": {join(titles)}" if titles else "")))
    if content.motions:
        titles = [f"“{m.title}”" for m in content.motions if m.title]
        n = len(content.motions)
        text = f"The CLP passed {'a motion' if n == 1 else plural(n, 'motion')}"
        sentences.append(sentence(text + (f": {join(titles)}" if titles else "")))
    if report.messages:
        sentences.append(sentence(f"We sent {plural(report.messages, 'solidarity message')}"))
    return sentences


def _event(action: SolidarityAction) -> str:
    what = action.title or (
        "a union speaker at our meeting" if action.kind == ActionType.SPEAKER else "a benefit event"
    )
    return f"{what} on {day(action.date)}"


def _with_outcome(line: str, dispute: Dispute) -> str:
    """A list item about a dispute that ended, with how it ended in the TULO's words if given."""
    return line + f" {md(sentence(dispute.outcome))}" if dispute.outcome.strip() else line


def draft_markdown(content: MonthContent) -> str:
    """The section as the TULO first sees it: a short lead, then lists under headings."""
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
        for dispute, status in content.wins:
            out.append(_with_outcome(f"- {_labelled(dispute)}: {ENDED_HOW[status]}.", dispute))
        out.append("")

    if content.started or content.escalated or content.ended or content.strike_days:
        out += ["### Disputes", ""]
        for dispute in content.started:
            issues = [i.lower() for i in dispute.issue_labels()]
            text = f"- New: {_labelled(dispute)} at {md(dispute.employer.name)}"
            if issues:
                text += f" over {md(join(issues))}"
            out.append(
                text + f", {STATUS_NOW.get(dispute.status, dispute.get_status_display().lower())}."
            )
        for dispute, status in content.escalated:
            out.append(f"- Stepping up: {_labelled(dispute)} {STEPPED_UP[status]}.")
        for dispute, days in content.strike_days:
            out.append(f"- On strike: {_labelled(dispute)}, action on {dates(days)}.")
        for dispute, status in content.ended:
            out.append(
                _with_outcome(f"- Ended: {_labelled(dispute)} {ENDED_HOW[status]}.", dispute)
            )
        out.append("")

    if content.results or content.voting:
        out += ["### Ballots", ""]
        for ballot, result in content.results:
            out.append(f"- {md(ballot_result(ballot, result))}")
        for ballot, result in content.voting:
            out.append(f"- {md(ballot_open(ballot, result, month_end=last_day(content.month)))}")
        out.append("")

    out += [f"### Coming up in {next_name}", ""]
    if content.has_coming:
        for dispute, days in content.coming_days:
            out.append(f"- {_labelled(dispute)}: action on {dates(days)}.")
        for ballot, result in content.coming_ballots:
            out.append(f"- {md(ballot_coming(ballot, result))}")
        for action in content.coming_events:
            out.append(f"- Our event: {md(sentence(_event(action)))}")
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


def _titles(disputes: list[Dispute], limit: int = 3) -> str:
    names = [d.title for d in disputes[:limit]]
    if len(disputes) > limit:
        names.append(plural(len(disputes) - limit, "other"))
    return join(names)


def word_count(text: str) -> int:
    return len(text.split())


def column_text(content: MonthContent, *, limit: int = COLUMN_WORDS) -> str:
    """The same month as a short column for a local paper: prose only, at most `limit` words.

    Sentences carry a priority; while the column is too long the least important goes, so the
    wins and what the CLP did stay in however busy the month.
    """
    month_name = f"{content.month:%B}"
    next_name = f"{content.next_month:%B}"
    # (paragraph, priority, sentence); lower priorities are kept longest.
    parts: list[tuple[int, int, str]] = []

    def add(paragraph: int, priority: int, text: str) -> None:
        parts.append((paragraph, priority, sentence(text)))

    if content.is_empty:
        add(
            0,
            0,
            f"{month_name} was a quiet month for the disputes {content.clp.name} Labour "
            "Party follows: no new disputes, no ballot results and no picket-line visits to report",
        )
    else:
        add(
            0,
            0,
            f"Here is {month_name}'s round-up of the workers' disputes {content.clp.name} "
            "Labour Party follows, and of what our members did to support them",
        )
    for n, (dispute, status) in enumerate(content.wins):
        text = f"There was good news in {dispute.title}, which {ENDED_HOW[status]}"
        if dispute.outcome.strip():
            text += f": {dispute.outcome.strip().rstrip('.')}"
        add(1, 1 + n, text)
    if content.started:
        add(1, 4, f"New disputes began in {_titles(content.started)}")
    if content.escalated:
        add(1, 5, f"Action stepped up in {_titles([d for d, _ in content.escalated])}")
    if content.strike_days:
        total = sum(len(days) for _, days in content.strike_days)
        add(
            1,
            6,
            f"Workers took action on {plural(total, 'day')} across "
            f"{plural(len(content.strike_days), 'dispute')}, including "
            f"{_titles([d for d, _ in content.strike_days])}",
        )
    if content.ended:
        add(1, 7, f"{_titles([d for d, _ in content.ended])} came to an end without a win")
    for n, (ballot, result) in enumerate(content.results[:4]):
        add(2, 3 + n, ballot_result(ballot, result, rules=False))
    for n, (ballot, result) in enumerate(content.voting[:2]):
        add(2, 8 + n, ballot_open(ballot, result, month_end=last_day(content.month)))
    for n, text in enumerate(solidarity_sentences(content)):
        add(3, 1 + n, text)
    coming = []
    if content.coming_days:
        coming.append(f"action is planned in {_titles([d for d, _ in content.coming_days])}")
    if content.coming_ballots:
        coming.append(f"{plural(len(content.coming_ballots), 'ballot')} will open")
    if content.coming_events:
        coming.append(f"we host {join([_event(e) for e in content.coming_events[:2]])}")
    if coming:
        add(4, 2, f"In {next_name}, {join(coming)}")
    add(
        4,
        0,
        f"Every strike day and picket line near us is on the CLP's strike calendar at "
        f"{content.calendar_url}",
    )

    def assemble(kept: list[tuple[int, int, str]]) -> str:
        paragraphs: dict[int, list[str]] = defaultdict(list)
        for paragraph, _, text in kept:
            paragraphs[paragraph].append(text)
        return "\n\n".join(" ".join(p) for _, p in sorted(paragraphs.items())) + "\n"

    kept = list(parts)
    while word_count(assemble(kept)) > limit and len(kept) > 1:
        # Drop the least important, and of those the last written.
        drop = max(range(len(kept)), key=lambda i: (kept[i][1], i))
        kept.pop(drop)
    return assemble(kept)
