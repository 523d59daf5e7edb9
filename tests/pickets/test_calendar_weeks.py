"""The CLP's calendar week by week: a dispute's days in a week read as one entry of runs ('Mon to
Fri, 7am to 10am'), the first weeks open and the later ones folded a tap away, picket lines under
their dispute with the days they are on and who is going."""

import datetime
import re

import pytest
from django.urls import reverse

from clps.models import PostcodeDistrict
from strikes.models import ActionKind
from strikes.public_calendar import CalendarWeek

from ..factories import PicketLineFactory, PicketSignupFactory
from ..strikes.helpers import add_day, days_from_today, make_dispute, public_disputes

pytestmark = pytest.mark.django_db

SEVEN, TEN = datetime.time(7), datetime.time(10)


@pytest.fixture
def disputes(clp, other_clp):
    return public_disputes(clp, other_clp)


@pytest.fixture
def monday() -> datetime.date:
    """Next week's Monday: its whole week is on the calendar's first page."""
    today = days_from_today(0)
    return today + datetime.timedelta(days=7 - today.weekday())


def calendar(client, clp, query: str = "") -> str:
    return client.get(reverse("pickets_public:calendar", args=[clp.slug]) + query).content.decode()


def weekdays(dispute, first: datetime.date, count: int, **fields) -> list:
    return [
        add_day(dispute, first + datetime.timedelta(days=n), start=SEVEN, end=TEN, **fields)
        for n in range(count)
    ]


def week_sections(html: str) -> list[str]:
    return re.split(r'<section class="cal-week"', html)[1:]


def test_a_disputes_days_in_a_week_are_one_entry_of_runs(client, clp, disputes, monday):
    days = weekdays(disputes["local"], monday, 5)
    days[2].cancelled = True
    days[2].save()
    add_day(disputes["local"], monday + datetime.timedelta(days=5), kind=ActionKind.ASOS)

    html = calendar(client, clp)

    [week] = [w for w in week_sections(html) if "Stoke Newington delivery office" in w]
    assert week.count("Stoke Newington delivery office</a>") == 1
    assert 'Mon to Fri</time>, <span class="nowrap">7am to 10am</span>' in week
    assert f"Not Wed {days[2].date.day} {days[2].date:%b}: cancelled" in week
    assert "Action short of strike" in week and ">Sat</time>" in week
    assert f"{monday.day} to {(monday + datetime.timedelta(days=6)).day}" in week


def test_the_first_week_is_open_and_later_busy_weeks_fold_to_one_line(client, clp, monday):
    titles = [f"Dispute {n}" for n in range(4)]
    for title in titles:
        dispute = make_dispute(title, postcode="N16 7AA")
        weekdays(dispute, monday, 5)
        weekdays(dispute, monday + datetime.timedelta(days=7), 5)
    PostcodeDistrict.objects.get_or_create(clp=clp, district="N16")

    html = calendar(client, clp)

    first, second = week_sections(html)[-2:]
    assert '<details class="fold week" open>' in first
    assert '<details class="fold week">' in second
    assert "4 disputes" in second and "Dispute 3" in second  # folded, not left out


def test_a_quiet_calendar_opens_more_weeks(client, clp, disputes, monday):
    for n in range(3):
        add_day(disputes["local"], monday + datetime.timedelta(days=7 * n))
    sections = week_sections(calendar(client, clp))
    assert all('<details class="fold week" open>' in s for s in sections)


def test_a_week_with_more_disputes_than_fit_folds_the_rest(client, clp, monday, monkeypatch):
    monkeypatch.setattr("strikes.public_calendar.OPEN_ENTRIES", 2)
    PostcodeDistrict.objects.get_or_create(clp=clp, district="N16")
    for n in range(3):
        add_day(make_dispute(f"Dispute {n}", postcode="N16 7AA"), monday)
    html = calendar(client, clp)
    assert "1 more dispute this week" in html and "Dispute 2" in html


def test_a_picket_line_sits_under_its_dispute_with_its_days_and_who_is_going(
    client, clp, disputes, monday
):
    days = weekdays(disputes["local"], monday, 5)
    line = PicketLineFactory(clp=clp, dispute=disputes["local"], action_days=[days[0], days[2]])
    PicketSignupFactory.create_batch(2, picket_line=line, action_day=days[2])

    html = calendar(client, clp)

    assert "The yard gate (N16 0AA), Mon and Wed, 7am to 10am." in html
    assert "Going: 2 on Wed." in html
    assert "0 going" not in html and "0 on" not in html
    assert html.count(reverse("pickets:picket_line", args=[clp.slug, line.pk])) == 1


def test_a_picket_line_on_every_day_of_the_week_names_only_its_hours(client, clp, disputes, monday):
    days = weekdays(disputes["local"], monday, 3)
    PicketLineFactory(clp=clp, dispute=disputes["local"], action_days=days)
    html = calendar(client, clp)
    assert "The yard gate (N16 0AA), 7am to 10am." in html
    assert "Going:" not in html


def test_a_crowded_page_ends_at_a_whole_week(client, clp, disputes, monday, monkeypatch):
    monkeypatch.setattr("strikes.public_calendar.PAGE_ROWS", 7)
    weekdays(disputes["local"], monday, 5, note="This week")
    later = weekdays(disputes["local"], monday + datetime.timedelta(days=7), 5, note="Next week")

    html = calendar(client, clp, f"?from={monday.isoformat()}")

    assert "This week" in html and "Next week" not in html
    assert f"?from={later[0].date.isoformat()}" in html
    next_page = calendar(client, clp, f"?from={later[0].date.isoformat()}")
    assert "Next week" in next_page and "This week" not in next_page


@pytest.mark.parametrize(
    ("first", "last", "said"),
    [
        ((2026, 12, 14), (2026, 12, 20), "14 to 20 December"),
        ((2026, 12, 28), (2027, 1, 3), "28 December to 3 January"),
        ((2026, 12, 13), (2026, 12, 13), "13 December"),
    ],
)
def test_a_week_is_headed_by_its_dates(first, last, said):
    week = CalendarWeek(
        first=datetime.date(*first), last=datetime.date(*last), entries=[], open=True
    )
    assert week.label == said
