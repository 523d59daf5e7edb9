"""The outbox: one-off emails written with the change that causes them, sent at most once
after commit, retried while the email service fails, and shown to the TULO when they fail."""

import datetime
import smtplib

import pytest
from django.core import mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from clps import outbox
from clps.models import MailStatus, OutgoingMail
from tuliaison.tasks import due_jobs

pytestmark = pytest.mark.django_db

LINKS = {"manage_url": "https://example.org/s/x/", "unsubscribe_url": "https://example.org/s/x/u/"}


def queue(clp, to="tulo@example.org") -> OutgoingMail:
    return outbox.queue_email("already_subscribed", to=to, clp=clp, context={**LINKS, "clp": clp})


class Refusing:
    """An email backend whose server refuses the recipient (a permanent failure) or is down."""

    def __init__(self, exc: Exception) -> None:
        self.exc = exc

    def __call__(self, *args, **kwargs):
        raise self.exc


def test_an_email_goes_once_after_commit_however_often_its_task_runs(
    clp, eager, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        row = queue(clp)
        assert mail.outbox == []  # not before the commit
    outbox.send_outgoing_mail.delay(row.pk)  # a repeated task
    assert outbox.send(row.pk) is False
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["tulo@example.org"]
    row.refresh_from_db()
    assert (row.status, row.attempts, row.error) == (MailStatus.SENT, 1, "")
    assert row.sent_at is not None


def test_a_change_rolled_back_writes_and_sends_nothing(clp, eager):
    with pytest.raises(RuntimeError), transaction.atomic():
        queue(clp)
        raise RuntimeError("the change failed")
    assert not OutgoingMail.objects.exists()
    assert mail.outbox == []


def test_a_failing_service_leaves_it_queued_for_the_retry(clp, monkeypatch):
    row = queue(clp)
    monkeypatch.setattr(
        "django.core.mail.backends.locmem.EmailBackend.send_messages",
        Refusing(smtplib.SMTPServerDisconnected("Connection unexpectedly closed")),
    )
    with pytest.raises(smtplib.SMTPServerDisconnected):
        outbox.send(row.pk)
    row.refresh_from_db()
    assert row.status == MailStatus.QUEUED and "unexpectedly closed" in row.error
    monkeypatch.undo()
    assert outbox.send(row.pk) is True
    assert len(mail.outbox) == 1


def test_the_last_try_marks_it_failed(clp, monkeypatch):
    row = queue(clp)
    monkeypatch.setattr(
        "django.core.mail.backends.locmem.EmailBackend.send_messages",
        Refusing(smtplib.SMTPServerDisconnected("down")),
    )
    assert outbox.send(row.pk, final=True) is False
    row.refresh_from_db()
    assert row.status == MailStatus.FAILED


def test_a_refused_address_fails_at_once_and_the_tulo_sees_it_and_sends_it_again(
    client, clp, tulo, monkeypatch, eager, django_capture_on_commit_callbacks
):
    row = queue(clp, to="nobody@example.org")
    monkeypatch.setattr(
        "django.core.mail.backends.locmem.EmailBackend.send_messages",
        Refusing(smtplib.SMTPRecipientsRefused({"nobody@example.org": (550, b"No such user")})),
    )
    assert outbox.send(row.pk) is False
    row.refresh_from_db()
    assert row.status == MailStatus.FAILED and "No such user" in row.error

    client.force_login(tulo)
    dashboard = client.get(reverse("dashboard", args=[clp.slug])).content.decode()
    assert "1 email could not be sent" in dashboard
    page = client.get(reverse("clps:outbox", args=[clp.slug])).content.decode()
    assert "nobody@example.org" in page and "Not sent" in page and "Send again" in page

    monkeypatch.undo()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("clps:outbox_send_again", args=[clp.slug, row.pk]), follow=True
        )
    assert "Sending" in response.content.decode()
    assert [m.to for m in mail.outbox] == [["nobody@example.org"]]
    row.refresh_from_db()
    assert row.status == MailStatus.SENT
    again = client.post(reverse("clps:outbox_send_again", args=[clp.slug, row.pk]), follow=True)
    assert "nothing to send again" in again.content.decode()
    assert len(mail.outbox) == 1


def test_another_clps_email_is_not_found(client, clp, other_clp, tulo):
    theirs = queue(other_clp)
    OutgoingMail.objects.filter(pk=theirs.pk).update(status=MailStatus.FAILED)
    client.force_login(tulo)
    response = client.post(reverse("clps:outbox_send_again", args=[clp.slug, theirs.pk]))
    assert response.status_code == 404
    assert (
        "tulo@example.org"
        not in client.get(reverse("clps:outbox", args=[clp.slug])).content.decode()
    )


def test_the_tick_fails_rows_stuck_in_sending_and_enqueues_rows_whose_task_was_lost(clp, eager):
    now = timezone.now()
    stuck, lost, fresh = queue(clp), queue(clp, "lost@example.org"), queue(clp, "new@example.org")
    OutgoingMail.objects.filter(pk=stuck.pk).update(
        status=MailStatus.SENDING, claimed_at=now - datetime.timedelta(minutes=11)
    )
    OutgoingMail.objects.filter(pk__in=[lost.pk]).update(
        created_at=now - datetime.timedelta(minutes=3)
    )
    # Waiting for its task's own retry, which backs off: not enqueued again meanwhile.
    retrying = queue(clp, "retrying@example.org")
    OutgoingMail.objects.filter(pk=retrying.pk).update(
        attempts=2, claimed_at=now - datetime.timedelta(minutes=5),
        created_at=now - datetime.timedelta(minutes=30),
    )  # fmt: skip
    # ... unless that retry is long overdue: it was lost too.
    overdue = queue(clp, "overdue@example.org")
    OutgoingMail.objects.filter(pk=overdue.pk).update(
        attempts=1, claimed_at=now - datetime.timedelta(minutes=80)
    )
    assert due_jobs(now).get("outgoing_mail") == 2
    stuck.refresh_from_db()
    assert stuck.status == MailStatus.FAILED and stuck.error == outbox.STUCK_ERROR
    # Never the stuck one, nor the one waiting for its retry.
    assert [m.to for m in mail.outbox] == [["lost@example.org"], ["overdue@example.org"]]
    fresh.refresh_from_db()
    assert fresh.status == MailStatus.QUEUED  # its own task is on its way


@pytest.mark.parametrize("rows", [3, 30])
def test_the_outbox_page_costs_the_same_queries_whatever_its_length(
    client, clp, tulo, rows, django_assert_num_queries
):
    OutgoingMail.objects.bulk_create(
        OutgoingMail(
            clp=clp,
            kind="picket_reminder",
            to=f"m{n}@example.org",
            subject="s",
            text="t",
            html="h",
            status=MailStatus.SENT,
        )  # fmt: skip
        for n in range(rows)
    )
    client.force_login(tulo)
    client.get(reverse("clps:outbox", args=[clp.slug]))  # sessions and caches warmed
    with django_assert_num_queries(5):
        response = client.get(reverse("clps:outbox", args=[clp.slug]))
    assert response.content.decode().count("m1") >= 1
    assert ("Older emails" in response.content.decode()) == (rows > 25)


def test_a_confirmation_that_failed_is_not_sent_again_once_the_address_unsubscribes(
    client, clp, tulo
):
    from newsletters.services import suppress

    failed = outbox.queue_email(
        "already_subscribed", to="ada@example.org", clp=clp, context={**LINKS, "clp": clp}
    )
    OutgoingMail.objects.filter(pk=failed.pk).update(status=MailStatus.FAILED)
    reminder = queue(clp, "ada@example.org")  # not about the list: it stays
    reminder.kind = "picket_reminder"
    reminder.save()
    suppress(email="Ada@example.org", reason="unsubscribed", clp=clp)
    assert list(OutgoingMail.objects.values_list("pk", flat=True)) == [reminder.pk]
