"""Reads for people's rights over their data: everything held about a person, found by email
address, and a CLP's audit log of who changed what."""

import datetime
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.db import models
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Cast, Lower
from django.utils import timezone
from simple_history.models import HistoricalChanges

from clps.models import CLP, AuditAction, AuditEvent, Membership, User
from clps.pagination import decode_cursor, encode_cursor
from newsletters.models import (
    CONSENT_WORDING,
    CONSENT_WORDING_VERSION,
    Delivery,
    Subscriber,
    Suppression,
    email_hash,
)
from pickets.models import (
    PicketSignup,
    PicketVisit,
    RepresentativeAttendance,
    SolidarityAction,
    VisitPhoto,
)
from strikes.models import Ballot, Dispute
from strikes.selectors import clp_dispute_ids

# An erased person's place in anonymous counts is kept by an account with an address here.
ERASED_DOMAIN = "erased.invalid"


def is_erased_placeholder(user: User | None) -> bool:
    return user is not None and user.email.endswith("@" + ERASED_DOMAIN)


def _when(value: datetime.datetime | None) -> str | None:
    return timezone.localtime(value).isoformat() if value else None


def _day(value: datetime.date | None) -> str | None:
    return value.isoformat() if value else None


# Finding a person ---------------------------------------------------------------------------------


@dataclass
class Person:
    """Whoever the address belongs to, within a scope: one CLP's records, or the whole site."""

    email: str
    clp: CLP | None
    user: User | None = None
    subscribers: list[Subscriber] = field(default_factory=list)
    # The address asked about and, for an account, every address it has used.
    emails: list[str] = field(default_factory=list)

    @property
    def found(self) -> bool:
        return self.user is not None or bool(self.subscribers)

    @property
    def names(self) -> list[str]:
        """Every name given with the address, longest first, each once whatever its case."""
        seen: dict[str, str] = {}
        for name in [self.user.name if self.user else "", *(s.name for s in self.subscribers)]:
            name = " ".join(name.split())
            if name:
                seen.setdefault(name.lower(), name)
        return sorted(seen.values(), key=len, reverse=True)


def _subscribers_with(*emails: str) -> QuerySet[Subscriber]:
    # By hash or as the unique constraint finds it, lower-cased: rows saved without a hash
    # (demo data, older rows) are found too.
    return Subscriber.objects.alias(email_lower=Lower("email")).filter(
        Q(email_lower__in=[e.lower() for e in emails])
        | Q(email_hash__in=[email_hash(e) for e in emails])
    )


def _account_with(email: str) -> User | None:
    """The account whose sign-in address this is, or that added it as another address."""
    from allauth.account.models import EmailAddress

    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        address = EmailAddress.objects.filter(email__iexact=email).select_related("user")
        user = next((a.user for a in address), None)
    return user


def _addresses(email: str, user: User | None) -> list[str]:
    from allauth.account.models import EmailAddress

    found = [email]
    if user is not None:
        found += [
            user.email,
            *EmailAddress.objects.filter(user=user).values_list("email", flat=True),
        ]
    unique: dict[str, str] = {}
    for address in found:
        unique.setdefault(address.strip().lower(), address.strip())
    return list(unique.values())


def user_ties_to_clp(*, user: User, clp: CLP) -> bool:
    """Whether the CLP holds anything about this account: a membership, or picket sign-ups,
    visits, solidarity records or photos of its own that name them."""
    return (
        Membership.objects.filter(user=user, clp=clp).exists()
        or PicketSignup.objects.filter(user=user, picket_line__clp=clp).exists()
        or PicketVisit.objects.filter(clp=clp)
        .filter(Q(reported_by=user) | Q(confirmed_by=user) | Q(members=user))
        .exists()
        or SolidarityAction.objects.filter(clp=clp, created_by=user).exists()
        or VisitPhoto.objects.filter(visit__clp=clp, uploaded_by=user).exists()
    )


def user_ties_elsewhere(*, user: User, clp: CLP) -> bool:
    """Whether any other CLP holds something about this account."""
    return (
        Membership.objects.filter(user=user).exclude(clp=clp).exists()
        or PicketSignup.objects.filter(user=user).exclude(picket_line__clp=clp).exists()
        or PicketVisit.objects.exclude(clp=clp)
        .filter(Q(reported_by=user) | Q(confirmed_by=user) | Q(members=user))
        .exists()
        or SolidarityAction.objects.filter(created_by=user).exclude(clp=clp).exists()
        or VisitPhoto.objects.filter(uploaded_by=user).exclude(visit__clp=clp).exists()
    )


def person_find(*, email: str, clp: CLP | None = None) -> Person:
    """The account and subscriptions with this address. Within a CLP, only what that CLP
    holds: its subscribers, and the account only if the CLP's records name it."""
    email = email.strip()
    person = Person(email=email, clp=clp)
    if not email:
        return person
    user = _account_with(email)
    if user is not None and (clp is None or user_ties_to_clp(user=user, clp=clp)):
        person.user = user
    person.emails = _addresses(email, person.user)
    subscribers = _subscribers_with(*person.emails).select_related("clp")
    if clp is not None:
        subscribers = subscribers.filter(clp=clp)
    person.subscribers = list(subscribers.order_by("clp__name", "pk"))
    return person


# Mentions in free text ----------------------------------------------------------------------------


def email_pattern(email: str) -> re.Pattern:
    """The address on its own, in any case: not the tail of a longer address."""
    return re.compile(r"(?<![\w.%+-])" + re.escape(email.strip()) + r"(?![\w-]|\.\w)", re.I)


def name_pattern(name: str) -> re.Pattern:
    """The name as whole words, in any case, however it is spaced."""
    words = [re.escape(w) for w in name.split()]
    return re.compile(r"(?<!\w)" + r"\s+".join(words) + r"(?!\w)", re.I)


def searchable_names(names: list[str]) -> list[str]:
    """Names distinctive enough to look for in every record: a first name alone would match
    other people's."""
    return [n for n in names if len(n.split()) >= 2]


TEXT_FIELDS = (models.CharField, models.TextField, models.JSONField)


def text_columns() -> list[tuple[type[models.Model], list[models.Field]]]:
    """Every table's text and JSON columns, the project's and its libraries', edit history
    included: anywhere a name or address could have been typed or copied."""
    found = []
    for model in apps.get_models(include_auto_created=True):
        if model._meta.proxy or not model._meta.managed:
            continue
        fields = [
            f
            for f in model._meta.concrete_fields
            if isinstance(f, TEXT_FIELDS) and not f.primary_key
        ]
        if fields:
            found.append((model, fields))
    return found


def as_text(value: Any) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


@dataclass
class Mention:
    model: type[models.Model]
    pk: Any
    fields: list[str]
    values: dict[str, Any]


def text_mentions(*, needles: list[str], patterns: list[re.Pattern]) -> Iterator[Mention]:
    """Rows whose text matches one of `patterns`. `needles` are plain strings the database
    looks for first (case-insensitively), so only candidate rows come back."""
    if not needles:
        return
    for model, fields in text_columns():
        qs = model._base_manager.all()
        names = []
        condition = Q()
        for f in fields:
            name = f.attname
            if isinstance(f, models.JSONField):
                # As text, so a JSON list or object is searched like any other column.
                name = f"_text_{f.attname}"
                qs = qs.annotate(**{name: Cast(f.attname, output_field=models.TextField())})
            names.append(f.attname)
            for needle in needles:
                condition |= Q(**{f"{name}__icontains": needle})
        for row in qs.filter(condition).values("pk", *names).iterator(chunk_size=500):
            hits = [n for n in names if any(p.search(as_text(row[n])) for p in patterns)]
            if hits:
                yield Mention(model=model, pk=row["pk"], fields=hits, values=row)


def person_patterns(person: Person) -> tuple[list[str], list[re.Pattern]]:
    names = searchable_names(person.names)
    needles = [*person.emails, *names]
    patterns = [email_pattern(e) for e in person.emails] + [name_pattern(n) for n in names]
    return needles, patterns


# The copy of a person's data ----------------------------------------------------------------------


def _historical_models() -> list[type[models.Model]]:
    """The edit history of each record (not of its many-to-many lists, which name no one)."""
    return [
        m
        for m in apps.get_models()
        if issubclass(m, HistoricalChanges)
        and {"history_date", "history_user"} <= {f.name for f in m._meta.concrete_fields}
    ]


def _user_fields(model: type[models.Model]) -> list[str]:
    return [
        f.attname
        for f in model._meta.concrete_fields
        if f.many_to_one and f.related_model is User and f.name != "history_user"
    ]


HISTORY_TYPES = {"+": "added", "~": "changed", "-": "deleted"}


def _history(person: Person) -> list[dict]:
    """Edits the person made, and edit history rows naming them (a visit they reported)."""
    user = person.user
    rows = []
    for model in _historical_models():
        has_clp = any(f.name == "clp" for f in model._meta.concrete_fields)
        if person.clp is not None and not has_clp:
            continue  # shared records' history is the whole site's, not the CLP's
        naming = _user_fields(model)
        condition = Q(history_user_id=user.pk)
        for attname in naming:
            condition |= Q(**{attname: user.pk})
        qs = model._base_manager.filter(condition)
        if person.clp is not None:
            qs = qs.filter(clp_id=person.clp.pk)
        label = model.instance_type._meta.verbose_name
        for record in qs.order_by("history_date", "history_id").values(
            "history_id", "history_date", "history_type", "history_user_id", "id", *naming
        ):
            part = []
            if record["history_user_id"] == user.pk:
                part.append("you made this change")
            part += [
                f"names you as {model._meta.get_field(a[:-3]).verbose_name}"
                for a in naming
                if record[a] == user.pk
            ]
            rows.append(
                {
                    "record": str(label),
                    "record_id": record["id"],
                    "change": HISTORY_TYPES.get(record["history_type"], record["history_type"]),
                    "at": _when(record["history_date"]),
                    "your_part": part,
                }
            )
    return sorted(rows, key=lambda r: r["at"])


def _account(user: User, clp: CLP | None) -> tuple[dict, list[dict]]:
    from allauth.account.models import EmailAddress
    from allauth.mfa.models import Authenticator

    account = {
        "email": user.email,
        "name": user.name,
        "joined": _when(user.date_joined),
        "last_signed_in": _when(user.last_login),
        "active": user.is_active,
    }
    if clp is None:
        account["site_admin"] = user.is_staff
        account["email_addresses"] = [
            {"email": e.email, "verified": e.verified, "primary": e.primary}
            for e in EmailAddress.objects.filter(user=user).order_by("pk")
        ]
        account["two_factor_sign_in"] = [
            {"type": a.get_type_display(), "set_up": _when(a.created_at)}
            for a in Authenticator.objects.filter(user=user).order_by("pk")
        ]
    memberships = Membership.objects.filter(user=user).select_related("clp").order_by("clp__name")
    if clp is not None:
        memberships = memberships.filter(clp=clp)
    return account, [
        {"clp": m.clp.name, "role": m.get_role_display(), "since": _when(m.created_at)}
        for m in memberships
    ]


def _subscriptions(person: Person) -> list[dict]:
    deliveries: dict[int, list[dict]] = {}
    for d in (
        Delivery.objects.filter(subscriber__in=person.subscribers)
        .select_related("digest")
        .order_by("digest__week_start", "pk")
    ):
        deliveries.setdefault(d.subscriber_id, []).append(
            {
                "email_for_week_of": _day(d.digest.week_start),
                "subject": d.digest.subject,
                "status": d.get_status_display(),
                "sent_at": _when(d.sent_at),
            }
        )
    return [
        {
            "clp": s.clp.name,
            "email": s.email,
            "name": s.name,
            "postcode": s.postcode,
            "status": s.get_status_display(),
            "consent": {
                "given_at": _when(s.consent_at),
                "how": s.consent_method,
                "wording_version": s.consent_wording_version,
                "wording": CONSENT_WORDING
                if s.consent_wording_version == CONSENT_WORDING_VERSION
                else None,
            },
            "asked_at": _when(s.created_at),
            "confirmed_at": _when(s.confirmed_at),
            "unsubscribed_at": _when(s.unsubscribed_at),
            "emails_sent": deliveries.get(s.pk, []),
        }
        for s in person.subscribers
    ]


def _suppression(person: Person) -> list[dict]:
    hashes = [email_hash(e) for e in person.emails]
    qs = Suppression.objects.filter(email_hash__in=hashes).select_related("clp")
    if person.clp is not None:
        qs = qs.filter(Q(clp=person.clp) | Q(clp__isnull=True))
    return [
        {
            "never_email_from": s.clp.name if s.clp else "every CLP",
            "reason": s.get_reason_display(),
            "since": _when(s.created_at),
        }
        for s in qs.order_by("created_at")
    ]


def _pickets(person: Person) -> dict:
    user, clp = person.user, person.clp
    signups = PicketSignup.objects.filter(user=user).select_related(
        "picket_line__clp", "picket_line__dispute", "action_day"
    )
    visits = (
        PicketVisit.objects.filter(Q(reported_by=user) | Q(confirmed_by=user) | Q(members=user))
        .distinct()
        .select_related("clp", "dispute")
    )
    photos = VisitPhoto.objects.filter(uploaded_by=user).select_related("visit__dispute")
    actions = SolidarityAction.objects.filter(created_by=user).select_related("clp", "dispute")
    reps = RepresentativeAttendance.objects.none()
    if person.names:
        by_name = Q()
        for name in person.names:
            by_name |= Q(name__iexact=name)
        reps = RepresentativeAttendance.objects.filter(by_name).select_related(
            "visit__clp", "visit__dispute"
        )
    if clp is not None:
        signups = signups.filter(picket_line__clp=clp)
        visits = visits.filter(clp=clp)
        photos = photos.filter(visit__clp=clp)
        actions = actions.filter(clp=clp)
        reps = reps.filter(visit__clp=clp)
    named_in = set(
        PicketVisit.members.through.objects.filter(user=user).values_list(
            "picketvisit_id", flat=True
        )
    )
    return {
        "picket_signups": [
            {
                "clp": s.picket_line.clp.name,
                "dispute": s.picket_line.dispute.title,
                "place": s.picket_line.place,
                "day": _day(s.action_day.date),
                "signed_up_at": _when(s.created_at),
                "reminder_sent_at": _when(s.reminder_sent_at),
            }
            for s in signups.order_by("action_day__date", "pk")
        ],
        "picket_visits": [
            {
                "clp": v.clp.name,
                "dispute": v.dispute.title,
                "date": _day(v.date),
                "your_part": [
                    part
                    for part, applies in [
                        ("reported it", v.reported_by_id == user.pk),
                        ("named among the members who went", v.pk in named_in),
                        ("confirmed it", v.confirmed_by_id == user.pk),
                    ]
                    if applies
                ],
                "members_who_went": v.members_count,
                "report_back": v.report,
                "status": v.get_status_display(),
            }
            for v in visits.order_by("date", "pk")
        ],
        "photos_you_uploaded": [
            {
                "visit": f"{p.visit.dispute.title}, {p.visit.date.isoformat()}",
                "uploaded_at": _when(p.created_at),
                "people_in_it_agreed": p.consent,
                "file": p.image.name,
            }
            for p in photos.order_by("created_at")
        ],
        "solidarity_records_you_made": [
            {
                "clp": a.clp.name,
                "what": a.get_kind_display(),
                "date": _day(a.date),
                "dispute": a.dispute.title if a.dispute else "",
                "title": a.title,
                "amount_pence": a.amount_pence,
                "note": a.note,
            }
            for a in actions.order_by("date", "pk")
        ],
        "named_as_elected_representative": [
            {
                "clp": r.visit.clp.name,
                "dispute": r.visit.dispute.title,
                "date": _day(r.visit.date),
                "office": r.get_office_display(),
            }
            for r in reps.order_by("visit__date", "pk")
        ],
    }


def person_export(*, person: Person) -> dict:
    """Everything held about the person within the scope, as plain JSON-ready data.

    Other people in the same records (who else went on a visit) are left out: a copy of your
    data is not a copy of theirs.
    """
    data: dict[str, Any] = {
        "about_this_copy": {
            "made_at": _when(timezone.now()),
            "email_address_searched": person.email,
            "scope": f"what {person.clp.name} holds" if person.clp else "the whole site",
            "times": "Europe/London",
        },
        "account": None,
        "memberships": [],
        "subscriptions": _subscriptions(person),
        "do_not_email_list": _suppression(person),
    }
    if person.user is not None:
        data["account"], data["memberships"] = _account(person.user, person.clp)
        data.update(_pickets(person))
        data["edit_history"] = _history(person)
        events = AuditEvent.objects.filter(actor=person.user).select_related("clp")
        if person.clp is not None:
            events = events.filter(clp=person.clp)
        data["audit_log_entries_you_made"] = [
            {
                "what": e.get_action_display(),
                "clp": e.clp.name if e.clp else "",
                "at": _when(e.created_at),
            }
            for e in events.order_by("created_at", "pk")
        ]
    if person.clp is None:
        # Anywhere else the address or full name was typed: notes, reports, history.
        needles, patterns = person_patterns(person)
        data["mentioned_in_text"] = [
            {
                "record": str(m.model._meta.verbose_name),
                "record_id": m.pk,
                "fields": [str(m.model._meta.get_field(f).verbose_name) for f in m.fields],
            }
            for m in text_mentions(needles=needles, patterns=patterns)
            if not _is_own_row(m, person)
        ]
    return data


def _is_own_row(mention: Mention, person: Person) -> bool:
    """The account's and subscriptions' own rows, already given in full above."""
    if person.user is not None and mention.model is User and mention.pk == person.user.pk:
        return True
    return mention.model is Subscriber and mention.pk in {s.pk for s in person.subscribers}


# The audit log ------------------------------------------------------------------------------------


@dataclass
class LogEntry:
    at: datetime.datetime
    rank: int
    id: int
    kind: str
    what: str
    change: str
    actor: User | None = None
    who: str = ""


@dataclass
class LogPage:
    rows: list[LogEntry]
    next_cursor: str | None


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
    return qs.filter(Q(**{f"{time}__lt": at}) | Q(**{time: at, f"{pk}__lt": cursor_id}))


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


# Fields that change on every save, or cost a query to compare.
NOT_DIFFED = ["updated_at", "unions", "workplaces", "created_at"]

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
}


def _parse_cursor(cursor: str | None) -> list | None:
    values = decode_cursor(cursor, 3) if cursor else None
    if values is None:
        return None
    try:
        return [datetime.datetime.fromisoformat(values[0]), int(values[1]), int(values[2])]
    except (TypeError, ValueError):
        return None


def audit_log(*, clp: CLP, cursor: str | None = None, size: int = 25) -> LogPage:
    """Who changed what and when in the CLP's records, newest first, a page at a time: the
    disputes it follows or has locally and their ballots (shared records, so edits by people
    of other CLPs show too, unnamed), its picket visits and solidarity ledger, and the
    subscription, retention and erasure events that keep no history of their own.

    Each source is read a page at a time by index and the pages merged, so the cost does not
    grow with the tables.
    """
    after = _parse_cursor(cursor)
    dispute_ids = clp_dispute_ids(clp)
    histories = [
        (0, Dispute.history.filter(id__in=dispute_ids), "Dispute"),
        (1, Ballot.history.filter(dispute_id__in=dispute_ids), "Ballot"),
        (2, PicketVisit.history.filter(clp_id=clp.pk), "Picket visit"),
        (3, SolidarityAction.history.filter(clp_id=clp.pk), "Solidarity ledger"),
    ]
    candidates: list[tuple[LogEntry, Any]] = []
    for rank, qs, kind in histories:
        qs = _after(qs, "history_date", "history_id", rank, after)
        qs = _with_previous(qs).select_related("history_user")
        for record in qs.order_by("-history_date", "-history_id")[: size + 1]:
            entry = LogEntry(
                at=record.history_date,
                rank=rank,
                id=record.history_id,
                kind=kind,
                what="",
                change=HISTORY_TYPES.get(record.history_type, ""),
                actor=record.history_user,
            )
            candidates.append((entry, record))
    events = _after(AuditEvent.objects.filter(clp=clp), "created_at", "id", 4, after)
    for event in events.select_related("actor").order_by("-created_at", "-id")[: size + 1]:
        entry = LogEntry(
            at=event.created_at,
            rank=4,
            id=event.pk,
            kind="Subscriptions" if event.object_type == "subscriber" else "Personal data",
            what="",
            change=event.get_action_display(),
            actor=event.actor,
        )
        candidates.append((entry, event))
    candidates.sort(key=lambda pair: (pair[0].at, pair[0].rank, pair[0].id), reverse=True)
    page = candidates[:size]
    next_cursor = None
    if len(candidates) > size:
        last = page[-1][0]
        next_cursor = encode_cursor([last.at, last.rank, last.id])
    _describe(clp, page)
    return LogPage(rows=[entry for entry, _ in page], next_cursor=next_cursor)


def _describe(clp: CLP, page: list[tuple[LogEntry, Any]]) -> None:
    """Fill in what each entry is about and who did it, in a fixed number of queries."""
    previous_ids: dict[type, list[int]] = {}
    dispute_ids = set()
    actor_ids = set()
    for entry, record in page:
        if entry.actor is not None:
            actor_ids.add(entry.actor.pk)
        if isinstance(record, AuditEvent):
            continue
        if getattr(record, "previous_id", None) and record.history_type == "~":
            previous_ids.setdefault(type(record), []).append(record.previous_id)
        if entry.kind != "Dispute" and getattr(record, "dispute_id", None):
            dispute_ids.add(record.dispute_id)
    previous = {}
    for model, ids in previous_ids.items():
        previous.update({(model, r.pk): r for r in model._base_manager.filter(pk__in=ids)})
    titles = dict(Dispute.objects.filter(pk__in=dispute_ids).values_list("pk", "title"))
    members = set(
        Membership.objects.filter(clp=clp, user_id__in=actor_ids).values_list("user_id", flat=True)
    )
    for entry, record in page:
        entry.who = _who(entry, record, members)
        if isinstance(record, AuditEvent):
            entry.what = _event_what(record)
            continue
        entry.what = _record_what(entry.kind, record, titles)
        before = previous.get((type(record), getattr(record, "previous_id", None)))
        if record.history_type == "~" and before is not None:
            delta = record.diff_against(before, excluded_fields=NOT_DIFFED)
            model = record.instance_type
            names = set(delta.changed_fields)
            changed = [str(f.verbose_name) for f in model._meta.fields if f.name in names]
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
    return "no one signed in (an import or scheduled job)"


def _short(day: datetime.date) -> str:
    return f"{day.day} {day:%b %Y}"


def _record_what(kind: str, record: Any, titles: dict[int, str]) -> str:
    if kind == "Dispute":
        return f"“{record.title}”"
    title = titles.get(getattr(record, "dispute_id", None), "")
    about = f" · {title}" if title else ""
    if kind == "Ballot":
        return f"Ballot closing {_short(record.closes_on)}{about}"
    if kind == "Picket visit":
        return f"Visit on {_short(record.date)}{about}"
    extra = f": {record.title}" if record.title else ""
    return f"{record.get_kind_display()} on {_short(record.date)}{extra}{about}"


def _event_what(event: AuditEvent) -> str:
    if event.object_type == "subscriber" and event.object_id:
        return f"Subscriber no. {event.object_id}"
    if event.count > 1 or event.action in SCHEDULE_ACTIONS:
        return f"{event.count} record{'s' if event.count != 1 else ''}"
    return ""
