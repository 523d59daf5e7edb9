"""Sign-ups nobody confirmed are deleted after 30 days: the address may not be theirs."""

import datetime

import pytest
from django.utils import timezone

from newsletters.models import Subscriber
from newsletters.tasks import delete_stale_pending

from ..factories import SubscriberFactory

pytestmark = pytest.mark.django_db


def aged(subscriber, *, created_days, asked_days=None):
    now = timezone.now()
    asked_days = created_days if asked_days is None else asked_days
    Subscriber.objects.filter(pk=subscriber.pk).update(
        created_at=now - datetime.timedelta(days=created_days),
        consent_at=now - datetime.timedelta(days=asked_days),
    )
    return subscriber


def test_deletes_pending_sign_ups_older_than_30_days_and_nothing_else(clp):
    stale = aged(SubscriberFactory(clp=clp, status="pending"), created_days=31)
    fresh = aged(SubscriberFactory(clp=clp, status="pending"), created_days=29)
    asked_again = aged(SubscriberFactory(clp=clp, status="pending"), created_days=40, asked_days=2)
    confirmed = aged(SubscriberFactory(clp=clp), created_days=400)
    left = aged(SubscriberFactory(clp=clp, status="unsubscribed"), created_days=400)

    assert delete_stale_pending() == 1
    assert delete_stale_pending() == 0  # a second run does no harm

    remaining = set(Subscriber.objects.values_list("pk", flat=True))
    assert stale.pk not in remaining
    assert remaining == {fresh.pk, asked_again.pk, confirmed.pk, left.pk}
