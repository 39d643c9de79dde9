"""Admin for the calendar and the deadline rules; clocks and their history are view-only.

Calendar edits go through `workflows.services.calendar`, so saving a day here also drops the
cached calendar and recomputes the open deadlines it touches. Only superusers change the
calendar and the rules: both decide every due date in the system.
"""
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from casework.admin import ReadOnlyAdmin
from casework.errors import ActionRefused
from casework.formatting import date_text
from workflows.calendar import weekday_name
from workflows.models import CalendarOverride, ClockEntry, DeadlineClock, DeadlineRule, Escalation
from workflows.services.calendar import calendar_clear_day, calendar_set_day
from workflows.services.rules import rule_confirm, rule_unconfirm


class SuperuserEditsAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser


@admin.register(CalendarOverride)
class CalendarOverrideAdmin(SuperuserEditsAdmin):
    list_display = ("day_display", "weekday", "kind", "reason", "source")
    list_filter = ("is_working_day",)
    search_fields = ("reason", "source")
    date_hierarchy = "day"
    fields = ("day", "is_working_day", "reason", "source", "updated_by", "updated_at")
    readonly_fields = ("updated_by", "updated_at")

    def get_readonly_fields(self, request, obj=None):
        # Moving a correction to another date would be a clear plus a set; asking for a new
        # row keeps each date's history readable.
        if obj is not None:
            return ("day", *self.readonly_fields)
        return self.readonly_fields

    @admin.display(description=_("ngày"), ordering="day")
    def day_display(self, obj):
        return date_text(obj.day)

    @admin.display(description=_("thứ"))
    def weekday(self, obj):
        return weekday_name(obj.day)

    @admin.display(description=_("làm việc / nghỉ"), ordering="is_working_day")
    def kind(self, obj):
        return _("Làm việc") if obj.is_working_day else _("Nghỉ")

    def save_model(self, request, obj, form, change):
        saved = calendar_set_day(day=obj.day, is_working_day=obj.is_working_day,
                                 reason=obj.reason, source=obj.source, actor=request.user)
        obj.pk, obj.updated_by, obj.updated_at = saved.pk, saved.updated_by, saved.updated_at

    def delete_model(self, request, obj):
        calendar_clear_day(day=obj.day, actor=request.user)

    def delete_queryset(self, request, queryset):
        for day in queryset.values_list("day", flat=True):
            calendar_clear_day(day=day, actor=request.user)


LADDER_FIELDS = ("warn_days_before", "warn_audience", "due_audience", "overdue_days_after",
                 "overdue_audience", "reminder_every_days")
RULE_FIELDS = ("code", "procedure", "step", "start_event", "start_condition", "stop_events",
               "length", "unit", "counted_from", "lapses", "max_extensions", "extension_length",
               "extension_decided_by", "extension_needs_complex", "may_suspend",
               "legal_basis", "effective_from", "note")
# The source can be corrected on an existing row (it moves no date); the state is set only
# by the confirm action, which records who read the text and when.
SOURCE_FIELDS = ("source_article", "source_title", "source_date")
STATE_FIELDS = ("confirmed", "confirmed_by", "confirmed_on")
NEW_VERSION_HELP = _(
    "Khi luật, quy định thay đổi: thêm một dòng MỚI cùng mã quy tắc với ngày áp dụng muộn "
    "hơn, không sửa dòng cũ. Thời hạn đang chạy giữ quy tắc có hiệu lực khi bắt đầu tính; "
    "ở dòng đã có chỉ sửa được phần nhắc việc, cảnh báo.")


@admin.register(DeadlineRule)
class DeadlineRuleAdmin(SuperuserEditsAdmin):
    list_display = ("procedure", "step", "length", "unit", "effective_from", "legal_basis",
                    "source_display", "confirmed", "code")
    list_filter = ("confirmed", "procedure", "step", "unit")
    search_fields = ("code", "legal_basis", "note", "source_title", "source_article")
    fieldsets = (
        (_("Quy tắc"), {"fields": RULE_FIELDS, "description": NEW_VERSION_HELP}),
        (_("Nguồn"), {"fields": SOURCE_FIELDS + STATE_FIELDS, "description": _(
            "Người dùng chỉ thấy căn cứ pháp lý; trạng thái xác nhận chỉ hiện ở đây. Đọc "
            "văn bản rồi chọn thao tác “Xác nhận đã đối chiếu văn bản” ở danh sách.")}),
        (_("Nhắc việc, cảnh báo"), {"fields": LADDER_FIELDS}),
    )
    actions = ["confirm_rules", "unconfirm_rules"]

    def get_readonly_fields(self, request, obj=None):
        return (RULE_FIELDS if obj is not None else ()) + STATE_FIELDS

    @admin.display(description=_("nguồn"))
    def source_display(self, obj):
        when = f" ({date_text(obj.source_date)})" if obj.source_date else ""
        return f"{obj.source_article} – {obj.source_title}{when}".strip(" –")

    def save_model(self, request, obj, form, change):
        # A corrected source has not been read yet: back to unconfirmed.
        if change and obj.confirmed and set(form.changed_data) & set(SOURCE_FIELDS):
            obj.confirmed, obj.confirmed_by, obj.confirmed_on = False, None, None
        super().save_model(request, obj, form, change)

    @admin.action(description=_("Xác nhận đã đối chiếu văn bản"))
    def confirm_rules(self, request, queryset):
        self._set_confirmation(request, queryset, rule_confirm, _("Đã xác nhận %(n)s quy tắc."))

    @admin.action(description=_("Bỏ xác nhận (chưa đối chiếu được văn bản)"))
    def unconfirm_rules(self, request, queryset):
        self._set_confirmation(request, queryset, rule_unconfirm,
                               _("Đã bỏ xác nhận %(n)s quy tắc."))

    def _set_confirmation(self, request, queryset, service, done_message):
        """Both actions go through the rules service, which decides who may confirm."""
        try:
            n = service(actor=request.user, rule_ids=list(queryset.values_list("pk", flat=True)))
        except ActionRefused as exc:
            self.message_user(request, exc.message, messages.ERROR)
        else:
            self.message_user(request, done_message % {"n": n})

    def has_delete_permission(self, request, obj=None):
        # Rule rows are legal history (clocks point at them), and the shipped ones would be
        # put back by the next migrate anyway: a rule is retired by a newer version.
        return False

    def changelist_view(self, request, extra_context=None):
        return super().changelist_view(request, {**(extra_context or {}),
                                                 "subtitle": NEW_VERSION_HELP})


class ClockEntryInline(admin.TabularInline):
    model = ClockEntry
    extra = 0
    can_delete = False
    fields = ("recorded_at", "kind", "on", "days", "decision_number", "decision_date",
              "reason", "actor", "due_before", "due_after")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(DeadlineClock)
class DeadlineClockAdmin(ReadOnlyAdmin):
    list_display = ("rule", "petition", "inspection", "organisation", "started_on", "status",
                    "due_on",
                    "next_escalation_on")
    # Every column's record read with the rows (nullable relations are not followed by
    # the admin's own select_related()).
    list_select_related = ("rule", "petition__organisation", "inspection__organisation",
                           "organisation")

    def scope_q(self, user):
        from workflows.selectors import clocks_q

        return clocks_q(user)
    list_filter = ("status", "rule__procedure")
    date_hierarchy = "due_on"
    inlines = [ClockEntryInline]


@admin.register(ClockEntry)
class ClockEntryAdmin(ReadOnlyAdmin):
    list_display = ("recorded_at", "clock", "kind", "on", "days", "due_before", "due_after",
                    "actor")
    list_select_related = ("clock__rule", "actor")
    list_filter = ("kind",)
    scope_path_field = "clock__organisation__path"


@admin.register(Escalation)
class EscalationAdmin(ReadOnlyAdmin):
    list_display = ("fired_at", "clock", "cycle", "rung", "due_on", "fired_on")
    list_select_related = ("clock__rule",)
    scope_path_field = "clock__organisation__path"
