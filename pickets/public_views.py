"""The public strike calendar with the CLP's picket lines on it."""

from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_safe

from clps.access import public_clp_view
from clps.models import CLP
from clps.requests import ClpRequest
from strikes.ical import clock
from strikes.public_calendar import calendar_context, map_context, map_csp

from . import selectors


@require_safe
@public_clp_view
def calendar(request: ClpRequest, clp: CLP) -> HttpResponse:
    context = calendar_context(request, clp)
    rows = [row for _, day_rows in context["dates"] for row in day_rows]
    lines = selectors.picket_lines_for_days(clp=clp, day_ids=[row.day.pk for row in rows])
    counts = selectors.signup_counts(line_ids=list({line.pk for _, line in lines}))
    by_day: dict[int, list] = {}
    for day_id, line in lines:
        by_day.setdefault(day_id, []).append((line, counts.get((line.pk, day_id), 0)))
    for row in rows:
        row.picket_lines = by_day.get(row.day.pk, [])
    return render(request, "pickets/public/calendar.html", context)


@require_safe
@public_clp_view
@map_csp
def calendar_map(request: ClpRequest, clp: CLP) -> HttpResponse:
    context = map_context(request, clp)
    place_ids = [place.pk for place in context["places"]]
    by_place = selectors.upcoming_lines_at(clp=clp, workplace_ids=place_ids, end=context["end"])
    for place in context["places"]:
        place.upcoming_picket_lines = by_place.get(place.pk, [])
    for marker in context["map_data"]["places"]:
        marker["picket_lines"] = [
            {
                "place": line.place,
                "times": f"{clock(line.start_time)}–{clock(line.end_time)}",
                "url": reverse("pickets:picket_line", args=[clp.slug, line.pk]),
            }
            for line in by_place.get(marker["id"], [])
        ]
    return render(request, "pickets/public/map.html", context)
