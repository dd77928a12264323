"""Forms for the coalition's own space. Every text has a cap; Django's messages are translated."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.validators import MaxLengthValidator
from django.utils.translation import gettext_lazy as _

from pitstops.models import Agreement, Reflection

from .models import AgreementReminder, Coalition, SmallThing, TamtamPost
from .models.space import HELP_NOTE_MAX_LENGTH

OUTCOME_MAX_LENGTH = 1000


class MemberChoiceField(forms.ModelChoiceField):
    """A member, labelled with their role: who leads is shown everywhere."""

    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name} ({obj.get_role_display()})"


def members_field(coalition: Coalition, *, required: bool, label: Any) -> MemberChoiceField:
    # Only this coalition's active members: a posted id of anyone else is simply invalid.
    return MemberChoiceField(
        queryset=coalition.members.active(),
        required=required,
        label=label,
        empty_label=_("Nobody yet") if not required else None,
    )


class ReflectionForm(forms.ModelForm):
    class Meta:
        model = Reflection
        fields = ["theme", "kind", "text", "visibility", "is_anonymous"]
        labels = {
            "theme": _("Theme"),
            "kind": _("What kind of reflection is it?"),
            "text": _("Your words"),
            "visibility": _("Who may read this?"),
            "is_anonymous": _("Without my name"),
        }
        help_texts = {
            # Dictation is on every phone's keyboard: no audio leaves the phone (issue 21).
            "text": _("Rather talk than type? Use the microphone on your keyboard."),
            "is_anonymous": _(
                "Nobody can see that you wrote it, not the facilitators and not the "
                "administrators. You can change or withdraw it on this device until you sign "
                "out. After that nobody can link it to you, you neither."
            ),
            "visibility": _(
                "Words that may be quoted can appear in a report, always without a name."
            ),
        }
        widgets = {
            "text": forms.Textarea(attrs={"rows": 4}),
            "visibility": forms.RadioSelect,
        }

    def __init__(self, *args: Any, coalition: Coalition, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["theme"].queryset = coalition.expedition.themes.all()
        self.fields["theme"].required = True
        # Cards in a session may be a photo only; a reflection written here needs words.
        self.fields["text"].required = True

    def clean_text(self) -> str:
        text = self.cleaned_data["text"].strip()
        if not text:
            raise forms.ValidationError(self.fields["text"].error_messages["required"])
        return text


class NewReflectionForm(ReflectionForm):
    """A new reflection. `client_id` comes from the browser (static/js/queue.js), so a
    reflection sent again after a dropped connection is stored once."""

    client_id = forms.UUIDField(required=False, widget=forms.HiddenInput)


class SmallThingForm(forms.ModelForm):
    # The home holds several forms; prefixes keep their field ids apart.
    prefix = "plan"

    class Meta:
        model = SmallThing
        fields = ["kind", "text", "lead"]
        labels = {
            "kind": _("What is it?"),
            "text": _("In one line"),
            "lead": _("Who leads it?"),
        }
        widgets = {
            "kind": forms.RadioSelect,
            "text": forms.TextInput(attrs={"autocomplete": "off"}),
        }

    def __init__(self, *args: Any, coalition: Coalition, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["lead"] = members_field(coalition, required=True, label=_("Who leads it?"))


class TamtamForm(forms.ModelForm):
    prefix = "tamtam"

    class Meta:
        model = TamtamPost
        fields = ["text"]
        labels = {"text": _("Your message")}
        help_texts = {
            "text": _("Short and friendly. Type @ and a name to let someone know by e-mail."),
        }
        widgets = {"text": forms.Textarea(attrs={"rows": 3})}


class AgreementForm(forms.ModelForm):
    """Create an agreement, or update it; the status and outcome only matter once it exists."""

    help_arranged = forms.BooleanField(
        label=_("Help is arranged"),
        required=False,
        help_text=_("Tick this when someone helps the lead. The request for help then closes."),
    )

    class Meta:
        model = Agreement
        fields = ["what", "lead", "due_on", "status", "outcome"]
        labels = {
            "what": _("What do we agree?"),
            "due_on": _("By when?"),
            "status": _("How far is it?"),
            "outcome": _("What came of it?"),
        }
        widgets = {
            "due_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "outcome": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(
        self, *args: Any, coalition: Coalition, has_open_help: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["lead"] = members_field(coalition, required=False, label=_("Who leads it?"))
        # The model leaves the outcome open-ended; the form caps it.
        self.fields["outcome"].max_length = OUTCOME_MAX_LENGTH
        self.fields["outcome"].widget.attrs["maxlength"] = OUTCOME_MAX_LENGTH
        self.fields["outcome"].validators.append(MaxLengthValidator(OUTCOME_MAX_LENGTH))
        if self.instance.pk is None:
            # A new agreement starts open; what came of it comes later.
            del self.fields["status"]
            del self.fields["outcome"]
        if not has_open_help:
            del self.fields["help_arranged"]


class ReminderAnswerForm(forms.Form):
    answer = forms.ChoiceField(choices=AgreementReminder.Answer.choices)
    note = forms.CharField(
        label=_("Anything to add? (not required)"),
        required=False,
        max_length=HELP_NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class HelpForm(forms.Form):
    note = forms.CharField(
        label=_("What would help? (not required)"),
        required=False,
        max_length=HELP_NOTE_MAX_LENGTH,
    )


class EraseForm(forms.Form):
    """Erasing yourself: what happens to the words written under your name, and a clear yes."""

    KEEP = "keep"
    DELETE = "delete"

    words = forms.ChoiceField(
        label=_("What happens to the words you wrote with your name?"),
        choices=[
            (KEEP, _("Keep them, without my name")),
            (DELETE, _("Delete them")),
        ],
        widget=forms.RadioSelect,
    )
    confirm = forms.BooleanField(
        label=_("Yes, erase me. I know this cannot be undone."),
        error_messages={"required": _("Tick the box to show you are sure.")},
    )
