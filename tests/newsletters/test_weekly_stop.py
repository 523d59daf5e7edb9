"""A send that keeps failing stops for the TULO to look into instead of burning through the
list: the TULO is told once, by email and on the dashboard, and resumes it when it is fixed."""

import datetime
import re

import pytest
from celery.signals import before_task_publish, task_retry
from django.urls import reverse

from clps import public_cache
from newsletters.models import (
    Delivery,
    DeliveryStatus,
    Digest,
    DigestStatus,
    Subscriber,
    SubscriberStatus,
)
from newsletters.services import subscriber_bounced, unsubscribe
from newsletters.weekly import selectors, sending
from newsletters.weekly.services import ensure_upcoming_digest, resume
from newsletters.weekly.tasks import send_digest
from tuliaison.celery import app

from ..factories import DigestFactory

pytestmark = pytest.mark.django_db


def statuses() -> dict[str, int]:
    return {s: Delivery.objects.filter(status=s).count() for s in DeliveryStatus.values}


def tulo_emails(esp) -> list[dict]:
    return [m for m in esp.messages if m["to"] == "tulo@example.org"]


def test_a_service_refusing_every_batch_stops_the_send_and_tells_the_tulo_once(
    esp, clp, tulo, members, monkeypatch, django_capture_on_commit_callbacks, eager
):
    monkeypatch.setattr(sending, "FAILURE_SAMPLE", 4)
    esp.fail_batches_with = 401  # a wrong API key: every batch is refused
    digest = ensure_upcoming_digest(clp)

    with django_capture_on_commit_callbacks(execute=True):
        assert sending.send_all(digest.pk) == 0
    digest.refresh_from_db()
    assert digest.status == DigestStatus.STOPPED
    assert digest.stop_reason.startswith("4 of 4 refused by the email service: ")
    assert "401" in digest.stop_reason
    # Two batches of two refused, then it stopped: the fifth member was never tried.
    assert statuses() == {"queued": 1, "in_flight": 0, "sent": 0, "failed": 4}

    (told,) = tulo_emails(esp)
    assert told["subject"] == f"The weekly email for {clp.name} has stopped sending"
    for body in (told["text"], told["html"]):
        assert "4 of 4 refused by the email service" in body
        assert reverse("newsletters:digest", args=[clp.slug, digest.pk]) in body
        assert "Resume" in body

    # A repeat of the task changes nothing and tells nobody again.
    with django_capture_on_commit_callbacks(execute=True):
        assert sending.send_all(digest.pk) == 0
        assert send_digest.apply(args=[digest.pk]).get() == 0
    assert len(tulo_emails(esp)) == 1
    assert statuses()["queued"] == 1


def test_the_tulo_sees_it_stopped_and_resumes_once_the_service_works(
    esp, client, clp, tulo, members, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(sending, "FAILURE_SAMPLE", 4)
    esp.fail_batches_with = 401
    digest = ensure_upcoming_digest(clp)
    sending.send_all(digest.pk)
    client.force_login(tulo)

    dashboard = client.get(reverse("dashboard", args=[clp.slug])).content.decode()
    assert "stopped sending: too many emails failed" in dashboard
    page = client.get(reverse("newsletters:digest", args=[clp.slug, digest.pk])).content.decode()
    assert "Sending stopped because too many emails failed" in page
    assert "Resume sending" in page

    esp.fail_batches_with = None
    published = []

    def record(sender=None, body=None, **kwargs):
        published.append((sender, list(body[0])))

    before_task_publish.connect(record)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(reverse("newsletters:digest_resume", args=[clp.slug, digest.pk]))
    finally:
        before_task_publish.disconnect(record)
    assert response.status_code == 302
    assert published == [("newsletters.send_digest", [digest.pk])]
    app.control.purge()
    send_digest.apply(args=[digest.pk])  # as the worker takes it
    digest.refresh_from_db()
    assert digest.status == DigestStatus.SENT and digest.stop_reason == ""
    assert statuses()["sent"] == 5
    assert sorted(esp.delivered.values()) == sorted(m.email for m in members)
    # Resuming what is not stopped does nothing.
    again = client.post(
        reverse("newsletters:digest_resume", args=[clp.slug, digest.pk]), follow=True
    )
    assert "nothing to resume" in again.content.decode()
    assert (
        "stopped sending" not in client.get(reverse("dashboard", args=[clp.slug])).content.decode()
    )


def test_a_few_refused_recipients_do_not_stop_the_send(esp, clp, tulo, members, monkeypatch):
    monkeypatch.setattr(sending, "FAILURE_RATE_LIMIT", 0.5)
    esp.fail_batches_with, esp.fail_batches_times = 400, 1  # the first batch only
    digest = ensure_upcoming_digest(clp)
    assert sending.send_all(digest.pk) == 3
    assert Digest.objects.get().status == DigestStatus.SENT
    assert statuses() == {"queued": 0, "in_flight": 0, "sent": 3, "failed": 2}


def test_a_failing_service_pauses_the_send_and_backs_off_until_it_stops(
    esp, clp, tulo, members, caplog
):
    esp.fail_with = 503
    digest = ensure_upcoming_digest(clp)
    seen = []

    def record(**kwargs):
        seen.append(Digest.objects.get().status)

    task_retry.connect(record)
    try:  # run eagerly, each retry follows at once instead of after its wait
        result = send_digest.apply(args=[digest.pk])
    finally:
        task_retry.disconnect(record)
    waits = [int(s) for s in re.findall(r"Retry in (\d+)s", caplog.text)]
    assert waits == [60, 120, 240, 480, 960, 1920, 3600, 3600, 3600, 3600]
    assert seen == [DigestStatus.PAUSED] * 10
    assert esp.requests == 11  # one call a try: the batch waits, nothing spins
    assert result.state == "FAILURE"
    digest.refresh_from_db()
    assert digest.status == DigestStatus.STOPPED
    assert digest.stop_reason.startswith("the email service kept failing: ")
    assert statuses()["queued"] == 5


def test_a_hanging_service_times_out_and_counts_as_failing(esp, clp, members, caplog):
    esp.hang_for = 2  # longer than REQUESTS_TIMEOUT
    digest = ensure_upcoming_digest(clp)
    result = send_digest.apply(args=[digest.pk], retries=send_digest.max_retries - 1)
    assert re.findall(r"Retry in (\d+)s", caplog.text) == ["3600"]
    assert result.state == "FAILURE"
    assert Digest.objects.get().status == DigestStatus.STOPPED
    assert statuses()["queued"] == 5


def test_when_the_retries_run_out_sending_stops_and_the_tulo_is_told(
    clp, tulo, members, settings, mailoutbox, django_capture_on_commit_callbacks
):
    settings.MAILERS = {"default": {"BACKEND": "tests.newsletters.failing_backend.EmailBackend"}}
    digest = ensure_upcoming_digest(clp)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        result = send_digest.apply(args=[digest.pk], retries=send_digest.max_retries)
    assert result.state == "FAILURE"
    digest.refresh_from_db()
    assert digest.status == DigestStatus.STOPPED
    assert digest.stop_reason.startswith("the email service kept failing: ")
    assert statuses()["queued"] == 5
    # The email to the TULOs, sent once the stop is saved (the rest put public pages out of date).
    assert len([c for c in callbacks if not public_cache.is_bump(c)]) == 1


def test_the_figures_count_bounces_and_unsubscribes_against_the_last_digest_sent(
    client, clp, tulo, members, mailoutbox
):
    first = ensure_upcoming_digest(clp)
    sending.send_all(first.pk)
    unsubscribe(subscriber=members[0])
    subscriber_bounced(email=members[1].email, reason="bounced")
    subscriber_bounced(email=members[2].email, reason="complained")
    assert selectors.outcomes(first) == {"bounced": 2, "unsubscribed": 1}

    # The next week's email goes to the other two; one of them unsubscribes after it.
    second = DigestFactory(clp=clp, week_start=first.week_start + datetime.timedelta(days=7))
    sending.send_all(second.pk)
    assert Delivery.objects.filter(digest=second).count() == 2
    unsubscribe(subscriber=members[3])
    assert selectors.outcomes(second) == {"bounced": 0, "unsubscribed": 1}
    assert selectors.outcomes(first) == {"bounced": 2, "unsubscribed": 1}

    client.force_login(tulo)
    page = client.get(reverse("newsletters:digest", args=[clp.slug, first.pk]))
    assert page.context["outcomes"] == {"bounced": 2, "unsubscribed": 1}
    assert "<dt>Bounced</dt><dd>2</dd>" in page.content.decode()
    assert "<dt>Unsubscribed</dt><dd>1</dd>" in page.content.decode()


def test_nobody_who_left_the_list_while_the_email_waited_is_sent_it(
    esp, client, clp, tulo, members
):
    """The email is prepared for everyone subscribed then. Whoever unsubscribes, or whose address
    bounces or complains, before their batch is claimed is sent nothing: their delivery fails
    with the reason, and the rest go."""
    digest = sending.prepare(ensure_upcoming_digest(clp).pk)
    assert Delivery.objects.filter(digest=digest, status=DeliveryStatus.QUEUED).count() == 5
    unsubscribe(subscriber=members[0])
    subscriber_bounced(email=members[1].email, reason="bounced")
    subscriber_bounced(email=members[2].email, reason="complained")

    assert sending.send_all(digest.pk) == 2
    assert sorted(esp.delivered.values()) == [members[3].email, members[4].email]
    left = Delivery.objects.filter(subscriber__in=members[:3])
    assert {(d.status, d.error) for d in left} == {(DeliveryStatus.FAILED, sending.SUBSCRIBER_LEFT)}
    assert left.count() == 3
    digest.refresh_from_db()
    assert digest.status == DigestStatus.SENT
    # The TULO sees them as not sent, apart from what the service refused.
    assert selectors.figures(digest) == {
        "queued": 0,
        "in_flight": 0,
        "sent": 2,
        "failed": 0,
        "withheld": 3,
    }
    client.force_login(tulo)
    page = client.get(reverse("newsletters:digest", args=[clp.slug, digest.pk])).content.decode()
    assert "<dt>Failed</dt><dd>0</dd>" in page
    assert "<dt>Not sent</dt><dd>3</dd>" in page
    assert "who marked an earlier email as spam, or whose details were erased" in page
    assert 'value="100"' in page


def test_a_resumed_send_does_not_send_to_who_left_the_list_while_it_was_stopped(
    esp, clp, members, monkeypatch
):
    monkeypatch.setattr(sending, "FAILURE_SAMPLE", 4)
    esp.fail_batches_with = 401
    digest = ensure_upcoming_digest(clp)
    sending.send_all(digest.pk)
    assert statuses()["failed"] == 4
    unsubscribe(subscriber=members[0])  # refused by the service, then left
    esp.fail_batches_with = None

    assert resume(digest=digest)
    sending.send_all(digest.pk)
    assert sorted(esp.delivered.values()) == sorted(m.email for m in members[1:])
    # Theirs stays as the service left it: refused, and not tried again.
    gone = Delivery.objects.get(subscriber=members[0])
    assert gone.status == DeliveryStatus.FAILED and "401" in gone.error
    assert statuses() == {"queued": 0, "in_flight": 0, "sent": 4, "failed": 1}


def test_someone_who_left_before_the_next_email_went_counts_against_the_last_they_were_sent(
    clp, members, mailoutbox
):
    first = ensure_upcoming_digest(clp)
    sending.send_all(first.pk)
    second = DigestFactory(clp=clp, week_start=first.week_start + datetime.timedelta(days=7))
    sending.prepare(second.pk)
    unsubscribe(subscriber=members[0])  # after the second was prepared: it is not sent to them
    sending.send_all(second.pk)
    assert Delivery.objects.get(digest=second, subscriber=members[0]).status == "failed"
    assert selectors.outcomes(first) == {"bounced": 0, "unsubscribed": 1}
    assert selectors.outcomes(second) == {"bounced": 0, "unsubscribed": 0}


def test_a_resumed_send_leaves_withheld_who_came_back_and_the_tulo_is_told_of_them(
    esp, clp, tulo, members, django_capture_on_commit_callbacks, eager
):
    """Someone withheld for leaving who then comes back is not sent the email on resume: their
    batch went without them, and a retry with them in it would not be the call its key names.
    The TULO's email about the stop counts them apart."""
    digest = sending.prepare(ensure_upcoming_digest(clp).pk)
    unsubscribe(subscriber=members[0])
    assert sending.send_all(digest.pk) == 4
    Subscriber.objects.filter(pk=members[0].pk).update(status=SubscriberStatus.ACTIVE)
    Digest.objects.filter(pk=digest.pk).update(status=DigestStatus.SENDING)
    with django_capture_on_commit_callbacks(execute=True):
        assert sending.stop(digest.pk, "the email service kept failing: 503")
    (told,) = tulo_emails(esp)
    assert "Sent so far: 4. Failed: 0. Still waiting: 0." in told["text"]
    assert "Not sent because they left the list or were erased: 1." in told["text"]
    assert "Not sent because they left the list or were erased: 1." in told["html"]

    assert resume(digest=digest)
    assert sending.send_all(digest.pk) == 0
    assert sorted(esp.delivered.values()) == sorted(m.email for m in members[1:])
    withheld = Delivery.objects.get(subscriber=members[0])
    assert (withheld.status, withheld.error) == (DeliveryStatus.FAILED, sending.SUBSCRIBER_LEFT)
