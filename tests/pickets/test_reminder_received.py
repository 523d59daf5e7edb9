"""The evening-before reminder as the people signed up receive it: the bytes a real SMTP server
on loopback took in, parsed as a mail program parses them, and the links in them followed."""

import datetime
import re
from zoneinfo import ZoneInfo

import icalendar
import pytest
from django.utils import timezone

from pickets.models import PicketSignup
from pickets.reminders import send_due_reminders

from ..factories import (
    ActionDayFactory,
    LeadLinkFactory,
    PicketLineFactory,
    PicketSignupFactory,
    UserFactory,
)
from ..mailbox import Received, assert_well_formed

pytestmark = pytest.mark.django_db

DOMAIN = "tuliaison.example.org"
SITE = f"https://{DOMAIN}"
LONDON = ZoneInfo("Europe/London")


@pytest.fixture(autouse=True)
def sent_at_commit(eager):
    """The outbox sends each email when the transaction that wrote it commits."""


@pytest.fixture
def remind(django_capture_on_commit_callbacks):
    def run(now: datetime.datetime | None = None) -> int:
        with django_capture_on_commit_callbacks(execute=True):
            return send_due_reminders(now)

    return run


@pytest.fixture
def day(picket_line, tomorrow):
    return picket_line.action_days.get(date=tomorrow)


def received_by(smtp_server) -> dict[str, Received]:
    """Each address's one reminder, checked to be well formed."""
    by_address: dict[str, Received] = {}
    for received in smtp_server.received:
        (address,) = received.to
        assert address not in by_address, f"two reminders to {address}"
        assert_well_formed(received, domain=DOMAIN)
        by_address[address] = received
    return by_address


def calendar_part(received: Received):
    (part,) = list(received.message.iter_attachments())
    return part


def calendar_of(received: Received) -> icalendar.Calendar:
    return icalendar.Calendar.from_ical(calendar_part(received).get_content())


def the_event(calendar: icalendar.Calendar) -> icalendar.Event:
    (event,) = calendar.events
    return event


def link(received: Received, pattern: str) -> str:
    """The one link in the text part that matches, as a path on the site."""
    found = [url for url in re.findall(r"https?://\S+", received.text) if re.search(pattern, url)]
    assert len(found) == 1, found
    assert found[0].startswith(SITE + "/")
    return found[0].removeprefix(SITE)


def test_members_subscribers_and_confirmed_public_each_get_one(
    smtp_server, remind, picket_line, day, member
):
    subscriber = PicketSignupFactory(
        picket_line=picket_line,
        action_day=day,
        user=None,
        source="subscriber",
        name="",
        email="subscriber@example.org",
    )
    public = PicketSignupFactory(
        picket_line=picket_line,
        action_day=day,
        public=True,
        name="Ada Lovelace",
        email="ada@example.net",
        confirmed_at=timezone.now(),
    )
    PicketSignupFactory(picket_line=picket_line, action_day=day, user=member)
    # Not yet confirmed by their link, and someone checked in on the day: nothing to either.
    PicketSignupFactory(picket_line=picket_line, action_day=day, public=True, email="x@example.net")
    PicketSignupFactory(
        picket_line=picket_line,
        action_day=day,
        user=None,
        source="walk_in",
        name="Ade",
        email="",
        confirmed_at=timezone.now(),
    )

    assert remind() == 3
    assert remind() == 0  # a second run sends nothing more

    received = received_by(smtp_server)
    assert set(received) == {member.email, subscriber.email, public.email}
    greetings = {address: r.text.splitlines()[0] for address, r in received.items()}
    assert greetings == {
        member.email: "Hello Sam,",
        subscriber.email: "Hello,",
        public.email: "Hello Ada,",
    }
    for r in received.values():
        assert r.message["Subject"] == "Tomorrow: picket line at The yard gate"
        for part in (r.text, r.html):
            assert "Royal Mail delivery office" in part
            assert "The yard gate, N16 0AA" in part
            assert "7am to 10am" in part
            assert day.date.strftime("%A") in part
            assert "https://www.openstreetmap.org/search?query=The+yard+gate%2C+N16+0AA" in part
            assert f"{SITE}/c/{picket_line.clp.slug}/pickets/{picket_line.pk}/" in part
        assert 'href="https://www.openstreetmap.org/search?query=The+yard+gate' in r.html


def test_the_line_s_note_is_in_the_reminder(smtp_server, remind, picket_line, day, member):
    picket_line.note = "Bring a flask: the café opposite opens at 8."
    picket_line.save()
    PicketSignupFactory(picket_line=picket_line, action_day=day, user=member)
    assert remind() == 1
    received = received_by(smtp_server)[member.email]
    assert "Bring a flask: the café opposite opens at 8." in received.text
    assert "Bring a flask: the café opposite opens at 8." in received.html


def test_the_calendar_file_is_one_event_the_same_for_everyone_going(
    smtp_server, remind, picket_line, day, member
):
    picket_line.note = "Ask at the gate for the rep."
    picket_line.save()
    PicketSignupFactory(picket_line=picket_line, action_day=day, user=member)
    PicketSignupFactory(picket_line=picket_line, action_day=day, user=UserFactory(name="Jo"))
    assert remind() == 2

    received = list(received_by(smtp_server).values())
    for r in received:
        part = calendar_part(r)
        assert part.get_content_type() == "text/calendar"
        assert part.get_param("charset") == "utf-8"
        assert part.get_content_disposition() == "attachment"
        assert part.get_filename() == f"picket-line-{day.date.isoformat()}.ics"
        assert b'Content-Type: text/calendar; charset="utf-8"' in r.raw
    calendars = [calendar_of(r) for r in received]
    uids = {str(the_event(calendar)["UID"]) for calendar in calendars}
    assert uids == {f"picket-{picket_line.pk}-{day.pk}@{DOMAIN}"}

    calendar = calendars[0]
    assert calendar["METHOD"] == "PUBLISH"
    event = the_event(calendar)
    assert event.start == datetime.datetime.combine(day.date, datetime.time(7), tzinfo=LONDON)
    assert event.end == datetime.datetime.combine(day.date, datetime.time(10), tzinfo=LONDON)
    assert event["DTSTART"].params["TZID"] == "Europe/London"
    assert [tz.tz_name for tz in calendar.timezones] == ["Europe/London"]
    assert event["SUMMARY"] == "Picket line: Royal Mail delivery office"
    assert event["LOCATION"] == "The yard gate, N16 0AA"
    assert event["URL"] == f"{SITE}/c/{picket_line.clp.slug}/pickets/{picket_line.pk}/"
    assert "Ask at the gate for the rep." in event["DESCRIPTION"]


def test_the_calendar_file_keeps_london_time_in_summer(smtp_server, remind, member):
    # 6pm on 1 July 2026 in London; the picket is the next morning, at 7am BST (6am UTC).
    line = PicketLineFactory(action_days=[])
    summer_day = PicketSignupFactory(picket_line=line, user=member).action_day
    summer_day.date = datetime.date(2026, 7, 2)
    summer_day.save()
    assert remind(datetime.datetime(2026, 7, 1, 17, tzinfo=datetime.UTC)) == 1
    event = the_event(calendar_of(received_by(smtp_server)[member.email]))
    assert event.start.astimezone(datetime.UTC) == datetime.datetime(
        2026, 7, 2, 6, tzinfo=datetime.UTC
    )
    assert event.end.astimezone(datetime.UTC) == datetime.datetime(
        2026, 7, 2, 9, tzinfo=datetime.UTC
    )


def test_the_calendar_link_in_the_reminder_opens_the_same_event(
    smtp_server, remind, client, picket_line, day, member
):
    PicketSignupFactory(picket_line=picket_line, action_day=day, user=member)
    assert remind() == 1
    received = received_by(smtp_server)[member.email]
    path = link(received, r"\.ics$")
    assert path == f"/c/{picket_line.clp.slug}/pickets/{picket_line.pk}/days/{day.pk}.ics"
    assert f'href="{SITE}{path}"' in received.html and "Add to your calendar" in received.html

    response = client.get(path)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    from_link = icalendar.Calendar.from_ical(response.content)
    attached = calendar_of(received)
    assert the_event(from_link)["UID"] == f"picket-{picket_line.pk}-{day.pk}@{DOMAIN}"
    assert from_link.to_ical() == attached.to_ical()
    assert client.post(path).status_code == 405


def test_the_calendar_link_is_only_for_a_day_of_that_picket_line(client, picket_line, clp):
    other_line = PicketLineFactory(clp=clp, action_days=[])
    other_day = PicketSignupFactory(picket_line=other_line).action_day
    slug = clp.slug
    assert (
        client.get(f"/c/{slug}/pickets/{picket_line.pk}/days/{other_day.pk}.ics").status_code == 404
    )


def test_the_cancel_link_opens_a_page_and_only_its_post_cancels(
    smtp_server, remind, client, picket_line, day, member
):
    PicketSignupFactory(picket_line=picket_line, action_day=day, user=member)
    PicketSignupFactory(picket_line=picket_line, action_day=day, user=UserFactory())
    assert remind() == 2
    received = received_by(smtp_server)[member.email]
    path = link(received, r"/going/[^/]+/cancel/$")
    assert f'href="{SITE}{path}"' in received.html

    # A mail scanner, or the person, opening the link changes nothing.
    for _ in range(2):
        page = client.get(path)
        assert page.status_code == 200
        assert "I can't come after all" in page.content.decode()
    assert PicketSignup.objects.count() == 2

    done = client.post(path)
    assert done.status_code == 200
    assert "You're no longer down to go" in done.content.decode()
    assert PicketSignup.objects.count() == 1
    assert not PicketSignup.objects.filter(user=member).exists()


def test_a_forged_cancel_link_is_refused_and_cancels_nothing(
    smtp_server, remind, client, picket_line, day, member
):
    signup = PicketSignupFactory(picket_line=picket_line, action_day=day, user=member)
    assert remind() == 1
    path = link(received_by(smtp_server)[member.email], r"/going/[^/]+/cancel/$")
    token = path.split("/")[2]
    # Another sign-up's number with this one's MAC, and a MAC cut short.
    forged = [
        path.replace(token, f"{signup.pk + 1}.{token.split('.')[1]}"),
        path.replace(token, token[:-3]),
    ]
    for forged_path in forged:
        for method in (client.get, client.post):
            page = method(forged_path)
            assert page.status_code == 404
            assert "It isn't one we sent" in page.content.decode()
    assert PicketSignup.objects.filter(pk=signup.pk).exists()


def test_the_cancel_link_after_the_day_says_it_is_over(
    smtp_server, remind, client, picket_line, day, member
):
    # The reminder went the evening before a day that has now been and gone.
    day.date = timezone.localdate() - datetime.timedelta(days=2)
    day.save()
    PicketSignupFactory(picket_line=picket_line, action_day=day, user=member)
    evening_before = datetime.datetime.combine(
        day.date - datetime.timedelta(days=1), datetime.time(18), tzinfo=LONDON
    )
    assert remind(evening_before) == 1
    path = link(received_by(smtp_server)[member.email], r"/going/[^/]+/cancel/$")
    for method in (client.get, client.post):
        page = method(path)
        assert page.status_code == 410
        assert "That day is over" in page.content.decode()
    assert PicketSignup.objects.count() == 1


def test_the_trip_leader_is_named_while_their_link_is_live(
    smtp_server, remind, picket_line, day, member
):
    LeadLinkFactory(picket_line=picket_line, label="Ade Bello")
    LeadLinkFactory(picket_line=picket_line, label="Priya, trip leader")  # the newest
    LeadLinkFactory(picket_line=picket_line, label="")
    PicketSignupFactory(picket_line=picket_line, action_day=day, user=member)
    assert remind() == 1
    received = received_by(smtp_server)[member.email]
    assert "Ask for Priya, who is leading the CLP's group." in received.text
    assert "Ask for <strong>Priya</strong>, who is leading the CLP's group." in received.html
    assert "Ade" not in received.text


def test_no_trip_leader_is_named_once_their_link_is_revoked(
    smtp_server, remind, picket_line, day, member
):
    LeadLinkFactory(picket_line=picket_line, label="Priya", revoked_at=timezone.now())
    PicketSignupFactory(picket_line=picket_line, action_day=day, user=member)
    assert remind() == 1
    received = received_by(smtp_server)[member.email]
    for part in (received.text, received.html):
        assert "Priya" not in part
        assert "Ask for" not in part


@pytest.mark.parametrize("lines", [1, 3])
def test_reminders_cost_the_same_queries_each_however_many_lines(
    remind, clp, tomorrow, lines, django_assert_num_queries
):
    """Who is due and the trip leaders are read once (2 queries); each reminder is then its own
    savepoint, claim, read and outbox row, and its send's claim, read and mark as sent (8)."""
    for _ in range(lines):
        day = ActionDayFactory(date=tomorrow)
        line = PicketLineFactory(clp=clp, dispute=day.dispute, action_days=[day])
        PicketSignupFactory(picket_line=line, action_day=day)
        LeadLinkFactory(picket_line=line)
    with django_assert_num_queries(2 + 8 * lines):
        assert remind() == lines
