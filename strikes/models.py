"""Public records of the labour movement, shared by every CLP on a deployment.

Each record keeps an edit history (who changed what, and when) through django-simple-history.

One module, though over 400 lines: it is the app's schema, read top to bottom from unions to
disputes, their days and ballots, the ballot law they are judged by, and the import jobs; the
models point at each other, and most of the length is field definitions and constraints.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from simple_history.models import HistoricalRecords

from clps.models import User


class Union(models.Model):
    name = models.CharField(max_length=200)
    short_name = models.CharField(
        max_length=40, help_text="What members call it, such as CWU or UNISON."
    )
    website = models.URLField(blank=True)
    affiliated_to_labour = models.BooleanField(
        "affiliated to Labour",
        default=False,
        help_text="Whether the union is affiliated to the Labour Party.",
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["short_name"]
        constraints = [
            models.UniqueConstraint(Lower("short_name"), name="unique_union_short_name"),
        ]

    def __str__(self) -> str:
        return self.short_name


class Branch(models.Model):
    union = models.ForeignKey(Union, on_delete=models.PROTECT, related_name="branches")
    name = models.CharField(max_length=200)
    region = models.CharField(max_length=100, blank=True)
    contact_role = models.CharField(
        max_length=100,
        blank=True,
        help_text="A role, not a person: e.g. branch secretary.",
    )
    contact_route = models.CharField(
        max_length=300,
        blank=True,
        help_text="A public way to reach that role: the branch's web page or office email.",
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["union__short_name", "name"]
        verbose_name_plural = "branches"
        constraints = [
            models.UniqueConstraint(fields=["union", "name"], name="unique_branch_per_union"),
        ]

    def __str__(self) -> str:
        return f"{self.union.short_name} {self.name}"


class Employer(models.Model):
    name = models.CharField(max_length=200, unique=True)
    history = HistoricalRecords()
    # The author simple_history records for a save, where the code saving sets one (else the
    # request's user). No class default: simple_history looks for the attribute itself.
    _history_user: User | None

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Workplace(models.Model):
    employer = models.ForeignKey(Employer, on_delete=models.PROTECT, related_name="workplaces")
    name = models.CharField(max_length=200)
    address = models.CharField(max_length=300, blank=True)
    postcode = models.CharField(max_length=10, blank=True)
    # The outward half of the postcode (N16), kept so "local to a CLP" is one indexed lookup.
    postcode_district = models.CharField(max_length=4, blank=True, db_index=True, editable=False)
    latitude = models.DecimalField(max_digits=8, decimal_places=5, null=True, blank=True)
    longitude = models.DecimalField(max_digits=8, decimal_places=5, null=True, blank=True)
    history = HistoricalRecords()
    # The author simple_history records for a save, where the code saving sets one (else the
    # request's user). No class default: simple_history looks for the attribute itself.
    _history_user: User | None

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(latitude__isnull=True) | Q(latitude__gte=-90, latitude__lte=90),
                name="workplace_latitude_range",
            ),
            models.CheckConstraint(
                condition=Q(longitude__isnull=True) | Q(longitude__gte=-180, longitude__lte=180),
                name="workplace_longitude_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Issue(models.TextChoices):
    PAY = "pay", "Pay"
    PENSIONS = "pensions", "Pensions"
    JOBS = "jobs", "Jobs"
    CONDITIONS = "conditions", "Conditions"
    OUTSOURCING = "outsourcing", "Outsourcing"
    RECOGNITION = "recognition", "Recognition"
    VICTIMISATION = "victimisation", "Victimisation"
    SAFETY = "safety", "Health and safety"


class DisputeStatus(models.TextChoices):
    BALLOTING = "balloting", "Balloting"
    MANDATE_WON = "mandate_won", "Mandate won"
    TAKING_ACTION = "taking_action", "Taking action"
    SUSPENDED = "suspended", "Suspended"
    WON = "won", "Won"
    SETTLED = "settled", "Settled"
    LOST = "lost", "Lost"
    CALLED_OFF = "called_off", "Called off"


LIVE_STATUSES = [
    DisputeStatus.BALLOTING,
    DisputeStatus.MANDATE_WON,
    DisputeStatus.TAKING_ACTION,
    DisputeStatus.SUSPENDED,
]
ENDED_STATUSES = [
    DisputeStatus.WON,
    DisputeStatus.SETTLED,
    DisputeStatus.LOST,
    DisputeStatus.CALLED_OFF,
]


class Dispute(models.Model):
    title = models.CharField(max_length=200)
    unions = models.ManyToManyField(Union, related_name="disputes")
    branches = models.ManyToManyField(Branch, related_name="disputes", blank=True)
    employer = models.ForeignKey(Employer, on_delete=models.PROTECT, related_name="disputes")
    workplaces = models.ManyToManyField(Workplace, related_name="disputes", blank=True)
    issues = models.JSONField(default=list, blank=True)
    # The two phrases the newsletter's sentences are written from, in the words a local paper
    # would use; the title names the dispute on our own pages only.
    workers = models.CharField(
        "who is in dispute",
        max_length=200,
        blank=True,
        help_text="As a local paper would put it after the union's name, in the plural: "
        "“postal workers at Royal Mail's Stoke Newington delivery office”. Left blank, the "
        "newsletter says “members at” the employer.",
    )
    about = models.CharField(
        "what it is over",
        max_length=200,
        blank=True,
        help_text="To follow “a dispute over”: “pay”, “jobs and conditions”, “bringing cleaning "
        "back in-house”. Left blank, the newsletter names the issues ticked.",
    )
    status = models.CharField(
        max_length=20, choices=DisputeStatus.choices, default=DisputeStatus.BALLOTING
    )
    is_national = models.BooleanField(
        "national dispute",
        default=False,
        help_text="A dispute across the country, such as a national Royal Mail strike.",
    )
    demands = models.TextField(blank=True)
    outcome = models.TextField(blank=True, help_text="How it ended, once it has.")
    hardship_fund_name = models.CharField(max_length=200, blank=True)
    hardship_fund_url = models.URLField("hardship fund link", blank=True)
    sources = models.TextField(blank=True, help_text="Links to news and union pages, one per line.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)
    history = HistoricalRecords(m2m_fields=[unions, workplaces])
    # The author simple_history records for a save, where the code saving sets one (else the
    # request's user). No class default: simple_history looks for the attribute itself.
    _history_user: User | None
    # Set by public_calendar.map_context: its public page's path, its unions' short names and
    # the days the map lists, in words.
    page_path: str
    union_names: list[str]
    listed_days: str

    class Meta:
        ordering = ["-updated_at", "-id"]
        indexes = [
            models.Index(fields=["status", "-updated_at"]),
            # The dispute list's order, read newest first a page at a time.
            models.Index(fields=["-updated_at", "-id"], name="dispute_list_order_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=DisputeStatus.values), name="dispute_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_live(self) -> bool:
        return self.status in LIVE_STATUSES

    def issue_labels(self) -> list[str]:
        return [Issue(i).label for i in self.issues if i in Issue.values]

    def source_links(self) -> list[str]:
        return [line.strip() for line in self.sources.splitlines() if line.strip()]


class ActionKind(models.TextChoices):
    STRIKE = "strike", "Strike"
    ASOS = "asos", "Action short of strike"


class ActionDay(models.Model):
    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="action_days")
    date = models.DateField(db_index=True)
    kind = models.CharField(max_length=10, choices=ActionKind.choices, default=ActionKind.STRIKE)
    start_time = models.TimeField(null=True, blank=True)
    end_time = models.TimeField(null=True, blank=True)
    cancelled = models.BooleanField(default=False)
    note = models.CharField(max_length=300, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["date", "start_time"]
        constraints = [
            models.UniqueConstraint(
                fields=["dispute", "date", "kind"], name="unique_action_day_per_kind"
            ),
            models.CheckConstraint(
                condition=Q(start_time__isnull=True)
                | Q(end_time__isnull=True)
                | Q(end_time__gt=F("start_time")),
                name="action_day_ends_after_it_starts",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.date:%a %d %b %Y}: {self.dispute}"


class Jurisdiction(models.TextChoices):
    GREAT_BRITAIN = "GB", "Great Britain"
    NORTHERN_IRELAND = "NI", "Northern Ireland"


class BallotKind(models.TextChoices):
    STATUTORY = "statutory", "Statutory industrial action ballot"
    INDICATIVE = "indicative", "Indicative (consultative) ballot"


class BallotMethod(models.TextChoices):
    POSTAL = "postal", "Postal"
    ELECTRONIC = "electronic", "Electronic"
    WORKPLACE = "workplace", "Workplace"


class BallotRuleSet(models.Model):
    """The law on industrial action ballots for one jurisdiction from one date.

    A ballot is judged by the rule set in force in its jurisdiction on the day it opened.
    Blank thresholds mean the rule set has none; blank periods mean they are not yet entered.
    """

    name = models.CharField(max_length=200)
    jurisdiction = models.CharField(max_length=2, choices=Jurisdiction.choices)
    effective_from = models.DateField(help_text="Applies to ballots opened on or after this day.")
    turnout_threshold_pct = models.PositiveSmallIntegerField(
        "turnout threshold (%)",
        null=True,
        blank=True,
        help_text="Share of those entitled to vote who must vote. Blank: no threshold.",
    )
    turnout_threshold_ends_on = models.DateField(
        null=True,
        blank=True,
        help_text="The day the turnout threshold's repeal commences, once known: ballots "
        "opened on or after it have no turnout threshold.",
    )
    ips_support_threshold_pct = models.PositiveSmallIntegerField(
        "important public services support threshold (%)",
        null=True,
        blank=True,
        help_text="Share of all those entitled to vote who must vote yes in important public "
        "services. Blank: no such threshold.",
    )
    mandate_months = models.PositiveSmallIntegerField(null=True, blank=True)
    mandate_months_by_agreement = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="With the employer's agreement. Blank: no extension."
    )
    notice_days = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Notice of action due to the employer, in days."
    )
    notice_days_by_agreement = models.PositiveSmallIntegerField(null=True, blank=True)
    transition_note = models.TextField(
        blank=True,
        help_text="Shown on ballots opened before this rule set whose mandate runs into it.",
    )
    source = models.TextField(help_text="Where these facts come from: names and links.")
    notes = models.TextField(blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["jurisdiction", "effective_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["jurisdiction", "effective_from"], name="unique_rule_set_start"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Ballot(models.Model):
    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="ballots")
    union = models.ForeignKey(Union, on_delete=models.PROTECT, related_name="ballots")
    kind = models.CharField(max_length=12, choices=BallotKind.choices, default=BallotKind.STATUTORY)
    jurisdiction = models.CharField(
        max_length=2, choices=Jurisdiction.choices, default=Jurisdiction.GREAT_BRITAIN
    )
    important_public_services = models.BooleanField(
        default=False,
        help_text="Health, education of under-17s, fire, transport, border security "
        "(and, in some summaries, energy and nuclear decommissioning).",
    )
    method = models.CharField(
        max_length=12, choices=BallotMethod.choices, default=BallotMethod.POSTAL
    )
    opens_on = models.DateField()
    closes_on = models.DateField(db_index=True)
    entitled_to_vote = models.PositiveIntegerField(
        "workers balloted", null=True, blank=True, help_text="Number entitled to vote."
    )
    votes_cast = models.PositiveIntegerField(
        "turnout (votes cast)", null=True, blank=True, help_text="Number who voted."
    )
    yes_votes = models.PositiveIntegerField(null=True, blank=True)
    no_votes = models.PositiveIntegerField(null=True, blank=True)
    spoilt = models.PositiveIntegerField(null=True, blank=True)
    extension_agreed = models.BooleanField(
        "mandate extension agreed", default=False, help_text="The employer agreed to extend it."
    )
    result_announced_on = models.DateField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-closes_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_on__gte=F("opens_on")), name="ballot_closes_after_it_opens"
            ),
            models.CheckConstraint(
                condition=Q(votes_cast__isnull=True)
                | Q(entitled_to_vote__isnull=True)
                | Q(votes_cast__lte=F("entitled_to_vote")),
                name="ballot_turnout_within_electorate",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.union} ballot closing {self.closes_on:%d %b %Y}"

    @property
    def has_result(self) -> bool:
        return self.votes_cast is not None and self.yes_votes is not None


class FollowedDispute(models.Model):
    """A CLP's choice to follow a dispute that is not local to it (a national strike, say)."""

    clp = models.ForeignKey("clps.CLP", on_delete=models.CASCADE, related_name="followed")
    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="followers")
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["clp", "dispute"], name="unique_followed_dispute"),
        ]

    def __str__(self) -> str:
        return f"{self.clp} follows {self.dispute}"


class CsvImportKind(models.TextChoices):
    ACTION_DAYS = "action_days", "Action days"
    DISPUTES = "disputes", "Disputes"


class CsvImportStatus(models.TextChoices):
    CHECKING = "checking", "Checking"
    INVALID = "invalid", "Has rows to fix"
    READY = "ready", "Ready to import"
    APPLYING = "applying", "Importing"
    DONE = "done", "Imported"
    FAILED = "failed", "Failed"


class CsvImport(models.Model):
    """A TULO's CSV file too big to check and import while they wait: a Celery worker does it,
    recording its progress here for the page to poll.

    The records it writes are shared; the job itself, and the text it holds, belong to the CLP.
    """

    clp = models.ForeignKey("clps.CLP", on_delete=models.CASCADE, related_name="csv_imports")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(max_length=12, choices=CsvImportKind.choices)
    filename = models.CharField(max_length=200, blank=True)
    text = models.TextField(help_text="The CSV as the TULO gave it, decoded.")
    status = models.CharField(
        max_length=10, choices=CsvImportStatus.choices, default=CsvImportStatus.CHECKING
    )
    rows_total = models.PositiveIntegerField(default=0)
    rows_done = models.PositiveIntegerField(default=0)
    errors = models.JSONField(
        default=list, blank=True, help_text='Rows to fix: [{"line": 17, "message": "…"}].'
    )
    error_count = models.PositiveIntegerField(default=0)
    summary = models.JSONField(
        default=dict, blank=True, help_text="The preview of good rows, then what was imported."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["clp", "-created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=CsvImportStatus.values), name="csv_import_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=CsvImportKind.values), name="csv_import_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(rows_done__lte=F("rows_total")), name="csv_import_done_within_total"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} import {self.pk} ({self.get_status_display()})"

    @property
    def is_running(self) -> bool:
        return self.status in (CsvImportStatus.CHECKING, CsvImportStatus.APPLYING)
