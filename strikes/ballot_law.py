"""What a ballot's numbers mean under the rule set in force when it opened.

It reports what the rules say; it does not advise. Every figure is computed from the ballot's
inputs and the rule set's data, never stored beside them.
"""

import calendar
import datetime
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from .models import Ballot, BallotKind, BallotRuleSet


def add_months(day: datetime.date, months: int) -> datetime.date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return day.replace(
        year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1])
    )


def percent(part: int | None, whole: int | None) -> Decimal | None:
    if part is None or not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), ROUND_HALF_UP)


def at_least(part: int | None, whole: int | None, pct: int) -> bool | None:
    """Whether part is at least pct% of whole, judged on the counts: the rounded percentage
    would carry 49.95% over a 50% threshold."""
    if part is None or not whole:
        return None
    return part * 100 >= pct * whole


@dataclass(frozen=True)
class Threshold:
    label: str
    required_pct: int
    actual_pct: Decimal | None
    met: bool | None  # None until the result is in


@dataclass(frozen=True)
class BallotAssessment:
    rule_set: BallotRuleSet | None
    turnout_pct: Decimal | None
    yes_pct_of_votes: Decimal | None
    yes_pct_of_entitled: Decimal | None
    majority_yes: bool | None
    thresholds: list[Threshold]
    mandate: bool | None  # None until the result is in; False: no mandate results
    mandate_ends_on: datetime.date | None
    earliest_action_on: datetime.date | None
    transition_note: str

    @property
    def needed_turnout_pct(self) -> int | None:
        for threshold in self.thresholds:
            if threshold.label == "Turnout":
                return threshold.required_pct
        return None

    def days_left(self, today: datetime.date) -> int | None:
        if not self.mandate or self.mandate_ends_on is None:
            return None
        return (self.mandate_ends_on - today).days


def rule_set_for(ballot: Ballot, rule_sets: list[BallotRuleSet]) -> BallotRuleSet | None:
    """The rule set of the ballot's jurisdiction in force on the day it opened."""
    candidates = [
        r
        for r in rule_sets
        if r.jurisdiction == ballot.jurisdiction and r.effective_from <= ballot.opens_on
    ]
    return max(candidates, key=lambda r: r.effective_from, default=None)


def _next_rule_set(rule_set: BallotRuleSet, rule_sets: list[BallotRuleSet]) -> BallotRuleSet | None:
    later = [
        r
        for r in rule_sets
        if r.jurisdiction == rule_set.jurisdiction and r.effective_from > rule_set.effective_from
    ]
    return min(later, key=lambda r: r.effective_from, default=None)


def assess(ballot: Ballot, rule_sets: list[BallotRuleSet] | None = None) -> BallotAssessment:
    if rule_sets is None:
        rule_sets = list(BallotRuleSet.objects.all())
    rule_set = rule_set_for(ballot, rule_sets)
    has_result = ballot.has_result
    turnout = percent(ballot.votes_cast, ballot.entitled_to_vote)
    yes_of_votes = percent(ballot.yes_votes, ballot.votes_cast)
    yes_of_entitled = percent(ballot.yes_votes, ballot.entitled_to_vote)
    majority = None
    if has_result and ballot.yes_votes is not None:  # has_result says yes_votes is given
        majority = ballot.yes_votes > (ballot.no_votes or 0)

    thresholds: list[Threshold] = []
    statutory = ballot.kind == BallotKind.STATUTORY
    if rule_set is not None and statutory:
        turnout_pct = rule_set.turnout_threshold_pct
        turnout_ends_on = rule_set.turnout_threshold_ends_on
        if turnout_pct is not None and (
            turnout_ends_on is None or ballot.opens_on < turnout_ends_on
        ):
            thresholds.append(
                Threshold(
                    "Turnout",
                    turnout_pct,
                    turnout,
                    at_least(ballot.votes_cast, ballot.entitled_to_vote, turnout_pct),
                )
            )
        if ballot.important_public_services and rule_set.ips_support_threshold_pct is not None:
            required = rule_set.ips_support_threshold_pct
            thresholds.append(
                Threshold(
                    "Yes votes among all entitled to vote (important public services)",
                    required,
                    yes_of_entitled,
                    at_least(ballot.yes_votes, ballot.entitled_to_vote, required),
                )
            )

    mandate = None
    mandate_ends_on = None
    earliest_action_on = None
    transition_note = ""
    if statutory and has_result:
        if not majority or any(t.met is False for t in thresholds):
            mandate = False
        elif all(t.met for t in thresholds):
            mandate = True
        # Otherwise a threshold cannot be judged without the number entitled to vote: unknown.
    if mandate and rule_set is not None:
        months = rule_set.mandate_months
        if ballot.extension_agreed and rule_set.mandate_months_by_agreement:
            months = rule_set.mandate_months_by_agreement
        if months:
            # "N months beginning with the date of the ballot": the last day is the day before.
            mandate_ends_on = add_months(ballot.closes_on, months) - datetime.timedelta(days=1)
        if rule_set.notice_days is not None:
            announced = ballot.result_announced_on or ballot.closes_on
            earliest_action_on = announced + datetime.timedelta(days=rule_set.notice_days)
        following = _next_rule_set(rule_set, rule_sets)
        if (
            following is not None
            and following.transition_note
            and mandate_ends_on is not None
            and mandate_ends_on >= following.effective_from
        ):
            transition_note = following.transition_note

    return BallotAssessment(
        rule_set=rule_set,
        turnout_pct=turnout,
        yes_pct_of_votes=yes_of_votes,
        yes_pct_of_entitled=yes_of_entitled,
        majority_yes=majority,
        thresholds=thresholds,
        mandate=mandate,
        mandate_ends_on=mandate_ends_on,
        earliest_action_on=earliest_action_on,
        transition_note=transition_note,
    )
