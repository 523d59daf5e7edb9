"""What a ballot's numbers mean under the rule set in force when it opened.

Every test judges ballots against the rule sets the 0002 migration seeds, so a change to that
data (or to the law it summarises) shows up here.
"""

import datetime
from decimal import Decimal

import pytest

from strikes.ballot_law import add_months, assess
from strikes.models import Ballot, BallotKind, BallotRuleSet, Jurisdiction

from ..factories import BallotFactory, DisputeFactory, UnionFactory

pytestmark = pytest.mark.django_db

D = datetime.date
TUA_2016 = "Great Britain: Trade Union Act 2016"
ERA_2025 = "Great Britain: Employment Rights Act 2025"
NI = "Northern Ireland"
TURNOUT = "Turnout"
IPS = "Yes votes among all entitled to vote (important public services)"


@pytest.fixture
def dispute():
    return DisputeFactory(
        title="Royal Mail pay 2024",
        employer__name="Royal Mail Group",
        unions=[UnionFactory(name="Communication Workers Union", short_name="CWU")],
    )


@pytest.fixture
def make_ballot(dispute):
    """A statutory GB ballot that opened 1 Jan 2024 and closed 10 Jan 2024 with a clear win
    (60% turnout, 500 yes to 100 no), unless the test says otherwise."""

    def make(**fields) -> Ballot:
        values = {
            "dispute": dispute,
            "union": dispute.unions.get(),
            "opens_on": D(2024, 1, 1),
            "closes_on": D(2024, 1, 10),
            "entitled_to_vote": 1000,
            "votes_cast": 600,
            "yes_votes": 500,
            "no_votes": 100,
        }
        return BallotFactory(**values | fields)

    return make


def labels(result) -> list[str]:
    return [t.label for t in result.thresholds]


def threshold(result, label: str):
    (found,) = [t for t in result.thresholds if t.label == label]
    return found


def era_rule_set() -> BallotRuleSet:
    return BallotRuleSet.objects.get(
        jurisdiction=Jurisdiction.GREAT_BRITAIN, effective_from=D(2026, 2, 18)
    )


# The seeded data


def test_the_migration_seeds_three_rule_sets_with_their_sources():
    rows = {r.name: r for r in BallotRuleSet.objects.all()}

    assert set(rows) == {TUA_2016, ERA_2025, NI}
    tua, era, ni = rows[TUA_2016], rows[ERA_2025], rows[NI]
    assert (tua.jurisdiction, tua.effective_from) == ("GB", D(2017, 3, 1))
    assert (tua.turnout_threshold_pct, tua.ips_support_threshold_pct) == (50, 40)
    assert (tua.mandate_months, tua.mandate_months_by_agreement) == (6, 9)
    assert (tua.notice_days, tua.notice_days_by_agreement) == (14, 7)
    assert (era.jurisdiction, era.effective_from) == ("GB", D(2026, 2, 18))
    assert (era.turnout_threshold_pct, era.turnout_threshold_ends_on) == (50, None)
    assert era.ips_support_threshold_pct is None
    assert (era.mandate_months, era.mandate_months_by_agreement) == (12, None)
    assert (era.notice_days, era.notice_days_by_agreement) == (10, None)
    assert "18 February 2026" in era.transition_note
    assert ni.jurisdiction == "NI"
    assert (ni.turnout_threshold_pct, ni.ips_support_threshold_pct) == (None, None)
    assert (ni.mandate_months, ni.notice_days) == (None, None)
    assert all(r.source for r in rows.values())


# Which rule set applies


@pytest.mark.parametrize(
    ("opens_on", "expected"),
    [
        (D(2017, 3, 1), TUA_2016),
        (D(2026, 2, 17), TUA_2016),
        (D(2026, 2, 18), ERA_2025),
        (D(2027, 6, 1), ERA_2025),
    ],
)
def test_a_gb_ballot_is_judged_by_the_rule_set_in_force_on_the_day_it_opened(
    make_ballot, opens_on, expected
):
    ballot = make_ballot(opens_on=opens_on, closes_on=opens_on + datetime.timedelta(days=20))

    assert assess(ballot).rule_set.name == expected


def test_the_day_before_and_the_day_of_the_2025_act_pick_different_rule_sets(make_ballot):
    before = assess(make_ballot(opens_on=D(2026, 2, 17), closes_on=D(2026, 3, 10)))
    on = assess(make_ballot(opens_on=D(2026, 2, 18), closes_on=D(2026, 3, 10)))

    # Same close, same numbers: only the opening day differs, and with it the mandate.
    assert before.rule_set.name == TUA_2016
    assert on.rule_set.name == ERA_2025
    assert before.mandate_ends_on == D(2026, 9, 9)
    assert on.mandate_ends_on == D(2027, 3, 9)
    assert before.earliest_action_on == D(2026, 3, 24)
    assert on.earliest_action_on == D(2026, 3, 20)


def test_a_gb_ballot_opened_before_the_2016_act_has_no_rule_set_and_no_thresholds(make_ballot):
    # 20% turnout would fail the 2016 Act's threshold; before it there is none to fail.
    ballot = make_ballot(
        opens_on=D(2017, 2, 28),
        closes_on=D(2017, 3, 20),
        important_public_services=True,
        votes_cast=200,
        yes_votes=150,
        no_votes=50,
    )

    result = assess(ballot)

    assert result.rule_set is None
    assert result.thresholds == []
    assert result.needed_turnout_pct is None
    assert result.turnout_pct == Decimal("20.0")
    assert result.mandate is True
    assert result.mandate_ends_on is None
    assert result.earliest_action_on is None
    assert result.transition_note == ""


# Trade Union Act 2016: the 50% turnout threshold and a simple majority


def test_turnout_of_49_9_percent_fails_the_2016_threshold(make_ballot):
    result = assess(make_ballot(votes_cast=499, yes_votes=450, no_votes=49))

    assert result.rule_set.name == TUA_2016
    assert result.turnout_pct == Decimal("49.9")
    assert threshold(result, TURNOUT).required_pct == 50
    assert threshold(result, TURNOUT).met is False
    assert result.majority_yes is True
    assert result.mandate is False
    assert result.mandate_ends_on is None
    assert result.earliest_action_on is None


def test_turnout_of_exactly_50_percent_meets_the_2016_threshold(make_ballot):
    result = assess(make_ballot(votes_cast=500, yes_votes=450, no_votes=50))

    assert result.turnout_pct == Decimal("50.0")
    assert result.needed_turnout_pct == 50
    assert threshold(result, TURNOUT).met is True
    assert result.mandate is True
    assert result.mandate_ends_on == D(2024, 7, 9)


def test_a_turnout_that_only_rounds_up_to_50_percent_fails(make_ballot):
    # 1,999 of 4,000 is 49.975%: shown as 50.0, but short of half by one vote.
    result = assess(
        make_ballot(entitled_to_vote=4000, votes_cast=1999, yes_votes=1800, no_votes=199)
    )

    assert result.turnout_pct == Decimal("50.0")
    assert threshold(result, TURNOUT).met is False
    assert result.mandate is False


@pytest.mark.parametrize(
    ("yes", "no", "majority"),
    [(301, 299, True), (300, 300, False), (299, 301, False)],
)
def test_a_mandate_needs_more_yes_votes_than_no_votes(make_ballot, yes, no, majority):
    result = assess(make_ballot(votes_cast=600, yes_votes=yes, no_votes=no))

    assert threshold(result, TURNOUT).met is True
    assert result.majority_yes is majority
    assert result.mandate is majority


def test_spoilt_papers_count_towards_turnout_but_not_the_majority(make_ballot):
    # 510 voted (51%): 200 yes, 190 no and 120 spoilt. Yes is under half the votes cast.
    result = assess(make_ballot(votes_cast=510, yes_votes=200, no_votes=190, spoilt=120))

    assert result.yes_pct_of_votes == Decimal("39.2")
    assert threshold(result, TURNOUT).met is True
    assert result.majority_yes is True
    assert result.mandate is True


# Trade Union Act 2016: the 40% support threshold in important public services


def test_the_40_percent_support_threshold_applies_only_to_important_public_services(
    make_ballot,
):
    # 60% turnout, 350 yes to 250 no: a majority, but only 35% of all entitled voted yes.
    numbers = {"votes_cast": 600, "yes_votes": 350, "no_votes": 250}

    elsewhere = assess(make_ballot(**numbers))
    public_services = assess(make_ballot(important_public_services=True, **numbers))

    assert labels(elsewhere) == [TURNOUT]
    assert elsewhere.mandate is True
    assert labels(public_services) == [TURNOUT, IPS]
    assert threshold(public_services, IPS).required_pct == 40
    assert threshold(public_services, IPS).actual_pct == Decimal("35.0")
    assert threshold(public_services, IPS).met is False
    assert public_services.mandate is False


def test_exactly_40_percent_of_all_entitled_voting_yes_passes(make_ballot):
    result = assess(
        make_ballot(important_public_services=True, votes_cast=600, yes_votes=400, no_votes=200)
    )

    assert result.yes_pct_of_entitled == Decimal("40.0")
    assert threshold(result, IPS).met is True
    assert result.mandate is True


def test_39_9_percent_of_all_entitled_voting_yes_fails(make_ballot):
    result = assess(
        make_ballot(important_public_services=True, votes_cast=600, yes_votes=399, no_votes=201)
    )

    assert result.yes_pct_of_entitled == Decimal("39.9")
    assert threshold(result, IPS).met is False
    assert threshold(result, TURNOUT).met is True
    assert result.mandate is False


def test_support_that_only_rounds_up_to_40_percent_fails(make_ballot):
    # 3,998 of 10,000 is 39.98%: shown as 40.0, but two votes short.
    result = assess(
        make_ballot(
            important_public_services=True,
            entitled_to_vote=10000,
            votes_cast=6000,
            yes_votes=3998,
            no_votes=2002,
        )
    )

    assert result.yes_pct_of_entitled == Decimal("40.0")
    assert threshold(result, IPS).met is False
    assert result.mandate is False


# Trade Union Act 2016: the mandate and notice


def test_a_2016_act_mandate_ends_the_day_before_the_same_date_six_months_on(make_ballot):
    result = assess(make_ballot(closes_on=D(2024, 1, 10)))

    assert result.mandate_ends_on == D(2024, 7, 9)


def test_an_agreed_extension_gives_a_2016_act_mandate_nine_months(make_ballot):
    result = assess(make_ballot(closes_on=D(2024, 1, 10), extension_agreed=True))

    assert result.mandate_ends_on == D(2024, 10, 9)


@pytest.mark.parametrize(
    ("closes_on", "extension_agreed", "last_day"),
    [
        # 31 August + 6 months is clamped to the end of February, then less a day.
        (D(2025, 8, 31), False, D(2026, 2, 27)),
        (D(2023, 8, 31), False, D(2024, 2, 28)),
        (D(2024, 5, 31), True, D(2025, 2, 27)),
        (D(2025, 9, 1), False, D(2026, 2, 28)),
        (D(2024, 7, 31), False, D(2025, 1, 30)),
    ],
)
def test_a_mandate_from_a_month_end_close_is_clamped_to_the_shorter_month(
    make_ballot, closes_on, extension_agreed, last_day
):
    ballot = make_ballot(
        opens_on=closes_on - datetime.timedelta(days=14),
        closes_on=closes_on,
        extension_agreed=extension_agreed,
    )

    result = assess(ballot)

    assert result.rule_set.name == TUA_2016
    assert result.mandate_ends_on == last_day


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (D(2024, 1, 10), 6, D(2024, 7, 10)),
        (D(2025, 8, 31), 6, D(2026, 2, 28)),
        (D(2023, 8, 31), 6, D(2024, 2, 29)),
        (D(2025, 11, 30), 3, D(2026, 2, 28)),
        (D(2025, 12, 15), 12, D(2026, 12, 15)),
        (D(2024, 3, 31), 9, D(2024, 12, 31)),
    ],
)
def test_add_months_keeps_the_day_or_clamps_it_to_the_month_end(day, months, expected):
    assert add_months(day, months) == expected


def test_2016_act_notice_runs_14_days_from_the_close_when_no_announcement_is_entered(
    make_ballot,
):
    result = assess(make_ballot(closes_on=D(2024, 1, 10)))

    assert result.earliest_action_on == D(2024, 1, 24)


def test_2016_act_notice_runs_14_days_from_the_announcement(make_ballot):
    result = assess(make_ballot(closes_on=D(2024, 1, 10), result_announced_on=D(2024, 1, 12)))

    assert result.earliest_action_on == D(2024, 1, 26)


def test_days_left_counts_down_to_the_last_day_of_a_mandate(make_ballot):
    won = assess(make_ballot(closes_on=D(2024, 1, 10)))
    lost = assess(make_ballot(closes_on=D(2024, 1, 10), votes_cast=400, yes_votes=390, no_votes=10))

    assert won.days_left(D(2024, 7, 1)) == 8
    assert won.days_left(D(2024, 7, 9)) == 0
    assert won.days_left(D(2024, 7, 10)) == -1
    assert lost.days_left(D(2024, 7, 1)) is None


# Employment Rights Act 2025


def test_a_2025_act_mandate_runs_12_months_and_notice_10_days(make_ballot):
    result = assess(make_ballot(opens_on=D(2026, 3, 2), closes_on=D(2026, 3, 20)))

    assert result.rule_set.name == ERA_2025
    assert result.mandate is True
    assert result.mandate_ends_on == D(2027, 3, 19)
    assert result.earliest_action_on == D(2026, 3, 30)


def test_2025_act_notice_runs_10_days_from_the_announcement(make_ballot):
    result = assess(
        make_ballot(
            opens_on=D(2026, 3, 2), closes_on=D(2026, 3, 20), result_announced_on=D(2026, 3, 23)
        )
    )

    assert result.earliest_action_on == D(2026, 4, 2)


def test_the_2025_act_has_no_extension_by_agreement(make_ballot):
    result = assess(
        make_ballot(opens_on=D(2026, 3, 2), closes_on=D(2026, 3, 20), extension_agreed=True)
    )

    assert result.mandate_ends_on == D(2027, 3, 19)


def test_the_2025_act_drops_the_40_percent_support_threshold(make_ballot):
    # 35% of all entitled voted yes in an important public service: enough from 18 Feb 2026.
    result = assess(
        make_ballot(
            opens_on=D(2026, 3, 2),
            closes_on=D(2026, 3, 20),
            important_public_services=True,
            votes_cast=600,
            yes_votes=350,
            no_votes=250,
        )
    )

    assert labels(result) == [TURNOUT]
    assert result.mandate is True


@pytest.mark.parametrize(("votes_cast", "met"), [(499, False), (500, True)])
def test_the_2025_act_keeps_the_50_percent_turnout_threshold(make_ballot, votes_cast, met):
    result = assess(
        make_ballot(
            opens_on=D(2026, 3, 2),
            closes_on=D(2026, 3, 20),
            votes_cast=votes_cast,
            yes_votes=400,
            no_votes=votes_cast - 400,
        )
    )

    assert result.needed_turnout_pct == 50
    assert threshold(result, TURNOUT).met is met
    assert result.mandate is met


def test_once_an_admin_enters_the_turnout_repeal_date_ballots_opened_from_it_have_no_threshold(
    make_ballot,
):
    era = era_rule_set()
    era.turnout_threshold_ends_on = D(2026, 8, 1)
    era.save()
    # 30% turnout, 250 yes to 50 no.
    numbers = {"votes_cast": 300, "yes_votes": 250, "no_votes": 50}

    day_before = assess(make_ballot(opens_on=D(2026, 7, 31), closes_on=D(2026, 8, 20), **numbers))
    from_repeal = assess(make_ballot(opens_on=D(2026, 8, 1), closes_on=D(2026, 8, 20), **numbers))

    assert day_before.rule_set.name == ERA_2025
    assert labels(day_before) == [TURNOUT]
    assert threshold(day_before, TURNOUT).met is False
    assert day_before.mandate is False
    assert from_repeal.rule_set.name == ERA_2025
    assert from_repeal.thresholds == []
    assert from_repeal.needed_turnout_pct is None
    assert from_repeal.turnout_pct == Decimal("30.0")
    assert from_repeal.mandate is True
    assert from_repeal.mandate_ends_on == D(2027, 8, 19)


# Ballots opened under the 2016 Act whose mandate runs into the 2025 Act


def test_a_mandate_running_into_18_february_2026_carries_the_transition_note(make_ballot):
    # Closed 19 Aug 2025: the mandate's last day is 18 Feb 2026, the day the 2025 Act applies.
    result = assess(make_ballot(opens_on=D(2025, 8, 1), closes_on=D(2025, 8, 19)))

    assert result.rule_set.name == TUA_2016
    assert result.mandate_ends_on == D(2026, 2, 18)
    assert result.transition_note == era_rule_set().transition_note
    assert result.transition_note.startswith("This ballot opened before 18 February 2026")


def test_a_mandate_ending_before_18_february_2026_carries_no_transition_note(make_ballot):
    result = assess(make_ballot(opens_on=D(2025, 8, 1), closes_on=D(2025, 8, 18)))

    assert result.rule_set.name == TUA_2016
    assert result.mandate_ends_on == D(2026, 2, 17)
    assert result.transition_note == ""


def test_an_agreed_extension_can_carry_a_mandate_into_the_transition(make_ballot):
    six = assess(make_ballot(opens_on=D(2025, 5, 15), closes_on=D(2025, 6, 1)))
    nine = assess(
        make_ballot(opens_on=D(2025, 5, 15), closes_on=D(2025, 6, 1), extension_agreed=True)
    )

    assert six.mandate_ends_on == D(2025, 11, 30)
    assert six.transition_note == ""
    assert nine.mandate_ends_on == D(2026, 2, 28)
    assert nine.transition_note == era_rule_set().transition_note


def test_a_ballot_that_won_no_mandate_carries_no_transition_note(make_ballot):
    result = assess(
        make_ballot(
            opens_on=D(2025, 12, 1),
            closes_on=D(2025, 12, 20),
            votes_cast=400,
            yes_votes=300,
            no_votes=100,
        )
    )

    assert result.mandate is False
    assert result.transition_note == ""


def test_a_ballot_under_the_2025_act_carries_no_transition_note(make_ballot):
    result = assess(make_ballot(opens_on=D(2026, 2, 18), closes_on=D(2026, 3, 10)))

    assert result.rule_set.name == ERA_2025
    assert result.transition_note == ""


# Northern Ireland


def test_northern_ireland_has_no_thresholds_and_no_periods_entered(make_ballot):
    # 20% turnout and 30% of all entitled yes in a public service: no threshold to fail.
    result = assess(
        make_ballot(
            jurisdiction=Jurisdiction.NORTHERN_IRELAND,
            important_public_services=True,
            votes_cast=200,
            yes_votes=150,
            no_votes=50,
        )
    )

    assert result.rule_set.name == NI
    assert result.thresholds == []
    assert result.needed_turnout_pct is None
    assert result.majority_yes is True
    assert result.mandate is True
    assert result.mandate_ends_on is None
    assert result.earliest_action_on is None
    assert result.transition_note == ""


def test_northern_ireland_still_needs_a_yes_majority(make_ballot):
    result = assess(
        make_ballot(
            jurisdiction=Jurisdiction.NORTHERN_IRELAND, votes_cast=600, yes_votes=280, no_votes=320
        )
    )

    assert result.mandate is False


@pytest.mark.parametrize("opens_on", [D(2017, 2, 28), D(2026, 2, 18)])
def test_northern_ireland_ballots_ignore_the_gb_dates(make_ballot, opens_on):
    ballot = make_ballot(
        jurisdiction=Jurisdiction.NORTHERN_IRELAND,
        opens_on=opens_on,
        closes_on=opens_on + datetime.timedelta(days=20),
    )

    assert assess(ballot).rule_set.name == NI


def test_northern_ireland_periods_apply_once_an_admin_enters_them(make_ballot):
    BallotRuleSet.objects.filter(jurisdiction=Jurisdiction.NORTHERN_IRELAND).update(
        mandate_months=3, notice_days=7
    )

    result = assess(make_ballot(jurisdiction=Jurisdiction.NORTHERN_IRELAND))

    assert result.mandate_ends_on == D(2024, 4, 9)
    assert result.earliest_action_on == D(2024, 1, 17)


# Indicative ballots, and ballots without a result


def test_an_indicative_ballot_has_no_statutory_thresholds_and_no_mandate(make_ballot):
    result = assess(
        make_ballot(
            kind=BallotKind.INDICATIVE,
            important_public_services=True,
            votes_cast=300,
            yes_votes=270,
            no_votes=30,
        )
    )

    assert result.rule_set.name == TUA_2016
    assert result.thresholds == []
    assert result.turnout_pct == Decimal("30.0")
    assert result.yes_pct_of_votes == Decimal("90.0")
    assert result.majority_yes is True
    assert result.mandate is None
    assert result.mandate_ends_on is None
    assert result.earliest_action_on is None


def test_a_ballot_with_no_result_yet_has_no_mandate_and_unjudged_thresholds(make_ballot):
    result = assess(
        make_ballot(important_public_services=True, votes_cast=None, yes_votes=None, no_votes=None)
    )

    assert result.turnout_pct is None
    assert result.yes_pct_of_entitled is None
    assert result.majority_yes is None
    assert labels(result) == [TURNOUT, IPS]
    assert [t.met for t in result.thresholds] == [None, None]
    assert result.needed_turnout_pct == 50
    assert result.mandate is None
    assert result.mandate_ends_on is None
    assert result.earliest_action_on is None
    assert result.days_left(D(2024, 2, 1)) is None


def test_a_won_vote_with_no_electorate_entered_is_not_reported_as_no_mandate(make_ballot):
    # The union gave the votes but not how many were balloted: the turnout cannot be judged.
    result = assess(make_ballot(entitled_to_vote=None))

    assert result.turnout_pct is None
    assert threshold(result, TURNOUT).met is None
    assert result.majority_yes is True
    assert result.mandate is None
    assert result.mandate_ends_on is None


def test_a_lost_vote_with_no_electorate_entered_is_no_mandate(make_ballot):
    result = assess(make_ballot(entitled_to_vote=None, yes_votes=200, no_votes=400))

    assert result.mandate is False


# The ballot that missed


def test_the_ballot_that_missed_the_turnout_threshold(make_ballot):
    # 44% turnout and 88% yes: an overwhelming vote that gives no mandate under the 2016 Act.
    result = assess(
        make_ballot(
            opens_on=D(2023, 9, 4),
            closes_on=D(2023, 10, 2),
            entitled_to_vote=1000,
            votes_cast=440,
            yes_votes=387,
            no_votes=53,
        )
    )

    assert result.turnout_pct == Decimal("44.0")
    assert result.yes_pct_of_votes == Decimal("88.0")
    assert result.majority_yes is True
    assert threshold(result, TURNOUT).required_pct == 50
    assert threshold(result, TURNOUT).actual_pct == Decimal("44.0")
    assert threshold(result, TURNOUT).met is False
    assert result.mandate is False
    assert result.mandate_ends_on is None
    assert result.earliest_action_on is None
    assert result.rule_set.name == TUA_2016
    assert "Trade Union Act 2016" in result.rule_set.source
    assert "xperthr.co.uk" in result.rule_set.source


def test_assess_with_the_rule_sets_given_runs_no_queries(make_ballot, django_assert_num_queries):
    ballot = make_ballot()
    rule_sets = list(BallotRuleSet.objects.all())

    with django_assert_num_queries(0):
        result = assess(ballot, rule_sets)

    assert result.rule_set.name == TUA_2016
    assert result.mandate_ends_on == D(2024, 7, 9)
