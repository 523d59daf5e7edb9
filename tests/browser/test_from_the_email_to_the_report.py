"""The loop as people live it, on a phone, from what each of them receives: a subscriber taps
"I'll go" in the weekly email as it arrived (its raw bytes, parsed), says yes with one button and
no account; the count goes up; the evening before, the reminder arrives with a calendar file and
a cancel link; on the day the trip leader ticks them off; the TULO confirms the visit drafted
from it, and the solidarity report for the period counts it."""

import datetime
import re

import icalendar
import pytest
from django.utils import timezone
from playwright.sync_api import expect

from clps.models import Role
from newsletters.weekly import sending
from pickets.models import LeadLink, PicketSignup, PicketVisit, VisitStatus
from pickets.reminders import send_due_reminders
from strikes.ical import uid_host

from ..conftest import enable_totp
from ..factories import (
    ActionDayFactory,
    DigestFactory,
    DisputeFactory,
    LeadLinkFactory,
    MembershipFactory,
    PicketLineFactory,
    SubscriberFactory,
    UnionFactory,
    WeeklyScheduleFactory,
)
from .helpers import menu, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TITLE = "Homerton Road sorting office"
PLACE = "the yard gate on Homerton Road"


def attachment(received, content_type: str) -> bytes:
    [part] = [
        p for p in received.message.iter_attachments() if p.get_content_type() == content_type
    ]
    return part.get_payload(decode=True)


def test_a_subscriber_goes_from_the_email_to_the_picket_line_and_into_the_report(
    live_server, phone, settings, smtp_server, eager, clp
):
    # The emails' links lead to this server, as they lead to the site in production.
    settings.SITE_URL = live_server.url
    settings.MFA_TOTP_TOLERANCE = 1
    # Its email goes late on Sunday, for the week after; this week's is sent now, as the TULO
    # sends one that is late, for the days it has left: today's picket line is in it.
    WeeklyScheduleFactory(clp=clp, weekday=6, send_time=datetime.time(23, 59))
    today = timezone.localdate()
    dispute = DisputeFactory(
        title=TITLE, unions=[UnionFactory(name="Communication Workers Union", short_name="CWU")]
    )
    day = ActionDayFactory(dispute=dispute, date=today)
    line = PicketLineFactory(
        clp=clp, dispute=dispute, place=PLACE, postcode="E9 6AS", action_days=[day]
    )
    LeadLinkFactory(picket_line=line, label="Priya, trip leader")
    SubscriberFactory(clp=clp, email="ruth@example.net", name="Ruth Ellis")
    tulo = MembershipFactory(clp=clp, role=Role.TULO).user
    tulo_secret = enable_totp(tulo)

    # (a) The weekly email goes; the subscriber's copy arrives.
    sending.send_all(DigestFactory(clp=clp).pk)
    [weekly] = smtp_server.received
    assert weekly.to == ["ruth@example.net"]
    go = re.findall(r'href="([^"]*/go/[^"]+)"', weekly.html)
    assert len(go) == 1 and go[0].startswith(live_server.url)

    # (b) She taps "I'll go" in it, and says yes with one button: two page loads, no account.
    loads: list[str] = []
    phone.on("load", lambda: loads.append(phone.url))
    phone.goto(go[0])
    expect(phone.get_by_role("heading", name="Join the picket line")).to_be_visible()
    expect(phone.get_by_text(f"{PLACE}, E9 6AS")).to_be_visible()
    expect(phone.get_by_role("link", name="Map")).to_have_attribute(
        "href", re.compile(r"^https://www\.openstreetmap\.org/search\?query=")
    )
    phone.get_by_role("button", name="I'll go").click()
    expect(phone.get_by_role("heading", name="You're going")).to_be_visible()
    phone.wait_for_load_state("load")  # the heading shows before the page's last file is in
    assert len(loads) == 2, loads
    signup = PicketSignup.objects.get()
    assert (signup.source, signup.name, signup.user) == ("subscriber", "Ruth Ellis", None)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390

    # (c) The picket line's public page counts her.
    phone.get_by_role("link", name="The picket line's page, with its other days").click()
    expect(phone.get_by_text("1 going", exact=True)).to_be_visible()

    # (d) The reminder, sent the evening before, arrives with a calendar file for the day and
    # a working cancel link.
    the_evening_before = timezone.make_aware(
        datetime.datetime.combine(today - datetime.timedelta(days=1), datetime.time(18))
    )
    assert send_due_reminders(now=the_evening_before) == 1
    reminder = smtp_server.received[-1]
    assert reminder.to == ["ruth@example.net"]
    assert "Hello Ruth," in reminder.text and "Ask for Priya" in reminder.text
    calendar = icalendar.Calendar.from_ical(attachment(reminder, "text/calendar"))
    [event] = calendar.walk("VEVENT")
    assert str(event["UID"]) == f"picket-{line.pk}-{day.pk}@{uid_host()}"
    assert event.decoded("DTSTART").date() == today
    assert str(event["LOCATION"]) == f"{PLACE}, E9 6AS"
    [cancel] = re.findall(r"(https?://\S+/going/\S+/cancel/)", reminder.text)
    phone.goto(cancel)
    expect(phone.get_by_role("button", name="I can't come after all")).to_be_visible()
    assert PicketSignup.objects.count() == 1  # opening it changes nothing

    # (e) On the line, the trip leader ticks her off and sends the list to the TULO.
    # The TULO shared the trip leader's link (the address on the picket line's page).
    phone.goto(f"{live_server.url}/lead/{LeadLink.objects.get(picket_line=line).token}/")
    day_card = phone.locator(f"#day-{day.pk}")
    day_card.get_by_role("button", name=re.compile("Ruth")).click()
    expect(day_card.get_by_text("1 came")).to_be_visible()
    day_card.get_by_role("button", name="Done: send to the TULO").click()
    expect(phone.get_by_text("Sent to the TULO: 1 came")).to_be_visible()
    visit = PicketVisit.objects.get()
    assert (visit.status, visit.members_count, visit.date) == (VisitStatus.REPORTED, 1, today)

    # (f) The TULO confirms the drafted visit.
    phone.goto(live_server.url + "/accounts/login/")
    sign_in(phone, tulo.email, totp_secret=tulo_secret)
    menu(phone, "Visits")
    drafted = phone.get_by_role("link", name=f"{today:%a} {today.day} {today:%b %Y}: {TITLE}")
    expect(phone.get_by_text("From the trip leader's check-in")).to_be_visible()
    drafted.click()
    phone.get_by_role("button", name="Confirm visit").click()
    expect(phone.get_by_text("Visit confirmed: it now counts in reports.")).to_be_visible()

    # (g) The solidarity report for the period counts it.
    menu(phone, "Report")
    phone.get_by_label("Period").select_option(label="Dates below")
    phone.get_by_label("From").fill((today - datetime.timedelta(days=7)).isoformat())
    phone.get_by_label("To:", exact=True).fill(today.isoformat())
    phone.get_by_role("button", name="Show").click()
    for term, value in [("Picket visits", "1"), ("Member attendances", "1")]:
        figure = phone.locator("dl.totals > div").filter(has=phone.get_by_text(term, exact=True))
        expect(figure.get_by_role("definition")).to_have_text(value)


def test_someone_subscribes_and_confirms_from_the_email_on_a_phone(
    live_server, phone, settings, smtp_server, eager, clp
):
    """The confirmation link's page is kept from other sites as a referrer, but its button must
    still pass the CSRF check: browsers send "Origin: null" from a no-referrer page."""
    settings.SITE_URL = live_server.url
    phone.goto(f"{live_server.url}/c/{clp.slug}/subscribe/")
    phone.get_by_label("Your email address").fill("ruth@example.net")
    phone.get_by_role("checkbox").check()
    phone.get_by_role("button", name="Subscribe").click()
    expect(phone.get_by_role("heading", name="Check your email")).to_be_visible()
    [received] = smtp_server.received
    [confirm] = re.findall(r'href="([^"]*/subscriptions/[^"]+/confirm/)"', received.html)
    phone.goto(confirm)
    phone.get_by_role("button", name=re.compile("Confirm|Yes|Subscribe")).click()
    expect(phone.get_by_text("You're subscribed.")).to_be_visible()
    assert clp.subscribers.get().status == "active"
