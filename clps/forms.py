from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from .models import Role
from .services import parse_districts


class ClpSettingsForm(forms.Form):
    districts = forms.CharField(
        label="Postcode districts",
        help_text="Picket lines and workplaces in these districts are local to the CLP. "
        "Separate them with commas, e.g. N16, E5, E8.",
        max_length=500,
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "text"}),
    )

    open_joining = forms.BooleanField(
        label="Open joining",
        required=False,
        help_text="Anyone signed in who presses Join becomes a member at once. Leave it off to "
        "approve each request yourself: you are emailed when someone asks.",
    )

    def clean_districts(self) -> list[str]:
        return parse_districts(self.cleaned_data["districts"])


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)


class InviteForm(forms.Form):
    email = forms.EmailField(
        label="Email address",
        help_text="The invitation link goes to this address. They may accept it signed in "
        "with any account.",
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )
    role = forms.ChoiceField(
        choices=Role.choices,
        initial=Role.MEMBER,
        help_text="TULOs edit everything; executives read reports; members sign up for picket "
        "lines and report visits.",
    )


def choose_from(form: forms.BaseForm, name: str, queryset: QuerySet[Any]) -> None:
    """Offer `queryset` in the form's field `name`, a choice among records (a foreign key's or
    a many-to-many's). form.fields holds each field as a plain Field, so it is checked here."""
    field = form.fields[name]
    if not isinstance(field, forms.ModelChoiceField):
        raise TypeError(f"{name} is not a choice among records.")
    field.queryset = queryset


def plain_name(value: str) -> None:
    """A name is shown to the TULO and may greet the subscriber in an email: no markup, no
    links, so the form cannot be used to push either into a message."""
    if "<" in value or ">" in value:
        raise ValidationError("A name can't contain < or >. Write just your name, or leave it out.")
    lowered = value.lower()
    if "://" in lowered or "www." in lowered:
        raise ValidationError("A name can't contain a web address. Write just your name.")
