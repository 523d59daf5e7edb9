"""The public calendar and map on a phone, with no login: no console errors, no CSP reports."""

import datetime

import pytest
from playwright.sync_api import expect

from strikes.models import ActionKind

from ..strikes.helpers import add_day, days_from_today, local_delivery_office, make_dispute

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def calendar_days(clp):
    office = local_delivery_office(clp)
    hospital = make_dispute(
        "Homerton ancillary staff",
        unions=("UNISON",),
        employer="Homerton Healthcare",
        workplace="Homerton Hospital",
        postcode="N16 0AA",
        lat=51.5468,
        lng=-0.0456,
    )
    add_day(office, days_from_today(1), start=datetime.time(7), end=datetime.time(10))
    add_day(office, days_from_today(2), cancelled=True)
    add_day(hospital, days_from_today(2), kind=ActionKind.ASOS)
    return office


def watch_csp(page) -> None:
    """Record CSP violations as the page reports them to itself (the console shows them too)."""
    page.add_init_script(
        "window.__csp = [];"
        "document.addEventListener('securitypolicyviolation',"
        " (e) => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));"
    )


def test_calendar_on_a_phone(live_server, phone, clp, calendar_days):
    watch_csp(phone)
    phone.goto(live_server.url + "/c/hackney-north/calendar/")
    expect(phone.get_by_role("heading", name="Strike calendar")).to_be_visible()
    expect(phone.get_by_role("link", name="Stoke Newington delivery office").first).to_be_visible()
    expect(phone.get_by_text("Cancelled", exact=True)).to_be_visible()
    # Nothing is wider than the phone.
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    assert phone.evaluate("window.__csp") == []
    phone.get_by_role("link", name="Map of workplaces").click()
    expect(phone.get_by_role("heading", name="Map of strike days")).to_be_visible()


def test_map_on_a_phone_shows_markers_without_csp_violations(
    live_server, phone, clp, calendar_days
):
    watch_csp(phone)
    phone.goto(live_server.url + "/c/hackney-north/calendar/map/")
    markers = phone.locator(".leaflet-marker-icon")
    expect(markers).to_have_count(2)
    phone.get_by_role("button", name="Homerton Hospital").click()
    popup = phone.locator(".leaflet-popup-content")
    expect(popup.get_by_role("link", name="Homerton ancillary staff")).to_be_visible()
    expect(phone.get_by_role("heading", name="Stoke Newington Delivery Office")).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    assert phone.evaluate("window.__csp") == []


def test_dispute_page_on_a_phone(live_server, phone, calendar_days):
    watch_csp(phone)
    phone.goto(f"{live_server.url}/disputes/{calendar_days.pk}/")
    expect(phone.get_by_role("heading", name="Stoke Newington delivery office")).to_be_visible()
    expect(phone.get_by_role("link", name="Subscribe in your calendar app")).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    assert phone.evaluate("window.__csp") == []
