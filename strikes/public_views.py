"""Public pages anyone may read without signing in: a CLP's strike calendar and map, a
dispute's page, and the iCalendar feeds calendar apps subscribe to."""

import datetime
import itertools
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from urllib.parse import urlsplit

from django.conf import settings
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import cache_control
from django.views.decorators.csp import csp_override
from django.views.decorators.http import condition, require_safe

from clps.access import public_clp_view
from clps.models import CLP

from . import ical, selectors
from .models import ActionDay, Dispute, Workplace

CALENDAR_WEEKS = 8
# A page of the calendar stops early, at a whole date, if it would hold more days than this.
PAGE_ROWS = 200
MAP_PLACES = 200
POPUP_DAYS = 3
LISTED_DAYS = 5
DISPUTE_UPCOMING = 60
DISPUTE_PAST = 30
FEED_MAX_AGE = 300


@dataclass
class CalendarRow:
    day: ActionDay
    times: str
    places: list[Workplace]
    more_places: bool


def _cursor(value: str | None, today: datetime.date) -> datetime.date:
    """The ?from= date of a calendar page: never before today, never absurdly far ahead."""
    try:
        start = datetime.date.fromisoformat(value or "")
    except ValueError:
        return today
    return min(max(start, today), today + datetime.timedelta(days=5 * 366))


def _feed_links(request: HttpRequest, path: str) -> dict[str, str]:
    url = request.build_absolute_uri(path)
    return {"feed_url": url, "webcal_url": "webcal://" + url.split("://", 1)[1]}


def _rows(days: list[ActionDay]) -> list[tuple[datetime.date, list[CalendarRow]]]:
    rows = [
        CalendarRow(
            day=day,
            times=ical.times_label(day),
            places=day.dispute.local_workplaces[: selectors.PLACES_PER_DAY],
            more_places=len(day.dispute.local_workplaces) > selectors.PLACES_PER_DAY,
        )
        for day in days
    ]
    return [(date, list(group)) for date, group in itertools.groupby(rows, lambda r: r.day.date)]


@require_safe
@public_clp_view
def calendar(request: HttpRequest, clp: CLP) -> HttpResponse:
    return render(request, "strikes/public/calendar.html", calendar_context(request, clp))


def calendar_context(request: HttpRequest, clp: CLP) -> dict:
    """The calendar page's context; the pickets app adds the CLP's picket lines to it."""
    today = timezone.localdate()
    start = _cursor(request.GET.get("from"), today)
    end = start + datetime.timedelta(weeks=CALENDAR_WEEKS, days=-1)
    days = list(selectors.calendar_days(clp=clp, start=start, end=end)[: PAGE_ROWS + 1])
    if len(days) > PAGE_ROWS:
        # Too many for one page: end it at the last whole date; the next page starts there.
        next_date = days[PAGE_ROWS].date
        whole_dates = [day for day in days[:PAGE_ROWS] if day.date < next_date]
        if whole_dates:
            days, end = whole_dates, next_date - datetime.timedelta(days=1)
        else:  # More than PAGE_ROWS days on one date: show as many as fit.
            days, end = days[:PAGE_ROWS], next_date
            next_date = next_date + datetime.timedelta(days=1)
    else:
        next_date = selectors.next_action_day_date(clp=clp, after=end)
    return {
        "clp": clp,
        "dates": _rows(days),
        "start": start,
        "end": end,
        "is_first_page": start == today,
        "next_date": next_date,
        **_feed_links(request, reverse("strikes_public:clp_ics", args=[clp.slug])),
    }


def _tile_origin(tile_url: str) -> str:
    """The CSP source for a tile URL template: {s} subdomains become a wildcard."""
    parts = urlsplit(tile_url.replace("{s}", "*"))
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


def map_csp(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Let the map page, and only it, load images from the tile server in MAP_TILE_URL."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        origin = _tile_origin(settings.MAP_TILE_URL)
        if not origin:
            return view(request, *args, **kwargs)
        config = dict(settings.SECURE_CSP)
        config["img-src"] = [*config.get("img-src", []), origin]
        return csp_override(config)(view)(request, *args, **kwargs)

    return wrapper


def _day_label(day: ActionDay) -> str:
    times = ical.times_label(day)
    kind = day.get_kind_display().lower()
    return f"{day.date:%a} {day.date.day} {day.date:%b}: {kind}" + (f", {times}" if times else "")


def _marker(place: Workplace) -> dict:
    return {
        "id": place.pk,
        "name": place.name,
        "address": ", ".join(p for p in (place.address, place.postcode) if p),
        "lat": float(place.latitude),
        "lng": float(place.longitude),
        "disputes": [
            {
                "title": dispute.title,
                "url": reverse("strikes_public:dispute", args=[dispute.pk]),
                "unions": ical.unions_label(dispute),
                "days": [_day_label(day) for day in dispute.upcoming_days[:POPUP_DAYS]],
                "more_days": len(dispute.upcoming_days) > POPUP_DAYS,
            }
            for dispute in place.upcoming_disputes
        ],
    }


@require_safe
@public_clp_view
@map_csp
def calendar_map(request: HttpRequest, clp: CLP) -> HttpResponse:
    return render(request, "strikes/public/map.html", map_context(request, clp))


def map_context(request: HttpRequest, clp: CLP) -> dict:
    """The map page's context; the pickets app adds the CLP's picket lines to it."""
    today = timezone.localdate()
    end = today + datetime.timedelta(weeks=CALENDAR_WEEKS, days=-1)
    places = list(selectors.calendar_places(clp=clp, start=today, end=end, limit=MAP_PLACES + 1))
    more_places = len(places) > MAP_PLACES
    places = places[:MAP_PLACES]
    for place in places:
        for dispute in place.upcoming_disputes:
            # A nine-week strike is one line, not forty-five dates.
            dispute.shown_days = dispute.upcoming_days[:LISTED_DAYS]
            dispute.more_days = len(dispute.upcoming_days) - len(dispute.shown_days)
            for day in dispute.shown_days:
                day.times = ical.times_label(day)
    map_data = {
        "tileUrl": settings.MAP_TILE_URL,
        "attribution": settings.MAP_TILE_ATTRIBUTION,
        # Leaflet guesses its icons' folder from its CSS, which fails once collectstatic has
        # put a hash in each file name: name each icon instead.
        "icons": {
            "iconUrl": static("vendor/leaflet/images/marker-icon.png"),
            "iconRetinaUrl": static("vendor/leaflet/images/marker-icon-2x.png"),
            "shadowUrl": static("vendor/leaflet/images/marker-shadow.png"),
        },
        "places": [
            _marker(p) for p in places if p.latitude is not None and p.longitude is not None
        ],
    }
    return {
        "clp": clp,
        "places": places,
        "more_places": more_places,
        "map_data": map_data,
        "end": end,
        "has_tiles": bool(settings.MAP_TILE_URL),
    }


def _get_dispute(pk: int) -> Dispute:
    try:
        return selectors.public_dispute(pk=pk)
    except Dispute.DoesNotExist:
        raise Http404("No dispute with that number.") from None


@require_safe
def dispute(request: HttpRequest, pk: int) -> HttpResponse:
    dispute = _get_dispute(pk)
    today = timezone.localdate()
    upcoming = list(selectors.dispute_days(dispute=dispute, start=today)[: DISPUTE_UPCOMING + 1])
    past = list(
        selectors.dispute_days(dispute=dispute, end=today - datetime.timedelta(days=1)).reverse()[
            :DISPUTE_PAST
        ]
    )
    for day in itertools.chain(upcoming, past):
        day.times = ical.times_label(day)
    return render(
        request,
        "strikes/public/dispute.html",
        {
            "dispute": dispute,
            "upcoming": upcoming[:DISPUTE_UPCOMING],
            "more_upcoming": len(upcoming) > DISPUTE_UPCOMING,
            "past": past,
            "sources": [
                (line, line.startswith(("https://", "http://"))) for line in dispute.source_links()
            ],
            **_feed_links(request, reverse("strikes_public:dispute_ics", args=[dispute.pk])),
        },
    )


# The feeds. A calendar app fetches them again and again; a repeat fetch with the ETag it
# was given costs one aggregate query and a 304, and never builds the calendar.


@dataclass
class Feed:
    days: QuerySet[ActionDay]
    state: ical.FeedState
    window: tuple[datetime.date, datetime.date]
    dispute: Dispute | None = None


def _clp_feed(request: HttpRequest, clp: CLP) -> Feed:
    if not hasattr(request, "feed"):
        window = ical.feed_window(timezone.localdate())
        days = selectors.calendar_days(clp=clp, start=window[0], end=window[1])
        key = f"clp-{clp.pk}|{window}|{request.build_absolute_uri('/')}"
        request.feed = Feed(days=days, state=ical.feed_state(days, key=key), window=window)
    return request.feed


def _dispute_feed(request: HttpRequest, pk: int) -> Feed:
    if not hasattr(request, "feed"):
        dispute = _get_dispute(pk)
        window = ical.feed_window(timezone.localdate())
        days = selectors.dispute_days(dispute=dispute, start=window[0], end=window[1])
        key = f"dispute-{dispute.pk}|{window}|{request.build_absolute_uri('/')}"
        request.feed = Feed(
            days=days, state=ical.feed_state(days, key=key), window=window, dispute=dispute
        )
    return request.feed


def _ics_response(body: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


@require_safe
@cache_control(public=True, max_age=FEED_MAX_AGE)
@public_clp_view
@condition(
    etag_func=lambda request, clp: _clp_feed(request, clp).state.etag,
    last_modified_func=lambda request, clp: _clp_feed(request, clp).state.last_modified,
)
def clp_calendar_ics(request: HttpRequest, clp: CLP) -> HttpResponse:
    feed = _clp_feed(request, clp)
    body = ical.build_calendar(
        days=feed.days,
        name=f"{clp.name}: strikes and action",
        calendar_uid=f"clp-{clp.slug}-calendar@{ical.uid_host()}",
        window=feed.window,
        dispute_url=lambda d: request.build_absolute_uri(
            reverse("strikes_public:dispute", args=[d.pk])
        ),
        places_of=lambda d: d.local_workplaces[: selectors.PLACES_PER_DAY],
    )
    return _ics_response(body, f"{clp.slug}.ics")


@require_safe
@cache_control(public=True, max_age=FEED_MAX_AGE)
@condition(
    etag_func=lambda request, pk: _dispute_feed(request, pk).state.etag,
    last_modified_func=lambda request, pk: _dispute_feed(request, pk).state.last_modified,
)
def dispute_calendar_ics(request: HttpRequest, pk: int) -> HttpResponse:
    feed = _dispute_feed(request, pk)
    dispute = feed.dispute
    # A place for every event only when there are few: a national dispute's first five
    # delivery offices would mislead.
    places = list(dispute.workplaces.order_by("name", "pk")[: selectors.PLACES_PER_DAY + 1])
    places = places if len(places) <= selectors.PLACES_PER_DAY else []
    url = request.build_absolute_uri(reverse("strikes_public:dispute", args=[dispute.pk]))
    body = ical.build_calendar(
        days=feed.days,
        name=f"{ical.unions_label(dispute)}: {dispute.title}",
        calendar_uid=f"dispute-{dispute.pk}-calendar@{ical.uid_host()}",
        window=feed.window,
        dispute_url=lambda d: url,
        places_of=lambda d: places,
    )
    return _ics_response(body, f"dispute-{dispute.pk}.ics")
