"""Keyset pagination: a page of rows after a cursor, with no COUNT(*) that grows with the table."""

import base64
import datetime
import json
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet


@dataclass
class Page:
    rows: list
    next_cursor: str | None


def encode_cursor(values: list[Any]) -> str:
    """A cursor for a page's last row: its values in the order's fields, dates as ISO text."""
    plain = [
        v.isoformat() if isinstance(v, datetime.datetime | datetime.date) else v for v in values
    ]
    return base64.urlsafe_b64encode(json.dumps(plain).encode()).decode().rstrip("=")


def decode_cursor(cursor: str, count: int) -> list[Any] | None:
    """The `count` values a cursor holds, or None for one that does not decode."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, TypeError):
        return None
    if not isinstance(values, list) or len(values) != count:
        return None
    return values


def _field(qs: QuerySet, path: str):
    """The field at the end of a lookup path such as "user__name", or an annotation's."""
    if path in qs.query.annotations:
        return qs.query.annotations[path].output_field
    model = qs.model
    *relations, name = path.split("__")
    for relation in relations:
        model = model._meta.get_field(relation).related_model
    return model._meta.get_field(name)


def _value(row, path: str) -> Any:
    for name in path.split("__"):
        row = getattr(row, name)
    return row


def keyset_after(*, order: list[str], values: list[Any]) -> Q:
    """Rows that come after `values` in `order`: (a, b) after (x, y) in the given directions,
    as nested ORs."""
    fields = [f.lstrip("-") for f in order]
    condition = Q()
    for i, name in enumerate(fields):
        op = "lt" if order[i].startswith("-") else "gt"
        step = Q(**{f"{name}__{op}": values[i]})
        for j in range(i):
            step &= Q(**{fields[j]: values[j]})
        condition |= step
    return condition


def keyset_page(qs: QuerySet, *, order: list[str], cursor: str | None, size: int = 25) -> Page:
    """Rows of `qs` ordered by `order` (e.g. ["-updated_at", "-id"]; the last field unique)
    after `cursor`. A cursor that does not decode starts from the first page."""
    fields = [f.lstrip("-") for f in order]
    qs = qs.order_by(*order)
    values = decode_cursor(cursor, len(fields)) if cursor else None
    if values is not None:
        parsed = []
        for name, value in zip(fields, values, strict=True):
            field = _field(qs, name)
            try:
                parsed.append(field.to_python(value))
            except Exception:  # noqa: BLE001 - a tampered cursor just restarts the list
                break
        else:
            qs = qs.filter(keyset_after(order=order, values=parsed))
    rows = list(qs[: size + 1])
    next_cursor = None
    if len(rows) > size:
        rows = rows[:size]
        last = rows[-1]
        next_cursor = encode_cursor([_value(last, name) for name in fields])
    return Page(rows=rows, next_cursor=next_cursor)
