"""The iCalendar feeds that members' calendar apps subscribe to."""

import datetime

import icalendar
import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
from django.utils.http import parse_http_date

from clps import public_cache
from strikes import ical
from strikes.models import ActionDay, ActionKind, Dispute, Union

from ..factories import FollowedDisputeFactory, PostcodeDistrictFactory
from .helpers import add_day, days_from_today, make_calendar_rows, make_dispute

pytestmark = pytest.mark.django_db

ONE_MINUTE = datetime.timedelta(minutes=1)


@pytest.fixture
def local(clp):
    PostcodeDistrictFactory(clp=clp, district="N16")
    return make_dispute("Royal Mail delivery office", workplace="Stoke Newington Delivery Office")


def feed_url(clp) -> str:
    return reverse("strikes_public:clp_ics", args=[clp.slug])


def fetch(client, url: str, **headers) -> tuple:
    response = client.get(url, headers=headers)
    assert response.status_code == 200
    return response, icalendar.Calendar.from_ical(response.content)


def events_by_uid(calendar) -> dict:
    return {str(event["UID"]): event for event in calendar.walk("VEVENT")}


def date_in_window(month: int, day: int) -> datetime.date:
    """The one date with this month and day in the feed's window (90 days back, a year on)."""
    today = timezone.localdate()
    for offset in range(-89, 365):
        candidate = today + datetime.timedelta(days=offset)
        if (candidate.month, candidate.day) == (month, day):
            return candidate
    raise AssertionError("unreachable: the window is longer than a year")


def test_feed_is_text_calendar_cached_publicly_with_etag_and_last_modified(client, clp, local):
    add_day(local, days_from_today(3))

    response, calendar = fetch(client, feed_url(clp))

    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    cache_control = response["Cache-Control"]
    assert "public" in cache_control and "max-age=300" in cache_control
    assert response["ETag"].startswith('"')
    assert response["Last-Modified"].endswith("GMT")
    assert str(calendar["X-WR-CALNAME"]) == "Hackney North & Stoke Newington: strikes and action"
    assert [tz["TZID"] for tz in calendar.walk("VTIMEZONE")] == ["Europe/London"]


def test_events_keep_their_uids_between_fetches(client, clp, local, settings):
    settings.SITE_URL = "https://tuliaison.example.org"
    first_day = add_day(local, days_from_today(3))
    second_day = add_day(local, days_from_today(4))

    _, first = fetch(client, feed_url(clp))
    _, second = fetch(client, feed_url(clp))

    assert set(events_by_uid(first)) == {
        f"action-day-{first_day.pk}@tuliaison.example.org",
        f"action-day-{second_day.pk}@tuliaison.example.org",
    }
    assert set(events_by_uid(second)) == set(events_by_uid(first))
    assert str(first["UID"]) == str(second["UID"])


def test_summary_names_union_kind_and_dispute_and_url_leads_back(client, clp, local):
    day = add_day(local, days_from_today(3))
    asos = add_day(local, days_from_today(3), kind=ActionKind.ASOS)

    _, calendar = fetch(client, feed_url(clp))

    events = events_by_uid(calendar)
    strike = events[ical.action_day_uid(day)]
    assert str(strike["SUMMARY"]) == "CWU strike: Royal Mail delivery office"
    assert (
        str(events[ical.action_day_uid(asos)]["SUMMARY"])
        == "CWU action short of strike: Royal Mail delivery office"
    )
    url = str(strike["URL"])
    assert url == f"http://testserver/disputes/{local.pk}/"
    assert client.get(url).status_code == 200
    assert "Stoke Newington Delivery Office" in str(strike["LOCATION"])
    assert "Employer: Royal Mail." in str(strike["DESCRIPTION"])


def test_cancelled_day_is_cancelled_and_others_confirmed(client, clp, local):
    on = add_day(local, days_from_today(3))
    off = add_day(local, days_from_today(4), cancelled=True)

    _, calendar = fetch(client, feed_url(clp))

    events = events_by_uid(calendar)
    assert str(events[ical.action_day_uid(on)]["STATUS"]) == "CONFIRMED"
    cancelled = events[ical.action_day_uid(off)]
    assert str(cancelled["STATUS"]) == "CANCELLED"
    assert str(cancelled["SUMMARY"]).startswith("CANCELLED: ")


def test_times_are_london_times_in_summer_and_winter(client, clp, local):
    summer = add_day(
        local, date_in_window(7, 15), start=datetime.time(7), end=datetime.time(10, 30)
    )
    winter = add_day(local, date_in_window(1, 15), start=datetime.time(7), end=datetime.time(10))

    response, calendar = fetch(client, feed_url(clp))

    events = events_by_uid(calendar)
    bst = events[ical.action_day_uid(summer)]
    assert bst["DTSTART"].params["TZID"] == "Europe/London"
    start = bst["DTSTART"].dt
    assert start.replace(tzinfo=None) == datetime.datetime.combine(summer.date, datetime.time(7))
    # 7am in British Summer Time is 6am UTC.
    assert start.astimezone(datetime.UTC).hour == 6
    assert bst["DTEND"].dt.astimezone(datetime.UTC).time() == datetime.time(9, 30)
    gmt = events[ical.action_day_uid(winter)]
    assert gmt["DTSTART"].params["TZID"] == "Europe/London"
    assert gmt["DTSTART"].dt.astimezone(datetime.UTC).hour == 7
    assert f"DTSTART;TZID=Europe/London:{summer.date:%Y%m%d}T070000" in response.content.decode()


def test_day_without_times_is_an_all_day_event(client, clp, local):
    day = add_day(local, days_from_today(3))

    response, calendar = fetch(client, feed_url(clp))

    event = events_by_uid(calendar)[ical.action_day_uid(day)]
    assert event["DTSTART"].dt == day.date
    assert event["DTEND"].dt == day.date + datetime.timedelta(days=1)
    assert f"DTSTART;VALUE=DATE:{day.date:%Y%m%d}" in response.content.decode()


def test_feed_holds_90_days_back_to_a_year_ahead(client, clp, local):
    in_window = [add_day(local, days_from_today(n)) for n in (-90, 0, 365)]
    add_day(local, days_from_today(-91))
    add_day(local, days_from_today(366))

    _, calendar = fetch(client, feed_url(clp))

    assert set(events_by_uid(calendar)) == {ical.action_day_uid(d) for d in in_window}


def test_feed_holds_local_and_followed_disputes_only(client, clp, other_clp, local):
    followed = make_dispute("National pay", unions=("PCS",), postcode="SW1A 2AA")
    FollowedDisputeFactory(clp=clp, dispute=followed)
    elsewhere = make_dispute("Library closures", unions=("UNISON",), postcode="E2 8AA")
    FollowedDisputeFactory(clp=other_clp, dispute=elsewhere)
    mine = [add_day(local, days_from_today(2)), add_day(followed, days_from_today(2))]
    add_day(elsewhere, days_from_today(2))

    _, calendar = fetch(client, feed_url(clp))

    assert set(events_by_uid(calendar)) == {ical.action_day_uid(d) for d in mine}


def test_repeat_fetch_with_etag_is_not_modified_without_building_the_feed(
    client, clp, local, monkeypatch, django_assert_num_queries
):
    add_day(local, days_from_today(3))
    etag = client.get(feed_url(clp))["ETag"]

    def must_not_build(**kwargs):
        raise AssertionError("The feed was built for a 304.")

    monkeypatch.setattr(ical, "build_calendar", must_not_build)
    with django_assert_num_queries(0):  # the feed is in the page cache
        response = client.get(feed_url(clp), headers={"If-None-Match": etag})

    assert response.status_code == 304
    assert response["ETag"] == etag
    assert "max-age=300" in response["Cache-Control"]
    assert response.content == b""


def test_editing_an_action_day_changes_the_etag_and_raises_the_sequence(client, clp, local):
    day = add_day(local, days_from_today(3), start=datetime.time(7), end=datetime.time(10))
    # Added a minute ago: SEQUENCE counts seconds.
    ActionDay.objects.filter(pk=day.pk).update(updated_at=timezone.now() - ONE_MINUTE)
    Dispute.objects.filter(pk=local.pk).update(updated_at=timezone.now() - ONE_MINUTE)
    before, calendar = fetch(client, feed_url(clp))
    sequence = int(events_by_uid(calendar)[ical.action_day_uid(day)]["SEQUENCE"])

    day.cancelled = True
    day.save()
    after = client.get(feed_url(clp), headers={"If-None-Match": before["ETag"]})

    assert after.status_code == 200
    assert after["ETag"] != before["ETag"]
    event = events_by_uid(icalendar.Calendar.from_ical(after.content))[ical.action_day_uid(day)]
    assert int(event["SEQUENCE"]) > sequence
    assert str(event["STATUS"]) == "CANCELLED"


def test_removing_an_action_day_changes_the_etag(client, clp, local):
    add_day(local, days_from_today(3))
    gone = add_day(local, days_from_today(4))
    etag = client.get(feed_url(clp))["ETag"]
    gone.delete()
    assert client.get(feed_url(clp), headers={"If-None-Match": etag}).status_code == 200


def test_if_modified_since_the_last_change_is_not_modified(client, clp, local):
    add_day(local, days_from_today(3))
    last_modified = client.get(feed_url(clp))["Last-Modified"]
    response = client.get(feed_url(clp), headers={"If-Modified-Since": last_modified})
    assert response.status_code == 304


def test_dispute_feed_holds_that_disputes_days_only(client, clp, local):
    other = make_dispute("Another dispute", unions=("Unite",))
    days = [
        add_day(local, days_from_today(2), start=datetime.time(7), end=datetime.time(10)),
        add_day(local, days_from_today(9), cancelled=True),
    ]
    add_day(other, days_from_today(2))
    url = reverse("strikes_public:dispute_ics", args=[local.pk])

    response, calendar = fetch(client, url)

    events = events_by_uid(calendar)
    assert set(events) == {ical.action_day_uid(d) for d in days}
    assert str(events[ical.action_day_uid(days[1])]["STATUS"]) == "CANCELLED"
    assert str(calendar["X-WR-CALNAME"]) == "CWU: Royal Mail delivery office"
    assert str(events[ical.action_day_uid(days[0])]["URL"]).endswith(f"/disputes/{local.pk}/")
    # The same event has the same UID in either feed, so a member who has both sees it once.
    _, clp_calendar = fetch(client, feed_url(clp))
    assert ical.action_day_uid(days[0]) in events_by_uid(clp_calendar)
    not_modified = client.get(url, headers={"If-None-Match": response["ETag"]})
    assert not_modified.status_code == 304


def test_empty_feed_is_still_a_valid_calendar_with_london_time(client, clp):
    response, calendar = fetch(client, feed_url(clp))
    assert calendar.walk("VEVENT") == []
    assert [tz["TZID"] for tz in calendar.walk("VTIMEZONE")] == ["Europe/London"]
    # With no days to date it, the feed is as new as the copy the page cache made.
    assert parse_http_date(response["Last-Modified"]) <= timezone.now().timestamp()


FEED_QUERIES = 6  # CLP, dispute ids, aggregate, days (with dispute, employer), unions, workplaces


@pytest.mark.parametrize("size", [3, 30])
def test_feed_query_count_does_not_grow(client, clp, size, django_assert_num_queries):
    make_calendar_rows(clp, size)
    with django_assert_num_queries(FEED_QUERIES):
        response = client.get(feed_url(clp))
    assert len(icalendar.Calendar.from_ical(response.content).walk("VEVENT")) == size * 2 + 1


DISPUTE_FEED_QUERIES = 5  # dispute (with employer), unions, aggregate, days, workplaces


@pytest.mark.parametrize("size", [3, 30])
def test_dispute_feed_query_count_does_not_grow(client, local, size, django_assert_num_queries):
    for n in range(size):
        add_day(local, days_from_today(n), start=datetime.time(7), end=datetime.time(10))
    url = reverse("strikes_public:dispute_ics", args=[local.pk])
    with django_assert_num_queries(DISPUTE_FEED_QUERIES):
        response = client.get(url)
    assert len(icalendar.Calendar.from_ical(response.content).walk("VEVENT")) == size


def test_a_feed_made_from_kept_events_is_the_feed_made_afresh(client, clp, local):
    """Each event's text is kept in the cache under a hash of what it says: a feed made again
    from them is byte for byte the one made without, and any text that changes is made anew."""
    add_day(local, days_from_today(3))
    add_day(local, days_from_today(4), start=datetime.time(7), end=datetime.time(10))
    first = client.get(feed_url(clp)).content
    public_cache.bump_shared()  # the feed made again, its events from the cache
    again = client.get(feed_url(clp)).content
    cache.clear()
    afresh = client.get(feed_url(clp)).content
    assert first == again == afresh
    union = Union.objects.get(short_name="CWU")
    union.short_name = "CWU-X"
    union.save()  # no day or dispute has a new updated_at
    assert "CWU-X strike:" in client.get(feed_url(clp)).content.decode()
