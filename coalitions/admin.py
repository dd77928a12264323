from django.contrib import admin

from .models import Coalition, Expedition, GuidingQuestion, Member, Theme


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
