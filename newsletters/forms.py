from django import forms

from clps.forms import plain_name
from clps.postcodes import clean_postcode, normalise_postcode

from .models import CONSENT_WORDING


def _too_long(what: str) -> str:
    return f"Keep {what} to %(limit_value)d characters or fewer (it has %(show_value)d)."


class SubscriberDetailsForm(forms.Form):
    name = forms.CharField(
        label="Your name (optional)",
        max_length=100,
        required=False,
        validators=[plain_name],
        help_text="So the email can greet you. Leave it out if you like.",
        error_messages={"max_length": _too_long("the name")},
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    postcode = forms.CharField(
        label="Your postcode (optional)",
        max_length=10,
        required=False,
        help_text="Helps the CLP see which parts of the constituency its readers live in. "
        "Only the postcode, never your address; leave it out if you prefer.",
        error_messages={"max_length": _too_long("the postcode")},
        widget=forms.TextInput(
            attrs={"autocomplete": "postal-code", "autocapitalize": "characters"}
        ),
    )

    def clean_postcode(self) -> str:
        return normalise_postcode(clean_postcode(self.cleaned_data["postcode"]))


class SubscribeForm(SubscriberDetailsForm):
    email = forms.EmailField(
        label="Your email address",
        max_length=254,
        error_messages={
            "required": "Enter your email address: the weekly email goes there.",
            "invalid": "That is not an email address: write it like name@example.org.",
            "max_length": _too_long("the email address"),
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
    )
    consent = forms.BooleanField(
        label=CONSENT_WORDING,
        error_messages={
            "required": "Tick the box to say you want the email: we send it only to people "
            "who have agreed.",
        },
    )

    field_order = ["email", "name", "postcode", "consent"]
