"""What production sends with every kind of page: HTTPS only, a strict Content-Security-Policy
with no inline script or style, and the headers that keep the app out of frames, other windows
and the browser's devices.

The security settings are read from tuliaison.settings.production in a subprocess (it needs
its environment variables to load) and applied to the test's own app, so the test checks what
production would send, not a copy of it."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import override_settings
from django.urls import reverse

from ..factories import PASSWORD
from .production import production_environ

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]

SECURITY_SETTINGS = [
    "MIDDLEWARE",
    "SECURE_PROXY_SSL_HEADER",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "SECURE_CSP",
    "SECURE_CSP_REPORT_ONLY",
    "SECURE_REFERRER_POLICY",
    "SECURE_CROSS_ORIGIN_OPENER_POLICY",
    "SECURE_CONTENT_TYPE_NOSNIFF",
    "X_FRAME_OPTIONS",
    "PERMISSIONS_POLICY",
    "SESSION_COOKIE_SECURE",
    "SESSION_COOKIE_HTTPONLY",
    "SESSION_COOKIE_SAMESITE",
    "CSRF_COOKIE_SECURE",
    "CSRF_COOKIE_HTTPONLY",
    "CSRF_COOKIE_SAMESITE",
]

HTTPS = {"X-Forwarded-Proto": "https"}


@pytest.fixture(scope="module")
def production_security_settings() -> dict:
    environ = production_environ()
    code = (
        "import json, django; django.setup(); from django.conf import settings; "
        f"print(json.dumps({{n: getattr(settings, n) for n in {SECURITY_SETTINGS!r}}}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout)
    values["SECURE_PROXY_SSL_HEADER"] = tuple(values["SECURE_PROXY_SSL_HEADER"])
    return values


@pytest.fixture
def production(production_security_settings):
    with override_settings(**production_security_settings):
        yield production_security_settings


def csp_directives(header: str) -> dict[str, list[str]]:
    directives = {}
    for part in header.split(";"):
        name, *sources = part.split()
        directives[name] = sources
    return directives


def assert_secure_headers(response, path: str) -> None:
    headers = response.headers
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains", path
    csp = headers["Content-Security-Policy"]
    assert "unsafe" not in csp, path
    directives = csp_directives(csp)
    assert directives["default-src"] == ["'self'"], path
    assert directives["script-src"] == ["'self'"], path
    assert directives["style-src"] == ["'self'"], path
    assert directives["object-src"] == ["'none'"], path
    assert directives["frame-ancestors"] == ["'none'"], path
    assert directives["base-uri"] == ["'self'"], path
    assert headers["Referrer-Policy"] == "same-origin", path
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin", path
    assert headers["X-Content-Type-Options"] == "nosniff", path
    assert headers["X-Frame-Options"] == "DENY", path
    policy = {p.strip() for p in headers["Permissions-Policy"].split(",")}
    assert {"camera=()", "microphone=()", "geolocation=()", "payment=()", "usb=()"} <= policy


def test_every_kind_of_page_sends_the_security_headers(production, client, clp, tulo):
    pages = [
        (reverse("pickets_public:calendar", args=[clp.slug]), 200),
        (reverse("strikes_public:clp_ics", args=[clp.slug]), 200),
        (reverse("account_login"), 200),
        ("/no-such-page/", 404),
    ]
    for path, status in pages:
        response = client.get(path, headers=HTTPS)
        assert response.status_code == status, path
        assert_secure_headers(response, path)

    client.force_login(tulo)
    path = reverse("dashboard", args=[clp.slug])
    response = client.get(path, headers=HTTPS)
    assert response.status_code == 200
    assert_secure_headers(response, path)


def test_plain_http_is_sent_to_https(production, client, clp):
    response = client.get(reverse("pickets_public:calendar", args=[clp.slug]))
    assert response.status_code == 301
    assert response["Location"].startswith("https://")


def test_cookies_go_only_over_https_and_not_to_scripts(production, client, member):
    response = client.post(
        reverse("account_login"), {"login": member.email, "password": PASSWORD}, headers=HTTPS
    )
    assert response.status_code == 302
    session = response.cookies["sessionid"]
    assert session["secure"] and session["httponly"]
    assert session["samesite"] == "Lax"
    csrf = client.get(reverse("account_email"), headers=HTTPS).cookies["csrftoken"]
    assert csrf["secure"] and csrf["httponly"]


def test_page_templates_need_no_inline_script_or_style():
    """The policy forbids inline script and style, so no page template may carry any (the
    emails, read in a mail client, and the weekly email's preview, which has its own policy,
    excepted)."""
    templates = [
        path
        for path in ROOT.glob("**/templates/**/*.html")
        if ".venv" not in path.parts and "emails" not in path.parts
    ]
    assert len(templates) > 20
    offenders = []
    for path in templates:
        text = path.read_text()
        for needle in ("<script>", "<script type", "<style", " style=", " onclick=", " onload="):
            if needle in text:
                offenders.append(f"{path.relative_to(ROOT)}: {needle.strip()}")
    assert offenders == []
