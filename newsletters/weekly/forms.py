from django import forms

from ..models import Digest, WeeklySchedule


class NoteForm(forms.ModelForm):
    class Meta:
        model = Digest
        fields = ["note"]
        widgets = {"note": forms.Textarea(attrs={"rows": 3, "maxlength": "2000"})}
        error_messages = {
            "note": {"max_length": "Keep the note under 2,000 characters (it has %(show_value)d)."}
        }


class ScheduleForm(forms.ModelForm):
    class Meta:
        model = WeeklySchedule
        fields = ["weekday", "send_time", "skip_empty", "enabled"]
        widgets = {"send_time": forms.TimeInput(attrs={"type": "time"}, format="%H:%M")}
        labels = {"enabled": "Send the weekly email", "send_time": "Time (UK)"}
