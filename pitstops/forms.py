"""Forms for preparing, running and taking part in a session. They validate; live.py acts."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from coalitions.models import Member, Theme

from .models import Agreement, CardGroup, CompassRating, OwnConcept, Reflection, Session
from .models.reflections import MAX_TEXT_LENGTH
from .models.suggestions import OWN_WORDS_MAX, split_own_words
from .suggestions.dutch import is_word, words

MAX_CARD_LENGTH = 500


def require_valid(form: forms.BaseForm) -> dict[str, Any]:
    """The cleaned data, or a ValidationError with every message, for views that act on it."""
    if not form.is_valid():
        raise forms.ValidationError([error for errors in form.errors.values() for error in errors])
    return form.cleaned_data


TOO_LONG = _("Keep it short: at most %(limit_value)d characters (now %(show_value)d).")

# Said under every text a member or participant writes: dictation is on every phone's keyboard,
# so speaking needs nothing from Pitstop, and no audio ever leaves the phone.
DICTATION_TIP = _("Rather talk than type? Use the microphone on your keyboard.")

# One short, plain sentence per kind of card, shown beside each choice: the words alone
# ("undercurrent", "small failure") say little to someone who has not been to a pitstop yet.
KIND_HELP = {
    Reflection.Kind.OBSERVATION: _("Something you saw or heard."),
    Reflection.Kind.UNDERCURRENT: _("Something that plays, but nobody says out loud."),
    Reflection.Kind.SUCCESS: _("Something that went well, big or small."),
    Reflection.Kind.SMALL_FAILURE: _("Something that did not work out, and that we learn from."),
    Reflection.Kind.QUESTION: _("Something you want to ask or want to know."),
}


class ExplainedRadioSelect(forms.RadioSelect):
    """Radio buttons, each with one sentence of help (`option.help`) tied to it for screen
    readers: the input's aria-describedby names the help's id (`option.help_id`)."""

    def __init__(self, *args: Any, explanations: dict[str, Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.explanations = explanations

    def create_option(self, name: str, value: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
        option = super().create_option(name, value, *args, **kwargs)
        if help_text := self.explanations.get(value):
            option["help"] = help_text
            option["help_id"] = f"{option['attrs']['id']}_help"
            option["attrs"]["aria-describedby"] = option["help_id"]
        return option


class SessionForm(forms.ModelForm):
    """Prepare a session: which coalition, which round, when, where, and which themes."""

    with_change_round = forms.BooleanField(
        label=_("Add the round “Stories of change”"),
        required=False,
        help_text=_(
            "Everyone tells what has changed for them since the last pitstop. The group chooses "
            "the story that matters most, and you note why."
        ),
    )

    class Meta:
        model = Session
        fields = ["pitstop", "coalition", "held_on", "place", "themes", "facilitators"]
        widgets = {
            "held_on": forms.DateInput(attrs={"type": "date"}),
            "themes": forms.CheckboxSelectMultiple,
            "facilitators": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args: Any, expedition: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["pitstop"].queryset = expedition.pitstops.all()
        self.fields["coalition"].queryset = expedition.coalitions.all()
        self.fields["themes"].queryset = expedition.themes.all()
        self.fields["themes"].label_from_instance = lambda theme: theme.name
        self.fields["facilitators"].queryset = expedition.facilitators.all()
        self.fields["facilitators"].required = False
        self.fields["facilitators"].help_text = _("You run the session yourself in any case.")
        if not self.is_bound:
            self.initial.setdefault("themes", list(expedition.themes.all()))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        pitstop, coalition = cleaned.get("pitstop"), cleaned.get("coalition")
        if (
            pitstop
            and coalition
            and Session.objects.filter(pitstop=pitstop, coalition=coalition).exists()
        ):
            raise forms.ValidationError(_("This coalition already has a session in this pitstop."))
        return cleaned

    def save(self, commit: bool = True) -> Session:
        session = super().save(commit=False)
        phases = session.phases
        if self.cleaned_data.get("with_change_round") and Session.Phase.CHANGE not in phases:
            # Right after the check-in: looking back comes before the themes of today.
            after_check_in = 1 if Session.Phase.CHECK_IN in phases else 0
            phases.insert(after_check_in, Session.Phase.CHANGE.value)
        if commit:
            session.save()
            self.save_m2m()
        return session


class JoinCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=12,
        help_text=_("The code is on the big screen."),
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
        ),
    )

    def clean_code(self) -> str:
        return "".join(self.cleaned_data["code"].split()).upper()


class ChooseNameForm(forms.Form):
    """Pick your name from the coalition's members, or join as a guest with a first name."""

    member = forms.ModelChoiceField(
        label=_("I am"), queryset=Member.objects.none(), required=False, empty_label=None
    )
    guest_name = forms.CharField(
        label=_("Or: my first name (guest)"), max_length=60, required=False
    )

    def __init__(self, *args: Any, session: Session, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = session.coalition.members.active()
        self.fields["member"].label_from_instance = lambda member: member.display_name

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if not cleaned.get("member") and not cleaned.get("guest_name", "").strip():
            raise forms.ValidationError(_("Choose your name, or fill in your first name."))
        return cleaned


class CardForm(forms.ModelForm):
    """A participant's card. `client_id` comes from the browser, so a retry is stored once."""

    # Not the model's field: its choices (the session's themes) check it already, so the model
    # need not look the theme up once more for every card (pitstops.live.post_card sets it).
    theme = forms.ModelChoiceField(queryset=Theme.objects.none(), required=False, label=_("Theme"))
    client_id = forms.UUIDField(required=False, widget=forms.HiddenInput)
    # The phase the page showed when the card was written: a card that waited on a phone
    # without a connection is not stored in a later phase (pitstops.live.post_card).
    written_in = forms.ChoiceField(
        choices=Session.Phase.choices, required=False, widget=forms.HiddenInput
    )

    class Meta:
        model = Reflection
        fields = ["text", "kind", "visibility", "is_anonymous"]
        labels = {
            "text": _("Your card"),
            "kind": _("What kind of card is it?"),
            "visibility": _("Who may read it?"),
            "is_anonymous": _("Without my name"),
        }
        help_texts = {
            "text": DICTATION_TIP,
            "is_anonymous": _(
                "Nobody can see that you wrote it: not the group, not the facilitators, not the "
                "administrators. Only this phone can change or withdraw it, while this part of "
                "the session lasts."
            ),
        }
        widgets = {
            "text": forms.Textarea(attrs={"rows": 3}),
            "kind": ExplainedRadioSelect(
                explanations=KIND_HELP, attrs={"class": "form-check-input"}
            ),
            "visibility": forms.RadioSelect,
        }

    def __init__(self, *args: Any, session: Session, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        text = self.fields["text"]
        text.required = True
        text.max_length = MAX_CARD_LENGTH
        text.validators = [
            validator for validator in text.validators if not hasattr(validator, "limit_value")
        ]
        text.widget.attrs["maxlength"] = MAX_CARD_LENGTH
        text.error_messages["required"] = _("Write something on your card first.")
        if session.phase == Session.Phase.CHANGE:
            text.label = _("Your story")
        self.fields["theme"].queryset = session.themes.all()
        self.fields["theme"].label_from_instance = lambda theme: theme.name
        if not self.is_bound and session.current_theme_id:
            self.initial.setdefault("theme", session.current_theme_id)

    def clean_text(self) -> str:
        text = self.cleaned_data["text"].strip()
        if not text:
            raise forms.ValidationError(_("Write something on your card first."))
        if len(text) > MAX_CARD_LENGTH:
            raise forms.ValidationError(
                TOO_LONG, params={"limit_value": MAX_CARD_LENGTH, "show_value": len(text)}
            )
        return text


class ScribeForm(forms.Form):
    """The facilitator writes for the group, or notes what a member said; or adds a photo."""

    text = forms.CharField(
        label=_("Text"),
        required=False,
        max_length=MAX_TEXT_LENGTH,
        widget=forms.Textarea({"rows": 3}),
    )
    member = forms.ModelChoiceField(
        label=_("Noted for"),
        queryset=Member.objects.none(),
        required=False,
        empty_label=_("the whole group"),
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=Reflection.Kind.choices)
    theme = forms.ModelChoiceField(label=_("Theme"), queryset=Theme.objects.none(), required=False)
    photo = forms.ImageField(label=_("Photo of a flip chart"), required=False)
    # Asked of the person the words are noted for, as a phone asks its writer.
    visibility = forms.ChoiceField(
        label=_("Who may read it?"),
        choices=Reflection.Visibility.choices,
        initial=Reflection.Visibility.COALITION,
        required=False,
    )
    is_anonymous = forms.BooleanField(label=_("Without a name"), required=False)

    def __init__(self, *args: Any, session: Session, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = session.coalition.members.active()
        self.fields["member"].label_from_instance = lambda member: member.display_name
        self.fields["theme"].queryset = session.themes.all()
        self.fields["theme"].label_from_instance = lambda theme: theme.name
        if session.current_theme_id:
            self.fields["theme"].initial = session.current_theme_id
        if session.phase == Session.Phase.CHANGE:
            # A story of change has no theme, and is one person's words.
            del self.fields["theme"]
            self.fields["member"].label = _("Told by")
            self.fields["member"].empty_label = _("someone without a name on the list")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        cleaned.setdefault("theme", None)
        cleaned["visibility"] = cleaned.get("visibility") or Reflection.Visibility.COALITION
        cleaned["text"] = cleaned.get("text", "").strip()
        if not cleaned["text"] and not cleaned.get("photo"):
            raise forms.ValidationError(_("Type a text or add a photo."))
        photo = cleaned.get("photo")
        if photo is not None and photo.size > settings.PHOTO_MAX_BYTES:
            self.add_error(
                "photo",
                _("This photo is too large: at most %(megabytes)s MB.")
                % {"megabytes": settings.PHOTO_MAX_BYTES // (1024 * 1024)},
            )
        return cleaned


class ControlForm(forms.Form):
    """One button on the facilitator's board."""

    ACTIONS = [
        "open",
        "close",
        "next",
        "previous",
        "go_to",
        "phase_earlier",
        "phase_later",
        "theme",
        "timer_start",
        "timer_pause",
        "timer_resume",
        "timer_extend",
        "reveal",
        "add_change_round",
    ]
    action = forms.ChoiceField(choices=[(action, action) for action in ACTIONS])
    phase = forms.ChoiceField(choices=Session.Phase.choices, required=False)
    theme = forms.ModelChoiceField(queryset=Theme.objects.none(), required=False)
    minutes = forms.IntegerField(min_value=1, max_value=120, required=False)

    def __init__(self, *args: Any, session: Session, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["theme"].queryset = session.themes.all()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        action = cleaned.get("action")
        needs = {
            "go_to": "phase",
            "phase_earlier": "phase",
            "phase_later": "phase",
            "theme": "theme",
            "timer_start": "minutes",
            "timer_extend": "minutes",
        }
        if action in needs and not cleaned.get(needs[action]):
            raise forms.ValidationError(_("Something is missing to do this."))
        return cleaned


class CardActionForm(forms.Form):
    action = forms.ChoiceField(
        choices=[("hold_back", "hold_back"), ("release", "release"), ("group", "group")]
    )
    group = forms.ModelChoiceField(queryset=CardGroup.objects.none(), required=False)

    def __init__(self, *args: Any, session: Session, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["group"].queryset = session.groups.all()


class ChooseStoryForm(forms.Form):
    """The story the group chose in the round "Stories of change", and why."""

    story = forms.ModelChoiceField(
        label=_("Which story did the group choose?"),
        queryset=Reflection.objects.none(),
        widget=forms.RadioSelect,
        empty_label=None,
        error_messages={
            "required": _("Choose the story the group chose."),
            "invalid_choice": _(
                "This story cannot be chosen: it is not one of the stories this group has seen."
            ),
        },
    )
    why = forms.CharField(
        label=_("Why did the group choose this story?"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            "required": _("Write down why the group chose this story."),
            "max_length": TOO_LONG,
        },
    )

    def __init__(self, *args: Any, session: Session, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Only stories the group has seen: it cannot choose one it never read.
        self.fields["story"].queryset = (
            session.reflections.filter(phase=Session.Phase.CHANGE)
            .shown_to_group()
            .order_by("created_at", "pk")
        )
        self.fields["story"].label_from_instance = lambda story: Truncator(story.text).chars(160)

    def clean_why(self) -> str:
        why = self.cleaned_data["why"].strip()
        if not why:
            raise forms.ValidationError(_("Write down why the group chose this story."))
        return why


class GroupForm(forms.Form):
    name = forms.CharField(label=_("New group"), max_length=80)


class AgreementForm(forms.ModelForm):
    class Meta:
        model = Agreement
        fields = ["what", "lead", "due_on"]
        widgets = {"due_on": forms.DateInput(attrs={"type": "date"})}

    def __init__(self, *args: Any, session: Session, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["lead"].queryset = session.coalition.members.active()
        self.fields["lead"].label_from_instance = lambda member: (
            f"{member.display_name} ({member.get_role_display()})"
        )


class ReviewForm(forms.ModelForm):
    class Meta:
        model = Agreement
        fields = ["status", "outcome"]
        widgets = {"outcome": forms.TextInput}


class CompassForm(forms.Form):
    """A score from 1 to 5 per theme, and the coalition's place on the ladder."""

    rung = forms.ChoiceField(
        label=_("Where is the coalition on the ladder?"),
        choices=CompassRating.Rung.choices,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args: Any, session: Session, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.themes = list(session.themes.all())
        for theme in self.themes:
            self.fields[f"theme_{theme.pk}"] = forms.TypedChoiceField(
                label=theme.name,
                choices=[(score, str(score)) for score in range(1, 6)],
                coerce=int,
                widget=forms.RadioSelect,
            )

    def scores(self) -> dict[Theme, int]:
        return {theme: self.cleaned_data[f"theme_{theme.pk}"] for theme in self.themes}


class AcceptSuggestionForm(forms.Form):
    """Accept a suggested red thread, with the title the facilitator may change first."""

    title = forms.CharField(
        label=_("Title of the red thread"),
        max_length=200,
        error_messages={"max_length": TOO_LONG, "required": _("Give the red thread a title.")},
    )


class OwnConceptForm(forms.ModelForm):
    """A concern the team noticed, with the words people use for it (see `OwnConcept`)."""

    class Meta:
        model = OwnConcept
        fields = ["name", "words"]
        labels = {"name": _("Concern"), "words": _("Words people use for it")}
        help_texts = {
            "name": _("A short name, for instance “earthquake damage”."),
            "words": _(
                "Separate them with commas or spaces. A word also finds longer words that "
                "contain it: “beving” finds “bevingsschade”."
            ),
        }
        widgets = {"words": forms.Textarea(attrs={"rows": 2})}
        error_messages = {
            "name": {"required": _("Give the concern a name."), "max_length": TOO_LONG},
            "words": {"required": _("Write at least one word."), "max_length": TOO_LONG},
        }

    def __init__(self, *args: Any, expedition: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.instance.expedition = expedition

    def clean_name(self) -> str:
        name = " ".join(self.cleaned_data["name"].split())
        if OwnConcept.objects.filter(expedition=self.instance.expedition, name=name).exists():
            raise forms.ValidationError(
                _("“%(name)s” is already on the list. Remove it first to write it anew."),
                params={"name": name},
            )
        return name

    def clean_words(self) -> str:
        found = split_own_words(self.cleaned_data["words"])
        if not found:
            raise forms.ValidationError(_("Write at least one word."))
        wrong = [word for word in found if not is_word(word)]
        if wrong:
            raise forms.ValidationError(
                _("Use words of letters only. Not a word: %(wrong)s."),
                params={"wrong": ", ".join(wrong[:5])},
            )
        # A stop word ("altijd", "mee") is never read, so it would silently find nothing.
        common = [word for word in found if not words(word)]
        if common:
            raise forms.ValidationError(
                _("Leave out words that almost every reflection uses: %(common)s."),
                params={"common": ", ".join(common[:5])},
            )
        if len(found) > OWN_WORDS_MAX:
            raise forms.ValidationError(
                _("At most %(limit)d words (now %(count)d)."),
                params={"limit": OWN_WORDS_MAX, "count": len(found)},
            )
        return ", ".join(found)
