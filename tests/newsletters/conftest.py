import datetime
import re
from urllib.parse import urlsplit

import pytest
from django.core.cache import cache
from django.utils import timezone

from newsletters.models import Subscriber
from newsletters.services import subscribe

from ..factories import SubscriberFactory, WeeklyScheduleFactory
from .fake_esp import FakeESP


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    """The sign-up rate limit counts in the Redis cache: each test starts from zero."""
    cache.clear()
    yield
    cache.clear()


def links_in(message, kind: str) -> list[str]:
    """The paths of the subscription links of one kind (confirm, unsubscribe or manage) in
    both parts of an email: each part's distinct links, text first, then HTML."""
    pattern = {
        "confirm": r"https?://[^\s\"<]+/subscriptions/[\w-]+/confirm/",
        "unsubscribe": r"https?://[^\s\"<]+/subscriptions/[\w-]+/unsubscribe/",
        "manage": r"https?://[^\s\"<]+/subscriptions/[\w-]+/(?=[\s\"<])",
    }[kind]
    html = message.alternatives[0].content
    found = [*dict.fromkeys(re.findall(pattern, message.body))]
    found += [*dict.fromkeys(re.findall(pattern, html))]
    return [urlsplit(url).path for url in found]


@pytest.fixture
def pending(clp) -> Subscriber:
    """Someone who filled in the form and has not yet confirmed (their email is not sent: the
    test's transaction never commits)."""
    subscribe(clp=clp, email="ada@example.org", name="Ada", postcode="N16 7AA")
    return Subscriber.objects.get(email="ada@example.org")


def send_through_mailgun(settings, fake: FakeESP, *, timeout: float = 1) -> None:
    """Email sent through anymail's Mailgun backend to the fake service, in batches of 2."""
    settings.MAILERS = {"default": {"BACKEND": "anymail.backends.mailgun.EmailBackend"}}
    settings.ANYMAIL = {
        "MAILGUN_API_KEY": "fake-esp-key",
        "MAILGUN_API_URL": fake.url,
        "REQUESTS_TIMEOUT": timeout,
    }
    settings.WEEKLY_BATCH_ESP = None  # found from the backend
    settings.WEEKLY_BATCH_SIZE = 2


@pytest.fixture
def esp(settings):
    with FakeESP() as fake:
        send_through_mailgun(settings, fake)
        fake.keep_messages = True
        yield fake


@pytest.fixture
def members(clp):
    WeeklyScheduleFactory(clp=clp, skip_empty=False)  # "Nothing new this week."
    return [SubscriberFactory(clp=clp, email=f"member{n}@example.org") for n in range(5)]


@pytest.fixture
def due_last_night(clp):
    """The CLP's weekly email fell due at 23:59 last night and has not gone: it is the week
    being prepared, whatever day the tests run, and it covers tomorrow and the four days after
    (today too, but on a Sunday: the email due on Saturday night is for the week ahead)."""
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    return WeeklyScheduleFactory(
        clp=clp, weekday=yesterday.weekday(), send_time=datetime.time(23, 59)
    )


@pytest.fixture
def resend(settings):
    """The fake email service, sent to through anymail's Resend backend: batches of up to 100
    emails in a call to /emails/batch, each recipient's body their own."""
    with FakeESP() as fake:
        settings.MAILERS = {"default": {"BACKEND": "anymail.backends.resend.EmailBackend"}}
        settings.ANYMAIL = {
            "RESEND_API_KEY": "fake-esp-key",
            "RESEND_API_URL": fake.resend_url,
            "REQUESTS_TIMEOUT": 1,
        }
        settings.WEEKLY_BATCH_ESP = None  # found from the backend
        settings.WEEKLY_BATCH_SIZE = 2
        fake.keep_messages = True
        yield fake
