from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from clps.forms import choose_from, plain_name
from clps.postcodes import clean_postcode
from strikes.models import ActionDay, Dispute, Union

from .models import (
    MONEY_TYPES,
    ActionType,
    Office,
    PicketLine,
    PicketVisit,
    Representative,
    SolidarityAction,
)
from .photos import MAX_UPLOAD_BYTES

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


class DayChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: ActionDay) -> str:
        label = f"{obj.date:%a %-d %b %Y} ({obj.get_kind_display().lower()})"
        return label + (" — cancelled" if obj.cancelled else "")


class PicketLineForm(forms.ModelForm):
    action_days = DayChoiceField(
        queryset=ActionDay.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Tick the strike days the picket line stands on."},
    )

    class Meta:
        model = PicketLine
        fields = [
            "workplace",
            "place",
            "postcode",
            "action_days",
            "start_time",
            "end_time",
            "is_local",
            "note",
        ]
        widgets = {"start_time": TIME, "end_time": TIME}

    def __init__(self, *args, dispute: Dispute, **kwargs):
        super().__init__(*args, **kwargs)
        choose_from(self, "action_days", dispute.action_days.order_by("date"))
        choose_from(self, "workplace", dispute.workplaces.all())

    def clean_postcode(self) -> str:
        return clean_postcode(self.cleaned_data["postcode"])

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        start, end = cleaned.get("start_time"), cleaned.get("end_time")
        if start and end and end <= start:
            self.add_error("end_time", "The end time is before the start time.")
        return cleaned


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault(
            "widget", MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"})
        )
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data]
        return [single(data, initial)] if data else []


class RepresentativeChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Representative) -> str:
        return obj.described


class VisitForm(forms.ModelForm):
    """A picket visit: what a member reports, and what a TULO records or confirms."""

    listed_representatives = RepresentativeChoiceField(
        queryset=Representative.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Elected representatives who came",
    )
    representatives = forms.CharField(
        label="Others who came, not on the CLP's list",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="One per line, name then office: e.g. 'Jane Smith, MP' or "
        "'Ali Khan, councillor'. Offices: MP, MS, MSP, councillor, mayor.",
    )
    photos = MultipleFileField(
        required=False,
        help_text=f"JPEG, PNG or WebP, up to {MAX_UPLOAD_BYTES // 1024 // 1024} MB each. "
        "Location data is removed.",
    )
    members_count = forms.IntegerField(
        label="CLP members who went",
        min_value=1,
        max_value=5000,
        help_text="Count everyone from the CLP, named or not.",
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": "1"}),
        error_messages={
            "min_value": "Count at least one member: the person reporting went.",
            "max_value": "That is more people than a picket line holds: check the number.",
        },
    )
    photo_consent = forms.BooleanField(
        label="The people in these photos agreed to them being shared",
        required=False,
        help_text="Photos without this are kept for the TULO only and never shown.",
    )

    class Meta:
        model = PicketVisit
        fields = ["dispute", "date", "members_count", "banner", "solidarity_message", "report"]
        widgets = {
            "date": DATE,
            "report": forms.Textarea(attrs={"rows": 3, "maxlength": "2000"}),
        }
        help_texts = {"report": "Two or three lines for the report-back."}

    def __init__(self, *args, disputes, representatives, members=None, **kwargs):
        super().__init__(*args, **kwargs)
        choose_from(self, "dispute", disputes)
        choose_from(self, "listed_representatives", representatives)
        if not representatives.exists():
            del self.fields["listed_representatives"]
            self.fields["representatives"].label = "Elected representatives who came"
        if members is not None:
            # Only the TULO names who went; a member's report gives a count.
            self.fields["members"] = forms.ModelMultipleChoiceField(
                queryset=members,
                required=False,
                widget=forms.CheckboxSelectMultiple,
                label="Which members went (optional)",
                help_text="Named members count once each in the report's distinct members.",
                initial=list(self.instance.members.values_list("pk", flat=True))
                if self.instance.pk
                else None,
            )
        if self.instance.pk:
            came = list(self.instance.representatives.all())
            self.initial["representatives"] = "\n".join(
                f"{r.name}, {r.get_office_display()}" for r in came if r.representative_id is None
            )
            self.initial["listed_representatives"] = [
                r.representative_id for r in came if r.representative_id is not None
            ]

    def clean_representatives(self) -> list[tuple[str, str]]:
        offices = {label.lower(): value for value, label in Office.choices} | {
            value: value for value in Office.values
        }
        result = []
        for number, line in enumerate(self.cleaned_data["representatives"].splitlines(), 1):
            if not line.strip():
                continue
            name, _, office = line.rpartition(",")
            office = office.strip().lower()
            if not name.strip() or office not in offices:
                raise ValidationError(
                    f"Line {number} ('{line.strip()[:60]}') needs a name, a comma and an office "
                    "(MP, MS, MSP, councillor or mayor)."
                )
            if len(name.strip()) > 150:
                raise ValidationError(f"Line {number}: the name is too long.")
            result.append((name.strip(), offices[office]))
        return result


class SolidarityActionForm(forms.ModelForm):
    amount = forms.DecimalField(
        label="Amount (£)",
        required=False,
        min_value=0,
        max_value=10_000_000,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "0.01", "min": "0"}),
    )

    class Meta:
        model = SolidarityAction
        fields = [
            "kind",
            "date",
            "title",
            "dispute",
            "union",
            "amount",
            "fund_name",
            "fund_url",
            "note",
        ]
        widgets = {"date": DATE, "note": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, disputes, **kwargs):
        super().__init__(*args, **kwargs)
        choose_from(self, "dispute", disputes)
        choose_from(self, "union", Union.objects.order_by("short_name"))
        if self.instance.amount_pence is not None:
            self.initial["amount"] = self.instance.amount_pence / 100

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        kind, amount = cleaned.get("kind"), cleaned.get("amount")
        if kind in MONEY_TYPES and amount is None:
            self.add_error("amount", "Give the amount in pounds, e.g. 1350 or 12.50.")
        if kind not in MONEY_TYPES and amount is not None:
            self.add_error(
                "amount", "Only money raised, donations and benefit events have an amount."
            )
        if kind == ActionType.MONEY_RAISED and not cleaned.get("fund_name"):
            self.add_error("fund_name", "Name the hardship fund the money went to.")
        return cleaned

    def save(self, commit=True):
        amount = self.cleaned_data.get("amount")
        self.instance.amount_pence = None if amount is None else int(amount * 100)
        return super().save(commit=commit)


PERIODS = [
    ("this_month", "This month"),
    ("last_month", "Last month"),
    ("last_quarter", "Last quarter"),
    ("this_year", "This year"),
    ("custom", "Dates below"),
]


class ReportPeriodForm(forms.Form):
    period = forms.ChoiceField(choices=PERIODS, required=False, initial="last_quarter")
    start = forms.DateField(required=False, widget=DATE, label="From")
    end = forms.DateField(required=False, widget=DATE, label="To")

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        if cleaned.get("period") == "custom":
            start, end = cleaned.get("start"), cleaned.get("end")
            if not start or not end:
                raise ValidationError("Give both dates, or choose a period.")
            if end < start:
                raise ValidationError("The end date is before the start date: swap them round.")
            if (end - start).days > 366 * 10:
                raise ValidationError("Choose a period of ten years or less.")
        return cleaned


def period_dates(period: str, today):
    """The first and last day of a named period, in Europe/London dates."""
    import datetime

    month_start = today.replace(day=1)
    if period == "this_month":
        return month_start, today
    if period == "last_month":
        end = month_start - datetime.timedelta(days=1)
        return end.replace(day=1), end
    if period == "this_year":
        return today.replace(month=1, day=1), today
    # last quarter: the last whole calendar quarter
    quarter_start = today.replace(month=(today.month - 1) // 3 * 3 + 1, day=1)
    end = quarter_start - datetime.timedelta(days=1)
    return end.replace(month=(end.month - 1) // 3 * 3 + 1, day=1), end


class PublicSignupForm(forms.Form):
    """Someone with no account says they'll go: a day, a name and an email to confirm by."""

    action_day = forms.TypedChoiceField(
        label="Which day?",
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose the day you can go.",
            "invalid_choice": "That day is no longer open: choose another.",
        },
    )
    name = forms.CharField(
        label="Your name",
        max_length=100,
        validators=[plain_name],
        help_text="Only the CLP's TULO sees it; the trip leader sees your first name.",
        error_messages={
            "required": "Write your name, so the trip leader knows who to look out for.",
            "max_length": "Keep your name to 100 characters or fewer.",
        },
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    email = forms.EmailField(
        label="Your email address",
        max_length=254,
        help_text="We email you a link to confirm, and a reminder the evening before.",
        error_messages={
            "required": "Enter your email address: the confirmation link goes there.",
            "invalid": "That is not an email address: write it like name@example.org.",
            "max_length": "Keep the email address to 254 characters or fewer.",
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
    )

    def __init__(self, *args, days: list[ActionDay], **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["action_day"]
        choices: list[tuple[int | str, str]] = [
            (day.pk, f"{day.date:%A} {day.date.day} {day.date:%B}") for day in days
        ]
        if len(choices) > 5:  # a long strike's days: a list to pick from, not a page of circles
            field.widget = forms.Select()
            choices = [("", "Choose a day"), *choices]
        field.choices = choices  # type: ignore[attr-defined]


class CameForm(forms.Form):
    """A tap on the trip leader's check-in list: this sign-up came (1) or did not (0). The
    state is sent, not flipped, so a double tap or a resent form leaves it as the leader saw."""

    signup = forms.IntegerField(min_value=1, max_value=2**63 - 1)
    came = forms.TypedChoiceField(
        choices=[("1", "came"), ("0", "not here")], coerce=lambda v: v == "1"
    )


class WalkInForm(forms.Form):
    """Someone who turned up on the line without signing up: a first name, nothing more."""

    name = forms.CharField(
        label="Someone else came? Their first name",
        max_length=50,
        validators=[plain_name],
        error_messages={
            "required": "Write their first name, then tap Add.",
            "max_length": "Keep it to a first name: 50 characters or fewer.",
            "null_characters_not_allowed": "That has a character no name has: write just the name.",
        },
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "words", "enterkeyhint": "done"}
        ),
    )
