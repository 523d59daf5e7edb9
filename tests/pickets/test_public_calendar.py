"""The CLP's public strike calendar and its map, with the disputes' days: no login needed.

The pages are the pickets app's (they add the CLP's picket lines); what days and places they
show comes from strikes.public_calendar.
"""

import datetime
import json
import re

import pytest
from django.urls import reverse

from strikes.models import ActionKind

from ..strikes.helpers import add_day, days_from_today, make_calendar_rows, public_disputes

pytestmark = pytest.mark.django_db


@pytest.fixture
def disputes(clp, other_clp):
    return public_disputes(clp, other_clp)


def calendar_url(clp) -> str:
    return reverse("pickets_public:calendar", args=[clp.slug])


def map_url(clp) -> str:
    return reverse("pickets_public:calendar_map", args=[clp.slug])


def test_urls_are_where_members_expect_them(clp):
    assert calendar_url(clp) == "/c/hackney-north/calendar/"
    assert map_url(clp) == "/c/hackney-north/calendar/map/"


def test_calendar_shows_local_and_followed_days_but_not_other_disputes(client, clp, disputes):
    add_day(
        disputes["local"],
        days_from_today(2),
        start=datetime.time(7),
        end=datetime.time(10),
    )
    add_day(disputes["followed"], days_from_today(3), kind=ActionKind.ASOS)
    add_day(disputes["elsewhere"], days_from_today(2))

    response = client.get(calendar_url(clp))

    assert response.status_code == 200
    html = response.content.decode()
    assert "Stoke Newington delivery office" in html
    assert "Civil service cleaners" in html
    assert "Shoreditch library closures" not in html
    # Kind, times in UK time, unions' short names, employer, and the local workplace.
    assert "7am to 10am" in html
    assert "Action short of strike" in html
    assert "PCS, Unite · Mitie" in html
    assert "CWU · Royal Mail" in html
    assert "Stoke Newington Delivery Office (N16 7AA)" in html
    # Each dispute links to its public page.
    assert reverse("strikes_public:dispute", args=[disputes["local"].pk]) in html
    # Soonest first.
    dates = re.findall(r'<time datetime="(\d{4}-\d\d-\d\d)">', html)
    assert dates == [days_from_today(2).isoformat(), days_from_today(3).isoformat()]


def test_days_before_today_and_after_eight_weeks_are_not_on_the_first_page(client, clp, disputes):
    add_day(disputes["local"], days_from_today(-1), note="Yesterday's strike")
    add_day(disputes["local"], days_from_today(0), note="Today's strike")
    add_day(disputes["local"], days_from_today(55), note="Last day of the page")
    add_day(disputes["local"], days_from_today(70), note="Ten weeks out")

    html = client.get(calendar_url(clp)).content.decode()

    assert "Yesterday&#x27;s strike" not in html
    assert "Today&#x27;s strike" in html
    assert "Last day of the page" in html
    assert "Ten weeks out" not in html
    later = f"?from={days_from_today(70).isoformat()}"
    assert later in html

    next_page = client.get(calendar_url(clp) + later).content.decode()
    assert "Ten weeks out" in next_page
    assert "Today&#x27;s strike" not in next_page
    assert "Back to today" in next_page


def test_cursor_before_today_or_nonsense_shows_from_today(client, clp, disputes):
    add_day(disputes["local"], days_from_today(-3), note="Past strike")
    add_day(disputes["local"], days_from_today(1), note="Tomorrow's strike")
    for cursor in ("?from=2001-01-01", "?from=not-a-date", "?from=9999-12-31"):
        response = client.get(calendar_url(clp) + cursor)
        assert response.status_code == 200
        html = response.content.decode()
        assert "Past strike" not in html
    assert "Tomorrow&#x27;s strike" in client.get(calendar_url(clp) + "?from=x").content.decode()


def test_cancelled_day_is_struck_through_and_says_cancelled(client, clp, disputes):
    add_day(disputes["local"], days_from_today(4), cancelled=True)

    html = client.get(calendar_url(clp)).content.decode()

    assert '<strong class="badge cancelled">Cancelled</strong>' in html
    assert "<s>Stoke Newington delivery office</s>" in html
    assert "is-cancelled" in html


def test_a_day_that_is_not_cancelled_is_not_marked_cancelled(client, clp, disputes):
    add_day(disputes["local"], days_from_today(4))
    html = client.get(calendar_url(clp)).content.decode()
    assert "badge cancelled" not in html
    assert "<s>" not in html


def test_empty_calendar_says_what_it_is_and_how_to_subscribe(client, clp, disputes):
    add_day(disputes["elsewhere"], days_from_today(1))

    html = client.get(calendar_url(clp)).content.decode()

    assert "No strike days from" in html
    assert "strikes and action short of strike at workplaces in" in html
    assert "None are planned yet." in html
    assert "Subscribe in your calendar app" in html
    assert "webcal://testserver/c/hackney-north/calendar.ics" in html


def test_empty_calendar_names_the_next_day_beyond_the_window(client, clp, disputes):
    later = days_from_today(100)
    add_day(disputes["local"], later)
    html = client.get(calendar_url(clp)).content.decode()
    assert "No strike days from" in html
    assert f"?from={later.isoformat()}" in html


def test_calendar_links_to_the_map_and_the_feed(client, clp):
    html = client.get(calendar_url(clp)).content.decode()
    assert 'href="/c/hackney-north/calendar/map/"' in html
    assert 'href="webcal://testserver/c/hackney-north/calendar.ics"' in html
    assert 'value="http://testserver/c/hackney-north/calendar.ics"' in html


def test_anonymous_visitor_needs_no_login(client, clp, disputes):
    for url in (calendar_url(clp), map_url(clp)):
        assert client.get(url).status_code == 200, url


def test_signed_in_member_sees_the_same_calendar(client, clp, member, disputes):
    add_day(disputes["local"], days_from_today(2))
    client.force_login(member)
    assert "Stoke Newington delivery office" in client.get(calendar_url(clp)).content.decode()


def test_unknown_clp_is_not_found(client, db):
    for url in ("/c/no-such-clp/calendar/", "/c/no-such-clp/calendar/map/"):
        assert client.get(url).status_code == 404, url


def test_calendar_is_read_only(client, clp):
    assert client.post(calendar_url(clp)).status_code == 405


# CLP, dispute ids, days (with dispute and employer), unions, local workplaces, the next date,
# picket lines
CALENDAR_QUERIES = 7


# CLP, dispute ids, workplaces, disputes (with employer), unions, days, picket lines
MAP_QUERIES = 7


@pytest.mark.parametrize("size", [3, 30])
def test_calendar_query_count_does_not_grow(client, clp, size, django_assert_num_queries):
    make_calendar_rows(clp, size)
    with django_assert_num_queries(CALENDAR_QUERIES):
        response = client.get(calendar_url(clp))
    weeks = response.context["weeks"]
    assert sum(len(entry.days) for week in weeks for entry in week.entries) == size * 2


@pytest.mark.parametrize("size", [3, 30])
def test_map_query_count_does_not_grow(client, clp, size, django_assert_num_queries):
    make_calendar_rows(clp, size)
    with django_assert_num_queries(MAP_QUERIES):
        response = client.get(map_url(clp))
    assert response.context["places"]


def test_map_carries_places_as_json_and_lists_them_with_addresses(client, clp, disputes):
    add_day(disputes["local"], days_from_today(2), start=datetime.time(7), end=datetime.time(10))
    add_day(disputes["followed"], days_from_today(3))  # its workplace has no location
    add_day(disputes["elsewhere"], days_from_today(3))

    response = client.get(map_url(clp))

    html = response.content.decode()
    data = json.loads(
        re.search(
            r'<script id="strike-map-data" type="application/json">(.*?)</script>', html, re.S
        ).group(1)
    )
    assert data["tileUrl"] == ""
    [place] = data["places"]
    assert place["name"] == "Stoke Newington Delivery Office"
    assert place["lat"] == pytest.approx(51.5626)
    assert place["lng"] == pytest.approx(-0.0753)
    assert place["address"] == "1 High Street, London, N16 7AA"
    [dispute] = place["disputes"]
    assert dispute["url"] == reverse("strikes_public:dispute", args=[disputes["local"].pk])
    assert dispute["unions"] == "CWU"
    assert dispute["days"][0].endswith("strike, 7am–10am")
    # The list works without tiles or script: the name and address of every place.
    assert "Stoke Newington Delivery Office" in html
    assert "Royal Mail, 1 High Street, London, N16 7AA" in html
    assert "no background map set up" in html
    # A place followed from afar with no location is neither on the map nor in the list.
    assert "Civil service cleaners" not in html
    assert "Shoreditch library closures" not in html
    # No inline script: every script is a file or JSON data.
    for tag in re.findall(r"<script[^>]*>", html):
        assert "src=" in tag or 'type="application/json"' in tag, tag
    assert "style=" not in html


def test_map_leaves_off_cancelled_days(client, clp, disputes):
    add_day(disputes["local"], days_from_today(2), cancelled=True)
    html = client.get(map_url(clp)).content.decode()
    assert "strike-map-data" not in html
    assert "No workplace has a strike day" in html


def test_map_allows_images_from_the_tile_server_only_on_the_map(client, clp, disputes, settings):
    settings.MAP_TILE_URL = "https://{s}.tile.example.org/{z}/{x}/{y}.png"
    settings.MAP_TILE_ATTRIBUTION = "&copy; Example"
    add_day(disputes["local"], days_from_today(2))

    response = client.get(map_url(clp))

    csp = response.headers["Content-Security-Policy"]
    assert "img-src 'self' data: https://*.tile.example.org" in csp
    assert "script-src 'self'" in csp
    assert "no background map set up" not in response.content.decode()
    other = client.get(calendar_url(clp)).headers["Content-Security-Policy"]
    assert "tile.example.org" not in other


def test_a_crowded_page_ends_at_a_whole_date_and_the_next_page_starts_there(
    client, clp, disputes, monkeypatch
):
    monkeypatch.setattr("strikes.public_calendar.PAGE_ROWS", 3)
    first, second = days_from_today(1), days_from_today(2)
    for dispute in (disputes["local"], disputes["followed"]):
        add_day(dispute, first, note=f"First day, {dispute.title}")
        add_day(dispute, second, note=f"Second day, {dispute.title}")

    html = client.get(calendar_url(clp)).content.decode()

    assert html.count("First day") == 2
    assert "Second day" not in html
    assert f"?from={second.isoformat()}" in html
    next_page = client.get(calendar_url(clp) + f"?from={second.isoformat()}").content.decode()
    assert next_page.count("Second day") == 2
    assert "First day" not in next_page
