"""What the TULO or site admin is told after asking to erase someone: only what was erased, and,
when it may not be done here, why, with the address they typed still in the form."""

import re

import pytest
from django.urls import reverse

from clps.models import User
from newsletters.models import Subscriber
from newsletters.services import subscribe

from .conftest import EMAIL

pytestmark = pytest.mark.django_db


def said(response) -> str:
    assert response.status_code == 200
    messages = re.findall(r'<li class="message[^"]*">(.*?)</li>', response.content.decode(), re.S)
    return " ".join(" ".join(m.split()) for m in messages)


def test_erasing_a_subscriber_says_only_that_the_subscription_went(client, clp, tulo):
    subscribe(clp=clp, email="ada@example.org", name="Ada Lovelace")
    client.force_login(tulo)
    url = reverse("privacy:clp_requests", args=[clp.slug])
    response = client.post(
        url, {"email": "ada@example.org", "action": "erase", "confirm": "on"}, follow=True
    )
    message = said(response)
    # The subscription, and the confirmation email written to the address.
    assert message.startswith("Erased 1 subscription and 1 email."), message
    assert "The address is never emailed again." in message
    for not_there in ("account", "sign-up", "photo", "visit", "subscriptions"):
        assert not_there not in message, (not_there, message)
    assert not Subscriber.objects.exists()


def test_erasing_a_member_counts_each_kind_of_thing_that_went(client, person, site_admin):
    client.force_login(site_admin)
    response = client.post(
        reverse("privacy:site_requests"),
        {"email": EMAIL, "action": "erase", "confirm": "on"},
        follow=True,
    )
    message = said(response)
    assert message.startswith(
        "Erased their account, 2 subscriptions, 2 picket sign-ups, 1 photo and 2 emails."
    ), message
    assert "1 picket visit stays counted without them." in message
    assert re.search(r"removed from \d+ other records? that mentioned them", message), message


def test_a_refused_erasure_keeps_the_address_typed_and_says_why(client, person, clp, tulo):
    client.force_login(tulo)
    url = reverse("privacy:clp_requests", args=[clp.slug])
    response = client.post(url, {"email": EMAIL, "action": "erase", "confirm": "on"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "can only be erased by a site admin" in page
    assert re.search(r'<input type="email" name="email" value="' + re.escape(EMAIL) + '"', page)
    assert User.objects.filter(pk=person.user.pk).exists()
    assert Subscriber.objects.filter(email__iexact=EMAIL).count() == 2
