"""A kept public page in chromium: the second visitor gets the copy the first one's visit made,
with their own CSRF token, and the picket line's sign-up form works from it."""

import datetime

import pytest
from playwright.sync_api import expect

from pickets.models import PicketSignup

from ..factories import PicketLineFactory
from ..strikes.helpers import add_day, days_from_today, local_delivery_office
from .conftest import PHONE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_second_visitor_signs_up_from_the_kept_picket_line_page(live_server, browser, clp, phone):
    dispute = local_delivery_office(clp)
    day = add_day(dispute, days_from_today(2), start=datetime.time(7), end=datetime.time(10))
    line = PicketLineFactory(clp=clp, dispute=dispute, action_days=[day])
    url = f"{live_server.url}/c/{clp.slug}/pickets/{line.pk}/"

    first = browser.new_context(viewport=PHONE)
    first_page = first.new_page()
    first_page.goto(url)
    first_page.goto(url)  # the page is kept by now
    token = first_page.locator("input[name=csrfmiddlewaretoken]").first.get_attribute("value")
    first.close()

    phone.goto(url)
    mine = phone.locator("input[name=csrfmiddlewaretoken]").first.get_attribute("value")
    assert mine and token and mine != token
    assert token not in phone.content()
    phone.get_by_label(f"{day.date:%A} {day.date.day} {day.date:%B}").check()
    phone.get_by_label("Your name").fill("Sam Passer-by")
    phone.get_by_label("Your email address").fill("sam.passer-by@example.net")
    phone.get_by_role("button", name="I'll go").click()
    expect(phone.get_by_role("heading", name="Check your email")).to_be_visible()
    assert PicketSignup.objects.filter(email="sam.passer-by@example.net").exists()
