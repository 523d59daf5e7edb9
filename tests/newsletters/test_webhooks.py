"""The email service's tracking webhook: Postmark's JSON events posted to anymail's real
/anymail/postmark/tracking/ endpoint, with the basic auth of ANYMAIL["WEBHOOK_SECRET"]."""

import base64
import datetime
import json

import pytest

from newsletters.models import Subscriber, SubscriberStatus, Suppression
from newsletters.selectors import active_subscribers
from newsletters.services import SignupOutcome, is_suppressed, subscribe

from ..factories import DeliveryFactory, DigestFactory, SubscriberFactory

pytestmark = pytest.mark.django_db

URL = "/anymail/postmark/tracking/"
ADDRESS = "ada@example.org"
MESSAGE_ID = "883953f4-6105-42a2-a16a-77a8eac79483"


def auth(secret: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(secret.encode()).decode()}


@pytest.fixture
def good_auth(settings):
    return auth(settings.ANYMAIL["WEBHOOK_SECRET"])


def bounce(type_="HardBounce", type_code=1, email=ADDRESS, record_type="Bounce"):
    """A Postmark bounce webhook, as its documentation shows one."""
    return {
        "RecordType": record_type,
        "MessageStream": "outbound",
        "ID": 4323372036854775807,
        "Type": type_,
        "TypeCode": type_code,
        "Name": "Hard bounce",
        "Tag": "weekly",
        "MessageID": MESSAGE_ID,
        "Metadata": {},
        "ServerID": 23,
        "Description": "The server was unable to deliver your message (ex: unknown user).",
        "Details": "smtp;550 5.1.1 The email account that you tried to reach does not exist.",
        "Email": email,
        "From": "noreply@tuliaison.example.org",
        "BouncedAt": "2026-11-23T08:01:02Z",
        "DumpAvailable": True,
        "Inactive": True,
        "CanActivate": True,
        "Subject": "Strikes and ballots this week",
        "Content": "",
    }


def complaint(email=ADDRESS):
    return bounce("SpamComplaint", 512, email=email, record_type="SpamComplaint")


def subscription_change(email=ADDRESS, message_id=MESSAGE_ID):
    return {
        "RecordType": "SubscriptionChange",
        "MessageID": message_id,
        "ServerID": 23,
        "MessageStream": "outbound",
        "ChangedAt": "2026-11-23T09:00:00Z",
        "Recipient": email,
        "Origin": "Recipient",
        "SuppressSending": True,
        "SuppressionReason": "ManualSuppression",
        "Tag": "weekly",
        "Metadata": {},
    }


def post(client, payload, headers):
    return client.post(URL, json.dumps(payload), content_type="application/json", **headers)


@pytest.fixture
def everywhere(clp, other_clp):
    """The same address on two CLPs' lists, once in other capitals."""
    return [
        SubscriberFactory(clp=clp, email=ADDRESS),
        SubscriberFactory(clp=other_clp, email="Ada@Example.org"),
    ]


@pytest.fixture
def bystander(clp):
    return SubscriberFactory(clp=clp, email="grace@example.org")


def statuses(subscribers):
    return [Subscriber.objects.get(pk=s.pk).status for s in subscribers]


def test_a_hard_bounce_suppresses_the_address_in_every_clp(
    client, good_auth, clp, other_clp, everywhere, bystander
):
    response = post(client, bounce(), good_auth)

    assert response.status_code == 200
    assert statuses(everywhere) == [SubscriberStatus.BOUNCED, SubscriberStatus.BOUNCED]
    assert statuses([bystander]) == [SubscriberStatus.ACTIVE]
    [row] = Suppression.objects.all()
    assert (row.clp, row.reason) == (None, "bounced")
    assert is_suppressed(clp=clp, email=ADDRESS) and is_suppressed(clp=other_clp, email=ADDRESS)
    assert list(active_subscribers(clp)) == [bystander]
    assert list(active_subscribers(other_clp)) == []


@pytest.mark.parametrize("event", [bounce, complaint], ids=["bounce", "complaint"])
def test_subscribing_again_afterwards_sends_nothing(
    client, good_auth, clp, other_clp, event, mailoutbox, django_capture_on_commit_callbacks
):
    post(client, event(), good_auth)

    with django_capture_on_commit_callbacks(execute=True):
        assert subscribe(clp=clp, email=ADDRESS) == SignupOutcome.SUPPRESSED
        assert subscribe(clp=other_clp, email="ADA@example.org ") == SignupOutcome.SUPPRESSED
    assert mailoutbox == []
    assert not Subscriber.objects.exists()


def test_a_complaint_marks_every_clp_and_suppresses(
    client, good_auth, clp, other_clp, everywhere, bystander
):
    assert post(client, complaint(), good_auth).status_code == 200

    assert statuses(everywhere) == [SubscriberStatus.COMPLAINED, SubscriberStatus.COMPLAINED]
    assert list(Suppression.objects.values_list("clp", "reason")) == [(None, "complained")]
    assert list(active_subscribers(clp)) == [bystander]
    assert list(active_subscribers(other_clp)) == []


def test_a_bounce_after_a_complaint_leaves_it_a_complaint(client, good_auth, everywhere):
    post(client, complaint(), good_auth)
    post(client, bounce(), good_auth)

    assert statuses(everywhere) == [SubscriberStatus.COMPLAINED, SubscriberStatus.COMPLAINED]
    assert set(Suppression.objects.values_list("clp", "reason")) == {
        (None, "complained"),
        (None, "bounced"),
    }


@pytest.mark.parametrize(
    "payload",
    [
        bounce("SoftBounce", 4096),
        bounce("Transient", 2),
        bounce("DnsError", 8),
        {  # a delivery, for good measure
            "RecordType": "Delivery",
            "MessageID": MESSAGE_ID,
            "Recipient": ADDRESS,
            "DeliveredAt": "2026-11-23T08:01:02Z",
            "Details": "smtp;250 2.0.0 OK",
            "Tag": "weekly",
            "ServerID": 23,
            "MessageStream": "outbound",
            "Metadata": {},
        },
    ],
    ids=["soft bounce", "transient", "dns error", "delivered"],
)
def test_soft_bounces_and_deferrals_change_nothing(
    client, good_auth, clp, other_clp, everywhere, payload
):
    assert post(client, payload, good_auth).status_code == 200

    assert statuses(everywhere) == [SubscriberStatus.ACTIVE, SubscriberStatus.ACTIVE]
    assert not Suppression.objects.exists()
    assert len(active_subscribers(clp)) == len(active_subscribers(other_clp)) == 1


@pytest.mark.parametrize(
    "headers",
    [
        {},
        auth("anymail-test:wrong"),
        auth("someone:not-secret"),
        {"HTTP_AUTHORIZATION": "Bearer x"},
    ],
    ids=["none", "wrong password", "wrong user", "not basic"],
)
@pytest.mark.parametrize("event", [bounce, complaint, subscription_change])
def test_without_the_secret_nothing_changes(client, everywhere, headers, event):
    response = post(client, event(), headers)

    assert response.status_code in (400, 401, 403)
    assert statuses(everywhere) == [SubscriberStatus.ACTIVE, SubscriberStatus.ACTIVE]
    assert not Suppression.objects.exists()


@pytest.mark.parametrize("event", [bounce, complaint, subscription_change])
def test_repeating_an_event_is_harmless(client, good_auth, everywhere, event):
    post(client, event(), good_auth)
    after_first = (statuses(everywhere), list(Suppression.objects.values_list("pk", "clp")))
    unsubscribed_at = [Subscriber.objects.get(pk=s.pk).unsubscribed_at for s in everywhere]

    for _ in range(2):
        assert post(client, event(), good_auth).status_code == 200

    assert (statuses(everywhere), list(Suppression.objects.values_list("pk", "clp"))) == (
        after_first
    )
    assert [Subscriber.objects.get(pk=s.pk).unsubscribed_at for s in everywhere] == (
        unsubscribed_at
    )


def test_an_unsubscribe_at_the_service_for_an_unknown_message_leaves_every_list(
    client, good_auth, clp, other_clp, everywhere, bystander
):
    assert post(client, subscription_change(), good_auth).status_code == 200

    assert statuses(everywhere) == [SubscriberStatus.UNSUBSCRIBED] * 2
    assert set(Suppression.objects.values_list("clp", "reason")) == {
        (clp.pk, "unsubscribed"),
        (other_clp.pk, "unsubscribed"),
    }
    assert list(active_subscribers(clp)) == [bystander]
    assert list(active_subscribers(other_clp)) == []


def test_an_unsubscribe_from_one_of_our_emails_leaves_that_clps_list_only(
    client, good_auth, clp, other_clp, everywhere
):
    here, there = everywhere
    DeliveryFactory(
        digest=DigestFactory(clp=other_clp, week_start=datetime.date(2026, 11, 23)),
        subscriber=there,
        status="sent",
        esp_message_id=MESSAGE_ID,
    )

    post(client, subscription_change(), good_auth)

    assert statuses(everywhere) == [SubscriberStatus.ACTIVE, SubscriberStatus.UNSUBSCRIBED]
    assert list(Suppression.objects.values_list("clp", "reason")) == [
        (other_clp.pk, "unsubscribed")
    ]
    assert list(active_subscribers(clp)) == [here]


def test_an_unsubscribe_leaves_a_bounced_subscriber_bounced(client, good_auth, everywhere):
    post(client, bounce(), good_auth)
    post(client, subscription_change(), good_auth)

    assert statuses(everywhere) == [SubscriberStatus.BOUNCED] * 2


def sendgrid_event(event, **fields):
    """One event of SendGrid's JSON event array, as its Event Webhook posts it."""
    return {
        "email": ADDRESS,
        "timestamp": 1795420862,
        "smtp-id": "<14c5d75ce93.dfd.64b469@ismtpd-555>",
        "event": event,
        "category": ["weekly"],
        "sg_event_id": "sg_event_id_1",
        "sg_message_id": "14c5d75ce93.dfd.64b469.filter0001.16648.5515E0B88.0",
        **fields,
    }


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        (
            sendgrid_event("bounce", type="bounce", status="5.1.1", reason="550 5.1.1 no user"),
            SubscriberStatus.BOUNCED,
        ),
        (sendgrid_event("spamreport"), SubscriberStatus.COMPLAINED),
        (
            sendgrid_event("bounce", type="blocked", status="4.0.0", reason="421 try later"),
            SubscriberStatus.ACTIVE,
        ),
        (
            sendgrid_event("deferred", response="400 try again later", attempt="5"),
            SubscriberStatus.ACTIVE,
        ),
    ],
    ids=["bounce", "spam report", "blocked (soft)", "deferred"],
)
@pytest.mark.filterwarnings("ignore::anymail.exceptions.AnymailNotSupportedWarning")
def test_sendgrid_events_too(client, good_auth, everywhere, payload, expected):
    response = client.post(
        "/anymail/sendgrid/tracking/",
        json.dumps([payload]),
        content_type="application/json",
        **good_auth,
    )

    assert response.status_code == 200
    assert statuses(everywhere) == [expected] * 2
    assert Suppression.objects.filter(clp=None).exists() == (expected != SubscriberStatus.ACTIVE)
