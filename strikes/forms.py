import datetime
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from clps.forms import choose_from
from clps.postcodes import clean_postcode

from .models import (
    ActionDay,
    ActionKind,
    Ballot,
    Branch,
    Dispute,
    DisputeStatus,
    Employer,
    Issue,
    Union,
    Workplace,
)

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
NUMBER = {"inputmode": "numeric", "min": "0"}


class UnionForm(forms.ModelForm):
    class Meta:
        model = Union
        fields = ["name", "short_name", "website", "affiliated_to_labour"]

    def clean_short_name(self) -> str:
        short_name = self.cleaned_data["short_name"].strip()
        clash = Union.objects.filter(short_name__iexact=short_name).exclude(pk=self.instance.pk)
        if clash.exists():
            raise ValidationError(f"There is already a union called {short_name}.")
        return short_name


class BranchForm(forms.ModelForm):
    class Meta:
        model = Branch
        fields = ["union", "name", "region", "contact_role", "contact_route"]


class EmployerForm(forms.ModelForm):
    class Meta:
        model = Employer
        fields = ["name"]


class WorkplaceForm(forms.ModelForm):
    class Meta:
        model = Workplace
        fields = ["employer", "name", "address", "postcode", "latitude", "longitude"]
        help_texts = {
            "postcode": "The postcode decides whether the workplace is local to a CLP.",
            "latitude": "Optional, for the map: e.g. 51.56123.",
            "longitude": "Optional, for the map: e.g. -0.07412.",
        }

    def clean_postcode(self) -> str:
        return clean_postcode(self.cleaned_data["postcode"])

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        lat, lng = cleaned.get("latitude"), cleaned.get("longitude")
        if (lat is None) != (lng is None):
            raise ValidationError("Give both latitude and longitude, or neither.")
        if lat is not None and not -90 <= lat <= 90:
            self.add_error("latitude", "Latitude is between -90 and 90.")
        if lng is not None and not -180 <= lng <= 180:
            self.add_error("longitude", "Longitude is between -180 and 180.")
        return cleaned


class DisputeForm(forms.ModelForm):
    issues = forms.MultipleChoiceField(
        choices=Issue.choices, widget=forms.CheckboxSelectMultiple, required=False
    )
    new_employer = forms.CharField(
        label="Or a new employer",
        required=False,
        max_length=200,
        help_text="If the employer is not in the list, type its name here.",
    )

    class Meta:
        model = Dispute
        fields = [
            "title",
            "unions",
            "employer",
            "new_employer",
            "workplaces",
            "branches",
            "issues",
            "workers",
            "about",
            "status",
            "is_national",
            "demands",
            "outcome",
            "hardship_fund_name",
            "hardship_fund_url",
            "sources",
        ]
        widgets = {
            "unions": forms.CheckboxSelectMultiple,
            "workplaces": forms.SelectMultiple(attrs={"size": 4}),
            "branches": forms.SelectMultiple(attrs={"size": 4}),
            "demands": forms.Textarea(attrs={"rows": 3}),
            "outcome": forms.Textarea(attrs={"rows": 2}),
            "sources": forms.Textarea(attrs={"rows": 2}),
        }
        error_messages = {
            "unions": {"required": "Tick the union (or unions) in dispute."},
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["employer"].required = False
        choose_from(self, "workplaces", Workplace.objects.select_related("employer"))
        choose_from(self, "branches", Branch.objects.select_related("union"))
        self.fields["workplaces"].required = False
        self.fields["branches"].required = False

    def clean_sources(self) -> str:
        lines = [line.strip() for line in self.cleaned_data["sources"].splitlines() if line.strip()]
        validate = forms.URLField().clean
        for number, line in enumerate(lines, start=1):
            try:
                validate(line)
            except ValidationError:
                raise ValidationError(
                    f"Line {number} is not a web address: give one link per line, "
                    "starting https://."
                ) from None
        return "\n".join(lines)

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        employer = cleaned.get("employer")
        new_employer = (cleaned.get("new_employer") or "").strip()
        if employer and new_employer:
            self.add_error(
                "new_employer", "Choose an employer from the list or type a new one, not both."
            )
        elif not employer and not new_employer:
            self.add_error("employer", "Choose the employer, or type a new one below.")
        status = cleaned.get("status")
        if status in (DisputeStatus.WON, DisputeStatus.SETTLED) and not cleaned.get("outcome"):
            self.add_error(
                "outcome", "Say briefly what was won or agreed, for the email and reports."
            )
        return cleaned


# Ballot dates are reckoned forward (a mandate runs months past the close), so a year typed
# wrong must be caught here, not when the dispute's page works out the mandate.
BALLOT_DATES = (datetime.date(1900, 1, 1), datetime.date(2100, 12, 31))


def plausible_ballot_date(day: datetime.date) -> None:
    if not BALLOT_DATES[0] <= day <= BALLOT_DATES[1]:
        raise ValidationError(
            f"Check the year: a ballot date is between {BALLOT_DATES[0].year} and "
            f"{BALLOT_DATES[1].year}."
        )


class BallotForm(forms.ModelForm):
    class Meta:
        model = Ballot
        fields = [
            "union",
            "kind",
            "jurisdiction",
            "important_public_services",
            "method",
            "opens_on",
            "closes_on",
            "entitled_to_vote",
            "votes_cast",
            "yes_votes",
            "no_votes",
            "spoilt",
            "result_announced_on",
            "extension_agreed",
        ]
        widgets = {
            "opens_on": DATE,
            "closes_on": DATE,
            "result_announced_on": DATE,
            "entitled_to_vote": forms.NumberInput(attrs=NUMBER),
            "votes_cast": forms.NumberInput(attrs=NUMBER),
            "yes_votes": forms.NumberInput(attrs=NUMBER),
            "no_votes": forms.NumberInput(attrs=NUMBER),
            "spoilt": forms.NumberInput(attrs=NUMBER),
        }
        error_messages = {
            "union": {"invalid_choice": "That union is not on the list: add it first."},
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("opens_on", "closes_on", "result_announced_on"):
            self.fields[name].validators.append(plausible_ballot_date)

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        opens, closes = cleaned.get("opens_on"), cleaned.get("closes_on")
        if opens and closes and closes < opens:
            self.add_error("closes_on", "The ballot closes before it opens: check the dates.")
        announced = cleaned.get("result_announced_on")
        if announced and closes and announced < closes:
            self.add_error(
                "result_announced_on", "The result cannot be announced before the ballot closes."
            )
        entitled, cast = cleaned.get("entitled_to_vote"), cleaned.get("votes_cast")
        yes, no, spoilt = cleaned.get("yes_votes"), cleaned.get("no_votes"), cleaned.get("spoilt")
        if cast is not None and entitled is not None and cast > entitled:
            self.add_error(
                "votes_cast",
                f"Turnout ({cast:,}) is more than the number balloted ({entitled:,}): check both.",
            )
        if (yes is None) != (no is None):
            self.add_error(
                "no_votes" if no is None else "yes_votes", "Give both the yes and the no votes."
            )
        if yes is not None and cast is None:
            self.add_error("votes_cast", "Give the number who voted along with the result.")
        if cast is not None and yes is not None and no is not None:
            counted = yes + no + (spoilt or 0)
            if counted > cast:
                self.add_error(
                    "votes_cast",
                    f"Yes, no and spoilt add up to {counted:,}, more than the {cast:,} who voted.",
                )
        return cleaned


class ActionDayForm(forms.ModelForm):
    class Meta:
        model = ActionDay
        fields = ["date", "kind", "start_time", "end_time", "cancelled", "note"]
        widgets = {"date": DATE, "start_time": TIME, "end_time": TIME}
        help_texts = {"note": "E.g. 'first of a two-day walkout'."}

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        start, end = cleaned.get("start_time"), cleaned.get("end_time")
        if start and end and end <= start:
            self.add_error("end_time", "The end time is before the start time.")
        return cleaned


def days_in_range(
    start: datetime.date, end: datetime.date, weekdays: set[int] | None = None
) -> list[datetime.date]:
    """Every date from start to end inclusive, keeping only `weekdays` (0 = Monday) if given."""
    if end < start:
        raise ValidationError("The last day is before the first day: swap them round.")
    if (end - start).days > 366:
        raise ValidationError("That range is longer than a year: add action days a year at a time.")
    days = [start + datetime.timedelta(days=n) for n in range((end - start).days + 1)]
    return [d for d in days if weekdays is None or d.weekday() in weekdays]


WEEKDAYS = [(0, "Mon"), (1, "Tue"), (2, "Wed"), (3, "Thu"), (4, "Fri"), (5, "Sat"), (6, "Sun")]


class ActionDayRangeForm(forms.Form):
    first_day = forms.DateField(widget=DATE)
    last_day = forms.DateField(widget=DATE)
    weekdays = forms.TypedMultipleChoiceField(
        choices=WEEKDAYS,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        initial=[0, 1, 2, 3, 4],
        help_text="Only these days of the week.",
        error_messages={"required": "Tick at least one day of the week."},
    )
    kind = forms.ChoiceField(choices=ActionKind.choices, initial=ActionKind.STRIKE)
    start_time = forms.TimeField(required=False, widget=TIME)
    end_time = forms.TimeField(required=False, widget=TIME)
    note = forms.CharField(required=False, max_length=300)

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        first, last = cleaned.get("first_day"), cleaned.get("last_day")
        if first and last:
            try:
                cleaned["dates"] = days_in_range(first, last, set(cleaned.get("weekdays") or []))
            except ValidationError as exc:
                self.add_error("last_day", exc)
            else:
                if not cleaned["dates"]:
                    self.add_error("weekdays", "None of the ticked weekdays falls in that range.")
        start, end = cleaned.get("start_time"), cleaned.get("end_time")
        if start and end and end <= start:
            self.add_error("end_time", "The end time is before the start time.")
        return cleaned


STATUS_CHOICES = [
    ("", "Any status"),
    ("live", "Live (balloting to suspended)"),
    *DisputeStatus.choices,
]
SCOPE_CHOICES = [
    ("", "All disputes"),
    ("mine", "Local or followed"),
    ("local", "Local"),
    ("followed", "Followed"),
    ("national", "National"),
]


class DisputeFilterForm(forms.Form):
    q = forms.CharField(label="Search", required=False, max_length=100)
    union = forms.ModelChoiceField(
        queryset=Union.objects.all(), required=False, empty_label="Any union"
    )
    status = forms.ChoiceField(choices=STATUS_CHOICES, required=False)
    scope = forms.ChoiceField(label="Which", choices=SCOPE_CHOICES, required=False)
