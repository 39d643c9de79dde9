"""Admin for inspection/supervision cases and programmes. Cases are read-only here, like
letters: their status changes only through their steps, so the admin cannot bypass the
permission checks, the event log or the process. Programmes are plans: editable."""
from django.contrib import admin

from casework.admin import ReadOnlyAdmin, ScopedAdmin
from casework.models import (
    CaseSubject,
    DisciplineDecision,
    InspectionCase,
    InspectionProgramme,
    ProgrammeItem,
)
from casework.selectors.scope import cases_q


class CaseSubjectInline(admin.TabularInline):
    """Every subject of the case, read-only like the case (opened through case_open)."""
    model = CaseSubject
    fields = ("position", "organisation", "member")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(InspectionCase)
class InspectionCaseAdmin(ReadOnlyAdmin):
    inlines = [CaseSubjectInline]
    list_display = ("number", "title", "kind", "body", "organisation", "status", "ends_on")
    list_filter = ("kind", "body", "status", "year")
    search_fields = ("title", "decision_number")
    date_hierarchy = "decision_date"
    list_select_related = ("organisation",)

    def scope_q(self, user):
        return cases_q(user)


@admin.register(DisciplineDecision)
class DisciplineDecisionAdmin(ReadOnlyAdmin):
    list_display = ("case", "subject", "subject_type", "body", "form", "decision_number",
                    "notified_on", "appealed_on")
    list_select_related = ("case__organisation", "subject__member__organisation",
                           "subject__organisation")  # the case's number names its unit
    list_filter = ("form", "body", "subject_type")

    def scope_q(self, user):
        return cases_q(user, prefix="case__")


class ProgrammeItemInline(admin.TabularInline):
    model = ProgrammeItem
    extra = 1
    autocomplete_fields = ("target_organisation",)


@admin.register(InspectionProgramme)
class InspectionProgrammeAdmin(ScopedAdmin):
    list_display = ("organisation", "year", "body", "document")
    list_filter = ("year", "body")
    autocomplete_fields = ("organisation",)
    inlines = [ProgrammeItemInline]
