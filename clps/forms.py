from django import forms

from .models import Role
from .services import parse_districts


class DistrictsForm(forms.Form):
    districts = forms.CharField(
        label="Postcode districts",
        help_text="Picket lines and workplaces in these districts are local to the CLP. "
        "Separate them with commas, e.g. N16, E5, E8.",
        max_length=500,
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "text"}),
    )

    def clean_districts(self) -> list[str]:
        return parse_districts(self.cleaned_data["districts"])


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)
