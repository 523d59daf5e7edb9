"""Where a person's address or full name was typed or copied: any text or JSON column of any
table, the project's and its libraries', edit history included."""

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.db import models
from django.db.models import Q
from django.db.models.functions import Cast
from django.utils.html import escape

from .registry import Person

# What a name or address is replaced with where it was found.
REMOVED = "[removed]"

TEXT_FIELDS = (models.CharField, models.TextField, models.JSONField)


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


def person_patterns(person: Person) -> tuple[list[str], list[re.Pattern]]:
    """Plain strings for the database to look for first, and the patterns that decide. Each
    also as HTML escapes it ("O&#x27;Brien"), for the rendered emails that are kept."""
    names = searchable_names(person.names)
    written = [*person.emails, *names]
    escaped = [e for e in (escape(w) for w in written) if e not in written]
    needles = [*written, *escaped]
    emails = [*person.emails, *(escape(e) for e in person.emails if escape(e) != e)]
    names = [*names, *(escape(n) for n in names if escape(n) != n)]
    patterns = [email_pattern(e) for e in emails] + [name_pattern(n) for n in names]
    return needles, patterns


def scrub(value: Any, patterns: list[re.Pattern]) -> Any:
    """The value with every match replaced, inside JSON lists and objects too."""
    if isinstance(value, str):
        for pattern in patterns:
            value = pattern.sub(REMOVED, value)
        return value
    if isinstance(value, list):
        return [scrub(v, patterns) for v in value]
    if isinstance(value, dict):
        return {k: scrub(v, patterns) for k, v in value.items()}
    return value


def text_columns() -> list[tuple[type[models.Model], list[models.Field]]]:
    """Every table's text and JSON columns, the project's and its libraries', edit history
    included: anywhere a name or address could have been typed or copied."""
    found: list[tuple[type[models.Model], list[models.Field]]] = []
    for model in apps.get_models(include_auto_created=True):
        if model._meta.proxy or not model._meta.managed:
            continue
        fields: list[models.Field] = [
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
