"""iCalendar feeds of action days: a CLP's calendar and one dispute's.

A subscribed calendar app fetches the feed every so often. Each action day keeps one UID for
life and a SEQUENCE that grows with every edit, so an app updates the event in place, and a
cancelled day stays in the feed as STATUS:CANCELLED instead of vanishing.
"""

import datetime
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import NamedTuple
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import icalendar
from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Max, QuerySet, Sum
from icalendar.enums import STATUS, TRANSP

from .models import ActionDay, ActionKind, Dispute, Union

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


class FeedDay(NamedTuple):
    """An action day as a feed reads it: its columns alone. A year of a CLP's days is a
    thousand rows, and a model instance for each (with its dispute's and employer's) cost more
    than making the feed's text."""

    pk: int
    dispute_id: int
    date: datetime.date
    kind: str
    start_time: datetime.time | None
    end_time: datetime.time | None
    cancelled: bool
    note: str
    updated_at: datetime.datetime


# What a feed says of each day's dispute, read in the same query as the days.
DISPUTE_COLUMNS = (
    "dispute__title",
    "dispute__updated_at",
    "dispute__hardship_fund_url",
    "dispute__employer__name",
)


def feed_days(days: QuerySet[ActionDay]) -> list[FeedDay]:
    return [FeedDay._make(row) for row in days.values_list(*FeedDay._fields)]


def feed_days_and_disputes(
    days: QuerySet[ActionDay],
) -> tuple[list[FeedDay], dict[int, tuple[str, datetime.datetime, str, str]]]:
    """The days, and each one's dispute as (title, updated_at, hardship fund link, employer's
    name), from one query."""
    found: list[FeedDay] = []
    disputes: dict[int, tuple[str, datetime.datetime, str, str]] = {}
    width = len(FeedDay._fields)
    for row in days.values_list(*FeedDay._fields, *DISPUTE_COLUMNS):
        day = FeedDay._make(row[:width])
        found.append(day)
        disputes.setdefault(day.dispute_id, row[width:])
    return found, disputes


@dataclass
class FeedDispute:
    """What every day of one dispute says alike, worked out once for all of them."""

    url: str
    title: str
    employer: str
    hardship_fund_url: str
    updated_at: datetime.datetime
    unions: Sequence[tuple[str, str]]  # (short name, name), by short name
    places: Sequence[tuple[str, str, str]]  # (name, address, postcode)

    @cached_property
    def key(self) -> str:
        """Everything the dispute puts in its days' events, for their cache keys."""
        return repr(
            (
                self.url,
                self.title,
                self.employer,
                self.hardship_fund_url,
                self.updated_at,
                tuple(self.unions),
                tuple(self.places),
            )
        )


def action_day_uid(day: ActionDay | FeedDay, host: str | None = None) -> str:
    return f"action-day-{day.pk}@{host or uid_host()}"


def sequence_of(stamp: datetime.datetime) -> int:
    """An event's SEQUENCE from when it last changed: it grows with every edit, so a calendar
    app takes the newer copy of an event it already has."""
    return max(0, int((stamp - SEQUENCE_EPOCH).total_seconds()))


def clock(value: datetime.time) -> str:
    """07:00 -> 7am, 13:30 -> 1:30pm."""
    hour = value.hour % 12 or 12
    minutes = f":{value.minute:02d}" if value.minute else ""
    return f"{hour}{minutes}{'am' if value.hour < 12 else 'pm'}"


def times_label(day: ActionDay | FeedDay) -> str:
    """The day's hours in UK time, or "" when the union has not said."""
    if day.start_time and day.end_time:
        return f"{clock(day.start_time)}–{clock(day.end_time)}"
    if day.start_time:
        return f"from {clock(day.start_time)}"
    if day.end_time:
        return f"until {clock(day.end_time)}"
    return ""


def names_label(names: Sequence[str]) -> str:
    """['CWU', 'GMB'] -> 'CWU and GMB'; 'Union' when there are none."""
    if len(names) > 1:
        return ", ".join(names[:-1]) + " and " + names[-1]
    return names[0] if names else "Union"


def unions_label(dispute: Dispute, unions: Sequence[Union] | None = None) -> str:
    return names_label(
        [union.short_name for union in (dispute.unions.all() if unions is None else unions)]
    )


def summary(day: FeedDay, dispute: FeedDispute) -> str:
    """E.g. "CWU strike: Royal Mail delivery office"; cancelled days say so first, as many
    calendar apps show STATUS:CANCELLED faintly or not at all."""
    kind = ActionKind(day.kind).label.lower()
    text = f"{names_label([short for short, _ in dispute.unions])} {kind}: {dispute.title}"
    return f"CANCELLED: {text}" if day.cancelled else text


def place_label(place: tuple[str, str, str]) -> str:
    """A workplace's (name, address, postcode), said in one line."""
    return ", ".join(part for part in place if part)


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


def _description(day: FeedDay, dispute: FeedDispute) -> str:
    lines = []
    if day.cancelled:
        lines.append(f"Cancelled: this {ActionKind(day.kind).label.lower()} day is off.")
    union_names = ", ".join(
        short if name == short else f"{short} ({name})" for short, name in dispute.unions
    )
    lines.append(f"{ActionKind(day.kind).label} by {union_names or 'the union'}.")
    lines.append(f"Employer: {dispute.employer}.")
    times = times_label(day)
    lines.append(f"Hours (UK time): {times}." if times else "Hours not yet announced.")
    if day.note:
        lines.append(day.note)
    if dispute.places:
        lines.append("Where: " + "; ".join(place_label(p) for p in dispute.places))
    if dispute.hardship_fund_url:
        lines.append(f"Hardship fund: {dispute.hardship_fund_url}")
    lines.append(f"More: {dispute.url}")
    return "\n".join(lines)


def _event_fields(day: FeedDay, dispute: FeedDispute, host: str) -> dict:
    """Everything an action day's VEVENT says, as icalendar.Event.new's arguments."""
    # A dispute edit (its title, say) changes every day's text: count it as an edit of each.
    stamp = max(day.updated_at, dispute.updated_at)
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
        "uid": action_day_uid(day, host),
        "summary": summary(day, dispute),
        "description": _description(day, dispute),
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


def _event_bytes(days: Sequence[FeedDay], disputes: Mapping[int, FeedDispute]) -> list[bytes]:
    """Each event as iCalendar text. The icalendar library takes most of a feed's time, so
    each event's text is kept in the cache under a hash of everything it is made from (the
    day's columns, its dispute's text, the host): a feed built again after an edit makes only
    the events the edit changed, and an unchanged event costs a hash and a share of one read."""
    host = uid_host()
    keys = [
        "ical-event:"
        + hashlib.sha256(
            f"{FEED_FORMAT}|{host}|{disputes[day.dispute_id].key}|{day!r}".encode()
        ).hexdigest()
        for day in days
    ]
    kept = cache.get_many(keys)
    made = {
        key: icalendar.Event.new(**_event_fields(day, disputes[day.dispute_id], host)).to_ical()
        for key, day in zip(keys, days, strict=True)
        if key not in kept
    }
    if made:
        cache.set_many(made, timeout=EVENT_SECONDS)
    return [kept.get(key) or made[key] for key in keys]


def build_calendar(
    *,
    days: Sequence[FeedDay],
    disputes: Mapping[int, FeedDispute],
    name: str,
    calendar_uid: str,
    window: tuple[datetime.date, datetime.date],
) -> bytes:
    """The feed as bytes, `disputes` holding each day's dispute by id. Deterministic: the same
    records give the same bytes, whenever built."""
    calendar = icalendar.Calendar.new(
        prodid=PRODID,
        name=name,
        uid=calendar_uid,
        method="PUBLISH",
        refresh_interval=datetime.timedelta(hours=1),
    )
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
    return text[: -len(closing)] + b"".join(_event_bytes(days, disputes)) + closing
