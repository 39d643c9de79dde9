"""Identity clearance in the admin: a request by one administrator, a decision by
another (casework.services.clearance), and the chained history of both, each saying who
did what for whom. The flag itself is read-only on role assignments."""
from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from casework.admin import ReadOnlyAdmin
from casework.errors import ActionRefused
from casework.models import ClearanceEvent, ClearanceRequest, ClearanceStatus, RoleAssignment
from casework.services.clearance import (
    clearance_approve,
    clearance_check_request,
    clearance_refuse,
    clearance_request,
)


def describe_request(request):
    what = gettext("Đề nghị cấp") if request.grant else gettext("Thu hồi")
    return gettext("%(what)s quyền xem danh tính người tố cáo: %(assignment)s. Lý do: "
                   "%(reason)s") % {"what": what, "assignment": request.assignment,
                                    "reason": request.reason}


class ClearanceRequestForm(forms.ModelForm):
    class Meta:
        model = ClearanceRequest
        fields = ("assignment", "grant", "reason")

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["assignment"].required = True
        self.fields["assignment"].queryset = RoleAssignment.objects.select_related(
            "user", "organisation")

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        try:
            clearance_check_request(requester=self.user, assignment=data["assignment"],
                                    grant=data.get("grant", False), reason=data["reason"])
        except ActionRefused as refused:
            raise ValidationError(refused.message) from None
        return data


@admin.register(ClearanceRequest)
class ClearanceRequestAdmin(admin.ModelAdmin):
    """Requests are added here and decided with the list's actions; nothing else about a
    request can be edited or deleted."""

    form = ClearanceRequestForm
    list_display = ("requested_at", "action", "assignment", "reason", "requested_by",
                    "status", "decided_by", "decided_at")
    list_filter = ("status", "grant")
    list_select_related = ("assignment__user", "assignment__organisation", "requested_by",
                           "decided_by")
    readonly_fields = ("assignment", "grant", "reason", "requested_by", "requested_at",
                       "status", "decided_by", "decided_at", "decision_note")
    actions = ["approve", "refuse"]

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    has_view_permission = has_add_permission = (
        lambda self, request, obj=None: self.has_module_permission(request))

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else self.readonly_fields

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)

        class WithUser(form):
            def __init__(self, *args, **kw):
                super().__init__(*args, user=request.user, **kw)
        return WithUser

    @admin.display(description=_("đề nghị"))
    def action(self, obj):
        return _("Cấp quyền") if obj.grant else _("Thu hồi quyền")

    def save_model(self, request, obj, form, change):
        made = clearance_request(requester=request.user, assignment=obj.assignment,
                                 grant=obj.grant, reason=obj.reason)
        obj.__dict__.update({f.attname: getattr(made, f.attname)
                             for f in ClearanceRequest._meta.concrete_fields})
        obj._state.adding = False
        if not made.grant:
            self.message_user(request, _("Đã thu hồi quyền xem danh tính (có hiệu lực ngay)."))
        else:
            self.message_user(request, _("Đề nghị đang chờ một quản trị viên khác phê duyệt."))

    def construct_change_message(self, request, form, formsets, add=False):
        # The admin's own log would say only "added": say who asked what for whom.
        return describe_request(form.instance)

    def _decide(self, request, queryset, service, done):
        for item in queryset.select_related("assignment"):
            try:
                service(approver=request.user, request=item)
            except ActionRefused as refused:
                self.message_user(request, f"{item.assignment}: {refused.message}",
                                  messages.ERROR)
                continue
            self.log_change(request, item, f"{done}: {describe_request(item)}")
            self.message_user(request, f"{done}: {item.assignment}")

    @admin.action(description=_("Phê duyệt các đề nghị đã chọn"))
    def approve(self, request, queryset):
        self._decide(request, queryset.filter(status=ClearanceStatus.PENDING),
                     clearance_approve, gettext("Đã phê duyệt"))

    @admin.action(description=_("Từ chối các đề nghị đã chọn"))
    def refuse(self, request, queryset):
        self._decide(request, queryset.filter(status=ClearanceStatus.PENDING),
                     clearance_refuse, gettext("Đã từ chối"))


@admin.register(ClearanceEvent)
class ClearanceEventAdmin(ReadOnlyAdmin):
    """The chained history: who asked, approved, refused or revoked, for whom, where."""

    list_display = ("occurred_at", "event_type", "user", "role", "organisation", "actor",
                    "reason")
    list_filter = ("event_type",)
    list_select_related = ("user", "organisation", "actor")
    search_fields = ("user__username", "user__last_name", "actor__username")
    scope_path_field = "organisation__path"
    readonly_fields = ("occurred_at", "event_type", "request", "actor", "user", "organisation",
                       "role", "assignment_id", "grant", "reason", "prev_hash", "hash")

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser
