"""The CLP's emails: subscribers to the weekly strikes-and-ballots email, each week's digest, and
one delivery row per digest and subscriber. All of it belongs to one CLP."""

import datetime
import hashlib
import hmac
import secrets

from django.conf import settings
from django.db import models
from django.db.models import F, OuterRef, Q, Subquery
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


# The token column's width (new_token makes 43 characters): a link with a longer token is
# turned away without a query.
TOKEN_MAX_LENGTH = 64


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
    token = models.CharField(max_length=TOKEN_MAX_LENGTH, unique=True, default=new_token)
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
    STOPPED = "stopped", "Stopped: too many emails failed"
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
        "note from the TULO",
        blank=True,
        max_length=2000,
        help_text="Shown at the top of the email, and in its public web version.",
    )
    subject = models.CharField(max_length=200, blank=True)
    html = models.TextField(blank=True)
    text = models.TextField(blank=True)
    # The web version: the same email with no one's personal links, for the archive and feed.
    web_html = models.TextField(blank=True)
    built_at = models.DateTimeField(null=True, blank=True)
    send_started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Why sending stopped, for the TULO: the email service's last error and the failure count.
    stop_reason = models.CharField(max_length=400, blank=True)
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

    # No index of its own: the (digest, subscriber) and (digest, batch) indexes serve it.
    digest = models.ForeignKey(
        Digest, on_delete=models.CASCADE, related_name="deliveries", db_index=False
    )
    subscriber = models.ForeignKey(
        Subscriber, null=True, on_delete=models.SET_NULL, related_name="deliveries"
    )
    status = models.CharField(
        max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.QUEUED
    )
    # Which of the digest's batches the delivery goes in, decided once when the digest is
    # prepared: a batch retried after a crash carries the same recipients, so an email service
    # that honours an idempotency key (Resend's) recognises the repeat and sends nothing.
    batch = models.PositiveIntegerField(null=True, blank=True)
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
        # Not status: its changes then touch no index (heap-only updates, migration 0010).
        indexes = [models.Index(fields=["digest", "batch"], name="delivery_digest_batch")]

    def __str__(self) -> str:
        return f"{self.digest} to {self.subscriber_id}: {self.get_status_display()}"


# The monthly newsletter's union-updates section ---------------------------------------------


class NewsletterCovers(models.TextChoices):
    PREVIOUS = "previous", "The month before it goes out"
    CURRENT = "current", "The month it goes out in, so far"


class NewsletterSchedule(models.Model):
    """When the CLP's monthly e-newsletter goes out, and who puts it together.

    The union-updates section for a month is drafted `days_before` the newsletter that carries
    it; a day past the end of a short month means its last day.
    """

    clp = models.OneToOneField(CLP, on_delete=models.CASCADE, related_name="newsletter_schedule")
    day_of_month = models.PositiveSmallIntegerField(
        "newsletter day",
        default=1,
        help_text="The day of the month the newsletter goes out, 1 to 31. In a shorter month, "
        "29, 30 or 31 means its last day.",
    )
    days_before = models.PositiveSmallIntegerField(
        "draft due (days before)",
        default=5,
        help_text="How many days before the newsletter the draft is ready for you, 0 to 27.",
    )
    covers = models.CharField(
        "the section reports on",
        max_length=8,
        choices=NewsletterCovers.choices,
        default=NewsletterCovers.PREVIOUS,
        help_text="The month before suits a newsletter early in the month; the month so far "
        "suits one late in the month.",
    )
    editor_email = models.EmailField(
        "newsletter editor's email",
        blank=True,
        help_text="The approved section is emailed here. Leave blank to copy it out yourself.",
    )
    enabled = models.BooleanField("draft the section each month", default=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(day_of_month__gte=1, day_of_month__lte=31),
                name="newsletter_day_of_month_valid",
            ),
            models.CheckConstraint(
                condition=Q(days_before__lte=27), name="newsletter_days_before_valid"
            ),
            models.CheckConstraint(
                condition=Q(covers__in=NewsletterCovers.values), name="newsletter_covers_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.clp}: newsletter on day {self.day_of_month}"


class SectionStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    APPROVED = "approved", "Approved"


class SectionQuerySet(models.QuerySet):
    def with_status(self) -> "SectionQuerySet":
        """Each section's status read in the same query, for a list of sections."""
        latest = NewsletterSectionVersion.objects.filter(section=OuterRef("pk")).order_by("-number")
        return self.annotate(latest_approved_at=Subquery(latest.values("approved_at")[:1]))


class NewsletterSection(models.Model):
    """One CLP's union-updates section for one month. The constraint makes it one per CLP per
    month, however many ticks, workers or commands try to draft it."""

    clp = models.ForeignKey(CLP, on_delete=models.CASCADE, related_name="newsletter_sections")
    month = models.DateField(help_text="The first day of the month it reports on.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = SectionQuerySet.as_manager()

    class Meta:
        ordering = ["-month"]
        constraints = [
            models.UniqueConstraint(fields=["clp", "month"], name="one_section_per_month"),
            models.CheckConstraint(condition=Q(month__day=1), name="section_month_is_first_day"),
        ]

    def __str__(self) -> str:
        return f"{self.clp}: union updates for {self.month:%B %Y}"

    @property
    def status(self) -> SectionStatus:
        """Approved while its latest version is, else a draft: read from the versions, so the
        two never disagree. Free on a section read with_status(); otherwise one query."""
        if hasattr(self, "latest_approved_at"):
            approved_at = self.latest_approved_at
        else:
            latest = self.versions.order_by("-number").values_list("approved_at", flat=True)
            approved_at = latest.first()
        return SectionStatus.APPROVED if approved_at is not None else SectionStatus.DRAFT


class SectionSource(models.TextChoices):
    RECORDS = "records", "Drafted from the records"
    EDITED = "edited", "Edited"


class NewsletterSectionVersion(models.Model):
    """One version of a section's text. An approved version is never changed: the next edit
    makes a new version, so what went to the editor stays on record."""

    section = models.ForeignKey(
        NewsletterSection, on_delete=models.CASCADE, related_name="versions"
    )
    number = models.PositiveIntegerField()
    source = models.CharField(max_length=8, choices=SectionSource.choices)
    markdown = models.TextField(blank=True)
    column = models.TextField(
        "column for the local paper", blank=True, help_text="Prose only, about 400 words."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    editor_email = models.EmailField(
        blank=True, help_text="Where the approved version was sent, as the schedule said then."
    )
    # The approved version's email to the editor, written with the approval.
    editor_mail = models.OneToOneField(
        "clps.OutgoingMail", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["section", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["section", "number"], name="unique_section_version"),
            models.CheckConstraint(
                condition=Q(source__in=SectionSource.values), name="section_source_valid"
            ),
            models.CheckConstraint(
                condition=Q(editor_mail__isnull=True) | Q(approved_at__isnull=False),
                name="section_emailed_only_when_approved",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.section}, version {self.number}"

    @property
    def is_approved(self) -> bool:
        return self.approved_at is not None

    @property
    def editor_emailed_at(self):
        """When the editor's copy went, if it has."""
        return self.editor_mail.sent_at if self.editor_mail else None
