"""Who may see denouncers' identities, and who decided it.

Clearance (RoleAssignment.identity_clearance) is changed only through the services in
casework.services.clearance, never by editing the flag: granting takes two
administrators, one who asks (`ClearanceRequest`) and another who approves, and neither
may be the person who would receive it. Every request, approval, refusal and revocation
is written to `ClearanceEvent`, an append-only log sealed into one hash chain like the
case event log, so `verify_audit` can show both that the history is intact and that each
cleared role assignment is explained by an approved grant in it.
"""
from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop, pgettext_lazy

from casework.formatting import datetime_text

from .ledger import AppendOnlyError, ChainedRow


class ClearanceStatus(models.TextChoices):
    PENDING = "pending", _("Chờ phê duyệt")
    APPROVED = "approved", _("Đã phê duyệt")
    REFUSED = "refused", _("Đã từ chối")


class ClearanceRequest(models.Model):
    """One administrator's request to grant (or revoke) one role assignment's clearance,
    and the decision on it. The request is the work item; the evidence is the
    ClearanceEvent rows it produces."""

    assignment = models.ForeignKey("casework.RoleAssignment", verbose_name=_("phân quyền"),
                                   null=True, on_delete=models.SET_NULL,
                                   related_name="clearance_requests")
    grant = models.BooleanField(_("cấp quyền"), default=True,
                                help_text=_("Bỏ chọn để đề nghị thu hồi quyền."))
    reason = models.TextField(_("lý do"))
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("người đề nghị"),
                                     on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(_("thời điểm đề nghị"), default=timezone.now)
    status = models.CharField(_("trạng thái"), max_length=10, choices=ClearanceStatus.choices,
                              default=ClearanceStatus.PENDING, db_index=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("người quyết định"),
                                   null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    decided_at = models.DateTimeField(_("thời điểm quyết định"), null=True, blank=True)
    decision_note = models.TextField(_("ghi chú khi quyết định"), blank=True)

    class Meta:
        verbose_name = _("đề nghị cấp, thu hồi quyền xem danh tính")
        verbose_name_plural = pgettext_lazy("plural", "đề nghị cấp, thu hồi quyền xem danh tính")
        ordering = ["-requested_at", "-id"]

    def __str__(self):
        what = _("Cấp") if self.grant else _("Thu hồi")
        return f"{what}: {self.assignment} ({self.get_status_display()})"


class ClearanceEventType(models.TextChoices):
    REQUESTED = "requested", _("Đề nghị cấp quyền")
    APPROVED = "approved", _("Phê duyệt, cấp quyền")
    REFUSED = "refused", _("Từ chối đề nghị")
    REVOKED = "revoked", _("Thu hồi quyền")


class ClearanceEventRefused(AppendOnlyError):
    message = gettext_noop("Lịch sử cấp quyền xem danh tính chỉ được ghi thêm, "
                           "không được sửa/xóa.")


class ClearanceEvent(ChainedRow):
    """One step in the history of identity clearances. The person, organisation and role
    are copied from the assignment, so the row still says who was cleared, where and as
    what after the assignment is changed or removed."""

    event_type = models.CharField(_("sự kiện"), max_length=10,
                                  choices=ClearanceEventType.choices)
    request = models.ForeignKey(ClearanceRequest, verbose_name=_("đề nghị"),
                                on_delete=models.PROTECT, related_name="events")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("người thực hiện"),
                              on_delete=models.PROTECT, related_name="+")
    assignment_id = models.BigIntegerField(_("mã phân quyền"), db_index=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("người được cấp"),
                             on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey("casework.Organisation", verbose_name=_("tổ chức"),
                                     on_delete=models.PROTECT, related_name="+")
    role = models.CharField(_("vai trò"), max_length=20)
    grant = models.BooleanField(_("cấp quyền"))
    reason = models.TextField(_("lý do"), blank=True)
    occurred_at = models.DateTimeField(_("thời điểm"), default=timezone.now)
    append_only_error = ClearanceEventRefused

    class Meta(ChainedRow.Meta):
        verbose_name = _("lịch sử quyền xem danh tính")
        verbose_name_plural = pgettext_lazy("plural", "lịch sử quyền xem danh tính")
        ordering = ["-occurred_at", "-id"]

    def __str__(self):
        return f"{self.get_event_type_display()} – {self.user} – {datetime_text(self.occurred_at)}"
