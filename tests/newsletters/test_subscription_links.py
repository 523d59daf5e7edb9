"""The links in every email: confirm, change details, unsubscribe (in a browser and by a mail
program's one-click button), and subscribing again. A GET never changes anything."""

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from newsletters.models import Subscriber, SubscriberStatus, Suppression, email_hash
from newsletters.selectors import active_subscribers
from newsletters.services import list_unsubscribe_headers, suppress, unsubscribe_url

from ..factories import SubscriberFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def active(clp):
    return SubscriberFactory(clp=clp, email="sam@example.org", name="Sam", postcode="N16 7AA")


def confirm_path(subscriber):
    return f"/subscriptions/{subscriber.token}/confirm/"


def unsubscribe_path(subscriber):
    return f"/subscriptions/{subscriber.token}/unsubscribe/"


def manage_path(subscriber):
    return f"/subscriptions/{subscriber.token}/"


def test_get_and_head_of_every_link_change_nothing(client, active, pending):
    before = list(Subscriber.objects.order_by("pk").values())
    for subscriber in (active, pending):
        for path in (confirm_path(subscriber), unsubscribe_path(subscriber)):
            assert client.get(path).status_code == 200
            assert client.head(path).status_code == 200
        assert client.get(manage_path(subscriber)).status_code == 200
    assert list(Subscriber.objects.order_by("pk").values()) == before
    assert not Suppression.objects.exists()


def test_unsubscribe_page_asks_before_acting(client, active):
    page = client.get(unsubscribe_path(active)).content.decode()
    assert "Stop the weekly strikes email from Hackney North &amp; Stoke Newington" in page
    assert '<form method="post" class="card">' in page


def test_link_pages_are_not_cached_indexed_or_leaked_as_referrer(client, active):
    response = client.get(manage_path(active))
    assert "no-store" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
    assert response["X-Robots-Tag"] == "noindex"
    assert response["Referrer-Policy"] == "same-origin"


def test_one_click_unsubscribe_needs_no_cookie_or_csrf_token_and_repeats_harmlessly(active):
    mail_program = Client(enforce_csrf_checks=True)  # no session, no CSRF cookie or token

    response = mail_program.post(
        unsubscribe_path(active),
        "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )

    assert response.status_code == 200
    active.refresh_from_db()
    assert active.status == SubscriberStatus.UNSUBSCRIBED
    assert active.unsubscribed_at is not None
    suppression = Suppression.objects.get()
    assert (suppression.clp, suppression.reason) == (active.clp, "unsubscribed")
    assert suppression.email_hash == email_hash("sam@example.org")
    assert not active_subscribers(active.clp).exists()

    first_unsubscribed_at = active.unsubscribed_at
    again = mail_program.post(
        unsubscribe_path(active),
        "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert again.status_code == 200
    active.refresh_from_db()
    assert active.unsubscribed_at == first_unsubscribed_at
    assert Suppression.objects.count() == 1


def test_only_the_unsubscribe_link_is_exempt_from_csrf(active):
    browser = Client(enforce_csrf_checks=True)
    assert browser.post(manage_path(active), {"name": "Mallory"}).status_code == 403
    assert browser.post(confirm_path(active)).status_code == 403
    active.refresh_from_db()
    assert active.name == "Sam"


def test_unsubscribe_button_in_a_browser(client, active):
    response = client.post(unsubscribe_path(active))
    page = response.content.decode()
    assert response.status_code == 200
    assert "You're unsubscribed" in page
    assert "Subscribe again" in page


def test_subscribing_again_after_unsubscribing_lifts_the_suppression(client, active):
    client.post(unsubscribe_path(active))
    page = client.get(confirm_path(active)).content.decode()
    assert "Subscribe again" in page
    assert "I can unsubscribe at any time" in page  # the consent being given is shown

    response = client.post(confirm_path(active))

    assert response.status_code == 302
    active.refresh_from_db()
    assert active.status == SubscriberStatus.ACTIVE
    assert active.unsubscribed_at is None
    assert active.consent_method == "subscribe-again link"
    assert not Suppression.objects.exists()
    assert list(active_subscribers(active.clp)) == [active]


def test_subscribing_again_never_lifts_a_bounce(client, active):
    client.post(unsubscribe_path(active))
    suppress(email="sam@example.org", reason="bounced")

    response = client.post(confirm_path(active))

    assert response.status_code == 200
    assert "We can't send to this address" in response.content.decode()
    active.refresh_from_db()
    assert active.status == SubscriberStatus.UNSUBSCRIBED
    assert Suppression.objects.count() == 2


def test_confirming_an_expired_link_offers_to_subscribe_again(client, clp, pending):
    Subscriber.objects.filter(pk=pending.pk).update(
        consent_at=timezone.now() - datetime.timedelta(days=31)
    )

    for response in (client.get(confirm_path(pending)), client.post(confirm_path(pending))):
        page = response.content.decode()
        assert response.status_code == 200
        assert "This link has expired" in page
        assert f'href="/c/{clp.slug}/subscribe/"' in page
    pending.refresh_from_db()
    assert pending.status == SubscriberStatus.PENDING


def test_a_link_29_days_old_still_confirms(client, pending):
    Subscriber.objects.filter(pk=pending.pk).update(
        consent_at=timezone.now() - datetime.timedelta(days=29)
    )
    client.post(confirm_path(pending))
    pending.refresh_from_db()
    assert pending.status == SubscriberStatus.ACTIVE


def test_confirming_twice_changes_nothing_the_second_time(client, pending):
    client.post(confirm_path(pending))
    pending.refresh_from_db()
    confirmed_at = pending.confirmed_at
    response = client.post(confirm_path(pending))
    assert response.status_code == 302
    pending.refresh_from_db()
    assert pending.confirmed_at == confirmed_at


def test_manage_page_changes_name_and_postcode(client, active):
    page = client.get(manage_path(active)).content.decode()
    assert "sam@example.org" in page and 'value="Sam"' in page

    response = client.post(manage_path(active), {"name": "Sam W", "postcode": "e5 8eq"})

    assert response.status_code == 302
    active.refresh_from_db()
    assert (active.name, active.postcode, active.status) == ("Sam W", "E5 8EQ", "active")


def test_manage_page_refuses_markup_and_saves_nothing(client, active):
    response = client.post(manage_path(active), {"name": "<img src=x onerror=alert(1)>"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "A name can&#x27;t contain &lt; or &gt;" in page
    assert "<img src=x" not in page
    active.refresh_from_db()
    assert active.name == "Sam"


@pytest.mark.parametrize("suffix", ["", "confirm/", "unsubscribe/"])
@pytest.mark.parametrize("method", ["get", "post"])
def test_unknown_link_is_a_404_that_says_what_to_do(client, suffix, method):
    response = getattr(client, method)(f"/subscriptions/not-a-real-token/{suffix}")
    page = response.content.decode()
    assert response.status_code == 404
    assert "This link doesn" in page
    assert "link at the bottom of the latest weekly" in page
    assert 'href="/"' in page


def test_list_unsubscribe_headers_follow_rfc_8058_with_no_address_nobody_reads(settings, active):
    settings.SITE_URL = "https://tuliaison.example.org"

    headers = list_unsubscribe_headers(active)

    url = f"https://tuliaison.example.org/subscriptions/{active.token}/unsubscribe/"
    assert unsubscribe_url(active) == url
    assert headers == {
        "List-Unsubscribe": f"<{url}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }
