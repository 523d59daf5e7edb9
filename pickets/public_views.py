"""The public strike calendar with the CLP's picket lines on it."""

from dataclasses import dataclass

from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_safe

from clps.access import public_clp_view
from clps.models import CLP
from clps.public_cache import not_for_keeping, public_page
from clps.requests import ClpRequest
from strikes.ical import clock
from strikes.models import ActionDay
from strikes.public_calendar import calendar_context, map_context, map_csp
from strikes.runs import hours, listed, runs

from . import selectors
from .models import PicketLine


@dataclass
class WeekPicket:
    """A picket line on some of a dispute's days in one calendar week."""

    line: PicketLine
    days: list[ActionDay]
    going: list[tuple[ActionDay, int]]  # only days someone is going
    every_day: bool = False  # on every day of the dispute's week, so no days need naming

    @property
    def can_go(self) -> bool:
        return any(not day.cancelled for day in self.days)

    @property
    def when(self) -> str:
        """'Mon and Wed, 7am to 10am', or the hours alone when it is on all the week's days."""
        days = (
            ""
            if self.every_day
            else listed([run.weekday_span for run in runs(self.days, dates_only=True)])
        )
        return ", ".join(
            part for part in (days, hours(self.line.start_time, self.line.end_time)) if part
        )

    @property
    def going_label(self) -> str:
        """'Going: 3 on Mon, 1 on Tue', or '' when no one has said yet (never '0 going')."""
        said = [f"{n} on {day.date:%a}" for day, n in self.going]
        return "Going: " + ", ".join(said) if said else ""


@require_safe
@public_page(params=["from"])
@public_clp_view
def calendar(request: ClpRequest, clp: CLP) -> HttpResponse:
    context = calendar_context(request, clp)
    entries = [entry for week in context["weeks"] for entry in week.entries]
    day_ids = [day.pk for entry in entries for day in entry.days]
    lines = selectors.picket_lines_for_days(clp=clp, day_ids=day_ids)
    counts = selectors.signup_counts(line_ids=list({line.pk for _, line in lines}))
    by_day: dict[int, list[PicketLine]] = {}
    for day_id, line in lines:
        by_day.setdefault(day_id, []).append(line)
    for entry in entries:
        found: dict[int, WeekPicket] = {}
        for day in entry.days:
            for line in by_day.get(day.pk, []):
                picket = found.setdefault(line.pk, WeekPicket(line=line, days=[], going=[]))
                picket.days.append(day)
                if counts.get((line.pk, day.pk)):
                    picket.going.append((day, counts[(line.pk, day.pk)]))
        for picket in found.values():
            picket.every_day = len(picket.days) == len(entry.days)
        entry.picket_lines = list(found.values())
    response = render(request, "pickets/public/calendar.html", context)
    asked = request.GET.get("from")
    if asked is not None and asked != context["start"].isoformat():
        not_for_keeping(response)  # a date the page moved: only the one it moved to is kept
    return response


@require_safe
@public_page()
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
