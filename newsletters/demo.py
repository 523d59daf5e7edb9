"""Demo subscribers and schedules for `manage.py seed_demo`. Safe to run again."""

import datetime

from django.db import transaction
from django.utils import timezone

from clps.models import CLP

from .models import (
    NewsletterCovers,
    NewsletterSchedule,
    Subscriber,
    SubscriberStatus,
    WeeklySchedule,
    email_hash,
)
from .monthly.services import section_build

DEMO_SUBSCRIBERS = [
    ("sam.w@example.org", "Sam", "N16 7AA", SubscriberStatus.ACTIVE),
    ("ada@example.org", "Ada", "E5 8EQ", SubscriberStatus.ACTIVE),
    ("kwame@example.org", "", "", SubscriberStatus.ACTIVE),
    ("pending@example.org", "", "", SubscriberStatus.PENDING),
]


@transaction.atomic
def seed(clps: dict[str, CLP]) -> None:
    for clp in clps.values():
        WeeklySchedule.objects.get_or_create(
            clp=clp, defaults={"weekday": 0, "send_time": datetime.time(8)}
        )
    clp = clps["hackney-north"]
    for email, name, postcode, status in DEMO_SUBSCRIBERS:
        Subscriber.objects.update_or_create(
            clp=clp,
            email=email,
            defaults={
                "email_hash": email_hash(email),
                "name": name,
                "postcode": postcode,
                "status": status,
                "consent_at": timezone.now(),
                "confirmed_at": timezone.now() if status == SubscriberStatus.ACTIVE else None,
            },
        )
    # The monthly newsletter goes out on the 1st, so last month's section is already drafted.
    for clp in clps.values():
        NewsletterSchedule.objects.get_or_create(
            clp=clp,
            defaults={
                "day_of_month": 1,
                "days_before": 5,
                "covers": NewsletterCovers.PREVIOUS,
                "editor_email": "newsletter@example.org",
            },
        )
    last_month = (timezone.localdate().replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
    section_build(clp=clps["hackney-north"], month=last_month, notify=False)
