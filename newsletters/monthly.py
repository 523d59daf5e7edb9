"""The monthly newsletter's union-updates section: when each CLP's draft is due, what the
records say about a month, and the draft and the short column written from them. The Markdown
is made safe to show and send by newsletters/markdown.py.

A month runs from midnight to midnight in Europe/London, whatever the clocks do in between.
"""

import calendar
import datetime
import re
import zoneinfo
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db.models import OuterRef, Q, Subquery
from django.urls import reverse

from clps.models import CLP
from pickets import selectors as pickets_selectors
from pickets.models import ActionType, Office, SolidarityAction
from pickets.templatetags.pickets_tags import pounds
from strikes import selectors as strikes_selectors
from strikes.ballot_law import BallotAssessment, add_months, assess
from strikes.models import (
    ENDED_STATUSES,
    ActionDay,
    Ballot,
    BallotKind,
    Dispute,
    DisputeStatus,
)
from strikes.templatetags.strikes_tags import pct

from .markdown import escape as md
from .models import NewsletterCovers, NewsletterSchedule, NewsletterSection

LONDON = zoneinfo.ZoneInfo("Europe/London")
# The draft is ready at this time (Europe/London) on its due day: in the TULO's morning, not
# at midnight.
BUILD_TIME = datetime.time(7)
# The column for a local paper: editors ask for about this many words.
COLUMN_WORDS = 400


# Months ---------------------------------------------------------------------------------------


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


# The schedule ---------------------------------------------------------------------------------


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


# What the records say about a month -----------------------------------------------------------

ESCALATED_TO = {DisputeStatus.MANDATE_WON, DisputeStatus.TAKING_ACTION}
WIN_STATUSES = {DisputeStatus.WON, DisputeStatus.SETTLED}


@dataclass
class MonthContent:
    clp: CLP
    month: datetime.date
    calendar_url: str
    subscribe_url: str
    started: list[Dispute] = field(default_factory=list)
    escalated: list[tuple[Dispute, str]] = field(default_factory=list)
    wins: list[tuple[Dispute, str]] = field(default_factory=list)
    ended: list[tuple[Dispute, str]] = field(default_factory=list)
    strike_days: list[tuple[Dispute, list[datetime.date]]] = field(default_factory=list)
    results: list[tuple[Ballot, BallotAssessment]] = field(default_factory=list)
    voting: list[tuple[Ballot, BallotAssessment]] = field(default_factory=list)
    report: pickets_selectors.Report | None = None
    speakers: list[SolidarityAction] = field(default_factory=list)
    motions: list[SolidarityAction] = field(default_factory=list)
    events: list[SolidarityAction] = field(default_factory=list)
    coming_days: list[tuple[Dispute, list[datetime.date]]] = field(default_factory=list)
    coming_ballots: list[tuple[Ballot, BallotAssessment]] = field(default_factory=list)
    coming_events: list[SolidarityAction] = field(default_factory=list)

    @property
    def next_month(self) -> datetime.date:
        return add_months(self.month, 1)

    @property
    def has_disputes(self) -> bool:
        return any((self.started, self.escalated, self.wins, self.ended, self.strike_days))

    @property
    def has_solidarity(self) -> bool:
        r = self.report
        return bool(
            r and (r.visits or r.money_pence or r.speakers or r.motions or r.messages)
        ) or bool(self.events)

    @property
    def has_coming(self) -> bool:
        return any((self.coming_days, self.coming_ballots, self.coming_events))

    @property
    def is_empty(self) -> bool:
        """Nothing happened in the month (what is coming does not count)."""
        return not (self.has_disputes or self.results or self.voting or self.has_solidarity)


def _status_changes(
    dispute_ids: list[int], start: datetime.datetime, end: datetime.datetime
) -> dict[int, str]:
    """dispute id -> the status it moved to in the month, for disputes that stepped up (to a
    mandate or to action) or ended: read from each dispute's edit history, so a change counts
    in the month it was made, not the month of the dispute's latest edit."""
    history = Dispute.history.model
    rows = list(
        history.objects.filter(id__in=dispute_ids, history_date__gte=start, history_date__lt=end)
        .order_by("id", "history_date", "history_id")
        .values_list("id", "status", "history_type")
    )
    if not rows:
        return {}
    before = dict(
        Dispute.objects.filter(pk__in={row[0] for row in rows})
        .annotate(
            status_before=Subquery(
                history.objects.filter(id=OuterRef("pk"), history_date__lt=start)
                .order_by("-history_date", "-history_id")
                .values("status")[:1]
            )
        )
        .values_list("pk", "status_before")
    )
    moved: dict[int, str] = {}
    status: dict[int, str | None] = dict(before)
    for dispute_id, new, kind in rows:
        previous = status.get(dispute_id)
        status[dispute_id] = new
        if kind != "~" or previous is None or new == previous:
            continue  # created or deleted in the month, or edited without a change of status
        stepped_up = new in ESCALATED_TO and previous != DisputeStatus.TAKING_ACTION
        if new in ENDED_STATUSES or stepped_up:
            moved[dispute_id] = new
        elif moved.get(dispute_id) in ENDED_STATUSES and new not in ENDED_STATUSES:
            del moved[dispute_id]  # reopened after ending: not over after all
    return moved


def _group_days(days) -> list[tuple[int, list[datetime.date]]]:
    grouped: dict[int, list[datetime.date]] = defaultdict(list)
    for dispute_id, date in days:
        if date not in grouped[dispute_id]:
            grouped[dispute_id].append(date)
    return list(grouped.items())


def gather(*, clp: CLP, month: datetime.date, site_url: str | None = None) -> MonthContent:
    """Everything the section says about `month` for the CLP, in a fixed number of queries."""
    month = first_of_month(month)
    start, end = month_bounds(month)
    first, last = month, last_day(month)
    next_first = add_months(month, 1)
    next_last = last_day(next_first)
    site = (site_url or settings.SITE_URL).rstrip("/")
    content = MonthContent(
        clp=clp,
        month=month,
        calendar_url=site + reverse("pickets_public:calendar", args=[clp.slug]),
        subscribe_url=site + reverse("newsletters_public:subscribe", args=[clp.slug]),
    )
    ids = strikes_selectors.clp_dispute_ids(clp)
    rules = strikes_selectors.rule_sets()

    started_ids = list(
        Dispute.objects.filter(pk__in=ids, created_at__gte=start, created_at__lt=end)
        .order_by("created_at", "pk")
        .values_list("pk", flat=True)
    )
    moved = _status_changes(ids, start, end)
    days_now = _group_days(
        ActionDay.objects.filter(
            dispute_id__in=ids, date__gte=first, date__lte=last, cancelled=False
        )
        .order_by("date")
        .values_list("dispute_id", "date")
    )
    days_next = _group_days(
        ActionDay.objects.filter(
            dispute_id__in=ids, date__gte=next_first, date__lte=next_last, cancelled=False
        )
        .order_by("date")
        .values_list("dispute_id", "date")
    )
    with_result = Q(votes_cast__isnull=False, yes_votes__isnull=False)
    ballots = list(
        Ballot.objects.filter(dispute_id__in=ids)
        .filter(
            (
                with_result
                & (
                    Q(result_announced_on__gte=first, result_announced_on__lte=last)
                    | Q(result_announced_on__isnull=True, closes_on__gte=first, closes_on__lte=last)
                )
            )
            | (~with_result & Q(opens_on__lte=next_last, closes_on__gte=first))
        )
        .select_related("union")
        .order_by("closes_on", "pk")
    )
    actions = list(
        SolidarityAction.objects.filter(clp=clp, date__gte=first, date__lte=next_last)
        .filter(
            Q(kind__in=[ActionType.SPEAKER, ActionType.BENEFIT_EVENT])
            | Q(kind=ActionType.MOTION, date__lte=last)
        )
        .order_by("date", "pk")
    )

    wanted = (
        set(started_ids)
        | set(moved)
        | {d for d, _ in days_now}
        | {d for d, _ in days_next}
        | {b.dispute_id for b in ballots}
    )
    disputes = (
        Dispute.objects.select_related("employer")
        .prefetch_related(strikes_selectors.union_prefetch())
        .in_bulk(list(wanted))
        if wanted
        else {}
    )
    for ballot in ballots:
        ballot.dispute = disputes[ballot.dispute_id]

    for dispute_id, status in moved.items():
        dispute = disputes[dispute_id]
        if status in WIN_STATUSES:
            content.wins.append((dispute, status))
        elif status in ENDED_STATUSES:
            content.ended.append((dispute, status))
        elif dispute_id not in started_ids:
            content.escalated.append((dispute, status))
    content.started = [
        disputes[pk] for pk in started_ids if moved.get(pk) not in set(ENDED_STATUSES)
    ]
    content.strike_days = [(disputes[d], dates) for d, dates in days_now]
    content.coming_days = [(disputes[d], dates) for d, dates in days_next]

    for ballot in ballots:
        pair = (ballot, assess(ballot, rules))
        if ballot.has_result:
            content.results.append(pair)
        elif ballot.opens_on <= last:
            # Open in the month, closing in it or later: told once, as a vote under way.
            content.voting.append(pair)
        else:
            content.coming_ballots.append(pair)

    content.report = pickets_selectors.solidarity_report(clp=clp, start=first, end=last)
    for action in actions:
        if action.date > last:
            content.coming_events.append(action)
        elif action.kind == ActionType.SPEAKER:
            content.speakers.append(action)
        elif action.kind == ActionType.MOTION:
            content.motions.append(action)
        else:
            content.events.append(action)
    return content


# Writing it up --------------------------------------------------------------------------------

NUMBER_WORDS = ["no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
STATUS_NOW = {
    DisputeStatus.BALLOTING: "balloting for action",
    DisputeStatus.MANDATE_WON: "with a mandate for action",
    DisputeStatus.TAKING_ACTION: "taking action",
    DisputeStatus.SUSPENDED: "with action suspended",
}
STEPPED_UP = {
    DisputeStatus.MANDATE_WON: "won a mandate for action",
    DisputeStatus.TAKING_ACTION: "began action",
}
ENDED_HOW = {
    DisputeStatus.WON: "won",
    DisputeStatus.SETTLED: "settled",
    DisputeStatus.LOST: "ended without a win",
    DisputeStatus.CALLED_OFF: "was called off",
}


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


def unions(dispute: Dispute) -> str:
    return "/".join(u.short_name for u in dispute.unions.all())


def _labelled(dispute: Dispute) -> str:
    """**Title** (CWU)"""
    who = unions(dispute)
    return f"**{md(dispute.title)}**" + (f" ({md(who)})" if who else "")


def _sentence(text: str) -> str:
    text = text.strip()
    return text if not text or text[-1] in ".!?" else text + "."


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
        sentences.append(_sentence(text[0].upper() + text[1:]))
    if report.money_pence:
        funds = [_fund(*row) for row in report.money_by_fund]
        if len(funds) == 1:
            sentences.append(_sentence(f"We raised {funds[0]}"))
        else:
            sentences.append(
                _sentence(f"We raised {pounds(report.money_pence)} for strike funds: {join(funds)}")
            )
    if content.events:
        titles = [e.title or "a benefit event" for e in content.events]
        sentences.append(_sentence(f"We held {join(titles)}"))
    if content.speakers:
        titles = [s.title for s in content.speakers if s.title]
        text = f"We heard from {plural(len(content.speakers), 'union speaker')}"
        sentences.append(_sentence(text + (f": {join(titles)}" if titles else "")))
    if content.motions:
        titles = [f"“{m.title}”" for m in content.motions if m.title]
        n = len(content.motions)
        text = f"The CLP passed {'a motion' if n == 1 else plural(n, 'motion')}"
        sentences.append(_sentence(text + (f": {join(titles)}" if titles else "")))
    if report.messages:
        sentences.append(_sentence(f"We sent {plural(report.messages, 'solidarity message')}"))
    return sentences


def _event(action: SolidarityAction) -> str:
    what = action.title or (
        "a union speaker at our meeting" if action.kind == ActionType.SPEAKER else "a benefit event"
    )
    return f"{what} on {day(action.date)}"


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
            line = f"- {_labelled(dispute)}: {ENDED_HOW[status]}."
            if dispute.outcome.strip():
                line += f" {md(_sentence(dispute.outcome))}"
            out.append(line)
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
            line = f"- Ended: {_labelled(dispute)} {ENDED_HOW[status]}."
            if dispute.outcome.strip():
                line += f" {md(_sentence(dispute.outcome))}"
            out.append(line)
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
            out.append(f"- Our event: {md(_sentence(_event(action)))}")
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
        parts.append((paragraph, priority, _sentence(text)))

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
