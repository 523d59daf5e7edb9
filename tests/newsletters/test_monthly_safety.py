"""Whatever a TULO (or someone who has taken over their account) types into the section, it comes
out harmless: as sanitised HTML, as plain text and Markdown served only as downloads, and on our
own pages."""

import datetime
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from newsletters.markdown import to_html, to_styled_html, to_text
from newsletters.models import SectionSource

from ..factories import NewsletterSectionFactory, NewsletterSectionVersionFactory

pytestmark = pytest.mark.django_db

MONTH = datetime.date(2026, 10, 1)
HOSTILE = """## Pay <script>alert("heading")</script>

<script>alert("block")</script>

<img src=x onerror=alert(1)>

Click [here](javascript:alert(2)), [or here](JaVaScRiPt:alert(3)),
[or](data:text/html;base64,PHNjcmlwdD4=).

<a href="javascript:alert(4)" onclick="alert(5)">raw link</a> <b onmouseover="alert(6)">bold</b>

<iframe src="https://evil.example/"></iframe><style>body{display:none}</style>

![picture](javascript:alert(7)) [entity](&#106;avascript:alert(8)) [spaced]( javascript:alert(9) )

- A fair [link](https://example.org/strike-fund) and <https://example.org/calendar>
"""


class Elements(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str, str]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs += [(tag, name, value or "") for name, value in attrs]


def parsed(html: str) -> Elements:
    elements = Elements()
    elements.feed(html)
    return elements


def assert_harmless(html: str, *, own_scripts: bool = False) -> None:
    elements = parsed(html)
    scripts = [value for tag, name, value in elements.attrs if tag == "script" and name == "src"]
    if own_scripts:  # our own pages load our own static scripts, and nothing inline
        assert elements.tags.count("script") == len(scripts)
        assert all(src.startswith("/static/") for src in scripts)
    else:
        assert "script" not in elements.tags
    for bad in ("iframe", "img", "style", "object", "embed", "form", "b"):
        if not own_scripts:
            assert bad not in elements.tags, bad
    assert not [name for _, name, _ in elements.attrs if name.startswith("on")]
    for _, name, value in elements.attrs:
        squashed = "".join(value.split()).lower()
        assert not squashed.startswith(("javascript:", "data:", "vbscript:")), (name, value)


@pytest.fixture
def hostile_section(clp):
    section = NewsletterSectionFactory(clp=clp, month=MONTH)
    NewsletterSectionVersionFactory(
        section=section,
        source=SectionSource.EDITED,
        markdown=HOSTILE,
        column="<script>alert('column')</script> A column.",
    )
    return section


def test_the_html_keeps_the_words_and_drops_the_danger():
    for html in (to_html(HOSTILE), to_styled_html(HOSTILE)):
        assert_harmless(html)
        # Typed HTML is shown as the text it is.
        assert "&lt;script&gt;" in html
        elements = parsed(html)
        hrefs = [value for tag, name, value in elements.attrs if name == "href"]
        assert hrefs == ["https://example.org/strike-fund", "https://example.org/calendar"]
        assert ("a", "rel", "noopener noreferrer") in elements.attrs


def test_styles_are_added_only_to_the_tags_the_sanitiser_left():
    html = to_styled_html('<p style="x">typed</p>\n\n## Heading\n\n- item')
    elements = parsed(html)
    styled = {tag for tag, name, _ in elements.attrs if name == "style"}
    assert styled == {"div", "h2", "ul", "li", "p"}
    assert '&lt;p style="x"&gt;typed&lt;/p&gt;' in html


def test_plain_text_shows_links_beside_their_words():
    text = to_text(
        "## Coming up\n\nSee [the calendar](https://example.org/cal).\n\n- One\n- Two\n\n1. First"
    )
    assert text == (
        "Coming up\n=========\n\nSee the calendar (https://example.org/cal).\n\n- One\n- Two\n\n"
        "1. First\n"
    )


@pytest.mark.parametrize(
    ("fmt", "content_type", "suffix"),
    [
        ("text", "text/plain; charset=utf-8", "txt"),
        ("markdown", "text/markdown; charset=utf-8", "md"),
        ("column", "text/plain; charset=utf-8", "txt"),
        ("html", "text/html; charset=utf-8", "html"),
    ],
)
def test_downloads_are_attachments_that_no_browser_renders_as_a_page(
    client, clp, tulo, hostile_section, fmt, content_type, suffix
):
    client.force_login(tulo)
    url = reverse("newsletters:section_download", args=[clp.slug, MONTH, fmt])
    response = client.get(url)

    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    stem = "column" if fmt == "column" else "union-updates"
    assert response["Content-Disposition"] == (f'attachment; filename="{stem}-2026-10-v1.{suffix}"')
    assert response["X-Content-Type-Options"] == "nosniff"
    if fmt == "html":
        assert_harmless(response.content.decode())


def test_an_unknown_download_format_is_not_found(client, clp, tulo, hostile_section):
    client.force_login(tulo)
    url = reverse("newsletters:section_download", args=[clp.slug, MONTH, "exe"])
    assert client.get(url).status_code == 404


def test_our_pages_show_typed_html_as_text(client, clp, tulo, executive, hostile_section):
    pages = [
        reverse("newsletters:section", args=[clp.slug, MONTH]),
        reverse("newsletters:section_copy", args=[clp.slug, MONTH]),
        reverse("newsletters:section_version", args=[clp.slug, MONTH, 1]),
    ]
    for user in (tulo, executive):
        client.force_login(user)
        for url in pages:
            response = client.get(url)
            assert response.status_code == 200
            assert_harmless(response.content.decode(), own_scripts=True)
    client.force_login(tulo)
    preview = client.post(
        reverse("newsletters:section_preview", args=[clp.slug, MONTH]),
        {"markdown": HOSTILE, "column": "three short words"},
    )
    assert_harmless(preview.content.decode())
    assert "3 words" in preview.content.decode()
