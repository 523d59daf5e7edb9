"""The emails the outbox keeps are personal data: in a person's copy, gone with their erasure,
and deleted after the period the privacy notice states."""

import datetime

import pytest
from django.utils import timezone

from clps.models import MailStatus, OutgoingMail
from clps.personal_data import OUTGOING_MAIL_DAYS
from privacy.erasure import person_erase
from privacy.export import person_export
from privacy.people import person_find
from privacy.retention import retention_run

from ..factories import OutgoingMailFactory

pytestmark = pytest.mark.django_db


def mail(clp, to: str) -> OutgoingMail:
    return OutgoingMailFactory(clp=clp, to=to, status=MailStatus.SENT)


def test_the_copy_lists_the_emails_written_to_the_person(clp, site_admin):
    mail(clp, "Sam@Example.org")
    mail(clp, "other@example.org")
    copy = person_export(person=person_find(email="sam@example.org", clp=None))
    assert [m["to"] for m in copy["emails_written_to_you"]] == ["Sam@Example.org"]


def test_erasure_deletes_the_emails_written_to_the_person(clp, site_admin):
    mail(clp, "sam@example.org")
    kept = mail(clp, "other@example.org")
    result = person_erase(email="sam@example.org", by=site_admin)
    assert result.erased["emails"] == 1
    assert list(OutgoingMail.objects.values_list("pk", flat=True)) == [kept.pk]


def test_emails_are_deleted_after_the_stated_period(clp):
    now = timezone.now()
    old = mail(clp, "a@example.org")
    OutgoingMail.objects.filter(pk=old.pk).update(
        created_at=now - datetime.timedelta(days=OUTGOING_MAIL_DAYS, minutes=1)
    )
    recent = mail(clp, "b@example.org")
    assert retention_run(now=now)["outgoing_mail"] == 1
    assert list(OutgoingMail.objects.values_list("pk", flat=True)) == [recent.pk]


def test_a_tulos_erasure_reaches_only_their_own_clps_emails(clp, other_clp, tulo):
    from newsletters.services import subscribe

    subscribe(clp=clp, email="sam@example.org")  # what gives this CLP the person
    mine = mail(clp, "sam@example.org")
    theirs = mail(other_clp, "sam@example.org")
    result = person_erase(email="sam@example.org", by=tulo, clp=clp)
    assert result.erased["emails"] >= 1
    assert not OutgoingMail.objects.filter(pk=mine.pk).exists()
    assert OutgoingMail.objects.filter(pk=theirs.pk).exists()


def test_erasure_reaches_a_name_as_html_writes_it(clp, site_admin):
    """A TULO's note naming someone with an apostrophe is kept as text and as HTML, where the
    apostrophe is escaped: both lose the name, the public web version included."""
    from newsletters.models import Digest, DigestStatus

    from ..factories import SubscriberFactory

    SubscriberFactory(clp=clp, email="mary@example.org", name="Mary O'Brien")
    digest = Digest.objects.create(
        clp=clp,
        week_start=datetime.date(2026, 11, 23),
        status=DigestStatus.SENT,
        note="Thanks to Mary O'Brien for the banner",
        text="Thanks to Mary O'Brien for the banner",
        html="<p>Thanks to Mary O&#x27;Brien for the banner</p>",
        web_html="<p>Thanks to Mary O&#x27;Brien for the banner</p>",
    )
    person_erase(email="mary@example.org", by=site_admin)
    digest.refresh_from_db()
    for kept in (digest.note, digest.text, digest.html, digest.web_html):
        assert "Brien" not in kept and "for the banner" in kept
