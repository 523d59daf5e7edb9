"""What a CLP's public strike calendar and its map show: the days of its local and followed
disputes, a page of weeks at a time, and the workplaces with days coming up.

The pages themselves are the pickets app's (pickets.public_views), which add the CLP's picket
lines to these contexts; map_csp lets the map page load the tiles of the map server.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import wraps
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csp import csp_override

from clps.models import CLP

from . import ical, selectors
from .models import ActionDay, Dispute, Workplace
from .runs import ONE_DAY, Run, by_week, monday_of, short_day

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

    from .selectors import MapPlace

CALENDAR_WEEKS = 8
# A page of the calendar stops early, at a whole week (or at least a whole date), if it would
# hold more days than this: eight weeks of six disputes out every weekday is 240.
PAGE_ROWS = 400
# The first week is always open; the weeks after it open while the page holds no more
# disputes' weeks than this, and the rest fold to one line each, a tap away.
OPEN_ENTRIES = 6
MAP_PLACES = 200
POPUP_DAYS = 3
LISTED_DAYS = 5


@dataclass
class CalendarEntry:
    """One dispute's days in one week, as runs ('Mon to Fri, 8am to 11am')."""

    dispute: Dispute
    page_path: str  # the dispute's public page
    runs: list[Run]
    unions: list[str]  # short names
    places: list[selectors.Place]
    more_places: bool
    # Set by the pickets app: the CLP's picket lines on these days.
    picket_lines: list[Any] = field(default_factory=list)

    @property
    def days(self) -> list[ActionDay]:
        return [day for run in self.runs for day in run.days]

    @property
    def cancelled(self) -> bool:
        return all(run.cancelled for run in self.runs)


@dataclass
class CalendarWeek:
    first: datetime.date
    last: datetime.date
    entries: list[CalendarEntry]
    open: bool

    @property
    def shown(self) -> list[CalendarEntry]:
        """A week too busy to read at a glance shows its first few disputes, the rest folded."""
        return self.entries[:OPEN_ENTRIES]

    @property
    def folded(self) -> list[CalendarEntry]:
        return self.entries[OPEN_ENTRIES:]

    @property
    def label(self) -> str:
        """'14 to 20 December', '28 December to 3 January', '13 December': weeks run Monday
        to Sunday, and a page's first week starts on its first day."""
        first, last = self.first, self.last
        if first == last:
            return f"{first.day} {first:%B}"
        if (first.month, first.year) == (last.month, last.year):
            return f"{first.day} to {last.day} {last:%B}"
        return f"{first.day} {first:%B} to {last.day} {last:%B}"


def _cursor(value: str | None, today: datetime.date) -> datetime.date:
    """The ?from= date of a calendar page: never before today, never absurdly far ahead."""
    try:
        start = datetime.date.fromisoformat(value or "")
    except ValueError:
        return today
    return min(max(start, today), today + datetime.timedelta(days=5 * 366))


def _weeks(
    clp: CLP, days: list[ActionDay], start: datetime.date, end: datetime.date
) -> list[CalendarWeek]:
    dispute_ids = {day.dispute_id for day in days}
    unions = selectors.union_names(dispute_ids=dispute_ids)
    places = selectors.local_places(
        clp=clp, dispute_ids=dispute_ids, limit=selectors.PLACES_PER_DAY + 1
    )
    page_path = dispute_paths()
    weeks: list[CalendarWeek] = []
    shown = 0
    for monday, grouped in by_week(days):
        entries = []
        for dispute_id, found in grouped.items():
            local = places.get(dispute_id, [])
            entries.append(
                CalendarEntry(
                    dispute=found[0].days[0].dispute,
                    page_path=page_path(dispute_id),
                    runs=found,
                    unions=[short_name for short_name, _ in unions.get(dispute_id, [])],
                    places=local[: selectors.PLACES_PER_DAY],
                    more_places=len(local) > selectors.PLACES_PER_DAY,
                )
            )
        shown += len(entries)
        weeks.append(
            CalendarWeek(
                first=max(monday, start),
                last=min(monday + datetime.timedelta(days=6), end),
                entries=entries,
                open=not weeks or shown <= OPEN_ENTRIES,
            )
        )
    return weeks


def _page_end(
    days: list[ActionDay], start: datetime.date
) -> tuple[list[ActionDay], datetime.date, datetime.date]:
    """A page too full to hold all its days ends before the week of the first day it cannot
    hold; or, when that is its first week, before that date. Returns the days it holds, its
    last date and the date the next page starts from."""
    next_date = days[PAGE_ROWS].date
    week = monday_of(next_date)
    if week > start and days[0].date < week:
        held = [day for day in days if day.date < week]
        return held, week - ONE_DAY, days[len(held)].date
    whole_dates = [day for day in days[:PAGE_ROWS] if day.date < next_date]
    if whole_dates:
        return whole_dates, next_date - ONE_DAY, next_date
    # More than PAGE_ROWS days on one date: show as many as fit.
    return days[:PAGE_ROWS], next_date, next_date + ONE_DAY


def calendar_context(request: HttpRequest, clp: CLP) -> dict:
    """The calendar page's context; the pickets app adds the CLP's picket lines to it."""
    today = timezone.localdate()
    start = _cursor(request.GET.get("from"), today)
    end = start + datetime.timedelta(weeks=CALENDAR_WEEKS, days=-1)
    dispute_ids = selectors.clp_dispute_ids(clp)
    days = selectors.calendar_days(
        clp=clp, start=start, end=end, limit=PAGE_ROWS + 1, dispute_ids=dispute_ids
    )
    next_date: datetime.date | None
    if len(days) > PAGE_ROWS:
        days, end, next_date = _page_end(days, start)
    else:
        next_date = selectors.next_action_day_date(clp=clp, after=end, dispute_ids=dispute_ids)
    return {
        "clp": clp,
        "weeks": _weeks(clp, days, start, end),
        "start": start,
        "end": end,
        "is_first_page": start == today,
        "next_date": next_date,
        **ical.feed_links(
            request.build_absolute_uri(reverse("strikes_public:clp_ics", args=[clp.slug]))
        ),
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
        config: dict[str, list[str]] = dict(settings.SECURE_CSP)
        config["img-src"] = [*config.get("img-src", []), origin]
        return csp_override(config)(view)(request, *args, **kwargs)

    return wrapper


def dispute_paths() -> Callable[[int], str]:
    """Each dispute's public page's path by its id, for a page that links many: the URL is
    resolved once, not once a dispute."""
    sample = 2_147_483_647  # an id no deployment reaches, so it cannot stand for anything else
    prefix, suffix = reverse("strikes_public:dispute", args=[sample]).rsplit(str(sample), 1)
    return lambda pk: f"{prefix}{pk}{suffix}"


def _listed_days(days: list[ActionDay]) -> str:
    """'Mon 7 Dec, strike 7am–10am; Tue 8 Dec, strike; and 3 more days': a nine-week strike
    is one line, not forty-five dates."""
    shown = days[:LISTED_DAYS]
    text = "; ".join(
        f"{short_day(day.date)}, {day.get_kind_display().lower()}"
        + (f" {times}" if (times := ical.times_label(day)) else "")
        for day in shown
    )
    more = len(days) - len(shown)
    return text + (f"; and {more} more day{'' if more == 1 else 's'}" if more else "")


def _day_label(day: ActionDay) -> str:
    times = ical.times_label(day)
    kind = day.get_kind_display().lower()
    return f"{day.date:%a} {day.date.day} {day.date:%b}: {kind}" + (f", {times}" if times else "")


def _marker(
    place: "WithAnnotations[Workplace, MapPlace]", latitude: Decimal, longitude: Decimal
) -> dict[str, Any]:
    return {
        "id": place.pk,
        "name": place.name,
        "address": ", ".join(p for p in (place.address, place.postcode) if p),
        "lat": float(latitude),
        "lng": float(longitude),
        "disputes": [
            {
                "title": dispute.title,
                "url": dispute.page_path,
                "unions": ical.names_label(dispute.union_names),
                "days": [_day_label(day) for day in dispute.upcoming_days[:POPUP_DAYS]],
                "more_days": len(dispute.upcoming_days) > POPUP_DAYS,
            }
            for dispute in place.upcoming_disputes
        ],
    }


def map_context(request: HttpRequest, clp: CLP) -> dict:
    """The map page's context; the pickets app adds the CLP's picket lines to it."""
    today = timezone.localdate()
    end = today + datetime.timedelta(weeks=CALENDAR_WEEKS, days=-1)
    places = list(selectors.calendar_places(clp=clp, start=today, end=end, limit=MAP_PLACES + 1))
    more_places = len(places) > MAP_PLACES
    places = places[:MAP_PLACES]
    # Worked out here, not in the template: the page lists up to 200 places' disputes.
    page_path = dispute_paths()
    unions = selectors.union_names(
        dispute_ids={dispute.pk for place in places for dispute in place.upcoming_disputes}
    )
    for place in places:
        for dispute in place.upcoming_disputes:
            dispute.page_path = page_path(dispute.pk)
            dispute.union_names = [short_name for short_name, _ in unions.get(dispute.pk, [])]
            dispute.listed_days = _listed_days(dispute.upcoming_days)
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
            _marker(p, p.latitude, p.longitude)
            for p in places
            if p.latitude is not None and p.longitude is not None
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
