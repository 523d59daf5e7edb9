"""A nine-week strike on a phone: the dispute page (public and the TULO's), the CLP's calendar of
eight busy weeks and the picket line page each fit in three phone screens, with what they fold
away a tap away. With SHOTS_DIR set, each page is also saved as a full-page screenshot there."""

import datetime
import importlib
import os
import re
from pathlib import Path

import pytest
from django.apps import apps
from django.utils import timezone
from playwright.sync_api import Page, expect

from clps.models import PostcodeDistrict, Role
from strikes.models import ActionDay
from strikes.runs import short_day

from ..conftest import enable_totp
from ..factories import (
    BallotFactory,
    FollowedDisputeFactory,
    MembershipFactory,
    PicketLineFactory,
    PicketSignupFactory,
)
from ..strikes.helpers import make_dispute
from ..strikes.long_strikes import nine_week_strike, weekdays
from .helpers import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

THREE_SCREENS = 2600


def height(page: Page) -> int:
    return page.evaluate("document.documentElement.scrollHeight")


def shot(page: Page, name: str) -> None:
    folder = os.environ.get("SHOTS_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def fits(page: Page, name: str) -> int:
    """The page is no wider than the phone and under three screens tall; saved as a shot."""
    shot(page, name)
    tall = height(page)
    print(f"{name}: {tall}px")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert tall < THREE_SCREENS, f"{name} is {tall}px tall on a phone"
    return tall


@pytest.fixture
def rule_sets(transactional_db):
    """The ballot rule sets a migration seeds: a transactional test before this one flushed them."""
    migration = importlib.import_module("strikes.migrations.0002_ballot_rule_sets")
    migration.add_rule_sets(apps, None)


@pytest.fixture
def today() -> datetime.date:
    return timezone.localdate()


@pytest.fixture
def strike(clp, today):
    """Nine weeks of weekday strikes, 8 to 11am, begun three weeks ago; one day called off."""
    PostcodeDistrict.objects.get_or_create(clp=clp, district="N16")
    dispute = make_dispute(
        "Stoke Newington delivery office",
        workplace="Stoke Newington Delivery Office",
        demands="Reverse the cuts to delivery rounds.",
    )
    nine_week_strike(dispute, today)
    monday = today - datetime.timedelta(days=today.weekday() + 21)
    BallotFactory(
        dispute=dispute,
        union=dispute.unions.first(),
        opens_on=monday - datetime.timedelta(days=40),
        closes_on=monday - datetime.timedelta(days=20),
        entitled_to_vote=250,
        votes_cast=180,
        yes_votes=164,
        no_votes=15,
    )
    return dispute


@pytest.fixture
def strike_line(clp, strike, today):
    """A picket line at the yard gate on every one of the strike's days; some are going."""
    days = list(strike.action_days.order_by("date"))
    line = PicketLineFactory(clp=clp, dispute=strike, action_days=days)
    ahead = [day for day in days if day.date >= today and not day.cancelled]
    for day in ahead[:3]:
        PicketSignupFactory(picket_line=line, action_day=day)
    return line


@pytest.fixture
def busy_weeks(clp, today):
    """Six disputes striking every weekday from today (or Monday, at a weekend) to the end of
    the eighth week, two with picket lines: eight weeks of the calendar, whatever day the
    tests run."""
    PostcodeDistrict.objects.get_or_create(clp=clp, district="N16")
    first = today + datetime.timedelta(days=(7 - today.weekday()) if today.weekday() >= 5 else 0)
    last = first + datetime.timedelta(weeks=7, days=4 - first.weekday())
    dates = [day for day in weekdays(first, 40) if day <= last]
    disputes = []
    for i, (title, union, employer, workplace) in enumerate(
        [
            ("Delivery office pay", "CWU", "Royal Mail", "Stoke Newington Delivery Office"),
            ("Hospital cleaners' pay", "UNISON", "Mitie", "Homerton Hospital"),
            ("Civil service cleaners", "PCS", "ISS", "Hackney Jobcentre"),
            ("Bin collections", "Unite", "Veolia", "Millfields Depot"),
            ("Bus drivers' pay", "Unite", "Stagecoach", "Clapton Bus Garage"),
            ("Library closures", "UNISON", "Hackney Council", "Dalston Library"),
        ]
    ):
        dispute = make_dispute(
            title, unions=(union,), employer=employer, workplace=workplace, postcode="N16 7AA"
        )
        if i % 2:
            FollowedDisputeFactory(clp=clp, dispute=dispute)
        ActionDay.objects.bulk_create(
            ActionDay(
                dispute=dispute,
                date=date,
                start_time=datetime.time(7 + i % 3),
                end_time=datetime.time(11 + i % 3),
                cancelled=i == 2 and n == 3,
            )
            for n, date in enumerate(dates)
        )
        disputes.append(dispute)
    for dispute in disputes[:2]:
        PicketLineFactory(clp=clp, dispute=dispute, action_days=list(dispute.action_days.all()))
    return disputes


def days_of(dispute, today):
    """The strike's days to come, the one called off, and those gone by."""
    days = list(dispute.action_days.order_by("date"))
    ahead = [day.date for day in days if day.date >= today]
    past = [day.date for day in days if day.date < today]
    [called_off] = [day.date for day in days if day.cancelled]
    return ahead, called_off, past


def test_the_public_dispute_page_of_a_nine_week_strike_fits(live_server, phone, strike, today):
    ahead, called_off, past = days_of(strike, today)
    phone.goto(f"{live_server.url}/disputes/{strike.pk}/")
    expect(phone.get_by_role("heading", name="Stoke Newington delivery office")).to_be_visible()
    fits(phone, "dispute-public")
    # What is to come, in one line, naming the day called off.
    run = f"{short_day(ahead[0])} to {short_day(ahead[-1])}, every weekday"
    expect(phone.get_by_text(run)).to_be_visible()
    expect(phone.get_by_text(f"Not {short_day(called_off)}: cancelled")).to_be_visible()
    # The days gone by behind one line, which opens.
    earlier = f"{short_day(past[0])} to {short_day(past[-1])}, every weekday"
    expect(phone.get_by_text(earlier)).to_be_hidden()
    phone.get_by_text(f"{len(past)} earlier days").click()
    expect(phone.get_by_text(earlier)).to_be_visible()
    shot(phone, "dispute-public-opened")


def test_the_tulos_dispute_page_of_a_nine_week_strike_fits(
    live_server, phone, settings, clp, strike, rule_sets, today
):
    ahead, called_off, past = days_of(strike, today)
    settings.MFA_TOTP_TOLERANCE = 1
    tulo = MembershipFactory(clp=clp, role=Role.TULO, user__email="tulo@example.org").user
    secret = enable_totp(tulo)
    phone.goto(f"{live_server.url}/accounts/login/?next=/c/{clp.slug}/disputes/{strike.pk}/")
    sign_in(phone, tulo.email, totp_secret=secret)
    expect(phone.get_by_role("heading", name="Stoke Newington delivery office")).to_be_visible()
    fits(phone, "dispute-tulo")
    days = phone.get_by_role("region", name="Action days")
    # Every day stays editable: the run opens to its days and their Edit links.
    edit_called_off = days.get_by_role("link", name=f"Edit {called_off.day} {called_off:%b}")
    expect(edit_called_off).to_be_hidden()
    days.get_by_text(f"{short_day(ahead[0])} to {short_day(ahead[-1])}").click()
    expect(edit_called_off).to_be_visible()
    expect(days.get_by_text("Called off while talks go on")).to_be_visible()
    # So do the days gone by, folded behind one line.
    first = days.get_by_role("link", name=f"Edit {past[0].day} {past[0]:%b}", exact=True)
    expect(first).to_be_hidden()
    days.get_by_text(f"{len(past)} earlier days").click()
    days.get_by_text(f"{short_day(past[0])} to {short_day(past[-1])}").click()
    expect(first).to_be_visible()
    shot(phone, "dispute-tulo-opened")
    first.click()
    expect(phone.get_by_role("heading", name="Edit action day")).to_be_visible()
    expect(phone.get_by_label("Date")).to_have_value(past[0].isoformat())


def test_the_calendar_of_eight_busy_weeks_fits(live_server, phone, clp, busy_weeks):
    phone.goto(f"{live_server.url}/c/{clp.slug}/calendar/")
    expect(phone.get_by_role("heading", name="Strike calendar")).to_be_visible()
    fits(phone, "calendar")
    weeks = phone.locator(".cal-week")
    expect(weeks).to_have_count(8)
    this_week, later = weeks.first, weeks.nth(3)
    expect(this_week.get_by_role("link", name="Delivery office pay")).to_be_visible()
    # This week's days are from today: "Mon to Fri" on a Monday, "Wed to Fri" on a Wednesday.
    expect(this_week.get_by_text(re.compile(r"7am to 11am")).first).to_be_visible()
    expect(this_week.get_by_role("link", name="I'll go").first).to_be_visible()
    # A later week is one line, a tap away.
    expect(later.get_by_role("link", name="Delivery office pay")).to_be_hidden()
    later.get_by_text("6 disputes").click()
    expect(later.get_by_role("link", name="Delivery office pay")).to_be_visible()
    expect(later.get_by_text("Mon to Fri, 7am to 11am").first).to_be_visible()
    shot(phone, "calendar-opened")


def test_the_picket_line_page_of_a_nine_week_strike_fits(
    live_server, phone, clp, strike_line, today
):
    ahead, called_off, _ = days_of(strike_line.dispute, today)
    phone.goto(f"{live_server.url}/c/{clp.slug}/pickets/{strike_line.pk}/")
    expect(phone.get_by_role("heading", name="Picket line: Stoke Newington")).to_be_visible()
    fits(phone, "picket-line")
    # Only days to come, as one run that opens to each day and its own button.
    run = phone.locator("details.line-run")
    expect(run).to_have_count(1)
    expect(run.get_by_text(f"Not {short_day(called_off)}: cancelled")).to_be_visible()
    chosen = ahead[-1]
    button = run.get_by_role("link", name=f"I'll go on {chosen:%A} {chosen.day} {chosen:%B}")
    expect(button).to_be_hidden()
    run.get_by_text(f"{len(ahead)} days, 3 going so far: choose one").click()
    expect(run.get_by_text("1 going").first).to_be_visible()
    expect(run.get_by_text("0 going")).to_have_count(0)
    shot(phone, "picket-line-opened")
    button.click()
    # The form below has that day chosen, and the page is short again.
    signup = phone.get_by_role("region", name="Say you'll go")
    expect(signup.get_by_label("Which day?")).to_have_value(
        str(strike_line.action_days.get(date=chosen).pk)
    )
    expect(button).to_be_hidden()
    fits(phone, "picket-line-chosen")
