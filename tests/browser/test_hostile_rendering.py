"""Hostile text saved in every field a page shows, then every such page opened in chromium: no
dialog opens, the content security policy is never violated, and the text shows as text."""

import datetime
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from newsletters.weekly.services import ensure_upcoming_digest

from ..factories import (
    ActionDayFactory,
    DisputeFactory,
    EmployerFactory,
    PicketLineFactory,
    PicketVisitFactory,
    PostcodeDistrictFactory,
    SolidarityActionFactory,
    SubscriberFactory,
    UnionFactory,
    WeeklyScheduleFactory,
    WorkplaceFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def hostile(field: str) -> str:
    """Markup that opens a dialog naming the field, if a page ever runs it."""
    return f'<script>alert("{field}")</script><img src=x onerror=alert("{field}")>'


def as_text(field: str) -> str:
    """How the value reads on a page that shows it as text."""
    return f'<script>alert("{field}")</script>'


# Records the page's own CSP violations, which the console may not show for every kind.
WATCH_CSP = (
    "window.__csp = [];"
    "document.addEventListener('securitypolicyviolation',"
    " (e) => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));"
)


@pytest.fixture
def hostile_records(clp):
    """Every field a page shows, holding markup, saved as a form or an import could save it."""
    # The email fell due at 23:59 last night and has not gone, so it is the one shown, and it
    # covers tomorrow whenever the test runs.
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    WeeklyScheduleFactory(clp=clp, weekday=yesterday.weekday(), send_time=datetime.time(23, 59))
    PostcodeDistrictFactory(clp=clp, district="N16")
    union = UnionFactory(name=hostile("union"), short_name="<img src=x onerror=alert(9)>")
    employer = EmployerFactory(name=hostile("employer"))
    workplace = WorkplaceFactory(
        employer=employer,
        name=hostile("workplace"),
        postcode="N16 7AA",
        latitude="51.56123",
        longitude="-0.07412",
    )
    dispute = DisputeFactory(
        title=hostile("title"),
        employer=employer,
        unions=[union],
        workplaces=[workplace],
        demands=hostile("demands"),
        hardship_fund_name=hostile("fund"),
        hardship_fund_url="https://example.org/fund",
    )
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    day = ActionDayFactory(
        dispute=dispute,
        date=tomorrow,
        start_time=datetime.time(7),
        end_time=datetime.time(10),
        note=hostile("day"),
    )
    line = PicketLineFactory(
        clp=clp,
        dispute=dispute,
        workplace=workplace,
        place=hostile("place"),
        postcode="N16 7AA",
        note=hostile("picket note"),
        action_days=[day],
    )
    visit = PicketVisitFactory(clp=clp, dispute=dispute, picket_line=line, report=hostile("visit"))
    action = SolidarityActionFactory(
        clp=clp,
        dispute=dispute,
        kind="message",
        date=timezone.localdate(),
        title=hostile("action"),
        note=hostile("action note"),
    )
    digest = ensure_upcoming_digest(clp)
    digest.note = hostile("digest")
    digest.save(update_fields=["note"])
    subscriber = SubscriberFactory(clp=clp, name=hostile("subscriber"))
    return {
        "dispute": dispute,
        "line": line,
        "visit": visit,
        "action": action,
        "subscriber": subscriber,
    }


def pages(clp, records) -> list[tuple[str, str, list[str]]]:
    """(who opens it, the page, the fields it must show as text)."""
    s = clp.slug
    dispute, line, visit = records["dispute"], records["line"], records["visit"]
    token = records["subscriber"].token
    return [
        ("tulo", reverse("dashboard", args=[s]), ["title"]),
        ("tulo", reverse("strikes:dispute_list", args=[s]), ["title"]),
        (
            "tulo",
            reverse("strikes:dispute_detail", args=[s, dispute.pk]),
            ["title", "employer", "demands", "day", "workplace"],
        ),
        ("tulo", reverse("strikes:records", args=[s]), ["union", "employer", "workplace"]),
        ("tulo", reverse("pickets:picket_lines", args=[s]), ["title", "place"]),
        ("tulo", reverse("pickets:picket_line", args=[s, line.pk]), ["place", "picket note"]),
        ("tulo", reverse("pickets:visits", args=[s]), ["title"]),
        ("tulo", reverse("pickets:visit", args=[s, visit.pk]), ["title", "visit"]),
        ("tulo", reverse("pickets:actions", args=[s]), ["action"]),
        ("tulo", reverse("pickets:report", args=[s]) + "?period=this_month", ["title"]),
        ("tulo", reverse("newsletters:weekly", args=[s]), ["digest", "title"]),
        ("tulo", reverse("newsletters:preview", args=[s]), ["digest", "title"]),
        ("anonymous", reverse("pickets_public:calendar", args=[s]), ["title", "place"]),
        ("anonymous", reverse("strikes_public:dispute", args=[dispute.pk]), ["title", "day"]),
        ("anonymous", reverse("pickets:picket_line", args=[s, line.pk]), ["place"]),
        ("anonymous", reverse("newsletters_public:manage", args=[token]), []),
        ("anonymous", reverse("pickets_public:calendar_map", args=[s]), []),
    ]


@pytest.fixture
def tulo_cookie(tulo):
    """The TULO's session, signed in (with two-factor) as the sign-in test does it by hand."""
    client = Client()
    client.force_login(tulo)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


@pytest.fixture
def watched(new_context, live_server, tulo_cookie):
    """Opens a page as someone, recording dialogs, console errors and CSP violations."""

    def open_page(role: str, path: str):
        context = new_context()
        if role == "tulo":
            host = urlsplit(live_server.url).hostname
            context.add_cookies(
                [
                    {
                        "name": settings.SESSION_COOKIE_NAME,
                        "value": tulo_cookie,
                        "domain": host,
                        "path": "/",
                    }
                ]
            )
        page = context.new_page()
        seen = {"dialogs": [], "console": [], "failed": []}
        page.on("dialog", lambda d: seen["dialogs"].append(d.message) or d.dismiss())
        # A failed load is reported by URL below; the console's copy of it names none.
        page.on(
            "console",
            lambda m: (
                seen["console"].append(m.text)
                if m.type in ("error", "warning") and "Failed to load resource" not in m.text
                else None
            ),
        )
        # An unescaped <img src=x> would be fetched; the email preview has no favicon link.
        page.on(
            "response",
            lambda r: (
                seen["failed"].append(f"{r.status} {r.url}")
                if r.status >= 400 and not r.url.endswith("/favicon.ico")
                else None
            ),
        )
        page.on("pageerror", lambda e: seen["console"].append(str(e)))
        page.add_init_script(WATCH_CSP)
        page.goto(live_server.url + path)
        page.wait_for_load_state("load")
        return page, seen

    return open_page


def test_hostile_text_shows_as_text_and_never_runs(watched, clp, hostile_records):
    problems = []
    for role, path, fields in pages(clp, hostile_records):
        page, seen = watched(role, path)
        if path.endswith("/calendar/map/"):
            # The popups are built in the browser from the page's JSON: open one.
            page.locator(".leaflet-marker-icon").first.click()
            page.locator(".leaflet-popup-content").wait_for()
            fields = ["workplace"]
        if "/subscriptions/" in path:
            shown = page.get_by_label("Your name (optional)").input_value()
            if shown != hostile("subscriber"):
                problems.append(f"{path}: the name box holds {shown!r}")
        text = page.inner_text("body")
        csp = page.evaluate("window.__csp")
        missing = [f for f in fields if as_text(f) not in text]
        if seen["dialogs"] or csp or seen["console"] or seen["failed"] or missing:
            problems.append(
                f"{role} {path}: dialogs {seen['dialogs']}, CSP {csp}, console "
                f"{seen['console']}, failed loads {seen['failed']}, not shown as text: {missing}"
            )

    assert not problems, "\n".join(problems)


def test_the_watch_sees_a_dialog_a_csp_violation_and_a_failed_load(watched, clp):
    """The checks above can fail: a dialog, a blocked inline script and a fetched <img src=x>
    on a real page are each recorded."""
    page, seen = watched("anonymous", reverse("pickets_public:calendar", args=[clp.slug]))

    page.evaluate("alert('opened')")
    page.evaluate(
        "document.body.insertAdjacentHTML('beforeend',"
        " '<img src=x onerror=alert(1)><iframe srcdoc=\"\"></iframe>');"
        "const s = document.createElement('script'); s.textContent = 'alert(2)';"
        "document.body.append(s);"
    )
    page.wait_for_function("window.__csp.length >= 2")
    page.wait_for_timeout(200)

    assert seen["dialogs"] == ["opened"]
    assert any("script-src" in v for v in page.evaluate("window.__csp"))
    assert any(url.endswith("/x") for url in seen["failed"])
    # What the test put in the page is its own, and no page of the site: axe does not see it.
    page.close()
