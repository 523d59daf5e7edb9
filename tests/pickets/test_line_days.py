"""A picket line of a nine-week strike: its days to come as runs a member opens to pick a day,
counts only where someone is going, the TULO's list and "who is going" as short, and the page's
queries the same for two days or forty-five."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from clps import public_cache
from pickets.line_days import SHOWN_DAYS, line_runs
from strikes.runs import short_day

from ..factories import (
    ActionDayFactory,
    DisputeFactory,
    PicketLineFactory,
    PicketSignupFactory,
)
from ..strikes.long_strikes import nine_week_strike

pytestmark = pytest.mark.django_db


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def line(clp, today):
    dispute = DisputeFactory(title="Delivery office pay")
    days = nine_week_strike(dispute, today)
    return PicketLineFactory(clp=clp, dispute=dispute, action_days=days)


def ahead(line, today):
    return list(line.action_days.filter(date__gte=today).order_by("date"))


def page(client, line) -> str:
    return client.get(
        reverse("pickets:picket_line", args=[line.clp.slug, line.pk])
    ).content.decode()


def test_a_long_run_folds_behind_its_line_with_every_day_inside(client, line, today):
    days = ahead(line, today)
    [called_off] = [day for day in days if day.cancelled]
    PicketSignupFactory.create_batch(2, picket_line=line, action_day=days[0])

    html = page(client, line)

    assert html.count('class="card run line-run"') == 1
    assert '<details class="card run line-run">' in html  # folded
    assert f"{short_day(days[0].date)} to {short_day(days[-1].date)}, every weekday" in html
    assert f"Not {short_day(called_off.date)}: cancelled" in html
    assert f"{len(days)} days, 2 going so far: choose one" in html
    # Inside: each open day its own button; the day called off none; no "0 going".
    buttons = re.findall(r'href="\?day=(\d+)#say-youll-go"', html)
    assert buttons == [str(day.pk) for day in days if not day.cancelled]
    assert "2 going" in html and "0 going" not in html
    # The strike's hours are not the picket's: the run leaves them out.
    assert "8am to 11am" not in html and "7am to 10am" in html
    # The form's day chooser is a list to pick from.
    assert '<select name="action_day"' in html


def test_a_few_days_show_open(client, clp, today):
    dispute = DisputeFactory()
    days = [
        ActionDayFactory(dispute=dispute, date=today + datetime.timedelta(days=n))
        for n in range(1, SHOWN_DAYS + 1)
    ]
    line = PicketLineFactory(clp=clp, dispute=dispute, action_days=days)
    html = page(client, line)
    assert '<details class="card run line-run" open>' in html
    assert "choose one" not in html


def test_a_member_sees_the_days_they_are_going_in_the_runs_line(client, line, member, today):
    days = ahead(line, today)
    PicketSignupFactory(picket_line=line, action_day=days[1], user=member)
    PicketSignupFactory(picket_line=line, action_day=days[3], user=member)
    client.force_login(member)
    html = page(client, line)
    assert f"You're going: {short_day(days[1].date)} and {short_day(days[3].date)}" in html
    assert "Can't go now" in html


def test_the_tulo_sees_only_the_days_someone_is_going(client, line, tulo, member, today):
    client.force_login(tulo)
    assert "Nobody has said they'll go yet." in page(client, line)
    day = ahead(line, today)[2]
    PicketSignupFactory(picket_line=line, action_day=day, user=member)
    html = page(client, line)
    going = html[html.index('id="going-h"') : html.index('id="lead-h"')]
    assert re.findall(r'<h3 class="h3">([^<]+)</h3>', going) == [
        f"{day.date:%a} {day.date.day} {day.date:%b}: 1"
    ]
    assert "Sam Whitfield" in going


def test_the_tulos_list_says_a_lines_days_as_runs(client, line, tulo, today):
    days = ahead(line, today)
    for n in range(6):
        PicketSignupFactory(picket_line=line, action_day=days[n])
    client.force_login(tulo)
    html = client.get(reverse("pickets:picket_lines", args=[line.clp.slug])).content.decode()
    listed = html[html.index('<ul class="days">') : html.index("</ul>", html.index('class="days"'))]
    assert listed.count("<li") == 1  # one run, the day called off named inside it
    assert f"{short_day(days[0].date)} to " in listed
    assert f"Going: 1 on {short_day(days[0].date)}" in html
    assert "and 2 more days." in html
    assert "0 going" not in html


def test_runs_of_a_lines_days_count_who_is_going():
    dispute = DisputeFactory.build(pk=1)
    start = datetime.date(2026, 11, 30)
    days = [
        ActionDayFactory.build(pk=n + 1, dispute=dispute, date=start + datetime.timedelta(days=n))
        for n in range(7)
    ]
    days[6].kind = "asos"
    long_run, short = line_runs(days, counts={1: 3, 2: 1}, mine={2})
    assert (len(long_run.days), long_run.open) == (6, False)
    assert (long_run.count, long_run.days_with_people, long_run.mine) == (4, 2, "Tue 1 Dec")
    assert long_run.going_label == "Going: 3 on Mon 30 Nov, 1 on Tue 1 Dec"
    assert (len(short.days), short.open, short.going_label, short.mine) == (1, True, "", "")


# The CLP, the line (with dispute and employer), its days to come, how many are going on each,
# and the line's CLP again for the share link.
PUBLIC_PAGE_QUERIES = 5


# Strikes from the Monday three weeks before this week: 25 weekdays reach into next week, so
# the line has days to come whatever day the tests run (a line with none asks one more thing).
@pytest.mark.parametrize("size", [25, 45])
def test_the_public_page_queries_do_not_grow(client, clp, today, size, django_assert_num_queries):
    dispute = DisputeFactory()
    days = nine_week_strike(dispute, today, days=size)
    assert any(day.date > today for day in days)
    line = PicketLineFactory(clp=clp, dispute=dispute, action_days=days)
    url = reverse("pickets:picket_line", args=[clp.slug, line.pk])
    client.get(url)
    public_cache.bump_shared()  # rendered afresh, as after any change; the next costs none
    with django_assert_num_queries(PUBLIC_PAGE_QUERIES):
        response = client.get(url)
    with django_assert_num_queries(0):
        client.get(url)
    assert sum(len(run.days) for run in response.context["runs"]) == len(
        [day for day in days if day.date >= today]
    )


def test_a_lines_days_run_together_whatever_the_strikes_hours():
    """The picket line keeps its own hours: a strike whose days alternate between 8am to 11am
    and no hours said is one run on the line's page, not a run a day."""
    dispute = DisputeFactory.build(pk=1)
    start = datetime.date(2026, 11, 30)
    days = [
        ActionDayFactory.build(
            pk=n + 1,
            dispute=dispute,
            date=start + datetime.timedelta(days=n),
            start_time=datetime.time(8) if n % 2 else None,
            end_time=datetime.time(11) if n % 2 else None,
        )
        for n in range(5)
    ]
    [run] = line_runs(days, counts={}, mine=set())
    assert run.run.dates_label == "Mon 30 Nov to Fri 4 Dec"
