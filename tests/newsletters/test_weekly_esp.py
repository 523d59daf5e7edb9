"""The weekly email through an email service's batch API (anymail's SendGrid backend, against
a fake service): merge data per recipient, one call per batch, and which errors are retried."""

import pytest
from django.utils import timezone

from newsletters import delivery
from newsletters.digest import MANAGE_PLACEHOLDER, UNSUBSCRIBE_PLACEHOLDER, upcoming_digest
from newsletters.models import (
    Delivery,
    DeliveryStatus,
    Digest,
    DigestStatus,
    Subscriber,
    WeeklySchedule,
)

from .fake_esp import IDEMPOTENCY_HEADER, FakeESP

pytestmark = pytest.mark.django_db


@pytest.fixture
def esp(settings):
    with FakeESP() as fake:
        settings.MAILERS = {"default": {"BACKEND": "anymail.backends.sendgrid.EmailBackend"}}
        settings.ANYMAIL = {
            "SENDGRID_API_KEY": "fake-esp-key",
            "SENDGRID_API_URL": fake.url,
            "REQUESTS_TIMEOUT": 1,
        }
        settings.WEEKLY_BATCH_ESP = None  # found from the backend
        settings.WEEKLY_BATCH_SIZE = 2
        fake.keep_messages = True
        yield fake


@pytest.fixture
def members(clp):
    WeeklySchedule.objects.create(clp=clp, skip_empty=False)  # "Nothing new this week."
    return [
        Subscriber.objects.create(
            clp=clp, email=f"member{n}@example.org", status="active", consent_at=timezone.now()
        )
        for n in range(5)
    ]


def test_each_batch_is_one_call_with_each_recipients_own_links_and_headers(esp, clp, members):
    digest = upcoming_digest(clp)
    assert delivery.send_all(digest.pk) == 5
    assert esp.calls == 3  # batches of 2
    assert sorted(m["personalizations"][0]["to"][0]["email"] for m in esp.messages) == sorted(
        s.email for s in members
    )
    by_email = {s.email: s for s in members}
    ids = dict(Delivery.objects.values_list("subscriber__email", "pk"))
    for message in esp.messages:
        (personalization,) = message["personalizations"]
        (to,) = personalization["to"]  # nobody sees another's address
        member = by_email[to["email"]]
        assert personalization["substitutions"][UNSUBSCRIBE_PLACEHOLDER].endswith(
            f"/subscriptions/{member.token}/unsubscribe/"
        )
        assert personalization["substitutions"][MANAGE_PLACEHOLDER].endswith(
            f"/subscriptions/{member.token}/"
        )
        headers = personalization["headers"]
        assert member.token in headers["List-Unsubscribe"]
        assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert headers[IDEMPOTENCY_HEADER] == str(ids[member.email])
        # Rendered once: the placeholders are the merge fields the service fills in.
        text, html = (part["value"] for part in message["content"])
        assert UNSUBSCRIBE_PLACEHOLDER in text and UNSUBSCRIBE_PLACEHOLDER in html
    assert set(Delivery.objects.values_list("status", flat=True)) == {DeliveryStatus.SENT}
    assert all(Delivery.objects.values_list("esp_message_id", flat=True))
    assert Digest.objects.get().status == DigestStatus.SENT


def test_the_batch_is_capped_at_the_services_limit(settings):
    settings.WEEKLY_BATCH_SIZE = 5000
    assert delivery.batch_size("sendgrid") == 1000
    assert delivery.batch_size("") == 5000


def test_a_permanent_error_fails_the_batch_without_a_retry(esp, clp, members):
    esp.fail_with = 400
    digest = upcoming_digest(clp)
    assert delivery.send_all(digest.pk) == 0
    assert esp.calls == 0
    assert set(Delivery.objects.values_list("status", flat=True)) == {DeliveryStatus.FAILED}
    assert "400" in Delivery.objects.first().error
    assert Digest.objects.get().status == DigestStatus.SENT


@pytest.mark.parametrize("status", [500, 503, 429])
def test_a_temporary_error_leaves_the_batch_queued_for_a_retry(esp, clp, members, status):
    from anymail.exceptions import AnymailAPIError

    esp.fail_with = status
    digest = upcoming_digest(clp)
    with pytest.raises(AnymailAPIError):
        delivery.send_all(digest.pk)
    assert Delivery.objects.filter(status=DeliveryStatus.QUEUED).count() == 5
    esp.fail_with = None
    assert delivery.send_all(digest.pk) == 5
    assert len(esp.delivered) == 5


def test_a_hanging_service_times_out_and_the_batch_waits_for_a_retry(esp, clp, members):
    from anymail.exceptions import AnymailAPIError

    esp.hang_for = 2  # longer than REQUESTS_TIMEOUT
    digest = upcoming_digest(clp)
    with pytest.raises(AnymailAPIError):
        delivery.send_all(digest.pk)
    assert Delivery.objects.filter(status=DeliveryStatus.QUEUED).count() == 5


def test_the_fake_service_drops_a_repeat_of_a_delivery(esp, clp, members):
    digest = delivery.prepare(upcoming_digest(clp).pk)
    claimed = delivery._claim(digest, 2)
    connection = delivery._connection()
    delivery._send(connection, "sendgrid", digest, claimed, delivery._Personal())  # then dies
    later = timezone.now() + delivery.datetime.timedelta(minutes=11)
    assert delivery.requeue_stuck(later, after=delivery.datetime.timedelta(minutes=10)) == 2
    assert delivery.send_all(digest.pk) == 5
    assert len(esp.accepted) == 7 and esp.dropped == 2
    assert sorted(esp.delivered.values()) == sorted(s.email for s in members)
