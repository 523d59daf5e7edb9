"""Every form in the app, found by walking the URL conf, fed hostile values one field at a time.

For each submission: no server error; a page shown back escapes the value and says what is
wrong; a rejected form writes nothing; a saved value reads back escaped.
"""

from dataclasses import dataclass

import pytest
from django.test import Client
from django.urls import Resolver404, resolve
from django.utils import timezone

from .corpus import CORPUS, SCRIPT_TAG, active_content, shown, shows_error
from .crawl import (
    Field,
    Form,
    baseline,
    changed,
    excluded,
    forms_in,
    hostile_kind,
    patterns,
    rolled_back,
    snapshot,
    submit,
    urls_for,
    with_value,
)

pytestmark = pytest.mark.django_db

# Patterns the crawler cannot fill in, and why. A new pattern with an argument the crawler does
# not know fails the crawl test until it is taught (crawl.arg_values) or listed.
SKIPPED: dict[str, str] = {}

# POST-only endpoints that no <form> on a page posts to, and why.
NOT_FROM_A_FORM = {
    # The live preview is posted by htmx as the TULO types in the section's textareas; the
    # form around them posts to section_save, which the crawler submits.
    "newsletters:section_preview": "posted by htmx from the section form's textareas",
    # Its form is on the preview that a POST to the import page answers with; test_import_hostile
    # posts hostile values to it.
    "strikes_import:apply": "on the preview of a posted file; see test_import_hostile",
    "pickets:representatives_import_apply": "on the preview of a posted file; see "
    "test_import_hostile",
}

# Endpoints that answer a valid POST with a page rather than a redirect.
ANSWER_WITH_A_PAGE = {
    "strikes_import:start",  # the preview of the rows
    "pickets:representatives_import",  # the preview of the rows
    "privacy:clp_requests",  # what is held about the person, before erasing
    "privacy:site_requests",
    "newsletters_public:unsubscribe",  # says the address is unsubscribed
    "pickets_going:cancel",  # says they are no longer down to go
}

# Fields a create form saves that neither the page it leads to nor the blank form shows; the
# edit form for the same record shows them, and is crawled too. A field of one of several forms
# on a page is named without its form's prefix ("body" for "d12-body").
NOT_SHOWN = {
    # The records page lists a branch by name and union, and a workplace by name and postcode.
    ("strikes:record_create", "contact_role"),
    ("strikes:record_create", "contact_route"),
    ("strikes:record_create", "address"),
    # The records page lists a union by name, not its website.
    ("strikes:record_create", "website"),
    # Sent, an invitation's text is in the email to the representative, not on a page; its
    # escaping there is tested in tests/pickets/test_invitations.py.
    ("pickets:invitation_drafts", "subject"),
    ("pickets:invitation_drafts", "body"),
}
# Kinds of field whose value a page shows back as text (a ticked box or a choice is not).
READ_BACK_KINDS = {"text", "email", "url"}

# Each page is opened by each of these; every form any of them is shown is submitted, as the
# first of them it was shown to. (An outsider is shown the button to join a CLP.)
ROLES = ("tulo", "anonymous", "outsider", "site_admin")

ESCAPED_SCRIPT = "&lt;script&gt;alert(1)&lt;/script&gt;"


def client_for(seeded, role: str) -> Client:
    # A server error is a status to report with the rest, not an exception that stops the run.
    client = Client(raise_request_exception=False)
    if role != "anonymous":
        client.force_login(getattr(seeded, role))
    return client


@dataclass
class Page:
    url: str
    name: str
    role: str
    html: str


def discover(seeded):
    """Every page the cast can open, the routes that could not be filled, and the POST-only
    endpoints (with the name of each)."""
    pages: list[Page] = []
    skipped: set[str] = set()
    post_only: dict[str, str] = {}
    seen: set[str] = set()
    clients = {role: client_for(seeded, role) for role in ROLES}
    for pattern in patterns():
        if excluded(pattern):
            continue
        urls = urls_for(pattern, seeded)
        if urls is None:
            skipped.add(pattern.route)
            continue
        for url in urls:
            if url in seen:
                continue
            seen.add(url)
            for role in ROLES:
                response = clients[role].get(url)
                assert response.status_code < 500, f"GET {url} as {role}: {response.status_code}"
                if response.status_code == 405:
                    post_only[url] = pattern.name
                    break
                if response.status_code == 200 and response["Content-Type"].startswith("text/html"):
                    pages.append(Page(url, pattern.name, role, response.content.decode()))
    return pages, skipped, post_only


def all_forms(pages: list[Page]) -> list[tuple[Form, Page]]:
    found: dict[tuple, tuple[Form, Page]] = {}
    for page in pages:
        for form in forms_in(page.url, page.html):
            if form.action.startswith("/"):
                found.setdefault(form.key, (form, page))
    return list(found.values())


def view_name(path: str) -> str:
    try:
        return resolve(path.split("?")[0]).view_name
    except Resolver404:
        return ""


def test_the_crawl_reaches_every_page_and_every_post_only_endpoint(seeded):
    pages, skipped, post_only = discover(seeded)
    posted_to = {view_name(form.action) for form, _ in all_forms(pages)}

    assert skipped == set(SKIPPED)
    assert len(pages) > 40, [p.url for p in pages]
    assert set(post_only.values()) - posted_to == set(NOT_FROM_A_FORM)


def saved_markup_reads_back(client, value, pages: list[str]) -> bool:
    """A saved markup value shows, escaped, on the page saving led to or on the form's page."""
    if not (isinstance(value, str) and SCRIPT_TAG in value):
        return True
    return any(ESCAPED_SCRIPT in client.get(url).content.decode(errors="replace") for url in pages)


def attempt(
    seeded, form: Form, page: Page, pairs, button, label: str, target: Field | None = None
) -> list[str]:
    """Submit once (with a hostile value in the `target` field, if given); say what went
    wrong."""
    problems = []
    value = pairs[-1][1] if target else None
    shown_back = target is not None and target.kind in READ_BACK_KINDS
    with rolled_back():
        client = client_for(seeded, page.role)
        before = snapshot()
        response = submit(client, form, pairs, button=button)
        status = response.status_code
        if status >= 500:
            return [f"{label}: server error {status}"]
        wrote = changed(before, snapshot())
        if 300 <= status < 400:
            location = response["Location"]
            if not location.startswith("/"):
                return []
            follow = client.get(location)
            if follow.status_code >= 500:
                return [f"{label}: the page it redirects to ({location}) fails"]
            html = follow.content.decode(errors="replace")
            if found := active_content(html):
                problems.append(f"{label}: unescaped on {location}: {found}")
            if shows_error(html):
                if wrote:
                    problems.append(f"{label}: refused but wrote to {wrote}")
            elif (
                not shown_back
                or (view_name(form.action), target.name.rpartition("-")[2]) in NOT_SHOWN
            ):
                pass
            elif not saved_markup_reads_back(client, value, [location, page.url]):
                problems.append(f"{label}: saved, but not shown escaped on {location}")
            return problems
        if not response.get("Content-Type", "").startswith("text/html"):
            return []
        html = response.content.decode(errors="replace")
        if found := active_content(html):
            problems.append(f"{label}: unescaped: {found}")
        if form.method != "post":
            return problems
        refused = status in (403, 404, 405, 429) or shows_error(html)
        if refused and wrote:
            problems.append(f"{label}: refused ({status}) but wrote to {wrote}")
        elif not refused and view_name(form.action) not in ANSWER_WITH_A_PAGE:
            problems.append(f"{label}: answered {status} with no error message")
    return problems


def test_hostile_values_in_every_form(seeded):
    pages, _, _ = discover(seeded)
    today = timezone.localdate()
    problems: list[str] = []
    submissions = 0
    for form, page in all_forms(pages):
        base = baseline(form, today)
        where = f"{form.method.upper()} {view_name(form.action)} (from {page.name})"
        for button in form.buttons or [None]:
            what = where + (f" [{button[0]}={button[1]}]" if button else "")
            # Once as the page has it: a form that is only a button is still pressed.
            problems += attempt(seeded, form, page, base, button, what)
            submissions += 1
            for f in form.fields:
                kind = hostile_kind(f)
                if kind is None:
                    continue
                for value in CORPUS[kind]:
                    pairs = with_value(base, f.name, value)
                    label = f"{what} {f.name}={shown(value)}"
                    problems += attempt(seeded, form, page, pairs, button, label, f)
                    submissions += 1
    assert not problems, f"{len(problems)} of {submissions} submissions:\n" + "\n".join(problems)
