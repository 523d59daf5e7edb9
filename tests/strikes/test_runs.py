"""A dispute's days as runs: consecutive days of the same kind and hours in one line, weekends
stepped over, cancellations named, other hours or kinds their own runs."""

import datetime

import pytest

from strikes.models import ActionDay
from strikes.runs import by_dispute, by_week, clock, hours, runs, with_hours

MON = datetime.date(2026, 11, 30)
EIGHT, ELEVEN = datetime.time(8), datetime.time(11)


def day(
    offset: int, *, kind="strike", start=EIGHT, end=ELEVEN, cancelled=False, dispute=1, note=""
):
    return ActionDay(
        dispute_id=dispute,
        date=MON + datetime.timedelta(days=offset),
        kind=kind,
        start_time=start,
        end_time=end,
        cancelled=cancelled,
        note=note,
    )


def weekdays(first: int, last: int, **kwargs) -> list[ActionDay]:
    return [
        day(n, **kwargs)
        for n in range(first, last + 1)
        if (MON + datetime.timedelta(days=n)).weekday() < 5
    ]


def test_two_weeks_of_weekdays_are_one_run_over_the_weekend():
    [run] = runs(weekdays(0, 11))
    assert len(run) == 10
    assert run.label == "Mon 30 Nov to Fri 11 Dec, every weekday, 8am to 11am"


def test_nine_weeks_of_weekdays_with_a_cancellation_are_one_run_naming_it():
    days = weekdays(0, 60)
    days[1].cancelled = True
    [run] = runs(days)
    assert len(run.going_ahead) == len(days) - 1
    assert run.label == (
        "Mon 30 Nov to Fri 29 Jan, every weekday, 8am to 11am (not Tue 1 Dec: cancelled)"
    )


def test_a_run_taking_in_weekends_is_every_day():
    [run] = runs([day(n) for n in range(4, 8)])
    assert run.dates_label == "Fri 4 Dec to Mon 7 Dec, every day"


def test_a_weekend_day_after_weeks_of_weekdays_is_not_every_day():
    """Weekdays for two weeks then the Saturday: the weekend stepped over was no strike."""
    found = runs([*weekdays(0, 11), day(12)])
    assert [r.dates_label for r in found] == [
        "Mon 30 Nov to Fri 11 Dec, every weekday",
        "Sat 12 Dec",
    ]


def test_days_in_a_row_need_no_every():
    [run] = runs([day(n) for n in range(3)])
    assert run.dates_label == "Mon 30 Nov to Wed 2 Dec"


def test_a_gap_breaks_the_run_and_one_or_two_days_read_as_dates():
    found = runs([day(0), day(1), day(3)])
    assert [r.dates_label for r in found] == ["Mon 30 Nov and Tue 1 Dec", "Thu 3 Dec"]


def test_other_hours_or_kinds_are_runs_of_their_own_in_date_order():
    found = runs(
        [day(0), day(1), day(2, start=datetime.time(13), end=datetime.time(16)), day(3)]
        + [day(n, kind="asos", start=None, end=None) for n in range(7, 12)]
    )
    assert [r.label for r in found] == [
        "Mon 30 Nov and Tue 1 Dec, 8am to 11am",
        "Wed 2 Dec, 1pm to 4pm",
        "Thu 3 Dec, 8am to 11am",
        "Mon 7 Dec to Fri 11 Dec",
    ]
    assert found[-1].kind_label == "Action short of strike"


def test_a_run_all_called_off_is_a_cancelled_run():
    [run] = runs(weekdays(0, 4, cancelled=True))
    assert run.cancelled and run.exceptions == [] and run.exceptions_label == ""


def test_several_cancellations_are_listed():
    days = weekdays(0, 4)
    days[1].cancelled = days[3].cancelled = True
    [run] = runs(days)
    assert run.exceptions_label == "not Tue 1 Dec or Thu 3 Dec: cancelled"


def test_days_of_many_disputes_are_run_per_dispute():
    grouped = by_dispute([*weekdays(0, 4, dispute=1), *weekdays(0, 1, dispute=2)])
    assert {k: [len(r) for r in v] for k, v in grouped.items()} == {1: [5], 2: [2]}


def test_inside_a_week_a_run_is_named_by_its_days():
    days = weekdays(0, 4)
    days[1].cancelled = True
    [week] = runs(days)
    assert week.week_label == "Mon to Fri, 8am to 11am (not Tue 1 Dec: cancelled)"
    pair, single = runs([day(0), day(1), day(3, start=None, end=None)])
    assert (pair.week_label, single.week_label) == ("Mon and Tue, 8am to 11am", "Thu")


def test_days_of_many_disputes_are_grouped_week_by_week_then_run_per_dispute():
    weeks = by_week([*weekdays(0, 11, dispute=1), *weekdays(2, 8, dispute=2)])
    assert [monday for monday, _ in weeks] == [MON, MON + datetime.timedelta(days=7)]
    first, second = (grouped for _, grouped in weeks)
    assert {k: [r.week_label for r in v] for k, v in first.items()} == {
        1: ["Mon to Fri, 8am to 11am"],
        2: ["Wed to Fri, 8am to 11am"],
    }
    assert {k: [r.week_label for r in v] for k, v in second.items()} == {
        1: ["Mon to Fri, 8am to 11am"],
        2: ["Mon and Tue, 8am to 11am"],
    }


def test_a_note_said_of_every_day_is_said_once_and_others_after_their_day():
    [same] = runs(weekdays(0, 4, note="Rally at noon"))
    assert same.notes == ["Rally at noon"]
    days = weekdays(0, 4)
    days[1].note, days[3].note = "Called off for talks", "Rally at noon"
    [mixed] = runs(days)
    assert mixed.notes == ["Tue 1 Dec: Called off for talks", "Thu 3 Dec: Rally at noon"]
    [one] = runs([day(0, note="The first strike")])
    assert one.notes == ["The first strike"]
    assert runs(weekdays(0, 4))[0].notes == []


@pytest.mark.parametrize(
    ("start", "end", "said"),
    [
        (datetime.time(7), datetime.time(10), "7am to 10am"),
        (datetime.time(12), datetime.time(13, 30), "noon to 1:30pm"),
        (datetime.time(6, 15), None, "from 6:15am"),
        (None, datetime.time(23, 30), "until 11:30pm"),
        (None, None, ""),
    ],
)
def test_hours_as_people_say_them(start, end, said):
    assert hours(start, end) == said


def test_midnight_is_12am():
    assert clock(datetime.time(0)) == "12am"


def test_a_picket_lines_days_run_by_date_alone_whatever_the_strikes_hours():
    days = [day(0), day(1, start=datetime.time(13), end=None), day(2, kind="asos"), day(7)]
    days[1].cancelled = True
    found = runs(days, dates_only=True)
    assert [r.label for r in found] == [
        "Mon 30 Nov to Wed 2 Dec (not Tue 1 Dec: cancelled)",
        "Mon 7 Dec",
    ]


def test_a_picket_lines_days_read_with_its_hours_and_every_day_called_off_named():
    days = [day(0), day(1), day(2), day(7), day(8)]
    days[1].cancelled = days[3].cancelled = days[4].cancelled = True
    said = with_hours(runs(days, dates_only=True), datetime.time(7), datetime.time(10))
    assert said == (
        "Mon 30 Nov to Wed 2 Dec, 7am to 10am (not Tue 1 Dec, Mon 7 Dec or Tue 8 Dec: cancelled)"
    )
