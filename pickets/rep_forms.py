"""The forms of the CLP's elected representatives: the TULO's record of one, inviting them to a
picket line and editing each draft, and a representative's answer from their link."""

from typing import Any

from django import forms

from clps.forms import choose_from, plain_name
from strikes.models import ActionDay

from .forms import DATE, RepresentativeChoiceField
from .models import Answer, Office, Representative


class RepresentativeForm(forms.ModelForm):
    class Meta:
        model = Representative
        fields = [
            "name",
            "office",
            "office_title",
            "area",
            "party",
            "email",
            "active_from",
            "active_until",
        ]
        widgets = {"active_from": DATE, "active_until": DATE}
        error_messages = {"name": {"required": "Write the representative's name."}}

    def __init__(self, *args, clp, **kwargs):
        super().__init__(*args, **kwargs)
        self.clp = clp
        if self.instance.pk is None:
            self.instance.clp = clp
        self.fields["name"].validators.append(plain_name)

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        office, title = cleaned.get("office"), cleaned.get("office_title")
        if office == Office.OTHER and not title:
            self.add_error("office_title", "Say what the office is, e.g. London Assembly Member.")
        if office and office != Office.OTHER and title:
            self.add_error("office_title", "Leave this blank unless the office is another one.")
        start, end = cleaned.get("active_from"), cleaned.get("active_until")
        if start and end and end < start:
            self.add_error("active_until", "This is before the date they took office.")
        name = cleaned.get("name")
        if name and office:
            same = Representative.objects.filter(
                clp=self.clp, name__iexact=name.strip(), office=office
            ).exclude(pk=self.instance.pk)
            if same.exists():
                self.add_error(
                    "name", "The CLP's list already has someone of this name and office."
                )
        return cleaned


class InviteForm(forms.Form):
    """Step one of inviting representatives to a picket line: who, and for which days."""

    representatives = RepresentativeChoiceField(
        queryset=Representative.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        label="Who to invite",
        error_messages={"required": "Tick at least one representative to invite."},
    )
    days = forms.TypedMultipleChoiceField(
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        label="Which days",
        error_messages={
            "required": "Tick at least one day.",
            "invalid_choice": "That day is no longer open: choose another.",
        },
    )

    def __init__(self, *args, representatives, days: list[ActionDay], **kwargs):
        super().__init__(*args, **kwargs)
        choose_from(self, "representatives", representatives)
        field = self.fields["days"]
        field.choices = [  # type: ignore[attr-defined]
            (d.pk, f"{d.date:%A} {d.date.day} {d.date:%B}") for d in days
        ]


class DraftForm(forms.Form):
    """One representative's invitation, as the TULO edits it before it goes."""

    subject = forms.CharField(
        max_length=200,
        error_messages={
            "required": "Give the email a subject.",
            "max_length": "Keep the subject to 200 characters or fewer.",
        },
    )
    body = forms.CharField(
        label="Text",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 14}),
        help_text="The personal link to answer is added below it.",
        error_messages={
            "required": "Write the invitation, or remove this representative.",
            "max_length": "Keep it to 5,000 characters or fewer.",
        },
    )


class AnswerForm(forms.Form):
    """A representative's answer from their link: yes on a day, no, or send me more."""

    answer = forms.ChoiceField(
        choices=Answer.choices,
        error_messages={"required": "Choose an answer.", "invalid_choice": "Choose an answer."},
    )
    day = forms.TypedChoiceField(coerce=int, required=False, empty_value=None)

    def __init__(self, *args, days: list[ActionDay], **kwargs):
        super().__init__(*args, **kwargs)
        self.days = {d.pk: d for d in days}
        self.fields["day"].choices = [("", "")] + [  # type: ignore[attr-defined]
            (d.pk, str(d.date)) for d in days
        ]

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        if cleaned.get("answer") == Answer.YES and not cleaned.get("day"):
            self.add_error("day", "Choose the day you can come.")
        cleaned["action_day"] = self.days.get(cleaned.get("day") or 0)
        return cleaned
