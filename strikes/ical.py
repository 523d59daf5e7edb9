"""iCalendar feeds of action days: a CLP's calendar and one dispute's.

A subscribed calendar app fetches the feed every so often. Each action day keeps one UID for
life and a SEQUENCE that grows with every edit, so an app updates the event in place, and a
cancelled day stays in the feed as STATUS:CANCELLED instead of vanishing.
"""

import datetime
import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import icalendar
from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Max, QuerySet, Sum
from icalendar.enums import STATUS, TRANSP

from .models import ActionDay, ActionKind, Dispute, Union, Workplace

LONDON = ZoneInfo("Europe/London")
PRODID = "-//TU Liaison//Strike calendar//EN"
# Bump when the feed's layout changes, so every client fetches it again.
FEED_FORMAT = 1
DAYS_BEFORE = 90
DAYS_AFTER = 365
# SEQUENCE counts seconds from here rather than from 1970, to stay well inside the 32-bit
# integer that some calendar apps store it in.
SEQUENCE_EPOCH = datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC)
# How long an event's text is kept (strikes.ical._event_bytes) when no feed asks for it.
EVENT_SECONDS = 60 * 60 * 24 * 7


def feed_window(today: datetime.date) -> tuple[datetime.date, datetime.date]:
    return today - datetime.timedelta(days=DAYS_BEFORE), today + datetime.timedelta(days=DAYS_AFTER)


def feed_links(url: str) -> dict[str, str]:
    """A feed's address to copy into a calendar app, and the webcal:// one that opens it."""
    return {"feed_url": url, "webcal_url": "webcal://" + url.split("://", 1)[1]}


def uid_host() -> str:
    """The site's own host name: a UID must not change with the address a client used."""
    return urlsplit(settings.SITE_URL).hostname or "tuliaison.localhost"


def action_day_uid(day: ActionDay) -> str:
    return f"action-day-{day.pk}@{uid_host()}"


def sequence_of(stamp: datetime.datetime) -> int:
    """An event's SEQUENCE from when it last changed: it grows with every edit, so a calendar
    app takes the newer copy of an event it already has."""
    return max(0, int((stamp - SEQUENCE_EPOCH).total_seconds()))


def clock(value: datetime.time) -> str:
    """07:00 -> 7am, 13:30 -> 1:30pm."""
    hour = value.hour % 12 or 12
    minutes = f":{value.minute:02d}" if value.minute else ""
    return f"{hour}{minutes}{'am' if value.hour < 12 else 'pm'}"


def times_label(day: ActionDay) -> str:
    """The day's hours in UK time, or "" when the union has not said."""
    if day.start_time and day.end_time:
        return f"{clock(day.start_time)}–{clock(day.end_time)}"
    if day.start_time:
        return f"from {clock(day.start_time)}"
    if day.end_time:
        return f"until {clock(day.end_time)}"
    return ""


def unions_label(dispute: Dispute, unions: Sequence[Union] | None = None) -> str:
    names = [union.short_name for union in (dispute.unions.all() if unions is None else unions)]
    if len(names) > 1:
        return ", ".join(names[:-1]) + " and " + names[-1]
    return names[0] if names else "Union"


def summary(day: ActionDay, unions: Sequence[Union] | None = None) -> str:
    """E.g. "CWU strike: Royal Mail delivery office"; cancelled days say so first, as many
    calendar apps show STATUS:CANCELLED faintly or not at all."""
    kind = ActionKind(day.kind).label.lower()
    text = f"{unions_label(day.dispute, unions)} {kind}: {day.dispute.title}"
    return f"CANCELLED: {text}" if day.cancelled else text


def place_label(workplace: Workplace) -> str:
    return ", ".join(
        part for part in (workplace.name, workplace.address, workplace.postcode) if part
    )


@dataclass(frozen=True)
class FeedState:
    """What a feed is built from, read by one aggregate query: enough to tell whether it changed
    without building it. An edit bumps updated_at; a day added, removed, or moved in or out of
    the window (or of the CLP's disputes) changes the count and the sum of ids."""

    key: str
    count: int
    id_sum: int
    last_modified: datetime.datetime | None

    @property
    def etag(self) -> str:
        inputs = f"{FEED_FORMAT}|{self.key}|{self.count}|{self.id_sum}|{self.last_modified}"
        return hashlib.sha256(inputs.encode()).hexdigest()[:32]


def feed_state(days: QuerySet[ActionDay], *, key: str) -> FeedState:
    """`key` names the feed, its window and anything else its text depends on (the host)."""
    row = days.order_by().aggregate(
        count=Count("pk"),
        id_sum=Sum("pk"),
        days_changed=Max("updated_at"),
        disputes_changed=Max("dispute__updated_at"),
    )
    changed = [t for t in (row["days_changed"], row["disputes_changed"]) if t is not None]
    return FeedState(
        key=key,
        count=row["count"],
        id_sum=row["id_sum"] or 0,
        last_modified=max(changed) if changed else None,
    )


def _description(
    day: ActionDay, places: Sequence[Workplace], url: str, unions: Sequence[Union]
) -> str:
    dispute = day.dispute
    lines = []
    if day.cancelled:
        lines.append(f"Cancelled: this {ActionKind(day.kind).label.lower()} day is off.")
    union_names = ", ".join(
        u.short_name if u.name == u.short_name else f"{u.short_name} ({u.name})" for u in unions
    )
    lines.append(f"{ActionKind(day.kind).label} by {union_names or 'the union'}.")
    lines.append(f"Employer: {dispute.employer.name}.")
    times = times_label(day)
    lines.append(f"Hours (UK time): {times}." if times else "Hours not yet announced.")
    if day.note:
        lines.append(day.note)
    if places:
        lines.append("Where: " + "; ".join(place_label(p) for p in places))
    if dispute.hardship_fund_url:
        lines.append(f"Hardship fund: {dispute.hardship_fund_url}")
    lines.append(f"More: {url}")
    return "\n".join(lines)


@dataclass
class _DisputeText:
    """What every day of one dispute says alike, worked out once for all of them."""

    url: str
    places: Sequence[Workplace]
    unions: list[Union]


def _event_fields(day: ActionDay, dispute: _DisputeText, stamp: datetime.datetime) -> dict:
    """Everything an action day's VEVENT says, as icalendar.Event.new's arguments."""
    # A timed event, or a whole day: a datetime is a date too.
    start: datetime.date
    end: datetime.date | None
    if day.start_time:
        start = datetime.datetime.combine(day.date, day.start_time, tzinfo=LONDON)
        # Without a known end the event has no length, as RFC 5545 reads a DTSTART alone.
        end = (
            datetime.datetime.combine(day.date, day.end_time, tzinfo=LONDON)
            if day.end_time
            else None
        )
    else:
        start, end = day.date, day.date + datetime.timedelta(days=1)
    return {
        "uid": action_day_uid(day),
        "summary": summary(day, dispute.unions),
        "description": _description(day, dispute.places, dispute.url, dispute.unions),
        "start": start,
        "end": end,
        "status": STATUS.CANCELLED if day.cancelled else STATUS.CONFIRMED,
        "sequence": sequence_of(stamp),
        "stamp": stamp,
        "last_modified": stamp,
        "url": dispute.url,
        "location": "; ".join(place_label(p) for p in dispute.places[:3]) or None,
        "categories": [ActionKind(day.kind).label],
        "transparency": TRANSP.TRANSPARENT,
    }


def _event_bytes(events: list[dict]) -> list[bytes]:
    """Each event as iCalendar text. The icalendar library takes most of a feed's time, so
    each event's text is kept in the cache under a hash of everything it says: a feed built
    again after an edit makes only the events the edit changed."""
    keys = [
        "ical-event:"
        + hashlib.sha256(f"{FEED_FORMAT}|{sorted(fields.items())!r}".encode()).hexdigest()
        for fields in events
    ]
    kept = cache.get_many(keys)
    made = {
        key: icalendar.Event.new(**fields).to_ical()
        for key, fields in zip(keys, events, strict=True)
        if key not in kept
    }
    if made:
        cache.set_many(made, timeout=EVENT_SECONDS)
    return [kept.get(key) or made[key] for key in keys]


def build_calendar(
    *,
    days: Iterable[ActionDay],
    name: str,
    calendar_uid: str,
    window: tuple[datetime.date, datetime.date],
    dispute_url: Callable[[Dispute], str],
    places_of: Callable[[Dispute], Sequence[Workplace]],
) -> bytes:
    """The feed as bytes. Deterministic: the same records give the same bytes, whenever built."""
    calendar = icalendar.Calendar.new(
        prodid=PRODID,
        name=name,
        uid=calendar_uid,
        method="PUBLISH",
        refresh_interval=datetime.timedelta(hours=1),
    )
    disputes: dict[int, _DisputeText] = {}
    events = []
    for day in days:
        dispute = disputes.get(day.dispute_id)
        if dispute is None:
            dispute = disputes[day.dispute_id] = _DisputeText(
                url=dispute_url(day.dispute),
                places=places_of(day.dispute),
                unions=list(day.dispute.unions.all()),
            )
        # A dispute edit (its title, say) changes every day's text: count it as an edit of each.
        events.append(_event_fields(day, dispute, max(day.updated_at, day.dispute.updated_at)))
    # Whole years around the window, so the VTIMEZONE changes once a year, not every day. Timed
    # events are in London time; a feed of all-day events has no times to anchor, but says
    # which zone its dates are in all the same.
    start, end = window
    calendar.add_component(
        icalendar.Timezone.from_tzid(
            "Europe/London",
            first_date=datetime.date(start.year, 1, 1),
            last_date=datetime.date(end.year + 1, 1, 1),
        )
    )
    calendar["REFRESH-INTERVAL"].params["VALUE"] = "DURATION"
    calendar["X-WR-TIMEZONE"] = "Europe/London"
    calendar["X-PUBLISHED-TTL"] = icalendar.vDuration(datetime.timedelta(hours=1))
    # The events go after the time zone, before the calendar ends, as add_component puts them.
    text = calendar.to_ical()
    closing = b"END:VCALENDAR\r\n"
    if not text.endswith(closing):
        raise ValueError("icalendar ended a calendar in an unexpected way")
    return text[: -len(closing)] + b"".join(_event_bytes(events)) + closing
