"""The TULO's dispute page says a long strike's days as runs: what is to come first, each run
opening to its days and their Edit links, the days gone by folded behind one line; and the
public dispute page folds the same way. Queries are the same for three days or forty-five."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from strikes.runs import short_day

from ..factories import ActionDayFactory, DisputeFactory
from .helpers import add_day, days_from_today
from .long_strikes import nine_week_strike

pytestmark = pytest.mark.django_db


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def strike(today):
    dispute = DisputeFactory(title="Delivery office pay")
    nine_week_strike(dispute, today)
    return dispute


def tulo_page(client, tulo, clp, dispute) -> str:
    client.force_login(tulo)
    url = reverse("strikes:dispute_detail", args=[clp.slug, dispute.pk])
    return client.get(url).content.decode()


def test_every_day_keeps_its_edit_link_inside_its_run(client, tulo, clp, strike, today):
    html = tulo_page(client, tulo, clp, strike)
    days = list(strike.action_days.order_by("date"))
    for day in days:
        edit = reverse("strikes:action_day_edit", args=[clp.slug, strike.pk, day.pk])
        assert html.count(f'href="{edit}"') == 1, day.date
    ahead = [day for day in days if day.date >= today]
    past = [day for day in days if day.date < today]
    [called_off] = [day for day in days if day.cancelled]
    # What is to come first, as one run that opens; the called-off day named on its line.
    section = html[html.index('id="days-h"') : html.index('id="history-h"')]
    first_run = re.search(
        r'<details class="card run"[^>]*>\s*<summary>(.*?)</summary>', section, re.S
    )
    assert "open" not in first_run.group(0)
    assert (
        f"{short_day(ahead[0].date)} to {short_day(ahead[-1].date)}, every weekday" in first_run[1]
    )
    assert "8am to 11am" in first_run[1]
    assert f"Not {short_day(called_off.date)}: cancelled" in first_run[1]
    assert f"{len(ahead)} days" in first_run[1]
    # The days gone by: one line, after what is to come.
    assert f"<summary>{len(past)} earlier days</summary>" in section
    assert section.index(short_day(ahead[0].date)) < section.index("earlier days")
    assert "Called off while talks go on" in section


def test_a_short_run_is_open_and_a_dispute_with_no_days_ahead_says_so(client, tulo, clp):
    dispute = DisputeFactory()
    add_day(dispute, days_from_today(-3), start=datetime.time(7), end=datetime.time(10))
    html = tulo_page(client, tulo, clp, dispute)
    assert "No days to come." in html
    assert "<summary>1 earlier day</summary>" in html
    assert '<details class="card run" open>' in html


def test_a_dispute_with_no_days_asks_for_some(client, tulo, clp):
    html = tulo_page(client, tulo, clp, DisputeFactory())
    assert "No action days yet." in html and "earlier day" not in html


def test_the_public_page_folds_the_past_and_runs_beyond_the_first_few(client, today):
    dispute = DisputeFactory()
    nine_week_strike(dispute, today)
    # Five separate single days, a week apart, after the strike: five more runs.
    last = dispute.action_days.order_by("date").last().date
    for n in range(1, 6):
        ActionDayFactory(dispute=dispute, date=last + datetime.timedelta(days=7 * n), kind="asos")
    html = client.get(reverse("strikes_public:dispute", args=[dispute.pk])).content.decode()
    past = dispute.action_days.filter(date__lt=today).count()
    assert re.search(
        rf"<summary>{past} earlier days, from \w{{3}} \d+ \w{{3}} \d{{4}}</summary>", html
    )
    later = last + datetime.timedelta(days=35)
    assert f"<summary>2 more days, to {short_day(later)}</summary>" in html
    upcoming = html[html.index("Coming up") : html.index("more days, to")]
    assert upcoming.count('<li class="card cal-day') == 4

    # The last of them called off: still in the fold, named, but not a day to come.
    called_off = dispute.action_days.get(date=later)
    called_off.cancelled = True
    called_off.save()
    html = client.get(reverse("strikes_public:dispute", args=[dispute.pk])).content.decode()
    later = last + datetime.timedelta(days=28)
    assert f"<summary>1 more day, to {short_day(later)}</summary>" in html


# The CLP, the session, the user, the membership; the dispute (with its employer), its unions,
# workplaces, branches, ballots and action days; the ballot rule sets; the dispute's history.
TULO_PAGE_QUERIES = 12


@pytest.mark.parametrize("size", [3, 45])
def test_the_tulos_page_queries_do_not_grow(
    client, tulo, clp, today, size, django_assert_num_queries
):
    dispute = DisputeFactory()
    nine_week_strike(dispute, today, days=size)
    client.force_login(tulo)
    url = reverse("strikes:dispute_detail", args=[clp.slug, dispute.pk])
    client.get(url)
    with django_assert_num_queries(TULO_PAGE_QUERIES):
        client.get(url)
