"""The TULO edits and approves the section: approval freezes a version and emails it to the
newsletter editor exactly once; later edits make new versions, and every version is kept."""

import datetime
import re

import pytest
from django.core import mail
from django.urls import reverse

from clps import outbox
from clps.models import MailStatus
from newsletters.models import (
    NewsletterSchedule,
    NewsletterSection,
    NewsletterSectionVersion,
    SectionSource,
    SectionStatus,
)
from newsletters.monthly import services

from ..factories import NewsletterScheduleFactory

pytestmark = pytest.mark.django_db

MONTH = datetime.date(2026, 10, 1)
EDITOR = "editor@example.org"


@pytest.fixture
def section(clp) -> NewsletterSection:
    NewsletterScheduleFactory(clp=clp, editor_email=EDITOR)
    made, _ = services.section_build(clp=clp, month=MONTH, notify=False)
    return made


def url(name: str, clp, *args) -> str:
    return reverse(f"newsletters:{name}", args=[clp.slug, MONTH, *args])


def save(client, clp, markdown: str, *, based_on: int, column: str = "A short column."):
    return client.post(
        url("section_save", clp),
        {"markdown": markdown, "column": column, "based_on": based_on},
    )


def versions(section) -> list[tuple[int, str, bool]]:
    return [(v.number, v.source, v.is_approved) for v in section.versions.order_by("number").all()]


def test_an_edit_keeps_the_draft_from_the_records_as_version_one(client, clp, tulo, section):
    drafted = section.versions.get().markdown
    client.force_login(tulo)

    assert save(client, clp, "## Union updates\n\nFirst go.", based_on=1).status_code == 302
    assert save(client, clp, "## Union updates\n\nSecond go.", based_on=2).status_code == 302

    assert versions(section) == [
        (1, SectionSource.RECORDS, False),
        (2, SectionSource.EDITED, False),
    ]
    assert section.versions.get(number=1).markdown == drafted
    assert section.versions.get(number=2).markdown == "## Union updates\n\nSecond go."


def test_approval_sends_one_email_with_both_parts_however_often_it_is_pressed(
    client, clp, tulo, section, eager, django_capture_on_commit_callbacks
):
    client.force_login(tulo)
    save(
        client,
        clp,
        "## Union updates\n\nWe **won** at [the depot](https://example.org/).",
        based_on=1,
    )

    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(url("section_approve", clp), {"version": "2"}, follow=True)
    with django_capture_on_commit_callbacks(execute=True):
        again = client.post(url("section_approve", clp), {"version": "2"}, follow=True)
    outbox.send_outgoing_mail.delay(section.versions.get(number=2).editor_mail_id)  # a retry

    assert "Approved version 2. It is on its way to editor@example.org." in first.content.decode()
    assert "Version 2 was already approved; nothing more was sent." in again.content.decode()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [EDITOR]
    assert message.reply_to == [tulo.email]
    assert message.subject == (
        "Union updates for October 2026: Hackney North & Stoke Newington newsletter"
    )
    assert "We won at the depot (https://example.org/)." in message.body
    html = message.alternatives[0].content
    assert message.alternatives[0].mimetype == "text/html"
    assert "We <strong>won</strong> at <a style=" in html
    assert 'href="https://example.org/"' in html
    assert "<script" not in html
    (attachment,) = message.attachments
    assert attachment.filename == "union-updates-2026-10.md"
    assert "We **won**" in attachment.content

    version = section.versions.get(number=2)
    assert version.approved_by == tulo and version.editor_email == EDITOR
    assert version.editor_emailed_at is not None
    section.refresh_from_db()
    assert section.status == SectionStatus.APPROVED


def test_a_failing_email_service_leaves_it_to_the_retry_which_sends_once(
    clp, tulo, section, settings, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        services.section_approve(section=section, number=1, by=tulo)
    version = section.versions.get(number=1)
    settings.MAILERS = {"default": {"BACKEND": "tests.newsletters.failing_backend.EmailBackend"}}
    with pytest.raises(ConnectionError):
        outbox.send(version.editor_mail_id)
    version.refresh_from_db()
    assert version.editor_emailed_at is None and version.editor_mail.status == MailStatus.QUEUED

    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    assert outbox.send(version.editor_mail_id) is True
    assert outbox.send(version.editor_mail_id) is False
    assert len(mail.outbox) == 1


def test_an_edit_after_approval_makes_a_new_version_and_the_approved_one_stays(
    client, clp, tulo, section, django_capture_on_commit_callbacks
):
    client.force_login(tulo)
    sent = section.versions.get(number=1).markdown
    with django_capture_on_commit_callbacks(execute=False):
        client.post(url("section_approve", clp), {"version": "1"})

    response = save(client, clp, sent + "\nOne more line.", based_on=1)
    assert response.status_code == 302

    assert versions(section) == [(1, SectionSource.RECORDS, True), (2, SectionSource.EDITED, False)]
    assert section.versions.get(number=1).markdown == sent
    section.refresh_from_db()
    assert section.status == SectionStatus.DRAFT
    page = client.get(url("section", clp)).content.decode()
    assert "Version 1</a>" in page and "Version 2</a>" in page
    assert "Approved" in page
    old = client.get(url("section_version", clp, 1)).content.decode()
    assert "One more line." not in old and "approved by Priya Sharma" in old


def test_approving_an_old_version_is_refused(client, clp, tulo, section):
    client.force_login(tulo)
    save(client, clp, "Newer words.", based_on=1)
    response = client.post(url("section_approve", clp), {"version": "1"}, follow=True)
    assert "Version 2 was saved since you opened the page" in response.content.decode()
    assert not NewsletterSectionVersion.objects.filter(approved_at__isnull=False).exists()
    assert mail.outbox == []


def test_a_save_over_someone_elses_newer_version_keeps_what_was_typed(client, clp, tulo, section):
    from clps.models import Role

    from ..factories import MembershipFactory

    colleague = MembershipFactory(clp=clp, role=Role.TULO).user
    services.section_edit(section=section, markdown="Theirs.", column="", based_on=1, by=colleague)
    client.force_login(tulo)

    response = save(client, clp, "Mine, typed <carefully>.", based_on=1)

    assert response.status_code == 409
    page = response.content.decode()
    assert "Version 2 was saved by someone else while you were editing" in page
    assert "Mine, typed &lt;carefully&gt;." in page
    assert 'name="based_on" value="2"' in page
    assert versions(section) == [(1, "records", False), (2, "edited", False)]
    assert section.versions.get(number=2).markdown == "Theirs."


def test_approval_with_no_editor_address_sends_nothing_and_says_so(
    client, clp, tulo, section, django_capture_on_commit_callbacks
):
    NewsletterSchedule.objects.filter(clp=clp).update(editor_email="")
    client.force_login(tulo)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(url("section_approve", clp), {"version": "1"}, follow=True)
    assert callbacks == []
    assert "No newsletter editor&#x27;s address is set" in response.content.decode()
    assert section.versions.get(number=1).is_approved
    assert mail.outbox == []


def test_drafting_again_from_the_records_makes_a_new_version(client, clp, tulo, section):
    client.force_login(tulo)
    save(client, clp, "My edit.", based_on=1)
    response = client.post(url("section_redraft", clp), follow=True)
    assert "Drafted again from the records as version 3" in response.content.decode()
    assert versions(section) == [(1, "records", False), (2, "edited", False), (3, "records", False)]
    assert section.versions.get(number=3).markdown == section.versions.get(number=1).markdown


def test_a_section_too_long_is_explained_and_kept(client, clp, tulo, section):
    client.force_login(tulo)
    response = save(client, clp, "x" * 20_001, based_on=1)
    assert response.status_code == 400
    assert "The section is too long" in response.content.decode()
    assert versions(section) == [(1, "records", False)]


def test_the_list_of_months_shows_each_status_as_its_latest_version_stands(
    client, clp, tulo, section, django_capture_on_commit_callbacks
):
    services.section_build(clp=clp, month=datetime.date(2026, 9, 1), notify=False)
    client.force_login(tulo)
    index = reverse("newsletters:sections", args=[clp.slug])

    def badges() -> list[str]:
        page = client.get(index).content.decode()
        return re.findall(r'<span class="badge(?: local)?">(\w+)</span>', page)

    assert badges() == ["Draft", "Draft"]
    with django_capture_on_commit_callbacks(execute=False):
        client.post(url("section_approve", clp), {"version": "1"})
    assert badges() == ["Approved", "Draft"]
    save(client, clp, "Changed after approval.", based_on=1)
    assert badges() == ["Draft", "Draft"]
