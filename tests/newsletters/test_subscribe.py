"""Signing up to a CLP's weekly strikes email: the form, double opt-in by email, and what the
form refuses to reveal or to send."""

import datetime

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from newsletters.models import (
    CONSENT_WORDING,
    CONSENT_WORDING_VERSION,
    Subscriber,
    SubscriberStatus,
    Suppression,
)
from newsletters.services import suppress, unsubscribe

from ..factories import SubscriberFactory
from .conftest import links_in

pytestmark = pytest.mark.django_db


def form_data(email="ada@example.org", **extra):
    return {"email": email, "name": "Ada", "postcode": "n16 7aa", "consent": "on", **extra}


@pytest.fixture
def signup(client, clp, django_capture_on_commit_callbacks, eager):
    """POST the form as a visitor; the confirmation email goes when the sign-up commits."""

    def post(data=None, *, to=clp, ip="203.0.113.7"):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(
                reverse("newsletters_public:subscribe", args=[to.slug]),
                data or form_data(),
                REMOTE_ADDR=ip,
            )

    return post


def test_form_asks_for_consent_in_the_exact_wording_and_says_why_postcode_helps(client, clp):
    response = client.get(reverse("newsletters_public:subscribe", args=[clp.slug]))
    page = response.content.decode()
    assert response.status_code == 200
    assert f'<label for="id_consent">{CONSENT_WORDING}</label>' in page
    assert "which parts of the constituency" in page
    assert "Your postcode (optional)" in page and "Your name (optional)" in page


def test_clp_page_and_calendar_link_to_the_form(client, clp):
    subscribe_path = reverse("newsletters_public:subscribe", args=[clp.slug])
    home = client.get(reverse("clps:home", args=[clp.slug])).content.decode()
    calendar = client.get(reverse("pickets_public:calendar", args=[clp.slug])).content.decode()
    assert f'href="{subscribe_path}">Get the weekly strikes email' in home
    assert f'href="{subscribe_path}">Get the weekly strikes email' in calendar


def test_double_opt_in_from_form_to_email_to_confirmed(client, clp, signup):
    response = signup()

    assert response.status_code == 302
    assert response["Location"] == reverse("newsletters_public:subscribe_sent", args=[clp.slug])
    assert "Check your email" in client.get(response["Location"]).content.decode()
    subscriber = Subscriber.objects.get()
    assert subscriber.status == SubscriberStatus.PENDING
    assert (subscriber.name, subscriber.postcode) == ("Ada", "N16 7AA")
    assert subscriber.consent_method == "web form"
    assert subscriber.consent_wording_version == CONSENT_WORDING_VERSION
    assert abs(subscriber.consent_at - timezone.now()) < datetime.timedelta(minutes=1)

    [message] = mail.outbox
    assert message.to == ["ada@example.org"]
    assert message.subject == (
        "Confirm: the weekly strikes email from Hackney North & Stoke Newington"
    )
    html = message.alternatives[0].content
    assert "Hackney North & Stoke Newington CLP" in message.body
    assert "Hackney North &amp; Stoke Newington" in html
    text_link, html_link = links_in(message, "confirm")
    assert text_link == html_link == f"/subscriptions/{subscriber.token}/confirm/"

    page = client.get(html_link)  # what a mail scanner also does: it must change nothing
    assert page.status_code == 200
    assert "Confirm your subscription" in page.content.decode()
    subscriber.refresh_from_db()
    assert subscriber.status == SubscriberStatus.PENDING

    response = client.post(text_link)
    assert response.status_code == 302
    assert response["Location"] == f"/subscriptions/{subscriber.token}/"
    subscriber.refresh_from_db()
    assert subscriber.status == SubscriberStatus.ACTIVE
    assert subscriber.confirmed_at is not None
    assert "You&#x27;re subscribed" in client.get(response["Location"]).content.decode()
    assert len(mail.outbox) == 1


def test_signing_up_again_while_pending_sends_the_same_link_again(signup):
    signup()
    signup(form_data(email="Ada@Example.ORG ", name="", postcode=""))

    subscriber = Subscriber.objects.get()
    assert subscriber.name == "Ada"  # a blank field does not wipe what was given before
    first, second = mail.outbox
    assert links_in(first, "confirm") == links_in(second, "confirm")


def test_same_response_for_new_pending_subscribed_and_suppressed_addresses(clp, signup):
    SubscriberFactory(clp=clp, email="active@example.org")
    suppress(email="bounced@example.org", reason="bounced")
    signup(form_data(email="pending@example.org"))

    responses = [
        signup(form_data(email=email))
        for email in (
            "new@example.org",
            "pending@example.org",
            "active@example.org",
            "bounced@example.org",
        )
    ]

    assert {(r.status_code, r["Location"], r.content) for r in responses} == {
        (302, reverse("newsletters_public:subscribe_sent", args=[clp.slug]), b"")
    }
    assert not any(r.cookies for r in responses)


def test_subscribed_address_signing_up_again_changes_nothing_and_is_told_by_email(clp, signup):
    active = SubscriberFactory(clp=clp, email="active@example.org", name="Sam")
    before = Subscriber.objects.values().get(pk=active.pk)

    signup(form_data(email="active@example.org", name="Someone else", postcode="E5 8EQ"))

    assert Subscriber.objects.values().get(pk=active.pk) == before
    [message] = mail.outbox
    assert message.subject.startswith("You're already subscribed")
    assert links_in(message, "unsubscribe") == [f"/subscriptions/{active.token}/unsubscribe/"] * 2
    assert links_in(message, "manage") == [f"/subscriptions/{active.token}/"] * 2
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert not links_in(message, "confirm")


def test_suppressed_address_is_never_emailed_whatever_its_case(clp, signup):
    suppress(email="bounced@example.org", reason="bounced")  # a hard bounce: every CLP

    signup(form_data(email="Bounced@Example.org"))

    assert mail.outbox == []
    assert not Subscriber.objects.exists()


def test_unsubscribed_address_gets_no_email_from_the_form(clp, signup):
    gone = SubscriberFactory(clp=clp, email="gone@example.org")
    unsubscribe(subscriber=gone)

    signup(form_data(email="gone@example.org"))

    assert mail.outbox == []
    gone.refresh_from_db()
    assert gone.status == SubscriberStatus.UNSUBSCRIBED


def test_unsubscribing_from_one_clp_does_not_block_another(clp, other_clp, signup):
    gone = SubscriberFactory(clp=clp, email="gone@example.org")
    unsubscribe(subscriber=gone)

    signup(form_data(email="gone@example.org"), to=other_clp)

    [message] = mail.outbox
    assert "Hackney South & Shoreditch" in message.subject
    assert Subscriber.objects.get(clp=other_clp).status == SubscriberStatus.PENDING


@pytest.mark.parametrize(
    ("data", "field", "error"),
    [
        (
            form_data(name="<script>alert(1)</script>"),
            "name",
            "A name can&#x27;t contain &lt; or &gt;",
        ),
        (form_data(name="Visit https://spam.example"), "name", "can&#x27;t contain a web address"),
        (
            form_data(name="A" * 101),
            "name",
            "Keep the name to 100 characters or fewer (it has 101)",
        ),
        (form_data(postcode="N16 7AA" * 3), "postcode", "Keep the postcode to 10 characters"),
        (form_data(postcode="HELLO"), "postcode", "That is not a UK postcode"),
        (form_data(email="not-an-email"), "email", "That is not an email address"),
        (form_data(email="<script>@example.org"), "email", "That is not an email address"),
        (
            form_data(email="a" * 250 + "@example.org"),
            "email",
            "Keep the email address to 254 characters",
        ),
        (form_data(email=""), "email", "Enter your email address"),
        ({**form_data(), "consent": ""}, "consent", "Tick the box to say you want the email"),
    ],
)
def test_bad_input_is_explained_beside_its_field_and_nothing_is_saved_or_sent(
    signup, data, field, error
):
    response = signup(data)

    page = response.content.decode()
    assert response.status_code == 200
    assert f'id="id_{field}_error"' in page and error in page
    assert "<script>alert" not in page
    assert "There is a problem to fix" in page
    assert not Subscriber.objects.exists()
    assert mail.outbox == []


def test_typed_input_is_kept_after_an_error(signup):
    page = signup(form_data(email="ada@example", name="Ada Lovelace")).content.decode()
    assert 'value="ada@example"' in page and 'value="Ada Lovelace"' in page


def test_eleventh_sign_up_in_an_hour_from_one_address_is_refused_with_a_reason(
    clp, other_clp, signup
):
    for n in range(10):
        assert signup(form_data(email=f"person{n}@example.org")).status_code == 302

    response = signup(form_data(email="one.too.many@example.org"))

    assert response.status_code == 429
    assert "too many sign-ups from your internet connection" in response.content.decode()
    assert 'value="one.too.many@example.org"' in response.content.decode()
    assert not Subscriber.objects.filter(email="one.too.many@example.org").exists()
    assert len(mail.outbox) == 10
    # Another connection, or another CLP, has its own allowance.
    assert signup(form_data(email="elsewhere@example.org"), ip="198.51.100.1").status_code == 302
    assert signup(form_data(email="other@example.org"), to=other_clp).status_code == 302


def test_mistakes_do_not_count_against_the_rate_limit(signup):
    for _ in range(12):
        signup(form_data(email="not-an-email"))
    assert signup().status_code == 302


def test_suppression_list_keeps_no_address(clp, signup):
    gone = SubscriberFactory(clp=clp, email="gone@example.org")
    unsubscribe(subscriber=gone)
    assert "gone@example.org" not in str(list(Suppression.objects.values()))
