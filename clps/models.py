"""The ground floor: CLPs, the people who use the app, and their role in each CLP.

This app imports no other app of the project.
"""

import datetime
from typing import ClassVar

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra) -> "User":
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra) -> "User":
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra) -> "User":
        extra["is_staff"] = True
        extra["is_superuser"] = True
        return self._create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in. Email is the login; a name is optional and shown to the TULO."""

    email = models.EmailField("email address", unique=True)
    name = models.CharField(max_length=150, blank=True)
    is_staff = models.BooleanField(
        "site admin", default=False, help_text="Can sign in to the Django admin."
    )
    is_active = models.BooleanField(default=True)
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        ordering = ["email"]

    def __str__(self) -> str:
        return self.name or self.email

    def get_full_name(self) -> str:
        return self.name

    def get_short_name(self) -> str:
        return self.name or self.email.split("@")[0]


class CLP(models.Model):
    """A Constituency Labour Party: the tenant that owns members, visits, money and emails."""

    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=80, unique=True)
    timezone = models.CharField(max_length=64, default="Europe/London", editable=False)
    open_joining = models.BooleanField(
        "open joining",
        default=False,
        help_text="Anyone signed in who asks to join becomes a member at once. Otherwise each "
        "request waits for a TULO to approve it.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = "CLP"
        verbose_name_plural = "CLPs"

    def __str__(self) -> str:
        return self.name


class PostcodeDistrict(models.Model):
    """An outward postcode (N16, E5…) that makes a workplace "local" to the CLP."""

    clp = models.ForeignKey(CLP, on_delete=models.CASCADE, related_name="districts")
    district = models.CharField(max_length=4)

    class Meta:
        ordering = ["district"]
        constraints = [
            models.UniqueConstraint(fields=["clp", "district"], name="unique_clp_district"),
        ]
        indexes = [models.Index(fields=["district"])]

    def __str__(self) -> str:
        return self.district


class Role(models.TextChoices):
    TULO = "tulo", "TULO"
    EXECUTIVE = "executive", "Executive"
    MEMBER = "member", "Member"


# Roles from least to most: accepting an invitation never lowers someone's role.
ROLE_RANK = {Role.MEMBER: 0, Role.EXECUTIVE: 1, Role.TULO: 2}


class Membership(models.Model):
    """A user's role in one CLP. One row per user and CLP."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    clp = models.ForeignKey(CLP, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.MEMBER)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["clp", "role", "user__email"]
        constraints = [
            models.UniqueConstraint(fields=["user", "clp"], name="unique_membership"),
            models.CheckConstraint(
                condition=models.Q(role__in=Role.values), name="membership_role_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} of {self.clp}"

    @property
    def is_tulo(self) -> bool:
        return self.role == Role.TULO

    @property
    def is_executive(self) -> bool:
        return self.role == Role.EXECUTIVE


class AuditAction(models.TextChoices):
    SUBSCRIBED = "subscribed", "Asked to subscribe"
    CONFIRMED = "confirmed", "Confirmed a subscription"
    DETAILS_CHANGED = "details_changed", "Changed subscription details"
    UNSUBSCRIBED = "unsubscribed", "Unsubscribed"
    SUPPRESSED = "suppressed", "Added to the do-not-email list"
    BOUNCED = "bounced", "Email bounced"
    COMPLAINED = "complained", "Marked an email as spam"
    PENDING_EXPIRED = "pending_expired", "Unconfirmed sign-ups deleted after their time limit"
    SIGNUPS_EXPIRED = "signups_expired", "Old picket sign-ups deleted"
    LEAD_LINKS_EXPIRED = "lead_links_expired", "Old trip leader links deleted"
    SUBSCRIBER_ERASED = "subscriber_erased", "Subscriber erased on request"
    PERSON_ERASED = "person_erased", "A person's data erased on request"
    PERSON_EXPORTED = "person_exported", "A copy of a person's data downloaded"
    JOIN_REQUESTED = "join_requested", "Asked to join the CLP"
    JOIN_APPROVED = "join_approved", "Approved a request to join"
    JOIN_DECLINED = "join_declined", "Declined a request to join"
    INVITED = "invited", "Invited someone to join"
    INVITATION_ACCEPTED = "invitation_accepted", "Accepted an invitation to join"
    INVITATION_REVOKED = "invitation_revoked", "Withdrew an invitation to join"
    JOIN_REQUESTS_EXPIRED = "join_requests_expired", "Old requests to join deleted"
    INVITATIONS_EXPIRED = "invitations_expired", "Old invitations deleted"
    REP_INVITED = "rep_invited", "Invited an elected representative to a picket line"
    REP_ANSWERED = "rep_answered", "An elected representative answered an invitation"


class AuditEvent(models.Model):
    """Something done to personal data that has no edit history of its own: subscriptions,
    retention deletions, erasures and exports.

    It names the record by id and never by email or name, so the audit trail does not become
    one more copy of the data it watches over. `count` is how many rows one bulk change touched.
    """

    clp = models.ForeignKey(
        CLP, null=True, blank=True, on_delete=models.CASCADE, related_name="audit_events"
    )
    action = models.CharField(max_length=24, choices=AuditAction.choices)
    object_type = models.CharField(max_length=40, blank=True)
    object_id = models.PositiveBigIntegerField(null=True, blank=True)
    count = models.PositiveIntegerField(default=1)
    actor = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # The CLP's audit log, read newest first a page at a time.
            models.Index(fields=["clp", "-created_at", "-id"], name="audit_event_clp_order_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(action__in=AuditAction.values), name="audit_event_action_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} at {self.created_at:%Y-%m-%d %H:%M}"


class MailStatus(models.TextChoices):
    QUEUED = "queued", "Waiting to go"
    SENDING = "sending", "Being sent"
    SENT = "sent", "Sent"
    FAILED = "failed", "Not sent"


class OutgoingMail(models.Model):
    """One one-off email (a reminder, a confirmation, a notice, the editor's copy), rendered and
    written in the transaction that causes it, then sent at most once by clps.outbox.send.

    The weekly email, sent to every subscriber at once, has its own Delivery rows instead."""

    clp = models.ForeignKey(
        CLP, null=True, blank=True, on_delete=models.CASCADE, related_name="outgoing_mail"
    )
    kind = models.CharField(max_length=60)  # the template's name, e.g. picket_reminder
    to = models.EmailField()  # one recipient a row: nobody sees another's address
    reply_to = models.EmailField(blank=True)
    subject = models.CharField(max_length=300)
    text = models.TextField()
    html = models.TextField()
    headers = models.JSONField(default=dict, blank=True)
    # Text attachments only: [{"filename": ..., "content": ..., "mimetype": ...}].
    attachments = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=10, choices=MailStatus.choices, default=MailStatus.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["status", "created_at"], name="outgoing_mail_status"),
            models.Index(fields=["clp", "-created_at", "-id"], name="outgoing_mail_clp"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} to {self.to} ({self.status})"


class JoinOutcome(models.TextChoices):
    APPROVED = "approved", "Approved"
    DECLINED = "declined", "Declined"


class JoinRequest(models.Model):
    """Someone signed in asked to join a CLP whose joining is not open: it waits for a TULO.

    A request is open until decided; a person has at most one open request per CLP. Decided
    requests are kept a while (clps.personal_data) and then deleted."""

    clp = models.ForeignKey(CLP, on_delete=models.CASCADE, related_name="join_requests")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="join_requests")
    created_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    outcome = models.CharField(max_length=10, choices=JoinOutcome.choices, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["clp", "user"],
                condition=models.Q(decided_at__isnull=True),
                name="one_open_join_request",
            ),
            models.CheckConstraint(
                condition=models.Q(decided_at__isnull=True, outcome="")
                | models.Q(decided_at__isnull=False, outcome__in=JoinOutcome.values),
                name="join_request_decided_with_outcome",
            ),
        ]
        indexes = [
            # The CLP's open requests, oldest first, a page at a time.
            models.Index(
                fields=["clp", "created_at", "id"],
                condition=models.Q(decided_at__isnull=True),
                name="join_request_open_idx",
            ),
            models.Index(fields=["decided_at"], name="join_request_decided_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.user} asks to join {self.clp}"

    @property
    def is_open(self) -> bool:
        return self.decided_at is None


class Invitation(models.Model):
    """A TULO (or a site admin) invited an email address to join the CLP with a role.

    The link's token is kept only as its SHA-256 digest, so a copy of the database opens no
    invitation. An invitation is open until accepted or revoked, and works until it expires;
    an address has at most one open invitation per CLP."""

    clp = models.ForeignKey(CLP, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField("email address")
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.MEMBER)
    invited_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                "clp",
                condition=models.Q(accepted_at__isnull=True, revoked_at__isnull=True),
                name="one_open_invitation",
            ),
            models.CheckConstraint(
                condition=models.Q(role__in=Role.values), name="invitation_role_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(accepted_at__isnull=True) | models.Q(revoked_at__isnull=True),
                name="invitation_accepted_or_revoked",
            ),
        ]
        indexes = [
            # The CLP's open invitations, newest first, a page at a time.
            models.Index(
                fields=["clp", "-created_at", "-id"],
                condition=models.Q(accepted_at__isnull=True, revoked_at__isnull=True),
                name="invitation_open_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.email} invited to {self.clp} as {self.get_role_display()}"

    def is_expired(self, now: datetime.datetime | None = None) -> bool:
        return self.expires_at <= (now or timezone.now())

    @property
    def name(self) -> str:
        """An invitation holds an address and no name: for whoever reads rows held under an
        address by their email and name (the privacy app)."""
        return ""
