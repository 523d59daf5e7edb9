"""The TULO's actions on the monthly section, each in one transaction: drafting it from the
records (by the tick, a command or the TULO), drafting it again, saving an edit, approving a
version, and saving the schedule. The TULOs' notice of a draft and the editor's copy of an
approved version go through the outbox, written in the transaction that causes them.

A section's versions are numbered and approved one at a time under a lock on the section; an
approved version is never changed, so what went to the editor stays on record.
"""

import datetime
import enum
from typing import NamedTuple

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from clps.models import CLP, Membership, Role, User
from clps.outbox import queue_email

from ..markdown import to_styled_html, to_text
from ..models import (
    NewsletterSchedule,
    NewsletterSection,
    NewsletterSectionVersion,
    SectionSource,
)
from .column import column_text
from .prose import draft_markdown
from .schedule import first_of_month, newsletter_date
from .selectors import gather


def section_url(section: NewsletterSection) -> str:
    path = reverse("newsletters:section", args=[section.clp.slug, section.month])
    return settings.SITE_URL.rstrip("/") + path


@transaction.atomic
def newsletter_schedule_save(*, schedule: NewsletterSchedule) -> NewsletterSchedule:
    schedule.full_clean()
    schedule.save()
    return schedule


def _notify_drafted(section: NewsletterSection) -> None:
    """Tell each of the CLP's TULOs the draft is ready, with the draft."""
    schedule = NewsletterSchedule.objects.filter(clp=section.clp).first()
    context = {
        "clp": section.clp,
        "section": section,
        "url": section_url(section),
        "newsletter_on": newsletter_date(schedule, section.month) if schedule else None,
    }
    tulos = Membership.objects.filter(
        clp=section.clp, role=Role.TULO, user__is_active=True
    ).select_related("user")
    for membership in tulos:
        queue_email(
            "newsletter_section_drafted",
            to=membership.user.email,
            clp=section.clp_id,
            context={**context, "name": membership.user.name},
        )


def _drafted_version(
    section: NewsletterSection, *, number: int, by: User | None
) -> NewsletterSectionVersion:
    """Version `number` of the section, drafted afresh from the month's records."""
    content = gather(clp=section.clp, month=section.month)
    return NewsletterSectionVersion.objects.create(
        section=section,
        number=number,
        source=SectionSource.RECORDS,
        markdown=draft_markdown(content),
        column=column_text(content),
        created_by=by,
    )


@transaction.atomic
def section_build(
    *, clp: CLP, month: datetime.date, by: User | None = None, notify: bool = True
) -> tuple[NewsletterSection, bool]:
    """Draft the CLP's section for `month` from the records, unless it is drafted already.

    Returns the section and whether this call made it. The unique constraint on (CLP, month)
    makes two at once still one; only the call that made it tells the TULOs.
    """
    month = first_of_month(month)
    existing = NewsletterSection.objects.filter(clp=clp, month=month).first()
    if existing is not None:
        return existing, False
    try:
        # A savepoint, so that losing the race leaves this transaction fit to read the winner.
        with transaction.atomic():
            section = NewsletterSection.objects.create(clp=clp, month=month)
            _drafted_version(section, number=1, by=by)
            if notify:
                _notify_drafted(section)
    except IntegrityError:  # drafted by another worker between our read and our write
        return NewsletterSection.objects.get(clp=clp, month=month), False
    return section, True


def _lock(section: NewsletterSection) -> tuple[NewsletterSection, NewsletterSectionVersion]:
    """The section, locked so versions are numbered and approved one at a time, and its latest
    version (there is always one: a section is drafted with its first)."""
    section = NewsletterSection.objects.select_for_update().get(pk=section.pk)
    latest = section.versions.latest("number")
    return section, latest


@transaction.atomic
def section_redraft(*, section: NewsletterSection, by: User | None) -> NewsletterSectionVersion:
    """A new version drafted afresh from the records, for a month with more logged since."""
    section, latest = _lock(section)
    version = _drafted_version(section, number=latest.number + 1, by=by)
    section.save(update_fields=["updated_at"])
    return version


class SectionConflict(Exception):
    """The section changed since the page was opened: someone saved or approved a version.
    `latest` is the number of its latest version now."""

    def __init__(self, latest: int):
        super().__init__(f"version {latest} is the latest")
        self.latest = latest


@transaction.atomic
def section_edit(
    *, section: NewsletterSection, markdown: str, column: str, based_on: int, by: User | None
) -> NewsletterSectionVersion:
    """Save the TULO's text. The latest version is changed in place while it is their own
    unapproved edit; otherwise the text becomes a new version, so an approved version, and the
    draft as the records made it, stay as they were."""
    section, latest = _lock(section)
    if based_on != latest.number:
        raise SectionConflict(latest.number)
    markdown = markdown.replace("\r\n", "\n")
    column = column.replace("\r\n", "\n")
    if markdown == latest.markdown and column == latest.column:
        return latest
    if latest.is_approved or latest.source != SectionSource.EDITED or latest.created_by != by:
        latest = NewsletterSectionVersion.objects.create(
            section=section,
            number=latest.number + 1,
            source=SectionSource.EDITED,
            markdown=markdown,
            column=column,
            created_by=by,
        )
    else:
        latest.markdown, latest.column = markdown, column
        latest.save(update_fields=["markdown", "column", "updated_at"])
    section.save(update_fields=["updated_at"])
    return latest


class ApproveOutcome(enum.StrEnum):
    APPROVED = "approved"
    ALREADY_APPROVED = "already approved"  # a second press, or a retried request: nothing sent
    STALE = "stale"  # a newer version exists than the one on the page


class Approval(NamedTuple):
    outcome: ApproveOutcome
    latest: NewsletterSectionVersion  # the version approved, or the newer one a stale page missed


@transaction.atomic
def section_approve(*, section: NewsletterSection, number: int, by: User | None) -> Approval:
    """Approve the latest version and freeze it; once committed, email it to the newsletter
    editor. Approving twice sends nothing more."""
    section, latest = _lock(section)
    if number != latest.number:
        return Approval(ApproveOutcome.STALE, latest)
    if latest.is_approved:
        return Approval(ApproveOutcome.ALREADY_APPROVED, latest)
    schedule = NewsletterSchedule.objects.filter(clp_id=section.clp_id).first()
    latest.approved_at = timezone.now()
    latest.approved_by = by
    latest.editor_email = schedule.editor_email if schedule else ""
    latest.save(update_fields=["approved_at", "approved_by", "editor_email"])
    section.save(update_fields=["updated_at"])
    if latest.editor_email:
        latest.editor_mail = _queue_editor_copy(latest, section)
        latest.save(update_fields=["editor_mail"])
    return Approval(ApproveOutcome.APPROVED, latest)


def _queue_editor_copy(version: NewsletterSectionVersion, section: NewsletterSection):
    """The approved version for the newsletter editor, written with the approval: text, HTML
    and the Markdown as a file, with replies going to the TULO who approved it."""
    approver = version.approved_by
    return queue_email(
        "newsletter_section",
        to=version.editor_email,
        clp=section.clp_id,
        context={
            "clp": section.clp,
            "section": section,
            "version": version,
            "html": to_styled_html(version.markdown),
            "text": to_text(version.markdown),
            "approved_by": approver,
        },
        reply_to=approver.email if approver is not None and approver.email else "",
        attachments=[
            {
                "filename": f"union-updates-{section.month:%Y-%m}.md",
                "content": version.markdown,
                "mimetype": "text/markdown",
            }
        ],
    )
