"""Finding every page and every form: the project's URL patterns filled in from seeded records,
each page opened by the cast, and its forms read from the HTML."""

import functools
import re
import secrets
from contextlib import contextmanager
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import quote_from_bytes, urljoin, urlsplit

from django.db import connection, transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from newsletters.links import DAY_GO_LINKS, GO_LINKS
from newsletters.monthly.formats import DOWNLOADS
from pickets.links import ANSWER_LINKS, CANCEL_LINKS, CONFIRM_LINKS
from strikes.models import CsvImportKind
from strikes.views import RECORD_KINDS

from .corpus import encoded

# Not crawled, and why. Everything else in the URL conf is crawled or listed in SKIPPED.
EXCLUDED_PREFIXES = {
    # Django's own admin: staff only, behind two-factor sign-in, and its forms are Django's.
    "admin/": "the Django admin",
    # The email service's webhooks: basic auth and JSON bodies, no forms (tests/newsletters).
    "anymail/": "the email service's webhooks",
}


@dataclass(frozen=True)
class Pattern:
    route: str  # the full route, e.g. c/<slug:clp_slug>/disputes/<int:pk>/
    name: str  # the namespaced name, e.g. strikes:dispute_detail
    args: tuple[str, ...]


def patterns(resolver=None, prefix: str = "", namespace: str = ""):
    """Every URL pattern in the project, with its full route and namespaced name."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            ns = namespace
            if entry.namespace:
                ns = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
            yield from patterns(entry, route, ns)
        elif isinstance(entry, URLPattern):
            name = f"{namespace}:{entry.name}" if namespace else (entry.name or "")
            args = tuple(re.findall(r"<(?:\w+:)?(\w+)>", route)) or tuple(
                re.findall(r"\(\?P<(\w+)>", route)
            )
            yield Pattern(route, name, args)


def excluded(pattern: Pattern) -> bool:
    return pattern.route.startswith(tuple(EXCLUDED_PREFIXES))


def arg_values(seeded) -> tuple[dict, dict, dict]:
    """What fills a path argument: by its name; by the path segment before it (a pk after
    disputes/ is a dispute's); or, for the regex patterns, by the URL's name."""
    s = seeded
    by_name = {
        "clp_slug": [s.clp.slug],
        "dispute_pk": [s.dispute.pk],
        "ballot_pk": [s.ballot.pk],
        "day_pk": [s.action_day.pk],
        "link_pk": [s.lead_link.pk],
        "membership_id": [s.membership.pk],
        "join_request_id": [s.join_request.pk],
        "invitation_id": [s.invitation.pk],
        "draft_pk": [s.draft.pk],
        "mail_id": [s.failed_mail.pk],
        "week_start": [s.sent_digest.week_start],
        "job_id": [s.csv_job.pk],
        "month": [s.section.month],
        "number": [1],
        "fmt": list(DOWNLOADS),
    }
    by_segment = {
        ("disputes", "pk"): [s.dispute.pk],
        ("pickets", "pk"): [s.picket_line.pk],
        ("visits", "pk"): [s.visit.pk],
        ("photos", "pk"): [s.photo.pk],
        ("representatives", "pk"): [s.representative.pk],
        ("solidarity", "pk"): [s.action.pk],
        ("pdf", "pk"): [s.report_pdf.pk],
        ("weekly", "pk"): [s.digest.pk, s.stopped_digest.pk],
        ("unions", "pk"): [s.union.pk],
        ("branches", "pk"): [s.branch.pk],
        ("employers", "pk"): [s.employer.pk],
        ("workplaces", "pk"): [s.workplace.pk],
        ("records", "kind"): list(RECORD_KINDS),
        ("template", "kind"): list(CsvImportKind.values),
        ("lead", "token"): [s.lead_link.token],
        ("subscriptions", "token"): [s.subscriber.token],
        ("invitations", "token"): [s.invitation_token],
    }
    by_url = {
        "newsletters_public:go": {
            "token": DAY_GO_LINKS.sign(s.subscriber.pk, s.picket_line.pk, s.action_day.pk)
        },
        "newsletters_public:go_day": {
            "token": GO_LINKS.sign(s.subscriber.pk, s.sent_digest.pk),
            "line_id": s.picket_line.pk,
            "day_id": s.action_day.pk,
        },
        "pickets_going:confirm": {"token": CONFIRM_LINKS.sign(s.public_signup.pk)},
        "pickets_going:cancel": {"token": CANCEL_LINKS.sign(s.public_signup.pk)},
        "pickets_invited:answer": {"token": ANSWER_LINKS.sign(s.sent_invitation.pk)},
        "account_confirm_email": {"key": s.email_key},
        "account_reset_password_from_key": {"uidb36": s.reset_uidb36, "key": s.reset_key},
    }
    return by_name, by_segment, by_url


def urls_for(pattern: Pattern, seeded) -> list[str] | None:
    """Every URL the pattern gives for the seeded records, or None if an argument is unknown."""
    by_name, by_segment, by_url = arg_values(seeded)
    if pattern.name in by_url:
        return [reverse(pattern.name, kwargs=by_url[pattern.name])]
    filled: list[dict] = [{}]
    for arg in pattern.args:
        extended = []
        for kwargs in filled:
            before = pattern.route.split(f":{arg}>", 1)[0]
            before = re.sub(r"<(?:\w+:)?(\w+)>", lambda m, kw=kwargs: str(kw.get(m[1], "")), before)
            segment = before.rsplit("<", 1)[0].rstrip("/").rsplit("/", 1)[-1]
            values = by_name.get(arg) or by_segment.get((segment, arg))
            if values is None:
                return None
            extended += [kwargs | {arg: value} for value in values]
        filled = extended
    return [reverse(pattern.name, kwargs=kwargs) for kwargs in filled]


# Forms in a page ---------------------------------------------------------------------------


@dataclass
class Field:
    name: str
    kind: str  # text, number, date, time, email, url, choice, checkbox, radio, file, hidden
    value: str = ""
    required: bool = False
    checked: bool = False
    options: list[str] = field(default_factory=list)
    selected: list[str] = field(default_factory=list)
    multiple: bool = False


@dataclass
class Form:
    page: str
    method: str
    action: str
    multipart: bool
    fields: list[Field] = field(default_factory=list)
    buttons: list[tuple[str, str]] = field(default_factory=list)

    @property
    def key(self) -> tuple:
        names = tuple(sorted({f.name for f in self.fields}))
        return (self.method, urlsplit(self.action).path, names, tuple(self.buttons))


INPUT_KINDS = {
    "text": "text",
    "search": "text",
    "tel": "text",
    "password": "text",
    "number": "number",
    "date": "date",
    "month": "date",
    "datetime-local": "date",
    "time": "time",
    "email": "email",
    "url": "url",
    "checkbox": "checkbox",
    "radio": "radio",
    "file": "file",
    "hidden": "hidden",
}


class FormParser(HTMLParser):
    def __init__(self, page: str):
        super().__init__(convert_charrefs=True)
        self.page = page
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: Field | None = None
        self._option: str | None = None
        self._textarea: Field | None = None

    def handle_starttag(self, tag, attrs):
        a = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "form":
            self._form = Form(
                page=self.page,
                method=(a.get("method") or "get").lower(),
                action=urljoin(self.page, a.get("action") or self.page).split("#")[0],
                multipart="multipart" in (a.get("enctype") or ""),
            )
            self.forms.append(self._form)
            return
        if self._form is None:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = INPUT_KINDS.get((a.get("type") or "text").lower())
            if kind in ("checkbox", "radio"):
                self._form.fields.append(
                    Field(
                        name,
                        kind,
                        a.get("value", "on"),
                        "required" in a,
                        checked="checked" in a,
                    )
                )
            elif kind is not None:
                self._form.fields.append(Field(name, kind, a.get("value", ""), "required" in a))
            elif (a.get("type") or "").lower() in ("submit", "image"):
                self._form.buttons.append((name, a.get("value", "")))
        elif tag == "button" and name and (a.get("type") or "submit") == "submit":
            self._form.buttons.append((name, a.get("value", "")))
        elif tag == "textarea" and name:
            self._textarea = Field(name, "text", "", "required" in a)
            self._form.fields.append(self._textarea)
        elif tag == "select" and name:
            self._select = Field(name, "choice", required="required" in a, multiple="multiple" in a)
            self._form.fields.append(self._select)
        elif tag == "option" and self._select is not None:
            self._option = a.get("value")
            value = self._option if self._option is not None else ""
            self._select.options.append(value)
            if "selected" in a:
                self._select.selected.append(value)

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea.value += data
        if self._select is not None and self._option is None and self._select.options:
            # <option> without a value attribute submits its text.
            self._select.options[-1] += data.strip()

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "textarea":
            if self._textarea is not None:
                self._textarea.value = self._textarea.value.removeprefix("\n")
            self._textarea = None
        elif tag == "select":
            self._select = None
        elif tag == "option":
            self._option = None


def forms_in(page: str, html: str) -> list[Form]:
    parser = FormParser(page)
    parser.feed(html)
    parser.close()
    return parser.forms


# Filling a form in -------------------------------------------------------------------------


def sensible(f: Field, today) -> str:
    """A valid value for a required field the page left empty."""
    name = f.name.lower()
    if f.kind == "date":
        return f"{today:%Y-%m}" if "month" in name else today.isoformat()
    if f.kind == "time":
        return "10:00" if "end" in name else "07:00"
    if f.kind == "number":
        return "1"
    if f.kind == "email":
        return "someone@example.org"
    if f.kind == "url":
        return "https://example.org/"
    return "Hostile input check"


def baseline(form: Form, today) -> list[tuple[str, str | bytes]]:
    """The form as a person would send it: what the page filled in, a sensible value in each
    required field it left empty, and the first box ticked in a group with none ticked."""
    pairs: list[tuple[str, str | bytes]] = []
    groups: dict[str, list[Field]] = {}
    for f in form.fields:
        if f.kind in ("checkbox", "radio"):
            groups.setdefault(f.name, []).append(f)
        elif f.kind == "file":
            continue
        elif f.kind == "choice":
            chosen = f.selected or ([f.options[0]] if f.options and not f.multiple else [])
            if (not chosen or chosen == [""]) and f.required:
                chosen = [o for o in f.options if o][:1]
            pairs += [(f.name, v) for v in chosen]
        else:
            value = f.value or (sensible(f, today) if f.required else "")
            pairs.append((f.name, value))
    for name, boxes in groups.items():
        ticked = [b for b in boxes if b.checked]
        if not ticked and (len(boxes) > 1 or boxes[0].required):
            ticked = boxes[:1]
        pairs += [(name, b.value) for b in ticked]
    return pairs


def hostile_kind(f: Field) -> str | None:
    """Which part of the corpus a field gets; None for the CSRF token and file inputs."""
    if f.name == "csrfmiddlewaretoken" or f.kind == "file":
        return None
    if f.kind in ("checkbox", "radio"):
        return "choice"
    if f.kind == "hidden":
        return "number" if f.value.isdigit() else "text"
    return f.kind


def with_value(pairs, name: str, value) -> list[tuple[str, str | bytes]]:
    """The pairs with this field's value(s) replaced by the one hostile value."""
    kept = [(n, v) for n, v in pairs if n != name]
    return [*kept, (name, value)]


def urlencoded(pairs) -> bytes:
    return "&".join(
        f"{quote_from_bytes(encoded(n))}={quote_from_bytes(encoded(v))}" for n, v in pairs
    ).encode("ascii")


def multipart(pairs, file_fields: list[str]) -> tuple[bytes, str]:
    boundary = "----hostile" + secrets.token_hex(8)
    out = bytearray()
    for name, value in pairs:
        out += f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
        out += encoded(value) + b"\r\n"
    for name in file_fields:
        # What a browser sends for a file input left empty.
        out += (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename=""\r\n'
            "Content-Type: application/octet-stream\r\n\r\n\r\n"
        ).encode()
    out += f"--{boundary}--\r\n".encode()
    return bytes(out), f"multipart/form-data; boundary={boundary}"


def submit(client: Client, form: Form, pairs, *, button: tuple[str, str] | None = None):
    if button is not None:
        pairs = [*pairs, button]
    if form.method == "get":
        return client.get(f"{form.action.split('?')[0]}?{urlencoded(pairs).decode()}")
    if form.multipart:
        files = [f.name for f in form.fields if f.kind == "file"]
        body, content_type = multipart(pairs, files)
    else:
        body, content_type = urlencoded(pairs), "application/x-www-form-urlencoded"
    return client.post(form.action, data=body, content_type=content_type)


# The database's state ----------------------------------------------------------------------

# Written by reading a page, not by a form: a signed-in session's row and its last-seen time.
UNTRACKED_TABLES = {"django_session", "usersessions_usersession"}


@functools.cache
def _snapshot_sql() -> str:
    tables = sorted(set(connection.introspection.table_names()) - UNTRACKED_TABLES)
    qn = connection.ops.quote_name
    return " UNION ALL ".join(
        f"SELECT '{t}', count(*), md5(coalesce(string_agg(r::text, '|' ORDER BY r::text), '')) "  # noqa: S608
        f"FROM {qn(t)} r"
        for t in tables
    )


def snapshot() -> dict[str, tuple[int, str]]:
    """Every table's row count and a hash of its rows: equal snapshots mean nothing changed."""
    with connection.cursor() as cursor:
        cursor.execute(_snapshot_sql())
        return {name: (count, digest) for name, count, digest in cursor.fetchall()}


@contextmanager
def rolled_back():
    """Run the block in a savepoint that is always rolled back, so each submission (or each
    hypothesis example) starts from the seeded records, whatever the last one wrote."""

    class Undo(Exception):
        pass

    try:
        with transaction.atomic():
            yield
            raise Undo
    except Undo:
        pass


def changed(before: dict, after: dict) -> list[str]:
    return sorted(t for t in before.keys() | after.keys() if before.get(t) != after.get(t))
