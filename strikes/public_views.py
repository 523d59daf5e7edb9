"""Public pages anyone may read without signing in: a dispute's page, and the iCalendar feeds
calendar apps subscribe to (a CLP's and a dispute's).

A CLP's calendar and map pages are the pickets app's, built on strikes.public_calendar.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import cast

from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import cache_control
from django.views.decorators.http import condition, require_safe

from clps.access import public_clp_view
from clps.models import CLP
from clps.public_cache import public_page
from clps.requests import ClpRequest

from . import ical, selectors
from .models import ActionDay, Dispute
from .public_calendar import dispute_paths
from .runs import runs

# A year of days either side is more than any page needs; a phone shows the first few runs
# to come and folds the rest, and the days gone by, behind one line each.
DISPUTE_UPCOMING = 250
DISPUTE_PAST = 250
RUNS_SHOWN = 4
FEED_MAX_AGE = 300


def _get_dispute(pk: int) -> Dispute:
    try:
        return selectors.public_dispute(pk=pk)
    except Dispute.DoesNotExist:
        raise Http404("No dispute with that number.") from None


@require_safe
@public_page(clp=False)
def dispute(request: HttpRequest, pk: int) -> HttpResponse:
    dispute = _get_dispute(pk)
    today = timezone.localdate()
    upcoming = list(selectors.dispute_days(dispute=dispute, start=today)[: DISPUTE_UPCOMING + 1])
    past = list(
        selectors.dispute_days(dispute=dispute, end=today - datetime.timedelta(days=1)).reverse()[
            : DISPUTE_PAST + 1
        ]
    )
    coming = runs(upcoming[:DISPUTE_UPCOMING])
    later = coming[RUNS_SHOWN:]
    later_going_ahead = [day.date for run in later for day in run.going_ahead]
    return render(
        request,
        "strikes/public/dispute.html",
        {
            "dispute": dispute,
            "upcoming": coming[:RUNS_SHOWN],
            "later": later,
            # Days called off are inside the fold, named, but not counted as days to come.
            "later_days": len(later_going_ahead),
            "later_until": max(later_going_ahead, default=None),
            "shown_days": DISPUTE_UPCOMING,
            "more_upcoming": len(upcoming) > DISPUTE_UPCOMING,
            "past": runs(past[:DISPUTE_PAST]),
            "past_days": min(len(past), DISPUTE_PAST),
            "more_past": len(past) > DISPUTE_PAST,
            "sources": [
                (line, line.startswith(("https://", "http://"))) for line in dispute.source_links()
            ],
            **ical.feed_links(
                request.build_absolute_uri(reverse("strikes_public:dispute_ics", args=[dispute.pk]))
            ),
        },
    )


# The feeds. A calendar app fetches them again and again; a repeat fetch with the ETag it
# was given costs one aggregate query and a 304, and never builds the calendar.


@dataclass
class Feed:
    days: QuerySet[ActionDay]
    state: ical.FeedState
    window: tuple[datetime.date, datetime.date]


@dataclass
class DisputeFeed(Feed):
    dispute: Dispute


class FeedRequest(HttpRequest):
    """A feed's request keeps the feed once built: the ETag, the Last-Modified time and the
    view each ask for it, and only the first builds it."""

    clp_feed: Feed
    dispute_feed: DisputeFeed


def _clp_feed(request: HttpRequest, clp: CLP) -> Feed:
    kept = cast(FeedRequest, request)
    if not hasattr(kept, "clp_feed"):
        window = ical.feed_window(timezone.localdate())
        days = selectors.feed_action_days(clp=clp, start=window[0], end=window[1])
        key = f"clp-{clp.pk}|{window}|{request.build_absolute_uri('/')}"
        kept.clp_feed = Feed(days=days, state=ical.feed_state(days, key=key), window=window)
    return kept.clp_feed


def _dispute_feed(request: HttpRequest, pk: int) -> DisputeFeed:
    kept = cast(FeedRequest, request)
    if not hasattr(kept, "dispute_feed"):
        dispute = _get_dispute(pk)
        window = ical.feed_window(timezone.localdate())
        days = selectors.dispute_days(dispute=dispute, start=window[0], end=window[1])
        key = f"dispute-{dispute.pk}|{window}|{request.build_absolute_uri('/')}"
        kept.dispute_feed = DisputeFeed(
            days=days, state=ical.feed_state(days, key=key), window=window, dispute=dispute
        )
    return kept.dispute_feed


def _dispute_urls(request: HttpRequest) -> Callable[[int], str]:
    """Each dispute's page's full address by its id, for a feed of a few hundred disputes."""
    origin = request.build_absolute_uri("/").removesuffix("/")
    path = dispute_paths()
    return lambda pk: origin + path(pk)


def _ics_response(body: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


@require_safe
@cache_control(public=True, max_age=FEED_MAX_AGE)
@public_page()
@public_clp_view
@condition(
    etag_func=lambda request, clp: _clp_feed(request, clp).state.etag,
    last_modified_func=lambda request, clp: _clp_feed(request, clp).state.last_modified,
)
def clp_calendar_ics(request: ClpRequest, clp: CLP) -> HttpResponse:
    feed = _clp_feed(request, clp)
    days, columns = ical.feed_days_and_disputes(feed.days)
    unions = selectors.union_names(dispute_ids=columns)
    places = selectors.local_places(clp=clp, dispute_ids=columns)
    dispute_url = _dispute_urls(request)
    disputes = {
        pk: ical.FeedDispute(
            url=dispute_url(pk),
            title=title,
            updated_at=updated_at,
            hardship_fund_url=hardship_fund_url,
            employer=employer,
            unions=unions.get(pk, []),
            places=places.get(pk, []),
        )
        for pk, (title, updated_at, hardship_fund_url, employer) in columns.items()
    }
    body = ical.build_calendar(
        days=days,
        disputes=disputes,
        name=f"{clp.name}: strikes and action",
        calendar_uid=f"clp-{clp.slug}-calendar@{ical.uid_host()}",
        window=feed.window,
    )
    return _ics_response(body, f"{clp.slug}.ics")


@require_safe
@cache_control(public=True, max_age=FEED_MAX_AGE)
@public_page(clp=False)
@condition(
    etag_func=lambda request, pk: _dispute_feed(request, pk).state.etag,
    last_modified_func=lambda request, pk: _dispute_feed(request, pk).state.last_modified,
)
def dispute_calendar_ics(request: HttpRequest, pk: int) -> HttpResponse:
    feed = _dispute_feed(request, pk)
    dispute = feed.dispute
    # A place for every event only when there are few: a national dispute's first five
    # delivery offices would mislead.
    places = list(
        dispute.workplaces.order_by("name", "pk").values_list("name", "address", "postcode")[
            : selectors.PLACES_PER_DAY + 1
        ]
    )
    text = ical.FeedDispute(
        url=request.build_absolute_uri(reverse("strikes_public:dispute", args=[dispute.pk])),
        title=dispute.title,
        updated_at=dispute.updated_at,
        hardship_fund_url=dispute.hardship_fund_url,
        employer=dispute.employer.name,
        unions=[(union.short_name, union.name) for union in dispute.unions.all()],
        places=places if len(places) <= selectors.PLACES_PER_DAY else [],
    )
    body = ical.build_calendar(
        days=ical.feed_days(feed.days),
        disputes={dispute.pk: text},
        name=f"{ical.unions_label(dispute)}: {dispute.title}",
        calendar_uid=f"dispute-{dispute.pk}-calendar@{ical.uid_host()}",
        window=feed.window,
    )
    return _ics_response(body, f"dispute-{dispute.pk}.ics")
