from django import forms


class PersonForm(forms.Form):
    email = forms.EmailField(
        label="Their email address",
        help_text="The address they gave: for an account, its sign-in address or any other.",
        max_length=254,
    )


class EraseForm(PersonForm):
    confirm = forms.BooleanField(
        label="I have checked this is the person who asked, and understand it cannot be undone",
        error_messages={"required": "Tick the box to confirm, or go back without erasing."},
    )
