"""Steps the browser tests share: signing in and out through the real forms, the phone's menu."""

import datetime
import time

from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from playwright.sync_api import Page, expect

from ..factories import PASSWORD


def totp_code(secret: str) -> str:
    """The authenticator app's code for this 30-second step."""
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def sign_in(page: Page, email: str, *, totp_secret: str | None = None) -> None:
    """Fill in the sign-in form on the current page, then the authenticator code if asked."""
    expect(page.get_by_role("heading", name="Sign In")).to_be_visible()
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    if totp_secret is not None:
        expect(page.get_by_role("heading", name="Two-Factor Authentication")).to_be_visible()
        page.get_by_label("Code").fill(totp_code(totp_secret))
        page.get_by_role("button", name="Sign In").click()
    expect(page.get_by_role("button", name="Sign out", include_hidden=True)).to_be_attached()
    # The page shows before its scripts run (htmx binds its triggers as the document loads): a
    # test that types straight away on a busy machine would type past them.
    page.wait_for_load_state("load")


def menu(page: Page, name: str) -> None:
    """Follow a link in the main menu, which folds behind a button on a phone."""
    page.get_by_role("button", name="Menu").click()
    page.get_by_role("navigation", name="Main").get_by_role("link", name=name, exact=True).click()


def save_strike_day(page: Page, day: datetime.date) -> None:
    """Fill in the action day form on the current page as a strike from 7 to 10am, and save."""
    page.get_by_label("Date").fill(day.isoformat())
    page.get_by_label("Kind").select_option(label="Strike")
    page.get_by_label("Start time").fill("07:00")
    page.get_by_label("End time").fill("10:00")
    page.get_by_role("button", name="Save").click()


def sign_out(page: Page) -> None:
    page.get_by_role("button", name="Menu").click()
    page.get_by_role("navigation", name="Main").get_by_role("button", name="Sign out").click()
    nav = page.get_by_role("navigation", name="Main", include_hidden=True)
    expect(nav.get_by_role("link", name="Sign in", include_hidden=True)).to_be_attached()
