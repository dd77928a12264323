from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from coalitions.audit import record
from coalitions.models import AuditEntry

from .models import (
    Agreement,
    CardGroup,
    CompassRating,
    CompassScore,
    JoinRequest,
    Participant,
    Pitstop,
    RedThread,
    Reflection,
    ResonanceMark,
    Session,
)


@admin.register(Pitstop)
class PitstopAdmin(admin.ModelAdmin):
    list_display = ["__str__", "expedition", "starts_on", "report_published_at"]
    list_filter = ["expedition"]
    search_fields = ["title", "introduction"]


@admin.register(Session)
class SessionAdmin(admin.ModelAdmin):
    list_display = ["coalition", "pitstop", "held_on", "place", "status", "phase", "version"]
    list_filter = ["status", "phase", "pitstop__expedition", "pitstop"]
    search_fields = ["coalition__name", "place"]
    date_hierarchy = "held_on"
    list_select_related = ["coalition", "pitstop"]
    filter_horizontal = ["facilitators", "attendees", "themes"]
    readonly_fields = ["join_code", "version", "opened_at", "closed_at"]
    # A choice list of the chosen story would hold the words of every reflection there is.
    raw_id_fields = ["chosen_story"]


@admin.register(Participant)
class ParticipantAdmin(admin.ModelAdmin):
    list_display = ["__str__", "session", "joined_at"]
    list_filter = ["session__pitstop", "session__coalition"]
    search_fields = ["guest_name", "member__name"]
    list_select_related = ["member", "session__coalition", "session__pitstop"]
    raw_id_fields = ["session", "member"]
    exclude = ["key"]  # the cookie's secret stays out of sight


@admin.register(JoinRequest)
class JoinRequestAdmin(admin.ModelAdmin):
    list_display = ["member", "session", "status", "created_at", "decided_at"]
    list_filter = ["status", "session__pitstop", "session__coalition"]
    search_fields = ["member__name"]
    list_select_related = ["member", "session__coalition", "session__pitstop"]
    raw_id_fields = ["session", "member"]
    exclude = ["key"]  # the waiting phone's cookie secret stays out of sight


@admin.register(CardGroup)
class CardGroupAdmin(admin.ModelAdmin):
    list_display = ["name", "session", "position"]
    search_fields = ["name"]
    list_select_related = ["session__coalition", "session__pitstop"]
    raw_id_fields = ["session"]


@admin.register(ResonanceMark)
class ResonanceMarkAdmin(admin.ModelAdmin):
    list_display = ["reflection", "created_at"]
    list_select_related = ["reflection"]
    raw_id_fields = ["participant", "reflection"]


@admin.register(Reflection)
class ReflectionAdmin(admin.ModelAdmin):
    """No name is shown for anonymous words: the data holds none (see Reflection)."""

    list_display = [
        "short_text",
        "coalition",
        "theme",
        "kind",
        "visibility",
        "author_label",
        "created_at",
    ]
    list_filter = [
        "kind",
        "visibility",
        "is_anonymous",
        "author_role",
        "coalition__expedition",
        "coalition",
    ]
    search_fields = ["text"]
    date_hierarchy = "created_at"
    list_select_related = ["coalition", "theme", "author"]
    raw_id_fields = ["author", "session", "participant", "group", "noted_by"]
    # The seal opens only with the writer's secret, which the server never has; nobody needs it.
    exclude = ["author_seal", "client_id"]

    # Facilitators-only words are on these pages: who opened them goes in the audit log.
    def changelist_view(self, request, extra_context=None):
        record(request, action=AuditEntry.Action.VIEW, page="admin:reflections")
        return super().changelist_view(request, extra_context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        record(request, action=AuditEntry.Action.VIEW, page="admin:reflection")
        return super().change_view(request, object_id, form_url, extra_context)

    @admin.display(description=_("text"))
    def short_text(self, obj: Reflection) -> str:
        return obj.text[:80]

    @admin.display(description=_("author"))
    def author_label(self, obj: Reflection) -> str:
        return obj.author_label


@admin.register(Agreement)
class AgreementAdmin(admin.ModelAdmin):
    list_display = ["what", "coalition", "lead", "lead_role", "due_on", "status"]
    list_filter = ["status", "coalition__expedition", "coalition"]
    search_fields = ["what", "outcome"]
    date_hierarchy = "due_on"
    list_select_related = ["coalition", "lead"]
    raw_id_fields = ["lead", "origin_session"]

    @admin.display(description=_("led by"))
    def lead_role(self, obj: Agreement) -> str:
        return obj.lead.get_role_display() if obj.lead else "-"


class CompassScoreInline(admin.TabularInline):
    model = CompassScore
    extra = 0


@admin.register(CompassRating)
class CompassRatingAdmin(admin.ModelAdmin):
    list_display = ["member", "session", "rung"]
    list_filter = ["rung", "session__pitstop", "session__coalition"]
    search_fields = ["member__name"]
    list_select_related = ["member", "session__coalition", "session__pitstop"]
    raw_id_fields = ["member", "session"]
    inlines = [CompassScoreInline]


@admin.register(CompassScore)
class CompassScoreAdmin(admin.ModelAdmin):
    list_display = ["rating", "theme", "score"]
    list_filter = ["score", "theme"]
    list_select_related = [
        "rating__member",
        "rating__session__coalition",
        "rating__session__pitstop",
        "theme",
    ]
    raw_id_fields = ["rating"]


@admin.register(RedThread)
class RedThreadAdmin(admin.ModelAdmin):
    list_display = ["title", "pitstop", "position", "status", "published_at"]
    list_filter = ["status", "pitstop__expedition", "pitstop"]
    search_fields = ["title", "text"]
    filter_horizontal = ["themes"]
    autocomplete_fields = ["evidence"]
