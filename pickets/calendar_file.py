"""A picket line's day as a calendar file: attached to the evening-before reminder, and at a
public link the reminder gives for mail programs that hide attachments.

Both are the same event, built from the picket line and the day alone (nothing about who it
is sent to), with one UID for the line and day: a second reminder, or the link opened after the
attachment, updates the event in someone's calendar rather than adding another.
"""

import datetime

import icalendar
from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe
from icalendar.enums import STATUS

from clps.access import public_clp_view
from clps.models import CLP
from clps.public_cache import public_page
from clps.requests import ClpRequest
from strikes.ical import LONDON, sequence_of, uid_host
from strikes.models import ActionDay

from .models import PicketLine

PRODID = "-//TU Liaison//Picket line//EN"
MAX_AGE = 300


def event_uid(line: PicketLine, day: ActionDay) -> str:
    return f"picket-{line.pk}-{day.pk}@{uid_host()}"


def filename(day: ActionDay) -> str:
    return f"picket-line-{day.date.isoformat()}.ics"


def _absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def picket_line_url(line: PicketLine) -> str:
    return _absolute(reverse("pickets:picket_line", args=[line.clp.slug, line.pk]))


def calendar_file_url(line: PicketLine, day: ActionDay) -> str:
    return _absolute(reverse("pickets:picket_day_ics", args=[line.clp.slug, line.pk, day.pk]))


def picket_day_calendar(*, line: PicketLine, day: ActionDay) -> bytes:
    """The day at the picket line as an iCalendar file of one event, in London time.

    The same records give the same bytes. Its stamp and SEQUENCE come from the last edit of
    the line, the day or the dispute, so a copy made after an edit replaces an older one."""
    stamp = max(line.updated_at, day.updated_at, line.dispute.updated_at)
    url = picket_line_url(line)
    summary = f"Picket line: {line.dispute.title}"
    description = [line.note] if line.note else []
    description += [f"Map: {line.map_url}", f"More: {url}"]
    if day.cancelled:
        # Many calendar apps show STATUS:CANCELLED faintly or not at all.
        summary = f"CANCELLED: {summary}"
        description.insert(0, "Cancelled: there is no picket line this day.")
    event = icalendar.Event.new(
        uid=event_uid(line, day),
        summary=summary,
        description="\n".join(description),
        start=datetime.datetime.combine(day.date, line.start_time, tzinfo=LONDON),
        end=datetime.datetime.combine(day.date, line.end_time, tzinfo=LONDON),
        location=line.where,
        url=url,
        status=STATUS.CANCELLED if day.cancelled else STATUS.CONFIRMED,
        sequence=sequence_of(stamp),
        stamp=stamp,
        last_modified=stamp,
    )
    calendar = icalendar.Calendar.new(prodid=PRODID, method="PUBLISH", subcomponents=[event])
    # Made up afresh each time otherwise; the event's UID is the one that counts.
    del calendar["UID"]
    # The day's year, so the time zone's rules are the same whenever the file is made.
    calendar.add_missing_timezones(
        first_date=datetime.date(day.date.year, 1, 1),
        last_date=datetime.date(day.date.year + 1, 1, 1),
    )
    return calendar.to_ical()


@require_safe
@cache_control(public=True, max_age=MAX_AGE)
@public_page()
@public_clp_view
def picket_day_ics(request: ClpRequest, clp: CLP, pk: int, day_pk: int) -> HttpResponse:
    line = get_object_or_404(PicketLine.objects.select_related("dispute", "clp"), pk=pk, clp=clp)
    day = get_object_or_404(line.action_days.all(), pk=day_pk)
    response = HttpResponse(
        picket_day_calendar(line=line, day=day), content_type="text/calendar; charset=utf-8"
    )
    response["Content-Disposition"] = f'inline; filename="{filename(day)}"'
    return response


def attachment(line: PicketLine, day: ActionDay, content: str | None = None) -> dict:
    """The day's calendar file as an email attachment (`content` when already made)."""
    return {
        "filename": filename(day),
        "content": content or picket_day_calendar(line=line, day=day).decode(),
        "mimetype": "text/calendar",
    }
