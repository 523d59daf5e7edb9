"""What a CLP did for workers in struggle. Every record here belongs to one CLP and no other CLP
sees it.

One module, though over 400 lines: it is the app's schema, read top to bottom from picket lines
and who goes, through visits and the elected representatives invited to them, to the ledger and
the report's PDF."""

import secrets
from urllib.parse import urlencode

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from simple_history.models import HistoricalRecords

from clps.models import CLP, User
from strikes.models import ActionDay, Dispute, Union, Workplace


class PicketLine(models.Model):
    """Where and when the CLP's members can join a dispute's picket, on given action days."""

    clp = models.ForeignKey(CLP, on_delete=models.CASCADE, related_name="picket_lines")
    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="picket_lines")
    workplace = models.ForeignKey(
        Workplace, null=True, blank=True, on_delete=models.SET_NULL, related_name="picket_lines"
    )
    place = models.CharField(
        max_length=300, help_text="Where to stand, e.g. 'the yard gate on the high road'."
    )
    postcode = models.CharField(max_length=10, blank=True)
    action_days = models.ManyToManyField(ActionDay, related_name="picket_lines")
    start_time = models.TimeField()
    end_time = models.TimeField()
    is_local = models.BooleanField(
        "local", default=True, help_text="Shown to members as a picket line near them."
    )
    note = models.CharField(max_length=500, blank=True, help_text="Who to ask for, what to bring.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_time__gt=models.F("start_time")), name="picket_ends_after_it_starts"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.dispute}: {self.place}"

    @property
    def where(self) -> str:
        return self.place + (f", {self.postcode}" if self.postcode else "")

    @property
    def map_url(self) -> str:
        """A map of the place, opened in the phone's browser or maps app: OpenStreetMap's
        search for the place and postcode."""
        return "https://www.openstreetmap.org/search?" + urlencode({"query": self.where})


class SignupSource(models.TextChoices):
    MEMBER = "member", "Member"
    SUBSCRIBER = "subscriber", "From the weekly email"
    PUBLIC = "public", "From the public page"
    WALK_IN = "walk_in", "Turned up on the day"


class PicketSignup(models.Model):
    """Someone's word that they will go to a picket line on a day: a member (by their account),
    a subscriber to the weekly email or someone from the public page (by the name and email they
    gave), or someone the trip leader checked in on the day (a first name, nothing more).

    It counts once confirmed: at once for members and subscribers, whose addresses are known;
    after the emailed link for the public."""

    picket_line = models.ForeignKey(PicketLine, on_delete=models.CASCADE, related_name="signups")
    action_day = models.ForeignKey(ActionDay, on_delete=models.CASCADE, related_name="signups")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="picket_signups",
    )
    source = models.CharField(
        max_length=10, choices=SignupSource.choices, default=SignupSource.MEMBER
    )
    name = models.CharField(max_length=100, blank=True)
    email = models.EmailField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    reminder_sent_at = models.DateTimeField(null=True, blank=True)
    # Ticked by the trip leader on the day.
    attended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["picket_line", "action_day", "user"], name="unique_picket_signup"
            ),
            models.UniqueConstraint(
                "picket_line",
                "action_day",
                Lower("email"),
                condition=~Q(email=""),
                name="unique_picket_signup_email",
            ),
            models.CheckConstraint(
                condition=Q(source__in=SignupSource.values), name="signup_source_valid"
            ),
            models.CheckConstraint(
                condition=Q(user__isnull=False) | ~Q(email="") | Q(source="walk_in"),
                name="signup_has_someone",
            ),
        ]
        indexes = [models.Index(fields=["action_day", "reminder_sent_at"])]

    def __str__(self) -> str:
        return f"{self.display_name} to {self.picket_line} on {self.action_day.date}"

    @property
    def display_name(self) -> str:
        """The whole name, for the TULO."""
        if self.user is not None:
            return self.user.name or self.user.email
        return self.name or self.email

    @property
    def first_name(self) -> str:
        """What a trip leader sees: a first name, never a surname or an address (a member who
        gave no name is "A member", not the start of their email address)."""
        if self.user is not None:
            return (self.user.name.split() or ["A member"])[0]
        return (self.name.split() or ["Someone"])[0]

    @property
    def clp_id(self) -> int:
        """The CLP whose picket line it is (for the privacy app, which finds people by
        address across CLPs)."""
        return self.picket_line.clp_id

    @property
    def address(self) -> str:
        """Where their email goes (empty for someone checked in on the day)."""
        return self.user.email if self.user is not None else self.email


def new_token() -> str:
    return secrets.token_urlsafe(24)


class LeadLink(models.Model):
    """A secret link that shows a trip leader who is coming, without an account. Revocable."""

    picket_line = models.ForeignKey(PicketLine, on_delete=models.CASCADE, related_name="lead_links")
    token = models.CharField(max_length=64, unique=True, default=new_token)
    label = models.CharField(max_length=100, blank=True, help_text="Who it was shared with.")
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Lead link for {self.picket_line}"


class VisitStatus(models.TextChoices):
    REPORTED = "reported", "Reported, to confirm"
    CONFIRMED = "confirmed", "Confirmed"


class PicketVisit(models.Model):
    clp = models.ForeignKey(CLP, on_delete=models.CASCADE, related_name="picket_visits")
    dispute = models.ForeignKey(Dispute, on_delete=models.PROTECT, related_name="picket_visits")
    picket_line = models.ForeignKey(
        PicketLine, null=True, blank=True, on_delete=models.SET_NULL, related_name="visits"
    )
    date = models.DateField(db_index=True)
    members_count = models.PositiveIntegerField(
        "CLP members who went", help_text="Count everyone from the CLP, named or not."
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="picket_visits"
    )
    banner = models.BooleanField("CLP banner taken", default=False)
    solidarity_message = models.BooleanField("solidarity message delivered", default=False)
    report = models.TextField("report-back", blank=True, max_length=2000)
    status = models.CharField(
        max_length=10, choices=VisitStatus.choices, default=VisitStatus.REPORTED
    )
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Drafted from a trip leader's check-in on the day, through this link.
    lead_link = models.ForeignKey(
        LeadLink,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="drafted_visits",
        editable=False,
    )
    # Who changed what and when, for the CLP's audit log. Members who went are left out: the
    # count is kept, and each change of names would cost a copy of the list.
    history = HistoricalRecords()
    # The author simple_history records for a save, where the code saving sets one (else the
    # request's user). No class default: simple_history looks for the attribute itself.
    _history_user: User | None

    class Meta:
        ordering = ["-date", "-id"]
        indexes = [models.Index(fields=["clp", "status", "date"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=VisitStatus.values), name="visit_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"Visit to {self.dispute} on {self.date}"


class Office(models.TextChoices):
    MP = "mp", "MP"
    MS = "ms", "MS (Senedd)"
    MSP = "msp", "MSP"
    COUNCILLOR = "councillor", "Councillor"
    MAYOR = "mayor", "Mayor"
    OTHER = "other", "Other elected representative"


# How lists and reports order representatives: the MP first, then the devolved members, the
# mayor, the councillors and the others.
OFFICE_ORDER = [Office.MP, Office.MS, Office.MSP, Office.MAYOR, Office.COUNCILLOR, Office.OTHER]


class Representative(models.Model):
    """One of the CLP's elected representatives, as publicly known: who they are, the office
    they hold and where, and how the TULO reaches them. Public office holders acting publicly,
    but the contact email is shown to the TULO alone."""

    clp = models.ForeignKey(CLP, on_delete=models.CASCADE, related_name="representatives")
    name = models.CharField(max_length=150, help_text="As they are publicly known.")
    office = models.CharField(max_length=12, choices=Office.choices)
    office_title = models.CharField(
        "what the office is called",
        max_length=100,
        blank=True,
        help_text="For another office only, e.g. London Assembly Member.",
    )
    area = models.CharField(
        "ward or area",
        max_length=150,
        blank=True,
        help_text="The ward for a councillor; the constituency or area for others.",
    )
    party = models.CharField(max_length=100, blank=True, default="Labour")
    email = models.EmailField(
        "contact email", blank=True, help_text="Invitations go here. Only TULOs see it."
    )
    active_from = models.DateField("in office from", null=True, blank=True)
    active_until = models.DateField(
        "in office until", null=True, blank=True, help_text="Leave blank while they hold it."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["office", "name", "id"]
        constraints = [
            models.UniqueConstraint(
                "clp", Lower("name"), "office", name="unique_representative_per_office"
            ),
            models.CheckConstraint(
                condition=Q(office__in=Office.values), name="representative_office_valid"
            ),
            models.CheckConstraint(
                condition=Q(active_until__isnull=True)
                | Q(active_from__isnull=True)
                | Q(active_until__gte=models.F("active_from")),
                name="representative_period_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.office_label})"

    @property
    def office_label(self) -> str:
        """The office as people say it: "Councillor", or for another office its own name."""
        if self.office == Office.OTHER and self.office_title:
            return self.office_title
        return self.get_office_display()

    @property
    def described(self) -> str:
        """'Ali Khan, Councillor for Clissold ward', 'Jane Smith, MP for Hackney North'."""
        office = self.office_label
        if self.area:
            ward = " ward" if self.office == Office.COUNCILLOR else ""
            ward = "" if self.area.lower().endswith(" ward") else ward
            office += f" for {self.area}{ward}"
        return f"{self.name}, {office}"

    @property
    def styled(self) -> str:
        """The name as a newsletter writes it: 'Jane Smith MP', 'Councillor Ali Khan'."""
        if self.office in (Office.MP, Office.MS, Office.MSP):
            return f"{self.name} {self.office.upper()}"
        if self.office in (Office.COUNCILLOR, Office.MAYOR):
            title = self.get_office_display()
            has_title = self.name.lower().startswith((title.lower(), "cllr"))
            return self.name if has_title else f"{title} {self.name}"
        return f"{self.name} ({self.office_label})" if self.office_title else self.name

    def in_office_on(self, day) -> bool:
        return (self.active_from is None or self.active_from <= day) and (
            self.active_until is None or day <= self.active_until
        )


class RepresentativeAttendance(models.Model):
    """An elected representative who went on a visit: one of the CLP's representatives, or a
    name and office typed for someone not on its list. The name and office are kept either
    way, as they were when the visit was recorded."""

    visit = models.ForeignKey(PicketVisit, on_delete=models.CASCADE, related_name="representatives")
    representative = models.ForeignKey(
        Representative,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="attendances",
    )
    name = models.CharField(max_length=150)
    office = models.CharField(max_length=12, choices=Office.choices)

    class Meta:
        ordering = ["office", "name"]
        indexes = [
            # The report counts representatives by office and by dispute for a CLP's visits. With
            # only the foreign key's index, PostgreSQL chooses to read the whole table once it
            # holds every CLP's; this index answers from a few entries per visit instead.
            models.Index(
                fields=["visit", "office"], include=["id"], name="pickets_rep_visit_office_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_office_display()})"


class Answer(models.TextChoices):
    YES = "yes", "I'll be there"
    NO = "no", "Can't make it"
    MORE = "more", "Send me more"


class PicketInvitation(models.Model):
    """The TULO's invitation to one representative to stand on a picket line on given days:
    drafted for them, edited by the TULO, sent once, and answered from the personal link in it.
    The text is the TULO's as they left it, never one text for everyone."""

    clp = models.ForeignKey(CLP, on_delete=models.CASCADE, related_name="picket_invitations")
    picket_line = models.ForeignKey(
        PicketLine, on_delete=models.CASCADE, related_name="invitations"
    )
    representative = models.ForeignKey(
        Representative, on_delete=models.CASCADE, related_name="invitations"
    )
    action_days = models.ManyToManyField(ActionDay, related_name="+")
    subject = models.CharField(max_length=200)
    body = models.TextField(max_length=5000)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Written to the outbox; a draft until then.
    sent_at = models.DateTimeField(null=True, blank=True)
    answer = models.CharField(max_length=4, choices=Answer.choices, blank=True)
    answer_day = models.ForeignKey(
        ActionDay, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)
    reminder_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["picket_line", "representative"], name="one_invitation_per_line"
            ),
            models.CheckConstraint(
                condition=Q(answer__in=[*Answer.values, ""]), name="invitation_answer_valid"
            ),
            models.CheckConstraint(
                condition=Q(answer_day__isnull=True) | Q(answer="yes"),
                name="invitation_day_only_for_yes",
            ),
        ]
        indexes = [models.Index(fields=["answer", "reminder_sent_at"])]

    def __str__(self) -> str:
        return f"Invitation to {self.representative} for {self.picket_line}"


def photo_path(instance: "VisitPhoto", filename: str) -> str:
    return f"visits/{instance.visit.clp_id}/{secrets.token_hex(16)}.jpg"


class VisitPhoto(models.Model):
    visit = models.ForeignKey(PicketVisit, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(upload_to=photo_path)
    consent = models.BooleanField(
        "the people in it agreed", default=False, help_text="Photos are shown only with consent."
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Photo of {self.visit}"


class ActionType(models.TextChoices):
    MONEY_RAISED = "money_raised", "Money raised for a hardship fund"
    DONATION = "donation", "Donation from CLP funds"
    BENEFIT_EVENT = "benefit_event", "Benefit event"
    MESSAGE = "message", "Solidarity message"
    MOTION = "motion", "Motion passed"
    SPEAKER = "speaker", "Union speaker at a meeting"


MONEY_TYPES = [ActionType.MONEY_RAISED, ActionType.DONATION, ActionType.BENEFIT_EVENT]


class SolidarityAction(models.Model):
    """The CLP's ledger of solidarity. Money is recorded in pence; the app never takes payments."""

    clp = models.ForeignKey(CLP, on_delete=models.CASCADE, related_name="solidarity_actions")
    kind = models.CharField(max_length=16, choices=ActionType.choices)
    date = models.DateField(db_index=True)
    dispute = models.ForeignKey(
        Dispute, null=True, blank=True, on_delete=models.PROTECT, related_name="solidarity_actions"
    )
    union = models.ForeignKey(
        Union, null=True, blank=True, on_delete=models.PROTECT, related_name="solidarity_actions"
    )
    amount_pence = models.PositiveIntegerField(null=True, blank=True)
    fund_name = models.CharField(max_length=200, blank=True)
    fund_url = models.URLField(blank=True)
    title = models.CharField(
        max_length=200, blank=True, help_text="E.g. the event's name or the motion's title."
    )
    note = models.TextField(blank=True, max_length=2000)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()
    # The author simple_history records for a save, where the code saving sets one (else the
    # request's user). No class default: simple_history looks for the attribute itself.
    _history_user: User | None

    class Meta:
        ordering = ["-date", "-id"]
        indexes = [models.Index(fields=["clp", "date"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=ActionType.values), name="solidarity_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(amount_pence__isnull=True) | Q(kind__in=MONEY_TYPES),
                name="solidarity_money_only_for_money_kinds",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.date}"


class PdfStatus(models.TextChoices):
    QUEUED = "queued", "Waiting for a worker"
    BUILDING = "building", "Building"
    DONE = "done", "Ready"
    FAILED = "failed", "Failed"


def pdf_path(instance: "ReportPdf", filename: str) -> str:
    return f"reports/{instance.clp_id}/{secrets.token_hex(16)}.pdf"


class ReportPdf(models.Model):
    """A solidarity report's PDF, built by a Celery worker while the page shows its progress."""

    clp = models.ForeignKey(CLP, on_delete=models.CASCADE, related_name="report_pdfs")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    start = models.DateField()
    end = models.DateField()
    status = models.CharField(max_length=10, choices=PdfStatus.choices, default=PdfStatus.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)
    file = models.FileField(upload_to=pdf_path, blank=True)
    error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(progress__lte=100), name="pdf_progress_percent"),
            models.CheckConstraint(
                condition=Q(end__gte=models.F("start")), name="pdf_period_order"
            ),
        ]

    def __str__(self) -> str:
        return f"Report PDF {self.start} to {self.end} for {self.clp}"
