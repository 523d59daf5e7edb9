"""The weekly email as subscribers receive it, on every path it takes: the bytes a real SMTP
server took in, the files the file backend wrote, and the calls the email service received on
the batch path. Each recipient gets a message of their own whose List-Unsubscribe is a literal
<https://...> that unsubscribes them with one POST and no cookie."""

import json
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client

from newsletters.models import Subscriber, SubscriberStatus
from newsletters.weekly import sending
from newsletters.weekly.services import ensure_upcoming_digest

from ..mailbox import assert_list_headers, assert_well_formed, read_mail_dir
from .fake_esp import expand

pytestmark = pytest.mark.django_db

DOMAIN = "tuliaison.example.org"
LIST_ID = f"hackney-north.weekly.{DOMAIN}"


def one_click(url: str) -> int:
    """What a mail program's Unsubscribe button does (RFC 8058): a POST with no cookie."""
    response = Client(enforce_csrf_checks=True).post(
        urlsplit(url).path,
        data="List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    return response.status_code


def check_each_copy(received, members) -> None:
    """One message per subscriber, to that subscriber alone, well formed, with their own
    links in both parts and list headers that unsubscribe them."""
    by_email = {m.email: m for m in members}
    assert sorted(r.to[0] for r in received) == sorted(by_email)
    for copy in received:
        assert len(copy.to) == 1
        member = by_email[copy.to[0]]
        assert_well_formed(copy, domain=DOMAIN)
        url = assert_list_headers(copy, list_id=LIST_ID)
        assert url == f"https://{DOMAIN}/subscriptions/{member.token}/unsubscribe/"
        for part in (copy.text, copy.html):
            assert f"/subscriptions/{member.token}/unsubscribe/" in part
            assert "__TULIAISON" not in part
        assert copy.message["Subject"].startswith("Strikes and ballots")


def test_over_smtp_each_subscriber_receives_their_own_copy_with_one_click_unsubscribe(
    smtp_server, clp, members
):
    assert sending.send_all(ensure_upcoming_digest(clp).pk) == 5
    received = smtp_server.received
    assert all(len(r.envelope_to) == 1 for r in received)
    check_each_copy(received, members)

    url = assert_list_headers(received[0], list_id=LIST_ID)
    assert one_click(url) == 200
    gone = Subscriber.objects.get(email=received[0].to[0])
    assert gone.status == SubscriberStatus.UNSUBSCRIBED
    assert Subscriber.objects.filter(status=SubscriberStatus.ACTIVE).count() == 4


def test_through_the_file_backend_the_files_hold_the_same(settings, tmp_path, clp, members):
    settings.SITE_URL = f"https://{DOMAIN}"
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "OPTIONS": {"file_path": str(tmp_path)},
        }
    }
    assert sending.send_all(ensure_upcoming_digest(clp).pk) == 5
    check_each_copy(read_mail_dir(tmp_path), members)


def test_on_the_batch_path_the_service_receives_each_recipients_own_headers(
    esp, settings, clp, members
):
    settings.SITE_URL = f"https://{DOMAIN}"
    assert sending.send_all(ensure_upcoming_digest(clp).pk) == 5
    assert len(esp.raw_bodies) == 3  # batches of 2
    by_email = {m.email: m for m in members}
    seen = []
    for body in esp.raw_bodies:
        form = parse_qs(body.decode(), keep_blank_values=True, strict_parsing=True)
        variables = json.loads(form["recipient-variables"][0])
        # Recipient variables for every address: Mailgun sends each its own message.
        assert set(variables) == set(form["to"])
        assert form["text"][0] and form["html"][0]
        assert form["h:List-Unsubscribe-Post"] == ["List-Unsubscribe=One-Click"]
        assert form["h:List-Id"][0].endswith(f"<{LIST_ID}>")
        for address in form["to"]:
            member = by_email[address]
            own = variables[address]
            unsubscribe = expand(form["h:List-Unsubscribe"][0], own)
            assert unsubscribe == f"<https://{DOMAIN}/subscriptions/{member.token}/unsubscribe/>"
            assert own["unsubscribe_url"] in expand(form["text"][0], own)
            assert own["unsubscribe_url"] in expand(form["html"][0], own)
            seen.append(address)
    assert sorted(seen) == sorted(by_email)
