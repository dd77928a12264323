from django.contrib import admin

from .models import (
    AgreementReminder,
    AuditEntry,
    Coalition,
    Expedition,
    GuidingQuestion,
    HelpRequest,
    Member,
    SmallThing,
    TamtamPost,
    Theme,
)


@admin.register(Expedition)
class ExpeditionAdmin(admin.ModelAdmin):
    list_display = ["name", "starts_on", "ends_on"]
    search_fields = ["name", "description"]
    date_hierarchy = "starts_on"
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["facilitators", "coordinators"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if not change:
            obj.adopt_default_themes()


class MemberInline(admin.TabularInline):
    model = Member
    fields = ["name", "role", "organisation", "email", "is_active"]
    extra = 0


@admin.register(Coalition)
class CoalitionAdmin(admin.ModelAdmin):
    list_display = ["name", "expedition", "place", "residents_initiative", "welfare_organisation"]
    list_filter = ["expedition"]
    search_fields = ["name", "place", "residents_initiative", "welfare_organisation"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [MemberInline]


@admin.register(Member)
class MemberAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "coalition",
        "role",
        "organisation",
        "consents_to_quotation",
        "is_active",
    ]
    list_filter = [
        "role",
        "is_active",
        "consents_to_quotation",
        "coalition__expedition",
        "coalition",
    ]
    search_fields = ["name", "organisation", "email"]
    list_select_related = ["coalition"]
    autocomplete_fields = ["user"]


class GuidingQuestionInline(admin.TabularInline):
    model = GuidingQuestion
    extra = 0


@admin.register(Theme)
class ThemeAdmin(admin.ModelAdmin):
    list_display = ["name_nl", "name_en", "expedition", "position"]
    list_filter = [("expedition", admin.EmptyFieldListFilter), "expedition"]
    search_fields = ["name_nl", "name_en", "summary_nl"]
    list_select_related = ["expedition"]
    inlines = [GuidingQuestionInline]


@admin.register(GuidingQuestion)
class GuidingQuestionAdmin(admin.ModelAdmin):
    list_display = ["text_nl", "theme", "position"]
    list_filter = ["theme__expedition"]
    search_fields = ["text_nl", "text_en"]
    list_select_related = ["theme"]


# The coalition's own space.


@admin.register(SmallThing)
class SmallThingAdmin(admin.ModelAdmin):
    list_display = ["text", "kind", "coalition", "lead", "created_at"]
    list_filter = ["kind", "coalition__expedition", "coalition"]
    search_fields = ["text"]
    list_select_related = ["coalition", "lead"]
    raw_id_fields = ["lead", "added_by", "joiners"]


@admin.register(TamtamPost)
class TamtamPostAdmin(admin.ModelAdmin):
    list_display = ["__str__", "coalition", "author", "created_at"]
    list_filter = ["coalition__expedition", "coalition"]
    search_fields = ["text"]
    list_select_related = ["coalition", "author"]
    raw_id_fields = ["author", "mentions"]


@admin.register(HelpRequest)
class HelpRequestAdmin(admin.ModelAdmin):
    list_display = ["agreement", "asked_by", "created_at", "resolved_at"]
    list_filter = [("resolved_at", admin.EmptyFieldListFilter)]
    search_fields = ["agreement__what", "note"]
    list_select_related = ["agreement", "asked_by"]
    raw_id_fields = ["agreement", "asked_by"]


@admin.register(AgreementReminder)
class AgreementReminderAdmin(admin.ModelAdmin):
    list_display = ["agreement", "kind", "due_on", "lead", "sent_at", "answer"]
    list_filter = ["kind", "answer"]
    search_fields = ["agreement__what"]
    list_select_related = ["agreement", "lead"]
    raw_id_fields = ["agreement", "lead"]


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """The audit log: read only, for superusers (the only ones in the admin)."""

    list_display = ["at", "username", "action", "page", "path"]
    list_filter = ["action", "page"]
    search_fields = ["username", "path"]
    date_hierarchy = "at"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
