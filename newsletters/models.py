"""The CLP's emails: subscribers to the weekly strikes-and-ballots email, each week's digest, and
one delivery row per digest and subscriber. All of it belongs to one CLP."""

import datetime
import hashlib
import hmac
import secrets

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower

from clps.models import CLP

WEEKDAYS = [
    (0, "Monday"),
    (1, "Tuesday"),
    (2, "Wednesday"),
    (3, "Thursday"),
    (4, "Friday"),
    (5, "Saturday"),
    (6, "Sunday"),
]


def email_hash(email: str) -> str:
    """A keyed hash of an address: enough to refuse it again, without keeping the address."""
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, email.strip().lower().encode(), hashlib.sha256).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(32)


class WeeklySchedule(models.Model):
    """When the CLP's weekly email goes, in Europe/London time."""

    clp = models.OneToOneField(CLP, on_delete=models.CASCADE, related_name="weekly_schedule")
    weekday = models.PositiveSmallIntegerField(choices=WEEKDAYS, default=0)
    send_time = models.TimeField(default=datetime.time(8))
    skip_empty = models.BooleanField(
        "skip a week with nothing new", default=True, help_text="Otherwise it says so."
    )
    enabled = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(weekday__lte=6), name="weekly_weekday_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.clp}: {self.get_weekday_display()} {self.send_time:%H:%M}"


class SubscriberStatus(models.TextChoices):
    PENDING = "pending", "Waiting for confirmation"
    ACTIVE = "active", "Subscribed"
    UNSUBSCRIBED = "unsubscribed", "Unsubscribed"
    BOUNCED = "bounced", "Bounced"
    COMPLAINED = "complained", "Marked as spam"


CONSENT_WORDING_VERSION = "2026-11-v1"
CONSENT_WORDING = (
    "Email me the weekly strikes-and-ballots round-up from this CLP. I can unsubscribe at any "
    "time from a link in every email."
)


class Subscriber(models.Model):
    clp = models.ForeignKey(CLP, on_delete=models.CASCADE, related_name="subscribers")
    email = models.EmailField()
    # email_hash(email), set by the subscription service: the recipient query excludes
    # suppressed addresses by joining on it, and a bounce finds every CLP's row by it.
    email_hash = models.CharField(max_length=64, db_index=True, editable=False)
    name = models.CharField(max_length=100, blank=True)
    postcode = models.CharField(max_length=10, blank=True)
    status = models.CharField(
        max_length=12, choices=SubscriberStatus.choices, default=SubscriberStatus.PENDING
    )
    token = models.CharField(max_length=64, unique=True, default=new_token)
    consent_at = models.DateTimeField()
    consent_method = models.CharField(max_length=40, default="web form")
    consent_wording_version = models.CharField(max_length=20, default=CONSENT_WORDING_VERSION)
    created_at = models.DateTimeField(auto_now_add=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    unsubscribed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(F("clp"), Lower("email"), name="unique_subscriber_per_clp"),
            models.CheckConstraint(
                condition=Q(status__in=SubscriberStatus.values), name="subscriber_status_valid"
            ),
        ]
        indexes = [models.Index(fields=["clp", "status", "id"])]

    def __str__(self) -> str:
        return f"{self.email} ({self.get_status_display()})"


class SuppressionReason(models.TextChoices):
    UNSUBSCRIBED = "unsubscribed", "Unsubscribed"
    BOUNCED = "bounced", "Hard bounce"
    COMPLAINED = "complained", "Complaint"


class Suppression(models.Model):
    """An address never to email again. A bounce or complaint holds for every CLP; an
    unsubscribe, for its CLP. Only a keyed hash of the address is kept."""

    email_hash = models.CharField(max_length=64, db_index=True)
    clp = models.ForeignKey(
        CLP, null=True, blank=True, on_delete=models.CASCADE, related_name="suppressions"
    )
    reason = models.CharField(max_length=12, choices=SuppressionReason.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["email_hash", "clp", "reason"],
                name="unique_suppression",
                nulls_distinct=False,
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_reason_display()} ({self.clp or 'every CLP'})"


class DigestStatus(models.TextChoices):
    DRAFT = "draft", "Waiting for its time"
    HELD = "held", "Held by the TULO"
    SENDING = "sending", "Sending"
    PAUSED = "paused", "Paused: the email service is failing; will retry"
    SENT = "sent", "Sent"
    SKIPPED = "skipped", "Skipped: nothing new"


class Digest(models.Model):
    """One CLP's weekly email for one week. The constraint makes it one per CLP per week,
    however many ticks, beat processes or retries try to make it."""

    clp = models.ForeignKey(CLP, on_delete=models.CASCADE, related_name="digests")
    week_start = models.DateField(help_text="The Monday of the week it is for.")
    status = models.CharField(
        max_length=10, choices=DigestStatus.choices, default=DigestStatus.DRAFT
    )
    note = models.TextField(
        "note from the TULO", blank=True, max_length=2000, help_text="Shown at the top."
    )
    subject = models.CharField(max_length=200, blank=True)
    html = models.TextField(blank=True)
    text = models.TextField(blank=True)
    built_at = models.DateTimeField(null=True, blank=True)
    send_started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-week_start"]
        constraints = [
            models.UniqueConstraint(fields=["clp", "week_start"], name="one_digest_per_week"),
            models.CheckConstraint(
                condition=Q(status__in=DigestStatus.values), name="digest_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.clp}: week of {self.week_start:%d %b %Y}"


class DeliveryStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    IN_FLIGHT = "in_flight", "In flight"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"


class Delivery(models.Model):
    """One digest to one subscriber: claimed in batches, marked in flight, then sent or failed.
    Unique, so a repeat of any step never sends twice."""

    digest = models.ForeignKey(Digest, on_delete=models.CASCADE, related_name="deliveries")
    subscriber = models.ForeignKey(
        Subscriber, null=True, on_delete=models.SET_NULL, related_name="deliveries"
    )
    status = models.CharField(
        max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    esp_message_id = models.CharField(max_length=200, blank=True)
    error = models.CharField(max_length=300, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["digest", "subscriber"], name="one_delivery_per_subscriber"
            ),
            models.CheckConstraint(
                condition=Q(status__in=DeliveryStatus.values), name="delivery_status_valid"
            ),
        ]
        indexes = [models.Index(fields=["digest", "status", "id"])]

    def __str__(self) -> str:
        return f"{self.digest} to {self.subscriber_id}: {self.get_status_display()}"
