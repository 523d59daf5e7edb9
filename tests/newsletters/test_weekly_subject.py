"""The weekly email's subject names its week and its biggest item, in a line a phone shows
whole: the strike with a picket line near you before others, then the one with most days."""

import datetime

import pytest

from newsletters.models import Digest
from newsletters.weekly.content import build_content
from newsletters.weekly.wording import SUBJECT_WIDTH, subject
from strikes.models import ActionKind

from ..factories import (
    ActionDayFactory,
    BallotFactory,
    DisputeFactory,
    EmployerFactory,
    FollowedDisputeFactory,
    PicketLineFactory,
    UnionFactory,
)

pytestmark = pytest.mark.django_db

MONDAY = datetime.date(2026, 12, 7)


def strike(clp, workers: str, union: str, offsets: list[int], *, cancelled=(), **fields):
    """A followed dispute of `workers` (its newsletter phrase) with days at these offsets from
    Monday; its title is nothing like the phrase, so a subject that pastes the title shows."""
    dispute = DisputeFactory(
        title=f"Dispute {union} {len(offsets)}",
        workers=workers,
        unions=[UnionFactory(short_name=union)],
        **fields,
    )
    FollowedDisputeFactory(clp=clp, dispute=dispute)
    return [
        ActionDayFactory(
            dispute=dispute,
            date=MONDAY + datetime.timedelta(days=n),
            cancelled=n in cancelled,
        )
        for n in offsets
    ]


def subject_on(clp, day: datetime.date = MONDAY) -> str:
    line = subject(build_content(Digest(clp=clp, week_start=MONDAY), today=day))
    assert len(line) <= SUBJECT_WIDTH, line
    return line


def test_the_strike_with_most_days_is_named_with_how_many_more(clp):
    strike(clp, "bin crews at Hackney council", "Unite", [1])
    strike(clp, "mental health social workers in Clapton", "UNISON", [0, 1, 2, 3, 4])
    strike(clp, "postal workers at the delivery office", "CWU", [2, 3])
    assert subject_on(clp) == (
        "Strikes this week: UNISON mental health social workers in Clapton out all week, and 2 more"
    )


def test_a_strike_with_a_picket_line_near_you_comes_first(clp):
    strike(clp, "mental health social workers in Clapton", "UNISON", [0, 1, 2, 3, 4])
    [thursday] = strike(clp, "postal workers at the delivery office", "CWU", [3])
    PicketLineFactory(clp=clp, dispute=thursday.dispute, action_days=[thursday])
    assert subject_on(clp) == (
        "Strikes this week: CWU postal workers at the delivery office out on Thursday, and 1 more"
    )


@pytest.mark.parametrize(
    ("offsets", "cancelled", "when"),
    [
        ([1], (), "on Tuesday"),
        ([0, 1, 2], (), "Monday to Wednesday"),
        ([0, 1, 2, 3, 4], (1,), "from Monday"),
        ([1, 3], (), "from Tuesday"),
    ],
)
def test_when_is_said_as_people_say_it(clp, offsets, cancelled, when):
    strike(clp, "porters at Homerton hospital", "GMB", offsets, cancelled=cancelled)
    assert subject_on(clp) == f"Strikes this week: GMB porters at Homerton hospital out {when}"


def test_without_a_phrase_the_workers_are_the_unions_members_at_the_employer(clp):
    strike(clp, "", "GMB", [1], employer=EmployerFactory(name="London Borough of Hackney"))
    assert subject_on(clp) == (
        "Strikes this week: GMB members at the London Borough of Hackney out on Tuesday"
    )


def test_action_short_of_a_strike_is_not_called_out(clp):
    [day] = strike(clp, "porters at Homerton hospital", "GMB", [1])
    day.kind = ActionKind.ASOS
    day.save()
    assert subject_on(clp) == (
        "Strikes this week: GMB porters at Homerton hospital taking action on Tuesday"
    )


def test_too_long_a_phrase_loses_where_they_work_and_then_gives_way_to_the_title(clp):
    strike(
        clp,
        "outsourced cleaners and security staff at the Department for Work and Pensions' "
        "Caxton House",
        "PCS",
        [0],
    )
    assert subject_on(clp) == (
        "Strikes this week: PCS outsourced cleaners and security staff out on Monday"
    )
    DisputeFactory._meta.model.objects.update(
        workers="outsourced cleaners, security staff, caterers, porters, receptionists and "
        "drivers employed by contractors",
        title="Caxton House cleaners: pay and conditions",
    )
    assert subject_on(clp) == (
        "Strikes this week: PCS, Caxton House cleaners: pay and conditions, on Monday"
    )


def test_sent_late_the_subject_names_the_days_left_and_what_is_in_them(clp):
    strike(clp, "porters at Homerton hospital", "GMB", [0, 1, 2, 3])
    wednesday = MONDAY + datetime.timedelta(days=2)
    assert subject_on(clp, wednesday) == (
        "Strikes Wed 9 to Sun 13 Dec: GMB porters at Homerton hospital out Wednesday to Thursday"
    )


def test_sent_late_a_strike_on_every_weekday_left_is_not_all_week(clp):
    strike(clp, "porters at Homerton hospital", "GMB", [0, 1, 2, 3, 4])
    thursday = MONDAY + datetime.timedelta(days=3)
    assert subject_on(clp, thursday) == (
        "Strikes Thu 10 to Sun 13 Dec: GMB porters at Homerton hospital out Thursday to Friday"
    )


def test_a_called_off_strike_is_not_the_news(clp):
    strike(clp, "porters at Homerton hospital", "GMB", [0, 1], cancelled=(0, 1))
    hospital = DisputeFactory(
        title="Hospital back in-house",
        workers="porters, cleaners and caterers at Homerton hospital",
    )
    FollowedDisputeFactory(clp=clp, dispute=hospital)
    BallotFactory(
        dispute=hospital,
        union=UnionFactory(short_name="UNISON"),
        opens_on=MONDAY - datetime.timedelta(days=14),
        closes_on=MONDAY + datetime.timedelta(days=4),
    )
    assert subject_on(clp) == (
        "Ballots open this week: UNISON porters, cleaners and caterers vote until Fri 11 Dec"
    )


def test_a_week_with_nothing_names_the_clp(clp):
    assert subject_on(clp) == "Strikes and ballots this week: Hackney North & Stoke Newington"
