"""Failed sign-ins are limited in the cache (Redis, as in production): ten a minute from one
address, five in five minutes for one account. The next attempt is refused, even with the
right password, and the page says what to do."""

import time

import pytest
from django.core.cache import cache
from django.urls import reverse

from ..factories import PASSWORD

pytestmark = pytest.mark.django_db

WRONG = "The email address and/or password you specified are not correct."
REFUSED = "Too many failed sign-in attempts, so sign-in is paused for this account or connection."
WHAT_TO_DO = "Wait five minutes, then try again, or reset your password if you have forgotten it."


@pytest.fixture(autouse=True)
def no_earlier_attempts():
    """Start and leave the shared cache without counted attempts from this test's address."""
    cache.clear()
    yield
    cache.clear()


class Clock:
    """allauth's rate limit clock, moved on by hand; the rest of `time` is the real one."""

    def __init__(self) -> None:
        self.offset = 0.0

    def time(self) -> float:
        return time.time() + self.offset

    def __getattr__(self, name):
        return getattr(time, name)


@pytest.fixture
def clock(monkeypatch):
    fake = Clock()
    monkeypatch.setattr("allauth.core.internal.ratelimit.time", fake)
    return fake


def sign_in(client, email: str, password: str, address: str = "198.51.100.1"):
    return client.post(
        reverse("account_login"), {"login": email, "password": password}, REMOTE_ADDR=address
    )


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_eleventh_failed_sign_in_from_one_address_within_a_minute_is_refused(client, member, clock):
    # Someone trying ten different accounts from one address.
    for attempt in range(1, 11):
        response = sign_in(client, f"guess{attempt}@example.org", "wrong password")
        assert response.status_code == 200
        assert WRONG in response.content.decode(), f"attempt {attempt}"

    # The eleventh is refused before any password is checked: even the right one.
    response = sign_in(client, member.email, PASSWORD)
    page = response.content.decode()
    assert REFUSED in page
    assert WHAT_TO_DO in page
    assert WRONG not in page
    assert not signed_in(client)
    # The refusal is the sign-in page in our layout, with what was typed kept.
    assert "Skip to content" in page
    assert f'value="{member.email}"' in page

    # Another address is not held back by this one's attempts.
    assert sign_in(client, member.email, PASSWORD, address="203.0.113.9").status_code == 302
    assert signed_in(client)

    # A minute later the first address may try again.
    client.logout()
    clock.offset = 61
    assert sign_in(client, member.email, PASSWORD).status_code == 302
    assert signed_in(client)


def test_sixth_failed_sign_in_to_one_account_is_refused_from_any_address(client, member, clock):
    for attempt in range(1, 6):
        response = sign_in(client, member.email, "wrong password")
        assert WRONG in response.content.decode(), f"attempt {attempt}"

    for address in ["198.51.100.1", "203.0.113.9"]:
        response = sign_in(client, member.email, PASSWORD, address=address)
        assert REFUSED in response.content.decode()
        assert not signed_in(client)

    # Within the five minutes it stays refused; after them the right password works.
    clock.offset = 4 * 60
    assert REFUSED in sign_in(client, member.email, PASSWORD).content.decode()
    clock.offset = 5 * 60 + 1
    assert sign_in(client, member.email, PASSWORD).status_code == 302
    assert signed_in(client)


def test_successful_sign_ins_do_not_count(client, member):
    for _ in range(12):
        assert sign_in(client, member.email, PASSWORD).status_code == 302
        client.logout()


def test_too_many_posts_to_the_form_get_our_429_page(client):
    """Beyond failed passwords, allauth limits every sign-in post: 30 a minute per address."""
    for _ in range(30):
        assert sign_in(client, "someone@example.org", "wrong password").status_code == 200
    response = sign_in(client, "someone@example.org", "wrong password")
    assert response.status_code == 429
    page = response.content.decode()
    assert "<h1>Too many attempts</h1>" in page
    assert "Wait a few minutes, then try again." in page
    assert reverse("account_reset_password") in page
    assert "Skip to content" in page
