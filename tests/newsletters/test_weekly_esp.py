"""The weekly email through an email service's batch API (anymail's Mailgun backend, against
a fake service): merge data per recipient, one call per batch, and which errors are retried."""

import datetime
import ipaddress

import pytest
import requests
from anymail.exceptions import AnymailAPIError
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from clps.esp import MailgunPayload
from clps.mail import is_permanent
from newsletters.models import (
    Delivery,
    DeliveryStatus,
    Digest,
    DigestStatus,
)
from newsletters.weekly import sending
from newsletters.weekly.render import MANAGE_PLACEHOLDER, UNSUBSCRIBE_PLACEHOLDER, PersonalLinks
from newsletters.weekly.services import ensure_upcoming_digest

from ..factories import SubscriberFactory, WeeklyScheduleFactory
from ..mailbox import free_port
from .conftest import send_through_mailgun
from .fake_esp import IDEMPOTENCY_HEADER, FakeESP

pytestmark = pytest.mark.django_db


def test_each_batch_is_one_call_with_each_recipients_own_links_and_headers(esp, clp, members):
    digest = ensure_upcoming_digest(clp)
    assert sending.send_all(digest.pk) == 5
    assert esp.calls == 3  # batches of 2
    assert sorted(m["to"] for m in esp.messages) == sorted(s.email for s in members)
    by_email = {s.email: s for s in members}
    ids = dict(Delivery.objects.values_list("subscriber__email", "pk"))
    for message in esp.messages:  # each recipient's copy, as the service sends it
        member = by_email[message["to"]]  # nobody sees another's address
        # Their merge data: their token (no picket days this week), and their headers.
        variables = message["variables"]
        assert {k: v for k, v in variables.items() if not k.startswith("h:")} == {
            "tuliaison_token": member.token
        }
        site = settings.SITE_URL.rstrip("/")
        unsubscribe = site + reverse("newsletters_public:unsubscribe", args=[member.token])
        manage = site + reverse("newsletters_public:manage", args=[member.token])
        assert f"Change your details:\n{manage}" in message["text"]
        assert f'href="{manage}"' in message["html"]
        for body in (message["text"], message["html"]):
            assert unsubscribe in body
            assert UNSUBSCRIBE_PLACEHOLDER not in body and MANAGE_PLACEHOLDER not in body
            assert "%recipient." not in body
        headers = {name.lower(): value for name, value in message["headers"].items()}
        assert member.token in headers["list-unsubscribe"]
        assert headers["list-unsubscribe-post"] == "List-Unsubscribe=One-Click"
        assert headers[IDEMPOTENCY_HEADER.lower()] == str(ids[member.email])
    assert set(Delivery.objects.values_list("status", flat=True)) == {DeliveryStatus.SENT}
    assert all(Delivery.objects.values_list("esp_message_id", flat=True))
    assert Digest.objects.get().status == DigestStatus.SENT


def test_the_batch_is_capped_at_the_services_limit(settings):
    settings.WEEKLY_BATCH_SIZE = 5000
    assert sending.batch_size("mailgun") == 1000
    assert sending.batch_size("") == 5000


def test_a_permanent_error_fails_the_batch_without_a_retry(esp, clp, members):
    esp.fail_with = 400
    digest = ensure_upcoming_digest(clp)
    assert sending.send_all(digest.pk) == 0
    assert esp.calls == 0
    assert set(Delivery.objects.values_list("status", flat=True)) == {DeliveryStatus.FAILED}
    assert "400" in Delivery.objects.first().error
    assert esp.requests == 3  # each batch once
    # Every recipient refused: sending stops for the TULO to look into.
    assert Digest.objects.get().status == DigestStatus.STOPPED


@pytest.mark.parametrize("status", [500, 503, 429])
def test_a_temporary_error_leaves_the_batch_queued_for_a_retry(esp, clp, members, status):
    esp.fail_with = status
    digest = ensure_upcoming_digest(clp)
    with pytest.raises(AnymailAPIError):
        sending.send_all(digest.pk)
    assert Delivery.objects.filter(status=DeliveryStatus.QUEUED).count() == 5
    esp.fail_with = None
    assert sending.send_all(digest.pk) == 5
    assert len(esp.delivered) == 5


def test_a_hanging_service_times_out_and_the_batch_waits_for_a_retry(esp, clp, members):
    esp.hang_for = 2  # longer than REQUESTS_TIMEOUT
    digest = ensure_upcoming_digest(clp)
    with pytest.raises(AnymailAPIError):
        sending.send_all(digest.pk)
    assert Delivery.objects.filter(status=DeliveryStatus.QUEUED).count() == 5


def test_the_fake_service_drops_a_repeat_of_a_delivery(esp, clp, members):
    digest = sending.prepare(ensure_upcoming_digest(clp).pk)
    claimed = sending.claim(digest)  # a batch of 2
    connection = sending.mail_connection()
    personal = PersonalLinks(digest.clp)
    sending.hand_over(connection, "mailgun", digest, claimed, personal)  # then dies
    later = timezone.now() + datetime.timedelta(minutes=11)
    assert sending.requeue_stuck(later, after=datetime.timedelta(minutes=10)) == 2
    assert sending.send_all(digest.pk) == 5
    assert len(esp.accepted) == 7 and esp.dropped == 2
    assert sorted(esp.delivered.values()) == sorted(s.email for s in members)


def test_the_call_is_the_form_urllib3_would_write_whatever_its_values_hold(monkeypatch):
    # Quotes, backslashes, non-ASCII, markup, new lines, per cents and repeated names: the
    # bytes requests would send for the same fields through urllib3.
    from anymail.backends.mailgun import EmailBackend as AnymailMailgun
    from urllib3.filepost import encode_multipart_formdata

    from clps import esp as our_esp
    from clps.mail import compose_batch

    monkeypatch.setattr(our_esp, "choose_boundary", lambda: "b0und4ry")
    body = 'Hi %recipient.name%, "quoted" \\ caf\u00e9 </p>\r\n&amp; 100%\n'
    message = compose_batch(
        subject="For %recipient.name%", text=body, html=f"<p>{body}</p>", to=["a@x.org", "b@y.org"]
    )
    message.merge_data = {"a@x.org": {"name": 'Ann "A"\n'}, "b@y.org": {"name": "B\u00f8b"}}
    message.merge_headers = {"a@x.org": {"X-Own": "1"}, "b@y.org": {"X-Own": "2"}}
    backend = our_esp.for_batches(
        AnymailMailgun(api_key="k", sender_domain="example.org", api_url="https://m/v3/")
    )
    payload = backend.build_message_payload(message, backend.send_defaults)
    params = payload.get_request_params(backend.api_url)
    assert params["files"] is None
    fields = [
        (name, value)
        for name, values in payload.data.items()
        for value in (values if isinstance(values, list) else [values])
    ]
    assert ("to", "b@y.org") in fields and ("text", body) in fields
    expected, content_type = encode_multipart_formdata(fields, boundary="b0und4ry")
    assert params["data"] == expected
    assert params["headers"]["Content-Type"] == content_type


def test_merge_data_is_copied_and_lazy_strings_in_it_are_still_forced():
    from django.utils.functional import lazy

    from clps.esp import merge_data_copy

    plain = {"a@x.org": {"link": "https://e.org/1"}, "b@y.org": {"link": "https://e.org/2"}}
    copied = merge_data_copy(plain)
    assert copied == plain and copied["a@x.org"] is not plain["a@x.org"]
    later = lazy(lambda: "https://e.org/3", str)()
    forced = merge_data_copy({"c@z.org": {"link": later}})
    assert forced == {"c@z.org": {"link": "https://e.org/3"}}
    assert type(forced["c@z.org"]["link"]) is str


@pytest.mark.parametrize("payload", ["MailgunPayload", "ResendPayload"])
def test_our_payloads_read_merge_data_and_recipients_with_our_converters(payload):
    """anymail reads merge data among its own attributes, recipients among Django's: each is
    read by ours in both lists, or the copy above is never used."""
    from clps import esp

    cls = getattr(esp, payload)
    converters = {
        attr: converter for attr, _, converter in cls.base_message_attrs + cls.anymail_message_attrs
    }
    assert converters["merge_data"] is esp.merge_data_copy
    assert converters["to"] is esp.parse_recipients


def test_marking_a_large_batch_sent_writes_each_row_beside_itself(esp, clp, settings):
    """Marking sent adds the time and the service's message id to every row: each page keeps
    room for that, so no row moves to another page and no index gets a new entry."""
    from django.db import connection

    settings.WEEKLY_BATCH_SIZE = 1000
    WeeklyScheduleFactory(clp=clp, skip_empty=False)
    SubscriberFactory.create_batch(400, clp=clp)
    digest = ensure_upcoming_digest(clp)
    assert sending.send_all(digest.pk) == 400
    assert len(esp.delivered) == 400
    with connection.cursor() as cursor:  # this transaction's own counts, so far
        cursor.execute(
            "SELECT pg_stat_get_xact_tuples_updated(c.oid),"
            " pg_stat_get_xact_tuples_hot_updated(c.oid) FROM pg_class c WHERE c.relname = %s",
            [Delivery._meta.db_table],
        )
        updated, heap_only = cursor.fetchone()
    assert updated >= 400
    assert heap_only == updated


def test_a_batch_call_goes_out_through_the_sessions_pool_not_the_session(
    esp, clp, members, monkeypatch
):
    """The call (the service checks its API key, Mailgun's by basic auth) is posted through
    urllib3's pool, not requests' Session, and read back as anymail reads a response."""

    def not_this_way(*args, **kwargs):
        raise AssertionError("posted through requests.Session")

    monkeypatch.setattr(requests.Session, "request", not_this_way)
    digest = ensure_upcoming_digest(clp)
    assert sending.send_all(digest.pk) == 5
    assert sorted(m["to"] for m in esp.messages) == sorted(s.email for s in members)
    assert all(Delivery.objects.values_list("esp_message_id", flat=True))


def test_a_proxy_in_the_environment_is_still_used(esp, clp, members, monkeypatch):
    """With a proxy set, the call goes through requests' Session, which uses it: here a proxy
    that is not there, so nothing is sent and the batch waits for a retry. The call's fields
    are made once either way: anymail's Mailgun payload made twice would send each recipient's
    merge headers wrong."""
    made = []
    make = MailgunPayload.get_request_params
    monkeypatch.setattr(
        MailgunPayload,
        "get_request_params",
        lambda payload, url: made.append(url) or make(payload, url),
    )
    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{free_port()}")
    digest = ensure_upcoming_digest(clp)
    with pytest.raises(AnymailAPIError):
        sending.send_all(digest.pk)
    assert esp.requests == 0
    assert len(made) == 1  # the first batch's call, once
    assert Delivery.objects.filter(status=DeliveryStatus.QUEUED).count() == 5


@pytest.mark.parametrize("failure", ["refused", "timeout"])
def test_a_call_that_fails_in_the_network_raises_requests_error_as_anymails(
    esp, clp, members, settings, failure
):
    """No connection, or no answer in time: the error is requests' (a ConnectionError, a
    Timeout) and anymail's at once, as anymail raises it, and not a refusal: the batch waits
    for a retry."""
    if failure == "refused":
        settings.ANYMAIL = {
            **settings.ANYMAIL,
            "MAILGUN_API_URL": f"http://127.0.0.1:{free_port()}/v3",
        }
        kind = requests.ConnectionError
    else:
        settings.ANYMAIL = {**settings.ANYMAIL, "REQUESTS_TIMEOUT": 0.2}
        esp.hang_for = 1
        kind = requests.Timeout
    digest = ensure_upcoming_digest(clp)
    with pytest.raises(AnymailAPIError) as raised:
        sending.send_all(digest.pk)
    assert isinstance(raised.value, kind)
    assert not is_permanent(raised.value)
    assert Delivery.objects.filter(status=DeliveryStatus.QUEUED).count() == 5


def self_signed_certificate(directory) -> tuple[str, str]:
    """A certificate for 127.0.0.1 that no public authority signed: its file and its key's."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = directory / "cert.pem", directory / "key.pem"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return str(cert_file), str(key_file)


@pytest.fixture
def esp_over_https(settings, tmp_path, monkeypatch):
    for name in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
        monkeypatch.delenv(name, raising=False)
    certificate, key = self_signed_certificate(tmp_path)
    fake = FakeESP()
    fake.serve_tls(certificate, key)
    with fake:
        send_through_mailgun(settings, fake, timeout=5)
        yield fake, certificate


def test_over_https_a_call_trusts_the_certificates_requests_would(
    esp_over_https, clp, members, monkeypatch
):
    """requests trusts certifi's authorities, or the bundle REQUESTS_CA_BUNDLE names: a call
    through the pool does the same. A service whose certificate none of them signed is not
    sent to (a temporary error: the batch waits); named in the bundle, it is, and still
    through the pool."""
    fake, certificate = esp_over_https
    digest = ensure_upcoming_digest(clp)
    with pytest.raises(AnymailAPIError) as raised:
        sending.send_all(digest.pk)
    assert isinstance(raised.value, requests.exceptions.SSLError)
    assert not is_permanent(raised.value)
    assert fake.calls == 0

    monkeypatch.setenv("REQUESTS_CA_BUNDLE", certificate)
    monkeypatch.setattr(requests.Session, "request", lambda *a, **k: pytest.fail("Session"))
    assert sending.send_all(digest.pk) == 5
    assert fake.calls == 3
