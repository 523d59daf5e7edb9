"""The public pages, cached whole for anonymous visitors: every change to what a page shows is
on the next request; signed-in visitors never share a copy; ETags give 304s; forms on the
pages still work, each visitor with their own CSRF token; a cache hit costs no query."""

import datetime
import re

import pytest
from django.contrib import messages
from django.contrib.messages.storage.cookie import CookieStorage
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import _unmask_cipher_token
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from clps import public_cache
from clps.models import CLP
from clps.services import clp_set_districts
from newsletters.models import DigestStatus, Subscriber
from pickets import services as picket_services
from pickets.models import PicketLine, PicketSignup
from strikes.csv_import.action_days import create_chunk
from strikes.models import ActionDay, Employer, Union, Workplace

from ..factories import (
    DigestFactory,
    FollowedDisputeFactory,
    PicketLineFactory,
    PicketSignupFactory,
)
from ..strikes.helpers import add_day, days_from_today, local_delivery_office, make_dispute

pytestmark = pytest.mark.django_db

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@pytest.fixture
def world(clp):
    """A CLP (N16) with a local dispute on a day to come, a picket line on it, a national
    dispute it does not follow yet, and a weekly email that went out."""
    local = local_delivery_office(clp)
    day = add_day(local, days_from_today(2), start=datetime.time(7), end=datetime.time(10))
    line = PicketLineFactory(clp=clp, dispute=local, action_days=[day], place="The yard gate")
    national = make_dispute(
        "Civil service cleaners",
        unions=("PCS",),
        employer="Mitie",
        postcode="SW1A 2AA",
        is_national=True,
    )
    add_day(national, days_from_today(3))
    monday = timezone.localdate() - datetime.timedelta(days=timezone.localdate().weekday() + 7)
    digest = DigestFactory(
        clp=clp,
        week_start=monday,
        status=DigestStatus.SENT,
        subject="Strikes this week: the delivery office",
        web_html="<html><body><p>Stand with the posties.</p></body></html>",
        send_started_at=timezone.now(),
    )
    return {
        "clp": clp,
        "local": local,
        "day": day,
        "line": line,
        "national": national,
        "digest": digest,
    }


def pages(w) -> dict[str, str]:
    slug = w["clp"].slug
    return {
        "calendar": reverse("pickets_public:calendar", args=[slug]),
        "map": reverse("pickets_public:calendar_map", args=[slug]),
        "calendar.ics": reverse("strikes_public:clp_ics", args=[slug]),
        "dispute": reverse("strikes_public:dispute", args=[w["local"].pk]),
        "dispute.ics": reverse("strikes_public:dispute_ics", args=[w["local"].pk]),
        "picket line": reverse("pickets:picket_line", args=[slug, w["line"].pk]),
        "picket day.ics": reverse("pickets:picket_day_ics", args=[slug, w["line"].pk, w["day"].pk]),
        "archive": reverse("newsletters_public:archive", args=[slug]),
        "feed": reverse("newsletters_public:archive_feed", args=[slug]),
        "web version": reverse(
            "newsletters_public:web_version", args=[slug, w["digest"].week_start]
        ),
        "subscribe": reverse("newsletters_public:subscribe", args=[slug]),
    }


def text(response) -> str:
    return response.content.decode()


def warm(w) -> None:
    """Every page opened twice by visitors, so each is in the cache."""
    for url in pages(w).values():
        for _ in range(2):
            assert Client().get(url).status_code == 200


def rename_dispute(w):
    w["local"].title = "Walkout at the sorting office"
    w["local"].save()
    return "Walkout at the sorting office", [
        "calendar",
        "calendar.ics",
        "dispute",
        "dispute.ics",
        "picket line",
        "picket day.ics",
    ]


def rename_union(w):
    union = Union.objects.get(short_name="CWU")
    union.name = "Communication Workers Union of the Post"
    union.save()
    return "Communication Workers Union of the Post", ["dispute"]


def rename_employer(w):
    employer = Employer.objects.get(name="Royal Mail")
    employer.name = "International Distribution Services"
    employer.save()
    return "International Distribution Services", ["calendar", "dispute"]


def rename_workplace(w):
    place = Workplace.objects.get(name="Stoke Newington Delivery Office")
    place.name = "Stoke Newington Mail Centre"
    place.save()
    return "Stoke Newington Mail Centre", ["calendar", "map", "calendar.ics"]


def cancel_day(w):
    w["day"].cancelled = True
    w["day"].save()
    return "CANCELLED", ["calendar.ics", "dispute.ics", "picket day.ics"]


def add_a_day(w):
    date = days_from_today(9)
    add_day(w["local"], date)
    return date.strftime("%Y%m%d"), ["calendar.ics", "dispute.ics"]


def import_days(w):
    """The CSV import adds days with bulk_create, which sends no signals."""
    date = days_from_today(12)
    create_chunk([ActionDay(dispute=w["local"], date=date, kind="strike")], None)
    return date.strftime("%Y%m%d"), ["calendar.ics", "dispute.ics"]


def move_picket_line(w):
    line = PicketLine.objects.get(pk=w["line"].pk)
    line.place = "The back gate on Hackney Road"
    line.save()
    return "The back gate on Hackney Road", ["calendar", "picket line", "picket day.ics"]


def add_day_to_line(w):
    day = add_day(w["local"], days_from_today(4))
    w["line"].action_days.add(day)
    return day.date.strftime("%a %-d %b"), ["picket line"]


def member_signs_up(w):
    PicketSignupFactory(picket_line=w["line"], action_day=w["day"])
    return "Going: 1 on", ["calendar"]


def follow_national(w):
    FollowedDisputeFactory(clp=w["clp"], dispute=w["national"])
    return "Civil service cleaners", ["calendar", "calendar.ics"]


def rename_clp(w):
    clp = CLP.objects.get(pk=w["clp"].pk)
    clp.name = "Hackney North (renamed)"
    clp.save()
    return "Hackney North (renamed)", ["calendar", "archive", "feed", "subscribe", "picket line"]


def publish_weekly_email(w):
    digest = DigestFactory(
        clp=w["clp"],
        status=DigestStatus.SENT,
        subject="Strikes next week: the hospital",
        web_html="<html><body><p>The hospital.</p></body></html>",
        send_started_at=timezone.now(),
    )
    return digest.subject, ["archive", "feed"]


CHANGES = [
    rename_dispute,
    rename_union,
    rename_employer,
    rename_workplace,
    cancel_day,
    add_a_day,
    import_days,
    move_picket_line,
    add_day_to_line,
    member_signs_up,
    follow_national,
    rename_clp,
    publish_weekly_email,
]


@pytest.mark.parametrize("change", CHANGES, ids=lambda change: change.__name__)
def test_a_change_shows_on_every_page_that_shows_it_at_the_next_request(world, change):
    warm(world)
    urls = pages(world)
    before = {name: text(Client().get(url)) for name, url in urls.items()}
    expected, affected = change(world)
    for name in affected:
        assert expected not in before[name], f"{name} showed it already"
        response = Client().get(urls[name])
        assert response.status_code == 200
        assert expected in text(response), f"{name} still shows the old page"


def test_a_change_in_one_clp_leaves_another_clps_pages_cached(world, other_clp):
    other = reverse("pickets_public:calendar", args=[other_clp.slug])
    for _ in range(2):
        Client().get(other)
    move_picket_line(world)
    with CaptureQueriesContext(connection) as queries:
        assert Client().get(other).status_code == 200
    assert len(queries) == 0


def test_a_confirmed_public_sign_up_is_counted_at_the_next_request(world):
    """Confirming counts a sign-up made earlier, by update() (which sends no signal)."""
    signup = PicketSignupFactory(picket_line=world["line"], action_day=world["day"], public=True)
    warm(world)
    url = pages(world)["picket line"]
    assert "1 going" not in text(Client().get(url))
    picket_services.signup_confirm(signup=signup)
    assert "1 going" in text(Client().get(url))


def test_a_withdrawn_sign_up_and_a_changed_district_leave_the_pages(world):
    signup = PicketSignupFactory(picket_line=world["line"], action_day=world["day"])
    warm(world)
    urls = pages(world)
    assert "1 going" in text(Client().get(urls["picket line"]))
    picket_services.signup_withdraw(signup=signup)
    assert "1 going" not in text(Client().get(urls["picket line"]))

    # A district added (by bulk_create, no signal) brings its dispute onto the calendar.
    add_day(make_dispute("Library closures", postcode="E8 1AA"), days_from_today(2))
    assert "Library closures" not in text(Client().get(urls["calendar.ics"]))
    clp_set_districts(clp=world["clp"], districts=["N16", "E8"])
    assert "Library closures" in text(Client().get(urls["calendar.ics"]))
    # And one taken away takes its dispute off.
    clp_set_districts(clp=world["clp"], districts=["E8"])
    assert "Stoke Newington delivery office" not in text(Client().get(urls["calendar.ics"]))


def test_a_new_slug_does_not_leave_the_old_pages_served(world):
    url = pages(world)["calendar"]
    warm(world)
    clp = CLP.objects.get(pk=world["clp"].pk)
    clp.slug = "hackney-north-new"
    clp.save()
    assert Client().get(url).status_code == 404


def test_the_london_date_turning_over_renders_the_pages_afresh(world, monkeypatch):
    """A day that is over leaves the picket line's page at midnight, with no record changed."""
    day = world["day"].date
    url = pages(world)["picket line"]
    london = timezone.get_current_timezone()
    before_midnight = datetime.datetime.combine(day, datetime.time(23, 59), tzinfo=london)
    monkeypatch.setattr(timezone, "now", lambda: before_midnight)
    for _ in range(2):
        page = text(Client().get(url))
    assert day.strftime("%a %-d %b") in page
    monkeypatch.setattr(timezone, "now", lambda: before_midnight + datetime.timedelta(minutes=2))
    assert day.strftime("%a %-d %b") not in text(Client().get(url))


# Who gets a cached copy.


@pytest.mark.parametrize(
    "name",
    [
        "calendar",
        "map",
        "calendar.ics",
        "dispute",
        "dispute.ics",
        "picket line",
        "picket day.ics",
        "archive",
        "feed",
        "web version",
        "subscribe",
    ],
)
def test_a_cached_page_costs_no_query(world, name):
    url = pages(world)[name]
    for _ in range(2):
        Client().get(url)
    with CaptureQueriesContext(connection) as queries:
        response = Client().get(url)
    assert response.status_code == 200
    assert len(queries) == 0
    assert response.has_header("ETag") and response.has_header("Last-Modified")
    assert int(response["Content-Length"]) == len(response.content)
    # The headers the rest of the middleware gave the page when it was made come with it.
    assert response["X-Frame-Options"] == "DENY"


def test_a_signed_in_tulos_page_is_never_served_to_a_visitor_nor_theirs_to_the_tulo(
    client, world, tulo
):
    PicketSignupFactory(picket_line=world["line"], action_day=world["day"], name="Ada")
    url = pages(world)["picket line"]
    visitor_first = text(Client().get(url))
    Client().get(url)  # now cached
    client.force_login(tulo)
    tulos = text(client.get(url))
    assert "Who is going" in tulos and "Dashboard" in tulos
    assert "Who is going" not in visitor_first

    # And the other way: the TULO's page first, then a visitor.
    public_cache.bump_shared()
    client.get(url)
    client.get(url)
    visitors = text(Client().get(url))
    assert "Who is going" not in visitors and "Dashboard" not in visitors
    assert "Sign in" in visitors


def test_a_member_sees_their_own_sign_up_not_the_cached_page(world, member):
    PicketSignupFactory(picket_line=world["line"], action_day=world["day"], user=member)
    url = pages(world)["picket line"]
    for _ in range(2):
        assert "You're going" not in text(Client().get(url))
    signed_in = Client()
    signed_in.force_login(member)
    assert "You're going" in text(signed_in.get(url))


def test_a_visitor_with_a_message_waiting_sees_it_and_no_one_else_does(world):
    url = pages(world)["calendar"]
    for _ in range(2):
        Client().get(url)
    storage = CookieStorage(HttpRequest())
    storage.add(messages.SUCCESS, "Thanks for subscribing.")
    carrier = HttpResponse()
    storage.update(carrier)
    visitor = Client()
    visitor.cookies["messages"] = carrier.cookies["messages"].value
    assert "Thanks for subscribing." in text(visitor.get(url))
    assert "Thanks for subscribing." not in text(Client().get(url))


def test_query_strings_the_page_reads_are_kept_apart_and_others_are_not_kept(world):
    urls = pages(world)
    calendar = urls["calendar"]
    later = f"{calendar}?from={days_from_today(60).isoformat()}"
    for _ in range(2):
        Client().get(calendar)
        Client().get(later)
    assert "Stoke Newington delivery office" in text(Client().get(calendar))
    assert "Stoke Newington delivery office" not in text(Client().get(later))
    junk = f"{calendar}?utm_source=email"
    Client().get(junk)
    with CaptureQueriesContext(connection) as queries:
        assert Client().get(junk).status_code == 200
    assert len(queries) > 0  # rendered each time, never filling the cache


@pytest.mark.parametrize(
    ("name", "query"),
    [
        ("picket line", "day=999999"),  # not a day of the line
        ("calendar", "from=1999-01-01"),  # moved to today
        ("calendar", "from=2026-1-5"),  # not how the page writes a date
        ("archive", "after=made-up"),  # later pages are not kept at all
    ],
)
def test_made_up_query_values_are_served_but_not_kept(world, name, query):
    url = f"{pages(world)[name]}?{query}"
    Client().get(url)
    Client().get(url)
    with CaptureQueriesContext(connection) as queries:
        assert Client().get(url).status_code == 200
    assert len(queries) > 0


def test_the_email_link_to_a_day_of_the_picket_line_is_kept(world):
    url = f"{pages(world)['picket line']}?day={world['day'].pk}"
    for _ in range(2):
        page = text(Client().get(url))
    assert re.search(rf'value="{world["day"].pk}"[^>]*checked', page)  # the day chosen
    with CaptureQueriesContext(connection) as queries:
        assert Client().get(url).status_code == 200
    assert len(queries) == 0


def test_a_missing_page_is_not_cached(world):
    url = reverse("strikes_public:dispute", args=[world["local"].pk + 1000])
    for _ in range(3):
        assert Client().get(url).status_code == 404


# ETag and Last-Modified.


@pytest.mark.parametrize("name", ["calendar.ics", "dispute", "feed", "picket line"])
def test_a_repeat_fetch_with_the_etag_or_date_is_not_modified(world, name):
    url = pages(world)[name]
    visitor = Client()
    first = visitor.get(url)
    second = visitor.get(url)
    assert first["ETag"] == second["ETag"]
    with CaptureQueriesContext(connection) as queries:
        by_etag = visitor.get(url, headers={"If-None-Match": second["ETag"]})
    assert by_etag.status_code == 304 and len(queries) == 0
    by_date = visitor.get(url, headers={"If-Modified-Since": second["Last-Modified"]})
    assert by_date.status_code == 304
    move_picket_line(world) if name.startswith("picket") else rename_dispute(world)
    if name == "feed":
        publish_weekly_email(world)
    changed = visitor.get(url, headers={"If-None-Match": second["ETag"]})
    assert changed.status_code == 200
    assert changed["ETag"] != second["ETag"]
    # Changed in the same second or not, the old date no longer passes for the page.
    by_old_date = visitor.get(url, headers={"If-Modified-Since": second["Last-Modified"]})
    assert by_old_date.status_code == 200


def test_html_pages_are_checked_again_on_every_visit_and_kept_private(world):
    response = Client().get(pages(world)["calendar"])
    assert "no-cache" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]
    assert "Cookie" in response["Vary"]


# Forms through the cache: each visitor their own CSRF token.


def _secret(client: Client) -> str:
    return client.cookies["csrftoken"].value


def test_each_visitor_gets_their_own_csrf_token_on_a_cached_page(world):
    url = pages(world)["picket line"]
    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    first_token = TOKEN.search(text(first.get(url))).group(1)
    page = text(second.get(url))
    second_token = TOKEN.search(page).group(1)
    assert first_token not in page
    assert public_cache.PLACEHOLDER not in page
    assert _unmask_cipher_token(first_token) == _secret(first)
    assert _unmask_cipher_token(second_token) == _secret(second)
    assert _secret(first) != _secret(second)
    # The htmx header on the page carries the visitor's own token too.
    assert re.search(r'"X-CSRFToken": "([^"]+)"', page).group(1) in {second_token}


def test_the_public_sign_up_works_through_the_cache(world, mailoutbox):
    url = pages(world)["picket line"]
    for _ in range(2):
        Client().get(url)
    visitor = Client(enforce_csrf_checks=True)
    token = TOKEN.search(text(visitor.get(url))).group(1)
    response = visitor.post(
        reverse("pickets:public_signup", args=[world["clp"].slug, world["line"].pk]),
        {
            "csrfmiddlewaretoken": token,
            "action_day": world["day"].pk,
            "name": "Sam Visitor",
            "email": "sam.visitor@example.net",
        },
    )
    assert response.status_code == 302
    assert PicketSignup.objects.filter(email="sam.visitor@example.net").exists()


def test_subscribing_works_through_the_cache_with_the_second_visitors_own_token(world):
    url = pages(world)["subscribe"]
    first = Client(enforce_csrf_checks=True)
    first_token = TOKEN.search(text(first.get(url))).group(1)
    second = Client(enforce_csrf_checks=True)
    page = text(second.get(url))
    assert first_token not in page
    token = TOKEN.search(page).group(1)
    response = second.post(
        url, {"csrfmiddlewaretoken": token, "email": "reader@example.net", "consent": "on"}
    )
    assert response.status_code == 302, text(response)
    assert Subscriber.objects.filter(clp=world["clp"]).count() == 1
    # The first visitor's token does not pass with the second visitor's cookie.
    refused = Client(enforce_csrf_checks=True)
    refused.cookies["csrftoken"] = _secret(second)
    assert refused.post(url, {"csrfmiddlewaretoken": "x" * 64}).status_code == 403


def test_a_304_for_a_visitor_whose_cookie_changed_sends_the_page_with_the_new_token(world):
    url = pages(world)["picket line"]
    visitor = Client()
    etag = visitor.get(url)["ETag"]
    assert visitor.get(url, headers={"If-None-Match": etag}).status_code == 304
    stranger = Client()  # another cookie, or none: their copy needs their own token
    response = stranger.get(url, headers={"If-None-Match": etag})
    assert response.status_code == 200
    assert _unmask_cipher_token(TOKEN.search(text(response)).group(1)) == _secret(stranger)


def test_a_returning_visitor_keeps_their_secret_under_a_new_mask_each_time(world):
    url = pages(world)["subscribe"]
    visitor = Client(enforce_csrf_checks=True)
    tokens = [TOKEN.search(text(visitor.get(url))).group(1) for _ in range(3)]
    assert len(set(tokens)) == 3
    assert all(len(t) == 64 and t.isalnum() for t in tokens)
    assert {_unmask_cipher_token(t) for t in tokens} == {_secret(visitor)}
    # A cookie that is not a sound secret is replaced, and the page's token goes with the new one.
    broken = Client(enforce_csrf_checks=True)
    broken.cookies["csrftoken"] = "not-a-secret"
    token = TOKEN.search(text(broken.get(url))).group(1)
    assert _secret(broken) != "not-a-secret"
    assert _unmask_cipher_token(token) == _secret(broken)
