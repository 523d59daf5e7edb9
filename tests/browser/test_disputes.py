"""The TULO adds a dispute, its ballot and a strike day on a phone; the CLP's public calendar and
its iCalendar feed show the day."""

import datetime
import importlib

import pytest
from django.apps import apps
from django.utils import timezone
from playwright.sync_api import expect

from clps.models import Role
from strikes.models import Union

from ..conftest import enable_totp
from ..factories import MembershipFactory, PostcodeDistrictFactory, UnionFactory
from .helpers import menu, save_strike_day, sign_in, sign_out

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TITLE = "Stoke Newington delivery office pay"


@pytest.fixture
def rule_sets(transactional_db):
    """The ballot rule sets a migration seeds: a transactional test before this one flushed them."""
    migration = importlib.import_module("strikes.migrations.0002_ballot_rule_sets")
    migration.add_rule_sets(apps, None)


def test_tulo_adds_a_dispute_ballot_and_strike_day_that_reach_the_public_calendar(
    live_server, phone, settings, clp, rule_sets
):
    # One step either side, so a code typed as the 30 seconds turn over still works.
    settings.MFA_TOTP_TOLERANCE = 1
    tulo = MembershipFactory(clp=clp, role=Role.TULO).user
    tulo_secret = enable_totp(tulo)
    PostcodeDistrictFactory(clp=clp, district="N16")
    UnionFactory(name="Communication Workers Union", short_name="CWU")
    today = timezone.localdate()
    strike_day = today + datetime.timedelta(days=4)

    phone.goto(live_server.url + "/accounts/login/")
    sign_in(phone, tulo.email, totp_secret=tulo_secret)
    expect(phone.get_by_role("heading", name="Dashboard")).to_be_visible()

    # The dispute.
    menu(phone, "Disputes")
    phone.get_by_role("link", name="Add a dispute").click()
    expect(phone.get_by_role("heading", name="Add a dispute")).to_be_visible()
    phone.get_by_label("Title").fill(TITLE)
    phone.get_by_label("CWU", exact=True).check()
    phone.get_by_label("Or a new employer").fill("Royal Mail Group")
    phone.get_by_label("Status").select_option(label="Taking action")
    phone.get_by_role("button", name="Save dispute").click()
    expect(phone.get_by_role("heading", name=TITLE, level=1)).to_be_visible()
    expect(phone.get_by_text("Royal Mail Group")).to_be_visible()

    # Its ballot, and what the result means.
    phone.get_by_role("link", name="Add a ballot").click()
    expect(phone.get_by_role("heading", name="Add a ballot")).to_be_visible()
    expect(phone.get_by_label("Union")).to_have_value(str(Union.objects.get(short_name="CWU").pk))
    phone.get_by_label("Opens on").fill((today - datetime.timedelta(days=30)).isoformat())
    phone.get_by_label("Closes on").fill((today - datetime.timedelta(days=9)).isoformat())
    phone.get_by_label("Workers balloted").fill("250")
    phone.get_by_label("Turnout (votes cast)").fill("180")
    phone.get_by_label("Yes votes").fill("164")
    phone.get_by_label("No votes").fill("15")
    phone.get_by_role("button", name="Save").click()
    expect(phone.get_by_text("Add a ballot: saved.")).to_be_visible()
    ballot = phone.get_by_role("region", name="Ballots")
    turnout = ballot.locator(".figures > div").filter(has_text="Turnout")
    expect(turnout.get_by_role("definition")).to_have_text("72%")
    expect(ballot.get_by_text("Mandate for industrial action")).to_be_visible()
    # Judged by the law in force when it opened, not by default.
    expect(ballot.get_by_text("Rule set applied:")).to_be_visible()

    # A strike day, 7 to 10am.
    phone.get_by_role("link", name="Add an action day").click()
    expect(phone.get_by_role("heading", name="Add an action day")).to_be_visible()
    save_strike_day(phone, strike_day)
    days = phone.get_by_role("region", name="Action days")
    expect(days.get_by_text(f"{strike_day:%a} {strike_day.day} {strike_day:%b %Y}")).to_be_visible()
    expect(days.get_by_text("7am to 10am")).to_be_visible()

    # Anyone, signed in or not, sees it on the CLP's calendar: the TULO's CLP follows it.
    sign_out(phone)
    phone.goto(f"{live_server.url}/c/{clp.slug}/calendar/")
    expect(phone.get_by_role("heading", name="Strike calendar")).to_be_visible()
    week = phone.locator(".cal-week").filter(has=phone.locator(f'time[datetime="{strike_day}"]'))
    expect(week.get_by_role("link", name=TITLE)).to_be_visible()
    expect(week.get_by_text("Strike", exact=True)).to_be_visible()
    expect(week.get_by_text(f"{strike_day:%a}, 7am to 10am")).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390

    # And in the feed a calendar app subscribes to, in UK time.
    response = phone.request.get(f"{live_server.url}/c/{clp.slug}/calendar.ics")
    assert response.ok
    assert response.headers["content-type"].startswith("text/calendar")
    feed = response.text().replace("\r\n ", "")  # unfold long lines (RFC 5545)
    assert TITLE in feed
    assert f"DTSTART;TZID=Europe/London:{strike_day:%Y%m%d}T070000" in feed
