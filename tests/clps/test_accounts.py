"""Sign-up, email verification and sign-in through django-allauth, as a person does them."""

import re

import pytest
from allauth.mfa.totp.internal.auth import (
    format_hotp_value,
    hotp_value,
    yield_hotp_counters_from_time,
)
from django.core import mail
from django.urls import reverse

from clps.models import User

from ..conftest import enable_totp
from ..factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def current_code(secret: str) -> str:
    counter = next(yield_hotp_counters_from_time())
    return format_hotp_value(hotp_value(secret, counter))


def test_sign_up_verify_email_then_sign_in(client):
    response = client.post(
        reverse("account_signup"),
        {"email": "Sam@Example.org", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert response.status_code == 302
    user = User.objects.get(email__iexact="sam@example.org")
    assert not user.emailaddress_set.get().verified

    # Until the address is verified, signing in only asks for the emailed link.
    client.logout()
    response = client.post(
        reverse("account_login"), {"login": "sam@example.org", "password": PASSWORD}
    )
    assert response["Location"] == reverse("account_email_verification_sent")

    message = mail.outbox[-1]
    assert message.to == ["sam@example.org"]
    link = re.search(r"http://\S+/accounts/confirm-email/\S+/", message.body).group(0)
    path = link.split("://", 1)[1].split("/", 1)[1]
    response = client.post("/" + path)
    assert response.status_code == 302
    assert user.emailaddress_set.get().verified

    response = client.post(
        reverse("account_login"), {"login": "sam@example.org", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert client.get(reverse("home")).context["user"] == user


def test_wrong_password_is_refused_with_a_message(client):
    UserFactory(email="priya@example.org")
    response = client.post(
        reverse("account_login"), {"login": "priya@example.org", "password": "nope"}
    )
    assert response.status_code == 200
    assert "not correct" in response.content.decode()
    assert not response.context["user"].is_authenticated


def test_sign_in_with_an_authenticator_app_asks_for_the_code(client):
    user = UserFactory(email="tulo@example.org")
    secret = enable_totp(user)
    response = client.post(
        reverse("account_login"), {"login": "tulo@example.org", "password": PASSWORD}
    )
    assert response["Location"] == reverse("mfa_authenticate")
    assert not client.get(reverse("home")).context["user"].is_authenticated

    response = client.post(reverse("mfa_authenticate"), {"code": "000000"})
    assert not client.get(reverse("home")).context["user"].is_authenticated

    response = client.post(reverse("mfa_authenticate"), {"code": current_code(secret)})
    assert response.status_code == 302
    assert client.get(reverse("home")).context["user"] == user


def test_sign_out_ends_the_session(client):
    user = UserFactory()
    client.force_login(user)
    client.post(reverse("account_logout"))
    assert not client.get(reverse("home")).context["user"].is_authenticated
