"""The weekly email through Resend's batch API (anymail's Resend backend, made able to send
each recipient their own body, against the fake service's Resend API): batches decided once and
stored, each call carrying an Idempotency-Key, and a retried batch the same call byte for byte,
so the service sends nobody a second copy."""

import datetime
import json
import re
import time

import pytest
import requests
from anymail.backends.resend import EmailBackend as AnymailResendBackend
from anymail.exceptions import AnymailAPIError
from django.utils import timezone

from clps.esp import EmailBackend as ResendBackend
from clps.mail import compose_batch, is_permanent
from newsletters.links import GO_LINKS
from newsletters.models import Delivery, DeliveryStatus, Digest, DigestStatus
from newsletters.services import unsubscribe
from newsletters.weekly import sending
from newsletters.weekly.render import (
    MANAGE_PLACEHOLDER,
    UNSUBSCRIBE_PLACEHOLDER,
    PersonalLinks,
    idempotency_key,
)
from newsletters.weekly.services import ensure_upcoming_digest

from ..factories import ActionDayFactory, PicketLineFactory
from .fake_esp import IDEMPOTENCY_HEADER

pytestmark = pytest.mark.django_db

GO_LINK = re.compile(r"https?://[^/\s\"<>]+/go/([^/\s\"<>]+)/[0-9]+/[0-9]+/")


@pytest.fixture
def picket_line(clp):
    digest = ensure_upcoming_digest(clp)
    day = ActionDayFactory(
        date=max(timezone.localdate(), digest.week_start) + datetime.timedelta(days=1)
    )
    return PicketLineFactory(clp=clp, dispute=day.dispute, action_days=[day])


def sent_counts(fake) -> dict[str, int]:
    return dict(fake.accepted_counts())


def test_each_batch_is_one_call_and_each_recipient_gets_their_own_body(
    resend, clp, members, picket_line
):
    digest = ensure_upcoming_digest(clp)
    assert sending.send_all(digest.pk) == 5
    assert resend.calls == 3  # batches of 2, 2 and 1
    by_email = {s.email: s for s in members}
    ids = dict(Delivery.objects.values_list("subscriber__email", "pk"))
    for message in resend.messages:  # each email as the service sends it
        member = by_email[message["to"]]
        for body in (message["text"], message["html"]):
            assert f"/subscriptions/{member.token}/unsubscribe/" in body
            assert UNSUBSCRIBE_PLACEHOLDER not in body and MANAGE_PLACEHOLDER not in body
            assert "{{" not in body and "__TULIAISON" not in body
            [token] = set(GO_LINK.findall(body))
            assert GO_LINKS.unsign_ids(token, 2) == [member.pk, digest.pk]
        headers = {name.lower(): value for name, value in message["headers"].items()}
        assert member.token in headers["list-unsubscribe"]
        assert headers["list-unsubscribe-post"] == "List-Unsubscribe=One-Click"
        assert headers[IDEMPOTENCY_HEADER.lower()] == str(ids[member.email])
    # Nobody sees another's address: one recipient an email.
    for body in resend.raw_bodies:
        assert all(len(email["to"]) == 1 for email in json.loads(body))
    assert sent_counts(resend) == {s.email: 1 for s in members}
    # Each delivery has Resend's id for its own email.
    assert len(set(Delivery.objects.values_list("esp_message_id", flat=True))) == 5
    assert Digest.objects.get().status == DigestStatus.SENT


def test_batches_are_decided_when_the_digest_is_prepared_and_capped_at_100(
    resend, settings, clp, members
):
    settings.WEEKLY_BATCH_SIZE = 5000
    assert sending.batch_size("resend") == 100
    settings.WEEKLY_BATCH_SIZE = 2
    sending.prepare(ensure_upcoming_digest(clp).pk)
    batches = list(Delivery.objects.order_by("subscriber_id").values_list("batch", flat=True))
    assert batches == [0, 0, 1, 1, 2]


def test_a_claim_says_whether_another_batch_waits_so_the_last_needs_no_empty_claim(
    resend, clp, members
):
    digest = sending.prepare(ensure_upcoming_digest(clp).pk)
    claims = [sending.claim(digest) for _ in range(3)]
    assert [(len(c), c.more) for c in claims] == [(2, True), (2, True), (1, False)]
    # Batches put back in the queue are claimed whole again, first to last.
    later = timezone.now() + datetime.timedelta(minutes=11)
    assert sending.requeue_stuck(later, after=datetime.timedelta(minutes=10)) == 5
    again = sending.claim(digest)
    assert [d.pk for d in again] == [d.pk for d in claims[0]] and again.more


def test_a_claim_after_a_batch_takes_the_next_queued_batch_after_it(resend, clp, members):
    digest = sending.prepare(ensure_upcoming_digest(clp).pk)
    # Batches of 2, 2 and 1; the second claimed from after the first, which is still queued.
    second = sending.claim(digest, after=0)
    assert {d.batch for d in second} == {1} and second.more
    last = sending.claim(digest, after=1)
    assert {d.batch for d in last} == {2} and not last.more
    assert sending.claim(digest, after=2) == []
    assert {d.batch for d in sending.claim(digest)} == {0}


def test_a_claim_is_two_queries(resend, clp, members, django_assert_num_queries):
    digest = sending.prepare(ensure_upcoming_digest(clp).pk)
    # The digest's claim lock and the claim, between a savepoint and its release (in a worker,
    # BEGIN and COMMIT).
    with django_assert_num_queries(4):
        assert len(sending.claim(digest)) == 2


def test_a_batch_retried_after_a_crash_is_the_same_call_and_is_not_sent_again(resend, clp, members):
    digest = sending.prepare(ensure_upcoming_digest(clp).pk)
    claimed = sending.claim(digest)
    personal = PersonalLinks(digest.clp, digest)
    sending.hand_over(sending.mail_connection(), "resend", digest, claimed, personal)
    # ...and the worker dies before marking the batch sent. The sweeper puts it back.
    later = timezone.now() + datetime.timedelta(minutes=11)
    assert sending.requeue_stuck(later, after=datetime.timedelta(minutes=10)) == 2
    assert sending.send_all(digest.pk) == 5
    # The service answered the repeat from the first call: nobody got two copies.
    assert resend.replayed == 1 and resend.conflicts == 0
    assert sent_counts(resend) == {s.email: 1 for s in members}
    assert resend.calls == 3
    first = Delivery.objects.get(pk=claimed[0].pk)
    assert (first.status, first.attempts) == (DeliveryStatus.SENT, 2)


def test_the_idempotency_key_names_the_digest_and_its_batch(resend, clp, members):
    digest = sending.prepare(ensure_upcoming_digest(clp).pk)
    keys = set()
    for _ in range(3):
        batch = sending.claim(digest)
        message = sending.batch_message_for(
            digest, batch, PersonalLinks(digest.clp, digest), esp="resend"
        )
        assert message.idempotency_key == idempotency_key(digest, batch[0].batch)
        keys.add(message.idempotency_key)
    assert len(keys) == 3
    assert all(len(key) <= 256 and str(digest.pk) in key for key in keys)


def batch_call(fake, *, key: str, text: str) -> None:
    message = compose_batch(subject="Hi", text=text, html=f"<p>{text}</p>", to=["a@example.org"])
    message.merge_data, message.merge_headers = {"a@example.org": {}}, {}
    message.idempotency_key = key
    backend = ResendBackend(api_key="fake-esp-key", api_url=fake.resend_url, timeout=1)
    backend.send_messages([message])


def test_each_recipients_email_in_the_batch_json_is_their_own_body_whatever_it_holds():
    # Quotes, backslashes, non-ASCII, markup and new lines, in the body and in the values.
    body = 'Hi {{name}}, "quoted" \\ caf\u00e9 </script>\n{{link}} {{unknown}} {{link}}'
    message = compose_batch(
        subject="For {{name}}", text=body, html=f"<p>{body}</p>", to=["a@example.org", "b@x.org"]
    )
    message.merge_data = {
        "a@example.org": {"name": 'Ann "A"', "link": "https://e.org/go/1.2\\"},
        "b@x.org": {"name": "B\u00f8b\n", "link": "https://e.org/go/3"},
    }
    message.merge_headers = {"a@example.org": {"X-Own": "1"}, "b@x.org": {"X-Own": "2"}}
    backend = ResendBackend(api_key="k", api_url="https://resend.example/", timeout=1)
    payload = backend.build_message_payload(message, backend.send_defaults)
    emails = json.loads(payload.serialize_data())
    assert [e["to"] for e in emails] == [["a@example.org"], ["b@x.org"]]
    for email, (address, own) in zip(emails, message.merge_data.items(), strict=True):
        filled = body.replace("{{name}}", own["name"]).replace("{{link}}", own["link"])
        assert email["text"] == filled and email["html"] == f"<p>{filled}</p>"
        assert email["subject"] == f"For {own['name']}"
        assert email["from"] == message.from_email
        assert email["headers"]["X-Own"] == message.merge_headers[address]["X-Own"]


def test_each_recipients_headers_are_the_shared_ones_with_their_own_merged_in_as_anymail_does():
    # A recipient's own header named as a shared one, in another case, takes its place under
    # the shared name (anymail's case-insensitive merge); the others follow the shared ones.
    message = compose_batch(
        subject="S", text="{{link}}", html="<p>{{link}}</p>", to=["a@example.org", "b@x.org"]
    )
    message.extra_headers = {"X-Shared": "all", "X-Own": "shared"}
    message.merge_data = {"a@example.org": {"link": "1"}, "b@x.org": {"link": "2"}}
    message.merge_headers = {
        "a@example.org": {"x-own": "a's", "X-Extra": 'q"uote\\'},
        "b@x.org": {"X-Extra": "b\u00f8"},
    }
    backend = ResendBackend(api_key="k", api_url="https://resend.example/", timeout=1)
    payload = backend.build_message_payload(message, backend.send_defaults)
    emails = json.loads(payload.serialize_data())
    assert [list(e["headers"].items()) for e in emails] == [
        [("X-Shared", "all"), ("X-Own", "a's"), ("X-Extra", 'q"uote\\')],
        [("X-Shared", "all"), ("X-Own", "shared"), ("X-Extra", "b\u00f8")],
    ]
    assert [e["text"] for e in emails] == ["1", "2"]


def parse(to: list[str], answer: dict, cc: list[str] | None = None):
    """A batch's statuses as our backend reads them from the answer, with anymail's parse."""
    message = compose_batch(subject="S", text="{{link}}", html="<p>{{link}}</p>", to=to)
    message.cc = cc or []
    message.merge_data = {address: {"link": address} for address in to}
    backend = ResendBackend(api_key="k", api_url="https://resend.example/", timeout=1)
    payload = backend.build_message_payload(message, backend.send_defaults)
    response = requests.Response()
    response.status_code, response._content = 200, json.dumps(answer).encode()

    def statuses(parse) -> dict:
        return {
            address: (status.message_id, status.status)
            for address, status in parse(backend, response, payload, message).items()
        }

    return statuses(ResendBackend.parse_recipient_status), lambda: statuses(
        AnymailResendBackend.parse_recipient_status
    )


def test_a_batchs_statuses_are_read_once_a_recipient_as_anymail_reads_them(monkeypatch):
    to = ["a@example.org", "b@x.org"]
    answer = {"data": [{"id": "1"}, {"id": "2"}]}
    ours, anymails = parse(to, answer)
    assert ours == {"a@example.org": ("1", "queued"), "b@x.org": ("2", "queued")} == anymails()
    # Read without anymail's parse.
    monkeypatch.setattr(AnymailResendBackend, "parse_recipient_status", None)
    assert parse(to, answer)[0] == ours


@pytest.mark.parametrize(
    ("to", "cc", "answer"),
    [
        (["a@example.org", "A@example.org"], [], {"data": [{"id": "1"}, {"id": "2"}]}),
        (["a@example.org"], ["c@x.org"], {"data": [{"id": "1"}]}),
        (["a@example.org", "b@x.org"], [], {"data": [{"id": "1"}]}),
        (["a@example.org"], [], {"id": "9"}),
    ],
    ids=["alike-but-for-case", "with-cc", "fewer-ids", "one-email"],
)
def test_any_other_answer_is_read_by_anymail(to, cc, answer):
    ours, anymails = parse(to, answer, cc)
    assert ours == anymails()


def test_the_service_refuses_a_key_reused_with_another_body_and_that_is_not_retried(resend):
    batch_call(resend, key="k1", text="first")
    batch_call(resend, key="k1", text="first")
    assert (resend.calls, resend.replayed) == (1, 1)
    with pytest.raises(AnymailAPIError) as refused:
        batch_call(resend, key="k1", text="changed")
    assert refused.value.status_code == 409 and is_permanent(refused.value)
    assert resend.conflicts == 1 and sent_counts(resend) == {"a@example.org": 1}


@pytest.mark.parametrize("status", [500, 503, 429])
def test_a_temporary_error_leaves_the_batch_queued_and_the_retry_sends_once(
    resend, clp, members, status
):
    resend.fail_with = status
    digest = ensure_upcoming_digest(clp)
    with pytest.raises(AnymailAPIError):
        sending.send_all(digest.pk)
    assert Delivery.objects.filter(status=DeliveryStatus.QUEUED).count() == 5
    resend.fail_with = None
    assert sending.send_all(digest.pk) == 5
    assert sent_counts(resend) == {s.email: 1 for s in members}


def test_a_call_that_timed_out_but_went_through_is_not_sent_again(resend, clp, members):
    resend.hang_for = 1.5  # longer than REQUESTS_TIMEOUT; the service then sends it anyway
    digest = ensure_upcoming_digest(clp)
    with pytest.raises(AnymailAPIError) as timed_out:
        sending.send_all(digest.pk)
    assert not is_permanent(timed_out.value)
    assert Delivery.objects.filter(status=DeliveryStatus.QUEUED).count() == 5
    # Retried while the service is still on the first call: refused for now, not failed.
    resend.hang_for = 0
    with pytest.raises(AnymailAPIError) as busy:
        sending.send_all(digest.pk)
    assert busy.value.status_code == 409 and not is_permanent(busy.value)
    deadline = time.monotonic() + 10
    while not resend.calls:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert sending.send_all(digest.pk) == 5
    assert resend.replayed == 1
    assert sent_counts(resend) == {s.email: 1 for s in members}


def test_batches_claimed_in_advance_and_not_sent_go_back_in_the_queue_at_once(resend, clp, members):
    # Five members in batches of two: all three batches are claimed when the digest is
    # prepared. The service refuses the second call for now.
    resend.fail_calls = {2: 503}
    digest = ensure_upcoming_digest(clp)
    with pytest.raises(AnymailAPIError):
        sending.send_all(digest.pk)
    statuses = dict(Delivery.objects.values_list("batch", "status").order_by("batch").distinct())
    assert statuses == {0: DeliveryStatus.SENT, 1: DeliveryStatus.QUEUED, 2: DeliveryStatus.QUEUED}
    # The retry claims them at once (the sweeper need not put them back), each sent once.
    assert sending.send_all(digest.pk) == 3
    assert sent_counts(resend) == {s.email: 1 for s in members}
    assert Digest.objects.get(pk=digest.pk).status == DigestStatus.SENT


@pytest.mark.parametrize(
    "size, preclaimed, batches, claimed_later", [(5, 500, 1, 0), (2, 500, 3, 0), (2, 4, 3, 1)]
)
def test_the_first_batches_are_claimed_in_the_transaction_that_prepares_the_digest(
    resend,
    clp,
    members,
    settings,
    monkeypatch,
    size,
    preclaimed,
    batches,
    claimed_later,
    django_assert_num_queries,
):
    settings.WEEKLY_BATCH_SIZE = size
    monkeypatch.setattr(sending, "PRECLAIMED", preclaimed)
    digest = ensure_upcoming_digest(clp)
    # Prepared (the digest, its news, the digest saved, every delivery made in one INSERT that
    # returns the first batches, up to PRECLAIMED recipients, made in flight, within a savepoint
    # of its own) in one transaction; each batch marked sent; each batch after those claimed in
    # a transaction of its own (a savepoint here), as test_a_claim_is_two_queries; the digest
    # marked sent.
    with django_assert_num_queries(11 + batches + 4 * claimed_later):
        assert sending.send_all(digest.pk) == 5
    assert sorted(email for email, _ in resend.accepted) == sorted(m.email for m in members)
    assert not Delivery.objects.exclude(status=DeliveryStatus.SENT).exists()
    assert Digest.objects.get(pk=digest.pk).status == DigestStatus.SENT


def test_a_batch_retried_after_one_of_its_recipients_unsubscribed_is_still_the_same_call(
    resend, clp, members
):
    """Someone who unsubscribes while the email waits is not sent it, but a batch already tried
    is retried whole: the service may have sent it, and a different call under its key would
    be refused, failing the rest of the batch."""
    digest = sending.prepare(ensure_upcoming_digest(clp).pk)
    claimed = sending.claim(digest)
    personal = PersonalLinks(digest.clp, digest)
    sending.hand_over(sending.mail_connection(), "resend", digest, claimed, personal)
    # ...and the worker dies before marking the batch sent; one of the batch unsubscribes, as
    # does someone in the last batch, never tried.
    unsubscribe(subscriber=members[0])
    unsubscribe(subscriber=members[4])
    later = timezone.now() + datetime.timedelta(minutes=11)
    assert sending.requeue_stuck(later, after=datetime.timedelta(minutes=10)) == 2
    assert sending.send_all(digest.pk) == 4
    assert resend.replayed == 1 and resend.conflicts == 0
    assert sent_counts(resend) == {s.email: 1 for s in members[:4]}
    withheld = Delivery.objects.get(subscriber=members[4])
    assert (withheld.status, withheld.error) == (DeliveryStatus.FAILED, sending.SUBSCRIBER_LEFT)
