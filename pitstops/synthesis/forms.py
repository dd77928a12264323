"""Forms of the synthesis workspace: the filters, a red thread, the introduction."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from coalitions.models import Member

from ..models import Pitstop, RedThread, Reflection
from ..models.follow_up import TEXT_LENGTH
from .markdown import problems
from .workspace import Filters

TOO_LONG = _("Keep it shorter: at most %(limit_value)d characters (now %(show_value)d).")
MAX_MARKS = 1000


def _blank(choices: Any, label: Any) -> list[tuple[str, Any]]:
    return [("", label), *choices]


class WorkspaceFilterForm(forms.Form):
    """The workspace's filters; they live in the URL, so a filtered view can be shared."""

    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    theme = forms.ModelChoiceField(
        label=_("Theme"), queryset=None, required=False, empty_label=_("All themes")
    )
    coalition = forms.ModelChoiceField(
        label=_("Coalition"), queryset=None, required=False, empty_label=_("All coalitions")
    )
    kind = forms.ChoiceField(label=_("Kind"), required=False)
    author_role = forms.ChoiceField(label=_("Written by"), required=False)
    visibility = forms.ChoiceField(label=_("Who may read it"), required=False)
    min_marks = forms.IntegerField(
        label=_("Marked by at least"), required=False, min_value=0, max_value=MAX_MARKS
    )
    unused = forms.BooleanField(label=_("Not used as evidence yet"), required=False)

    def __init__(self, data: Any, *, pitstop: Pitstop) -> None:
        super().__init__(data)
        expedition = pitstop.expedition
        self.fields["theme"].queryset = expedition.themes.all()
        self.fields["theme"].label_from_instance = lambda theme: theme.name
        self.fields["coalition"].queryset = expedition.coalitions.all()
        self.fields["kind"].choices = _blank(Reflection.Kind.choices, _("All kinds"))
        self.fields["author_role"].choices = _blank(Member.Role.choices, _("Everyone"))
        self.fields["visibility"].choices = _blank(
            Reflection.Visibility.choices, _("Any visibility")
        )
        self.fields["q"].error_messages["max_length"] = TOO_LONG

    def filters(self) -> Filters:
        """The valid filters; an invalid one is left out (and its message shown)."""
        self.is_valid()
        data = self.cleaned_data
        return Filters(
            query=" ".join((data.get("q") or "").split()),
            theme=data.get("theme"),
            coalition=data.get("coalition"),
            kind=data.get("kind") or "",
            author_role=data.get("author_role") or "",
            visibility=data.get("visibility") or "",
            min_marks=data.get("min_marks"),
            unused=bool(data.get("unused")),
        )


def check_markdown(text: str) -> str:
    found = problems(text)
    if "html" in found:
        raise forms.ValidationError(
            _("HTML is not allowed here. Use Markdown: *italic*, **bold**, - for a list."),
            code="html",
        )
    if "link" in found:
        raise forms.ValidationError(
            _("Links must start with https://, http:// or mailto:."), code="link"
        )
    return text


def _earlier_thread_label(thread: RedThread) -> str:
    return _("%(title)s (pitstop %(number)d)") % {
        "title": thread.title,
        "number": thread.pitstop.number,
    }


class RedThreadForm(forms.ModelForm):
    """A red thread's words and themes; `version` is the one the writer started from."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    class Meta:
        model = RedThread
        fields = ["title", "text", "themes", "status", "continues"]
        widgets = {
            "themes": forms.CheckboxSelectMultiple,
            "text": forms.Textarea(attrs={"rows": 10}),
        }

    def __init__(self, *args: Any, pitstop: Pitstop, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["themes"].queryset = pitstop.expedition.themes.all()
        self.fields["themes"].label_from_instance = lambda theme: theme.name
        self._limit_continues(pitstop)
        self.fields["title"].error_messages.update(
            required=_("Give the red thread a title."), max_length=TOO_LONG
        )
        self.fields["text"].error_messages.update(
            required=_("Write what recurred, in a few sentences."), max_length=TOO_LONG
        )
        self.fields["version"].error_messages["required"] = _(
            "This form is incomplete. Open the red thread again."
        )
        if self.instance._state.adding:
            del self.fields["version"]  # nothing to overwrite yet
        elif not self.is_bound:
            self.initial["version"] = self.instance.version

    def _limit_continues(self, pitstop: Pitstop) -> None:
        """Only red threads of earlier pitstops of this expedition: a crafted choice of another
        expedition, or of this or a later round, is refused like any choice not offered."""
        field = self.fields["continues"]
        field.queryset = (
            RedThread.objects.filter(
                pitstop__expedition_id=pitstop.expedition_id, pitstop__number__lt=pitstop.number
            )
            .select_related("pitstop")
            .order_by("-pitstop__number", "position", "pk")
        )
        field.label_from_instance = _earlier_thread_label
        field.empty_label = _("No, it is new in this round")
        field.help_text = _(
            "Was it there in an earlier pitstop too? Choose that red thread: the report then "
            "says so."
        )
        field.error_messages["invalid_choice"] = _(
            "Choose a red thread of an earlier pitstop of this expedition."
        )
        if not field.queryset.exists():
            field.widget = forms.HiddenInput()  # the first round has nothing to continue

    def clean_title(self) -> str:
        title = " ".join(self.cleaned_data["title"].split())
        if not title:
            raise forms.ValidationError(_("Give the red thread a title."), code="required")
        return title

    def clean_text(self) -> str:
        return check_markdown(self.cleaned_data["text"])


class IntroductionForm(forms.ModelForm):
    """The report's introduction, and the short report's own one in plain words."""

    class Meta:
        model = Pitstop
        fields = ["introduction", "plain_introduction"]
        widgets = {
            "introduction": forms.Textarea(attrs={"rows": 8}),
            "plain_introduction": forms.Textarea(attrs={"rows": 6}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["introduction"].help_text = _("Markdown: *italic*, **bold**, lists, links.")
        self.fields["plain_introduction"].help_text = _(
            "For members: short sentences and everyday words. After saving you see how easy it "
            "reads (70 or more is easy). Markdown works here too."
        )

    def _checked(self, field: str) -> str:
        text = self.cleaned_data[field]
        if len(text) > TEXT_LENGTH:
            raise forms.ValidationError(
                TOO_LONG,
                code="max_length",
                params={"limit_value": TEXT_LENGTH, "show_value": len(text)},
            )
        return check_markdown(text)

    def clean_introduction(self) -> str:
        return self._checked("introduction")

    def clean_plain_introduction(self) -> str:
        return self._checked("plain_introduction")


class EvidenceForm(forms.Form):
    reflection = forms.IntegerField(min_value=1)
    action = forms.ChoiceField(choices=[("add", "add"), ("remove", "remove")])


class MoveForm(forms.Form):
    direction = forms.ChoiceField(choices=[("up", "up"), ("down", "down")])
