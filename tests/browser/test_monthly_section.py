"""The newsletter deadline on a phone: the TULO edits the drafted section, watches the preview
follow her typing, approves it for the newsletter editor, and copies the HTML out."""

import datetime

import pytest
from django.core import mail
from django.urls import reverse
from playwright.sync_api import Locator, expect

from clps.models import Role
from newsletters.models import NewsletterSection
from newsletters.monthly import services

from ..conftest import enable_totp
from ..factories import MembershipFactory, NewsletterScheduleFactory
from .helpers import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MONTH = datetime.date(2026, 10, 1)
EDITED = """## Union updates: October 2026

We **won** at the hospital: cleaning is back in-house.

- 23 members went to nine picket lines.
"""


def test_tulo_edits_previews_approves_and_copies_the_html(live_server, phone, settings, clp, eager):
    settings.MFA_TOTP_TOLERANCE = 1
    tulo = MembershipFactory(clp=clp, role=Role.TULO, user__name="Priya Sharma").user
    secret = enable_totp(tulo)
    NewsletterScheduleFactory(clp=clp, editor_email="editor@example.org")
    services.section_build(clp=clp, month=MONTH, notify=False)
    phone.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)

    phone.goto(live_server.url + reverse("newsletters:section", args=[clp.slug, MONTH]))
    sign_in(phone, tulo.email, totp_secret=secret)
    expect(
        phone.get_by_role("heading", name="Union updates: October 2026", level=1)
    ).to_be_visible()
    preview = phone.locator("#section-preview")
    expect(preview.get_by_text("A quiet month in our records")).to_be_visible()

    # She rewrites it; the preview follows without a save.
    phone.get_by_label("Section (Markdown)").fill(EDITED)
    expect(preview.locator("strong")).to_have_text("won")
    expect(preview.get_by_text("A quiet month in our records")).to_have_count(0)
    expect(preview.get_by_role("listitem")).to_have_text("23 members went to nine picket lines.")
    phone.get_by_role("button", name="Save").click()
    expect(phone.get_by_text("Saved as version 2.")).to_be_visible()

    phone.get_by_role("button", name="Approve and send to the editor").click()
    expect(
        phone.get_by_text("Approved version 2. It is on its way to editor@example.org.")
    ).to_be_visible()
    assert [m.to for m in mail.outbox] == [["editor@example.org"]]
    assert NewsletterSection.objects.get(clp=clp).status == "approved"

    phone.get_by_role("link", name="Copy out").click()
    expect(
        phone.get_by_role("heading", name="Copy out: union updates, October 2026")
    ).to_be_visible()
    html_box = phone.locator("#copy-html")
    phone.get_by_role("button", name="Copy HTML").click()
    expect(phone.locator('[data-copy-status="copy-html"]')).to_have_text("Copied.")
    copied = phone.evaluate("navigator.clipboard.readText()")
    assert copied == html_box.input_value()
    assert "<strong>won</strong>" in copied and '<h2 style="' in copied


def test_executive_reads_a_long_column_by_keyboard_on_a_phone(live_server, phone, settings, clp):
    """The column and the Markdown scroll in their boxes on the executive's pages: each box
    takes the keyboard's focus, so Page Down reads on (and axe-core finds them keyboard-reachable,
    which it did not while they had no tabindex)."""
    settings.MFA_TOTP_TOLERANCE = 1
    tulo = MembershipFactory(clp=clp, role=Role.TULO).user
    executive = MembershipFactory(clp=clp, role=Role.EXECUTIVE).user
    secret = enable_totp(executive)
    section, _ = services.section_build(clp=clp, month=MONTH, notify=False)
    column = "\n\n".join(f"Paragraph {n} of the column for the local paper." for n in range(60))
    services.section_edit(section=section, markdown=EDITED * 20, column=column, based_on=1, by=tulo)

    section_page = reverse("newsletters:section", args=[clp.slug, MONTH])
    phone.goto(live_server.url + section_page)
    sign_in(phone, executive.email, totp_secret=secret)
    expect(
        phone.get_by_role("heading", name="Union updates: October 2026", level=1)
    ).to_be_visible()
    reads_on_by_keyboard(phone.get_by_role("region", name="The column's text"))

    phone.goto(live_server.url + reverse("newsletters:section_version", args=[clp.slug, MONTH, 2]))
    reads_on_by_keyboard(phone.get_by_role("region", name="The section in Markdown"))
    reads_on_by_keyboard(phone.get_by_role("region", name="The column's text"))


def reads_on_by_keyboard(box: Locator) -> None:
    assert box.evaluate("b => b.scrollHeight > b.clientHeight"), "the box does not scroll"
    box.focus()
    expect(box).to_be_focused()
    box.press("PageDown")
    box.page.wait_for_function("box => box.scrollTop > 0", arg=box.element_handle())
