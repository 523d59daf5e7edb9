"""The monthly section's forms: the schedule, the TULO's edit, and a month to draft now."""

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils import timezone

from strikes.ballot_law import add_months

from ..models import NewsletterSchedule
from .schedule import first_of_month, parse_month

MARKDOWN_MAX = 20_000
COLUMN_MAX = 6_000


class NewsletterScheduleForm(forms.ModelForm):
    class Meta:
        model = NewsletterSchedule
        fields = ["day_of_month", "days_before", "covers", "editor_email", "enabled"]
        widgets = {
            "day_of_month": forms.NumberInput(attrs={"min": 1, "max": 31, "inputmode": "numeric"}),
            "days_before": forms.NumberInput(attrs={"min": 0, "max": 27, "inputmode": "numeric"}),
            "covers": forms.RadioSelect,
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["day_of_month"].validators += [MinValueValidator(1), MaxValueValidator(31)]
        self.fields["day_of_month"].error_messages["max_value"] = (
            "Give a day from 1 to 31; 31 means the last day of every month."
        )
        self.fields["days_before"].validators += [MaxValueValidator(27)]
        self.fields["days_before"].error_messages["max_value"] = (
            "Give at most 27 days, so each month's draft comes after the last newsletter."
        )


def _text_box(
    *, label: str, what: str, max_length: int, rows: int, help_text: str
) -> forms.CharField:
    """A textarea kept exactly as typed, whose error for too much text says what to cut to."""
    return forms.CharField(
        label=label,
        required=False,
        max_length=max_length,
        strip=False,
        widget=forms.Textarea(attrs={"rows": rows, "spellcheck": "true"}),
        help_text=help_text,
        error_messages={
            "max_length": f"The {what} is too long: keep it under {max_length:,} characters."
        },
    )


class SectionForm(forms.Form):
    markdown = _text_box(
        label="Section (Markdown)",
        what="section",
        max_length=MARKDOWN_MAX,
        rows=18,
        help_text="## for a heading, - for a list item, **bold**, [words](https://link). "
        "HTML typed here is shown as text.",
    )
    column = _text_box(
        label="Column for the local paper",
        what="column",
        max_length=COLUMN_MAX,
        rows=10,
        help_text="Prose only, about 400 words.",
    )
    based_on = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def live_preview(self, url: str) -> None:
        """The preview follows the textareas as the TULO types, through htmx: no inline script."""
        for name in ("markdown", "column"):
            self.fields[name].widget.attrs.update(
                {
                    "hx-post": url,
                    "hx-trigger": "input changed delay:300ms",
                    "hx-target": "#section-preview",
                    "hx-swap": "innerHTML",
                    "hx-sync": "closest form:replace",
                }
            )

    def rebased(self, number: int) -> "SectionForm":
        """The same text, to be saved over version `number`: nothing typed is lost."""
        form = SectionForm(dict(self.data.items(), based_on=number))
        form.is_valid()
        return form


class ApproveForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class MonthForm(forms.Form):
    month = forms.CharField(
        label="Month",
        widget=forms.DateInput(attrs={"type": "month"}),
        help_text="Draft this month's section now, as YYYY-MM.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        last_month = add_months(first_of_month(timezone.localdate()), -1)
        self.fields["month"].initial = f"{last_month:%Y-%m}"

    def clean_month(self):
        try:
            return parse_month(self.cleaned_data["month"])
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from exc
