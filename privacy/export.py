"""A copy of everything held about a person, within a scope (one CLP's records, or the whole
site): the account and memberships, each app's own sections, the edit history that names them
and, for the whole site, every other record that mentions them."""

import json
from typing import Any

from django.apps import apps
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalChanges

from clps.audit import record_event
from clps.models import CLP, AuditAction, User
from clps.personal_data import (
    account_export,
    audit_entries_export,
    iso_time,
    outgoing_mail_export,
)

from .mentions import Mention, person_patterns, text_mentions
from .registry import Person, providers

HISTORY_TYPES = {"+": "added", "~": "changed", "-": "deleted"}


def _historical_models() -> list[type[models.Model]]:
    """The edit history of each record (not of its many-to-many lists, which name no one)."""
    return [
        m
        for m in apps.get_models()
        if issubclass(m, HistoricalChanges)
        and {"history_date", "history_user"} <= {f.name for f in m._meta.concrete_fields}
    ]


def _user_fields(model: type[models.Model]) -> list[models.Field]:
    return [
        f
        for f in model._meta.concrete_fields
        if f.many_to_one and f.related_model is User and f.name != "history_user"
    ]


def _tracked_model(historical: type[models.Model]) -> type[models.Model]:
    """The model whose edit history `historical` keeps."""
    # simple_history sets instance_type on each historical model; it has no type hints.
    return historical.instance_type  # type: ignore[attr-defined]


def _history(*, user: User, clp: CLP | None) -> list[dict]:
    """Edits the person made, and edit history rows naming them (a visit they reported)."""
    rows = []
    for model in _historical_models():
        has_clp = any(f.name == "clp" for f in model._meta.concrete_fields)
        if clp is not None and not has_clp:
            continue  # shared records' history is the whole site's, not the CLP's
        naming = _user_fields(model)
        condition = Q(history_user_id=user.pk)
        for field in naming:
            condition |= Q(**{field.attname: user.pk})
        qs = model._base_manager.filter(condition)
        if clp is not None:
            qs = qs.filter(clp_id=clp.pk)
        label = _tracked_model(model)._meta.verbose_name
        for record in qs.order_by("history_date", "history_id").values(
            "history_id",
            "history_date",
            "history_type",
            "history_user_id",
            "id",
            *[field.attname for field in naming],
        ):
            part = []
            if record["history_user_id"] == user.pk:
                part.append("you made this change")
            part += [
                f"names you as {field.verbose_name}"
                for field in naming
                if record[field.attname] == user.pk
            ]
            rows.append(
                {
                    "record": str(label),
                    "record_id": record["id"],
                    "change": HISTORY_TYPES.get(record["history_type"], record["history_type"]),
                    "at": iso_time(record["history_date"]),
                    "your_part": part,
                }
            )
    return sorted(rows, key=lambda r: r["at"])


def _is_own_row(mention: Mention, person: Person) -> bool:
    """The account's and the apps' own rows of the person, already given in full."""
    if person.user is not None and mention.model is User and mention.pk == person.user.pk:
        return True
    return (mention.model, mention.pk) in {(type(r), r.pk) for r in person.records}


def _mention_entry(mention: Mention) -> dict[str, Any]:
    labels = {f.name: str(f.verbose_name) for f in mention.model._meta.concrete_fields}
    return {
        "record": str(mention.model._meta.verbose_name),
        "record_id": mention.pk,
        "fields": [labels[name] for name in mention.fields],
    }


def person_export(*, person: Person) -> dict:
    """Everything held about the person within the scope, as plain JSON-ready data.

    Other people in the same records (who else went on a visit) are left out: a copy of your
    data is not a copy of theirs.
    """
    data: dict[str, Any] = {
        "about_this_copy": {
            "made_at": iso_time(timezone.now()),
            "email_address_searched": person.email,
            "scope": f"what {person.clp.name} holds" if person.clp else "the whole site",
            "times": "Europe/London",
        },
        "account": None,
        "memberships": [],
    }
    if person.user is not None:
        data["account"], data["memberships"] = account_export(user=person.user, clp=person.clp)
    for provider in providers():
        data.update(provider.export(person=person))
    data["emails_written_to_you"] = outgoing_mail_export(emails=person.emails, clp=person.clp)
    if person.user is not None:
        data["edit_history"] = _history(user=person.user, clp=person.clp)
        data["audit_log_entries_you_made"] = audit_entries_export(user=person.user, clp=person.clp)
    if person.clp is None:
        # Anywhere else the address or full name was typed: notes, reports, history.
        needles, patterns = person_patterns(person)
        data["mentioned_in_text"] = [
            _mention_entry(m)
            for m in text_mentions(needles=needles, patterns=patterns)
            if not _is_own_row(m, person)
        ]
    return data


def export_summary(data: dict) -> list[tuple[str, Any]]:
    """How much of each kind a copy holds, for the review before an erasure."""
    summary: list[tuple[str, Any]] = [
        ("Account", "yes" if data["account"] else "none"),
        ("Memberships", len(data["memberships"])),
    ]
    for provider in providers():
        summary += [(label, len(data.get(key, []))) for key, label in provider.review]
    summary.append(("Edit history rows", len(data.get("edit_history", []))))
    if "mentioned_in_text" in data:
        summary.append(("Other records mentioning them", len(data["mentioned_in_text"])))
    return summary


def person_export_record(*, person: Person, by: User) -> dict:
    """The person's data, with an audit row saying a copy was given (not whose: the log must
    not become a list of who asked)."""
    data = person_export(person=person)
    record_event(action=AuditAction.PERSON_EXPORTED, clp=person.clp, actor=by, object_type="person")
    return data


def export_json(data: dict) -> bytes:
    return json.dumps(data, indent=2, ensure_ascii=False).encode()
