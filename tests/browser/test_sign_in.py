import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from clps.models import User

from ..conftest import enable_totp
from .helpers import totp_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo(live_server):
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    return live_server


def test_demo_tulo_signs_in_on_a_phone_and_reaches_the_dashboard(demo, phone, settings):
    # A TULO's pages need two-factor sign-in: the demo TULO has set up an authenticator app.
    settings.MFA_TOTP_TOLERANCE = 1
    tulo = User.objects.get(email="tulo@example.org")
    tulo.authenticator_set.all().delete()  # the demo's own, whose secret is not published
    secret = enable_totp(tulo)
    phone.goto(demo.url + "/")
    phone.get_by_role("link", name="Sign in").first.click()
    phone.get_by_label("Email").fill("tulo@example.org")
    phone.get_by_label("Password").fill("solidarity-forever")
    phone.get_by_role("button", name="Sign In").click()
    phone.get_by_label("Code").fill(totp_code(secret))
    phone.get_by_role("button", name="Sign In").click()
    expect(phone.get_by_role("heading", name="Dashboard")).to_be_visible()
    expect(phone).to_have_url(demo.url + "/c/hackney-north/dashboard/")
    # The menu folds behind a button on a phone and opens with a tap.
    nav = phone.get_by_role("navigation", name="Main")
    expect(nav).to_be_hidden()
    phone.get_by_role("button", name="Menu").click()
    expect(nav.get_by_role("link", name="People")).to_be_visible()


def test_anonymous_visitor_is_sent_to_login_for_a_tulo_page(demo, phone):
    phone.goto(demo.url + "/c/hackney-north/dashboard/")
    expect(phone).to_have_url(demo.url + "/accounts/login/?next=/c/hackney-north/dashboard/")
    expect(phone.get_by_role("heading", name="Sign In")).to_be_visible()
