"""A CLP's audit log: who changed what and when in its records, newest first, a page at a time.

The edit histories come from the apps that keep them (through the registry); the events that
keep no history of their own (subscriptions, retention, erasure) from `clps`.
"""

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import Model, OuterRef, Q, QuerySet, Subquery

from clps.models import CLP, AuditAction, AuditEvent, Membership, User
from clps.pagination import Page, decode_cursor, encode_cursor, keyset_after
from clps.personal_data import is_erased_placeholder

from .export import HISTORY_TYPES
from .registry import History, providers

# The audit events' place among rows of the same moment: after every edit history's.
EVENTS_RANK = 4

# Fields that change on every save.
NOT_DIFFED = ("updated_at", "created_at")

SUBSCRIBER_ACTIONS = {
    AuditAction.SUBSCRIBED,
    AuditAction.CONFIRMED,
    AuditAction.DETAILS_CHANGED,
    AuditAction.UNSUBSCRIBED,
}
SERVICE_ACTIONS = {AuditAction.BOUNCED, AuditAction.COMPLAINED}
SCHEDULE_ACTIONS = {
    AuditAction.PENDING_EXPIRED,
    AuditAction.SIGNUPS_EXPIRED,
    AuditAction.LEAD_LINKS_EXPIRED,
    AuditAction.JOIN_REQUESTS_EXPIRED,
    AuditAction.INVITATIONS_EXPIRED,
}
# What the log calls each kind of record an event names.
EVENT_KINDS = {
    "subscriber": "Subscriptions",
    "join_request": "Joining",
    "invitation": "Joining",
    "picket_invitation": "Elected representatives",
}
NUMBERED = {
    "subscriber": "Subscriber",
    "join_request": "Request to join",
    "invitation": "Invitation",
    "picket_invitation": "Invitation to a picket line",
}


@dataclass
class LogEntry:
    at: datetime.datetime
    rank: int
    id: int
    kind: str
    change: str
    actor: User | None
    # Filled in for the rows of the page only.
    what: str = ""
    who: str = ""


def _after(qs: QuerySet, time: str, pk: str, rank: int, cursor: list | None) -> QuerySet:
    """Rows of one source after the cursor (time, rank, id), newest first, in the merged order
    where a later source comes first among rows of the same time."""
    if cursor is None:
        return qs
    at, cursor_rank, cursor_id = cursor
    if rank < cursor_rank:
        return qs.filter(**{f"{time}__lte": at})
    if rank > cursor_rank:
        return qs.filter(**{f"{time}__lt": at})
    return qs.filter(keyset_after(order=[f"-{time}", f"-{pk}"], values=[at, cursor_id]))


def _with_previous(qs: QuerySet) -> QuerySet:
    """Each history row with the id of the one before it, for what changed between them."""
    model = qs.model
    before = (
        model._base_manager.filter(id=OuterRef("id"))
        .filter(
            Q(history_date__lt=OuterRef("history_date"))
            | Q(history_date=OuterRef("history_date"), history_id__lt=OuterRef("history_id"))
        )
        .order_by("-history_date", "-history_id")
        .values("history_id")[:1]
    )
    return qs.annotate(previous_id=Subquery(before))


def _parse_cursor(cursor: str | None) -> list | None:
    values = decode_cursor(cursor, 3) if cursor else None
    if values is None:
        return None
    try:
        return [datetime.datetime.fromisoformat(values[0]), int(values[1]), int(values[2])]
    except (TypeError, ValueError):
        return None


def audit_log_page(*, clp: CLP, cursor: str | None = None, size: int = 25) -> Page:
    """Who changed what and when in the CLP's records, newest first, a page at a time: the
    disputes it follows or has locally and their ballots (shared records, so edits by people
    of other CLPs show too, unnamed), its picket visits and solidarity ledger, and the
    subscription, retention and erasure events that keep no history of their own.

    Each source is read a page at a time by index and the pages merged, so the cost does not
    grow with the tables.
    """
    after = _parse_cursor(cursor)
    candidates: list[tuple[LogEntry, Any, History | None]] = []
    for history in [h for p in providers() for h in p.audit_histories(clp=clp)]:
        qs = _after(history.rows, "history_date", "history_id", history.rank, after)
        qs = _with_previous(qs).select_related("history_user")
        for record in qs.order_by("-history_date", "-history_id")[: size + 1]:
            entry = LogEntry(
                at=record.history_date,
                rank=history.rank,
                id=record.history_id,
                kind=history.kind,
                change=HISTORY_TYPES.get(record.history_type, ""),
                actor=record.history_user,
            )
            candidates.append((entry, record, history))
    events = _after(AuditEvent.objects.filter(clp=clp), "created_at", "id", EVENTS_RANK, after)
    for event in events.select_related("actor").order_by("-created_at", "-id")[: size + 1]:
        entry = LogEntry(
            at=event.created_at,
            rank=EVENTS_RANK,
            id=event.pk,
            kind=EVENT_KINDS.get(event.object_type, "Personal data"),
            change=event.get_action_display(),
            actor=event.actor,
        )
        candidates.append((entry, event, None))
    candidates.sort(key=lambda c: (c[0].at, c[0].rank, c[0].id), reverse=True)
    page = candidates[:size]
    next_cursor = None
    if len(candidates) > size:
        last = page[-1][0]
        next_cursor = encode_cursor([last.at, last.rank, last.id])
    _describe(clp, page)
    return Page(rows=[entry for entry, _, _ in page], next_cursor=next_cursor)


def _describe(clp: CLP, page: list[tuple[LogEntry, Any, History | None]]) -> None:
    """Fill in what each entry is about, who did it and what an edit changed, in a fixed number
    of queries."""
    previous_ids: dict[type[Model], list[int]] = {}
    actor_ids = set()
    for entry, record, history in page:
        if entry.actor is not None:
            actor_ids.add(entry.actor.pk)
        if history is not None and record.previous_id and record.history_type == "~":
            previous_ids.setdefault(type(record), []).append(record.previous_id)
    previous = {}
    for model, ids in previous_ids.items():
        previous.update({(model, r.pk): r for r in model._base_manager.filter(pk__in=ids)})
    members = set(
        Membership.objects.filter(clp=clp, user_id__in=actor_ids).values_list("user_id", flat=True)
    )
    for entry, record, history in page:
        entry.who = _who(entry, record, members)
        entry.what = _event_what(record) if history is None else history.describe(record)
        before = previous.get((type(record), getattr(record, "previous_id", None)))
        if history is not None and record.history_type == "~" and before is not None:
            excluded = [*NOT_DIFFED, *history.not_diffed]
            delta = record.diff_against(before, excluded_fields=excluded)
            names = set(delta.changed_fields)
            fields = record.instance_type._meta.fields
            changed = [str(f.verbose_name) for f in fields if f.name in names]
            entry.change = f"changed {', '.join(changed)}" if changed else "saved, no field changed"


def _who(entry: LogEntry, record: Any, members: set[int]) -> str:
    actor = entry.actor
    if actor is not None:
        if is_erased_placeholder(actor):
            return "a person since erased"
        if actor.pk in members:
            return str(actor)
        return "someone outside this CLP"
    if isinstance(record, AuditEvent):
        if record.action in SUBSCRIBER_ACTIONS:
            return "the subscriber"
        if record.action in SERVICE_ACTIONS:
            return "the email service"
        if record.action in SCHEDULE_ACTIONS:
            return "the retention schedule"
        if record.action == AuditAction.REP_ANSWERED:
            return "the representative, from their link"
    # A change made through a secret link says where it came from, e.g. a trip leader's.
    if reason := getattr(record, "history_change_reason", None):
        return f"no one signed in ({reason})"
    return "no one signed in (an import or scheduled job)"


def _event_what(event: AuditEvent) -> str:
    if event.object_type in NUMBERED and event.object_id:
        return f"{NUMBERED[event.object_type]} no. {event.object_id}"
    if event.count > 1 or event.action in SCHEDULE_ACTIONS:
        return f"{event.count} record{'s' if event.count != 1 else ''}"
    return ""
