"""Every weekly email has a web version anyone can read, without anyone's personal links; each
CLP has an archive of them and an Atom feed carrying each email whole. The way in is the
"Read it in your browser" link of an email as it arrived."""

import datetime
import xml.etree.ElementTree as ET
from html import escape
from urllib.parse import urlsplit

import pytest
from django.apps import apps
from django.test import Client
from django.urls import reverse

from newsletters.models import DigestStatus
from newsletters.weekly import sending
from newsletters.weekly.services import ensure_upcoming_digest

from ..factories import DigestFactory

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"


def row_counts() -> dict[str, int]:
    return {m._meta.label: m._default_manager.count() for m in apps.get_models()}


@pytest.fixture
def sent(smtp_server, clp, members):
    """The week's email, sent, as the first subscriber received it."""
    digest = ensure_upcoming_digest(clp)
    assert sending.send_all(digest.pk) == len(members)
    digest.refresh_from_db()
    return digest, smtp_server.received[0]


def test_the_email_links_to_its_web_version_which_carries_no_personal_link(sent, members):
    digest, received = sent
    (link,) = [u for u in received.links() if "/emails/" in u]
    assert link in received.text and f'href="{link}"' in received.html
    response = Client().get(urlsplit(link).path)
    assert response.status_code == 200
    page = response.content.decode()
    assert escape(digest.subject) in page
    assert 'property="og:title"' in page and f'content="{link}"' in page
    for member in members:
        assert member.token not in page
    assert "/subscriptions/" not in page and "__TULIAISON" not in page
    assert "https://wa.me/?text=" in page and "https://t.me/share/url?" in page
    assert "mailto:?subject=" in page
    assert "Get it every week" in page
    csp = response["Content-Security-Policy"]
    assert "script-src" not in csp and "default-src 'none'" in csp


def test_a_link_scanner_opening_every_link_changes_nothing(sent):
    _, received = sent
    before = row_counts()
    scanner = Client()
    ours = [u for u in received.links() if urlsplit(u).netloc == "tuliaison.example.org"]
    assert len(ours) >= 4  # web version, calendar, details, unsubscribe
    for link in ours:
        assert scanner.get(urlsplit(link).path).status_code in (200, 302)
    assert row_counts() == before


def test_an_email_sent_before_web_versions_were_kept_stays_private(client, clp):
    old = DigestFactory(clp=clp, status=DigestStatus.SENT, html="<p>Ring me on 07700 900123</p>")
    url = reverse("newsletters_public:web_version", args=[clp.slug, old.week_start])
    assert client.get(url).status_code == 404
    archive = client.get(reverse("newsletters_public:archive", args=[clp.slug])).content.decode()
    assert "No weekly email has gone out yet" in archive


def test_the_archive_and_feed_list_what_went_out_and_nothing_else(sent, client, clp):
    digest, _ = sent
    held = DigestFactory(clp=clp, week_start=digest.week_start.replace(year=2020), html="x")
    assert held.status == DigestStatus.DRAFT
    archive = client.get(reverse("newsletters_public:archive", args=[clp.slug])).content.decode()
    assert escape(digest.subject) in archive and "2020" not in archive
    unsent = reverse("newsletters_public:web_version", args=[clp.slug, held.week_start])
    assert client.get(unsent).status_code == 404

    response = client.get(reverse("newsletters_public:archive_feed", args=[clp.slug]))
    assert response["Content-Type"].startswith("application/atom+xml")
    root = ET.fromstring(response.content)  # noqa: S314 (the app's own feed)
    (entry,) = root.findall(f"{ATOM}entry")
    assert entry.findtext(f"{ATOM}title") == digest.subject
    web = entry.find(f"{ATOM}link").get("href")
    assert web.endswith(f"/c/{clp.slug}/emails/{digest.week_start.isoformat()}/")
    content = entry.find(f"{ATOM}content")
    assert content.get("type") == "html" and "Nothing new this week" in content.text
    assert "/subscriptions/" not in content.text and "<body" not in content.text


@pytest.mark.parametrize("weeks", [3, 30])
def test_the_archive_costs_the_same_queries_however_long(
    client, clp, weeks, django_assert_num_queries
):
    for n in range(weeks):
        DigestFactory(
            clp=clp,
            week_start=datetime.date(2026, 11, 23) - datetime.timedelta(weeks=n),
            status=DigestStatus.SENT,
            subject=f"Week {n}",
            html="<p>sent</p>",
            web_html="<p>sent</p>",
        )
    url = reverse("newsletters_public:archive", args=[clp.slug])
    with django_assert_num_queries(2):
        page = client.get(url).content.decode()
    assert page.count("Week of ") == min(weeks, 20)
    assert ("Earlier weeks" in page) == (weeks > 20)
