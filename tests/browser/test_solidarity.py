"""Solidarity on a phone: a member signs up for a picket line from the public calendar, the TULO
logs a visit with a photo, and an executive reads the solidarity report and takes its CSV."""

import csv
import datetime
import io

import pytest
from django.utils import timezone
from PIL import Image
from playwright.sync_api import expect

from clps.models import Role

from ..conftest import enable_totp
from ..factories import (
    ActionDayFactory,
    DisputeFactory,
    MembershipFactory,
    PicketLineFactory,
    PostcodeDistrictFactory,
    UnionFactory,
    WorkplaceFactory,
)
from .helpers import menu, sign_in, sign_out

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TITLE = "Homerton Road sorting office"
PLACE = "the yard gate on Homerton Road"


@pytest.fixture
def picket_line(clp):
    PostcodeDistrictFactory(clp=clp, district="N16")
    workplace = WorkplaceFactory(name="Homerton Road Delivery Office", postcode="N16 7AA")
    dispute = DisputeFactory(
        title=TITLE,
        employer=workplace.employer,
        unions=[UnionFactory(name="Communication Workers Union", short_name="CWU")],
        workplaces=[workplace],
    )
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    day = ActionDayFactory(
        dispute=dispute, date=tomorrow, start_time=datetime.time(7), end_time=datetime.time(10)
    )
    return PicketLineFactory(
        clp=clp,
        dispute=dispute,
        workplace=workplace,
        place=PLACE,
        postcode=workplace.postcode,
        action_days=[day],
    )


@pytest.fixture
def photo(tmp_path):
    path = tmp_path / "banner.jpg"
    Image.new("RGB", (120, 80), (200, 16, 46)).save(path, "JPEG")
    return path


def test_member_signs_up_tulo_logs_a_visit_and_executive_takes_the_report(
    live_server, phone, settings, tmp_path, clp, picket_line, photo
):
    settings.MEDIA_ROOT = tmp_path / "media"
    # One step either side, so a code typed as the 30 seconds turn over still works.
    settings.MFA_TOTP_TOLERANCE = 1
    member = MembershipFactory(clp=clp, role=Role.MEMBER).user
    tulo = MembershipFactory(clp=clp, role=Role.TULO).user
    tulo_secret = enable_totp(tulo)
    executive = MembershipFactory(clp=clp, role=Role.EXECUTIVE).user
    executive_secret = enable_totp(executive)
    today = timezone.localdate()
    tomorrow = today + datetime.timedelta(days=1)

    # (a) A member finds the picket line under tomorrow's strike and says they'll go.
    phone.goto(f"{live_server.url}/c/{clp.slug}/calendar/")
    date = phone.locator(".cal-week").filter(has=phone.locator(f'time[datetime="{tomorrow}"]'))
    expect(date.get_by_role("link", name=TITLE)).to_be_visible()
    expect(date.get_by_text(PLACE)).to_be_visible()
    # Nobody going yet: no count is shown, rather than a discouraging "0 going".
    expect(date.get_by_text("going.")).to_have_count(0)
    date.get_by_role("link", name="I'll go").click()
    expect(phone.get_by_role("heading", name=f"Picket line: {TITLE}")).to_be_visible()
    # Anyone can say they'll go with a name and an email; a member signs in instead.
    signup = phone.get_by_role("region", name="Say you'll go")
    expect(signup.get_by_label("Your email address")).to_be_visible()
    signup.get_by_role("link", name="Sign in").click()
    sign_in(phone, member.email)
    expect(phone.get_by_role("heading", name=f"Picket line: {TITLE}")).to_be_visible()
    day = phone.get_by_role("listitem").filter(
        has_text=f"{tomorrow:%a} {tomorrow.day} {tomorrow:%b}"
    )
    expect(day.get_by_text("0 going", exact=True)).to_have_count(0)
    day.get_by_role("button", name="I'll go").click()
    expect(day.get_by_text("1 going", exact=True)).to_be_visible()
    expect(day.get_by_text("You're going", exact=True)).to_be_visible()
    expect(day.get_by_role("button", name="Can't go now")).to_be_visible()
    sign_out(phone)

    # (b) The TULO, with two-factor sign-in, logs the visit with a photo.
    phone.goto(live_server.url + "/accounts/login/")
    sign_in(phone, tulo.email, totp_secret=tulo_secret)
    menu(phone, "Visits")
    phone.get_by_role("link", name="Log a visit").click()
    expect(phone.get_by_role("heading", name="Report a picket visit")).to_be_visible()
    phone.get_by_label("Dispute").select_option(label=TITLE)
    phone.get_by_label("Date").fill(today.isoformat())
    phone.get_by_label("CLP members who went").fill("3")
    phone.get_by_label("Photos:", exact=True).set_input_files(photo)
    phone.get_by_label("The people in these photos agreed").check()
    phone.get_by_role("button", name="Save visit").click()
    expect(phone.get_by_text("Visit recorded.")).to_be_visible()
    expect(
        phone.get_by_role("heading", name=f"{TITLE}: {today.day} {today:%B %Y}", level=1)
    ).to_be_visible()
    expect(phone.get_by_text("Confirmed", exact=True)).to_be_visible()
    image = phone.get_by_role("img", name="Photo from the picket line")
    image.scroll_into_view_if_needed()
    expect(image).to_be_visible()
    expect(image).to_have_js_property("complete", True)
    assert image.evaluate("img => img.naturalWidth") == 120
    expect(phone.get_by_text("Shared with consent")).to_be_visible()
    sign_out(phone)

    # (c) An executive reads the report for the last week and downloads the CSV.
    phone.goto(live_server.url + "/accounts/login/")
    sign_in(phone, executive.email, totp_secret=executive_secret)
    menu(phone, "Solidarity report")
    expect(phone.get_by_role("heading", name="Solidarity report")).to_be_visible()
    start = today - datetime.timedelta(days=7)
    phone.get_by_label("Period").select_option(label="Dates below")
    phone.get_by_label("From").fill(start.isoformat())
    phone.get_by_label("To:", exact=True).fill(today.isoformat())
    phone.get_by_role("button", name="Show").click()
    period = f"{start.day} {start:%B %Y} to {today.day} {today:%B %Y}"
    totals = phone.get_by_role("region", name=period)
    expect(totals).to_be_visible()
    for term, value in [("Picket visits", "1"), ("Member attendances", "3")]:
        figure = totals.locator("dl > div").filter(has=phone.get_by_text(term, exact=True))
        expect(figure.get_by_role("definition")).to_have_text(value)
    by_dispute = phone.get_by_role("region", name="By dispute")
    expect(by_dispute.get_by_role("row", name=TITLE)).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390

    with phone.expect_download() as download:
        phone.get_by_role("link", name="Download CSV").click()
    assert download.value.suggested_filename == (
        f"solidarity-{clp.slug}-{start:%Y%m%d}-{today:%Y%m%d}.csv"
    )
    text = download.value.path().read_text(encoding="utf-8")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:5] == ["dispute", "employer", "status", "visits", "member attendances"]
    assert [rows[1][0], rows[1][3], rows[1][4]] == [TITLE, "1", "3"]
