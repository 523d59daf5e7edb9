"""The privacy notice and the audit log on a phone: readable, nothing wider than the screen.
With SHOTS_DIR set, each page is also saved as a screenshot there."""

import datetime
import os
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from clps.models import Role
from newsletters.services import subscribe, subscription_confirm
from pickets.models import PicketVisit, SolidarityAction

from ..conftest import enable_totp
from ..factories import DisputeFactory, MembershipFactory, UnionFactory
from .helpers import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def fits_the_screen(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"the page is {width}px wide"


def shot(page, name: str) -> None:
    folder = os.environ.get("SHOTS_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"privacy-{name}.png"), full_page=True)


def test_the_notice_on_a_phone(phone, live_server, clp):
    phone.goto(f"{live_server.url}/c/{clp.slug}/subscribe/")
    phone.get_by_role("link", name=f"How {clp.name} looks after your data").click()
    expect(phone.get_by_role("heading", name="Privacy notice", level=1)).to_be_visible()
    expect(phone.get_by_role("heading", name="How long it is kept")).to_be_visible()
    fits_the_screen(phone)
    shot(phone, "notice")


def test_the_audit_log_on_a_phone(phone, live_server, clp, settings):
    settings.MFA_TOTP_TOLERANCE = 1  # a code typed at the turn of a 30-second step still counts
    dispute = DisputeFactory(
        title="Homerton Road sorting office",
        unions=[UnionFactory(name="Communication Workers Union", short_name="CWU")],
    )
    tulo = MembershipFactory(
        clp=clp, role=Role.TULO, user__email="tulo@example.org", user__name="Priya Sharma"
    ).user
    secret = enable_totp(tulo)
    member = MembershipFactory(clp=clp, user__name="Sam Whitfield").user
    visit = PicketVisit(clp=clp, dispute=dispute, date=timezone.localdate(), members_count=6)
    visit._history_user = member
    visit.save()
    visit.status, visit.confirmed_by, visit._history_user = "confirmed", tulo, tulo
    visit.save()
    action = SolidarityAction(
        clp=clp,
        kind="money_raised",
        date=timezone.localdate() - datetime.timedelta(days=2),
        amount_pence=135_000,
        fund_name="CWU hardship fund",
        title="Benefit gig at the Chats Palace",
    )
    action._history_user = tulo
    action.save()
    subscribe(clp=clp, email="ada@example.org")
    subscription_confirm(subscriber=clp.subscribers.get())

    phone.goto(f"{live_server.url}/c/{clp.slug}/audit/")
    sign_in(phone, "tulo@example.org", totp_secret=secret)
    phone.goto(f"{live_server.url}/c/{clp.slug}/audit/")
    expect(phone.get_by_role("heading", name="Audit log")).to_be_visible()
    expect(phone.get_by_text("changed status, confirmed by").first).to_be_visible()
    fits_the_screen(phone)
    shot(phone, "audit-log")

    phone.get_by_role("link", name="Data requests").click()
    phone.get_by_label("Their email address").fill("ada@example.org")
    phone.get_by_role("button", name="Erase…").click()
    expect(phone.get_by_role("heading", name="Erase ada@example.org")).to_be_visible()
    fits_the_screen(phone)
    shot(phone, "erase")
