"""Deadline rules as data.

A rule says: for this procedure and step, the clock starts at this case event, runs for so
many calendar or working days, may be extended so many times by so much on whose decision,
and stops at these events; on this legal basis, from this date. A change in the law is a new
row with the same code and a later `effective_from`: a running clock keeps the row it
started with. Each rule also carries its escalation ladder (who is told, and when).
"""
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class Procedure(models.TextChoices):
    """Ordered from specific to general where they overlap (see `procedures_for`)."""

    PETITION = "petition", _("Mọi đơn thư")
    COMPLAINT = "complaint", _("Khiếu nại (lần đầu)")
    COMPLAINT_SECOND = "complaint_second", _("Khiếu nại (lần hai)")
    DENUNCIATION = "denunciation", _("Tố cáo")
    DENUNCIATION_MEMBER = "denunciation_member", _("Tố cáo đảng viên (cơ sở)")
    RECOMMENDATION = "recommendation", _("Kiến nghị, phản ánh")
    INSPECTION = "inspection", _("Cuộc kiểm tra, giám sát")


class Step(models.TextChoices):
    CLASSIFY = "classify", _("Phân loại, xử lý đơn")
    ACCEPT = "accept", _("Thụ lý")
    TRANSFER = "transfer", _("Chuyển đơn khi không thuộc thẩm quyền")
    RESOLVE = "resolve", _("Giải quyết")
    ANSWER = "answer", _("Trả lời")
    CHASE = "chase", _("Đôn đốc cơ quan có thẩm quyền")
    CHASE_AGAIN = "chase_again", _("Đôn đốc lại")
    FINISH = "finish", _("Kết thúc cuộc kiểm tra, giám sát")


class Unit(models.TextChoices):
    WORKING = "working", _("ngày làm việc")
    CALENDAR = "calendar", _("ngày")


class StartCondition(models.TextChoices):
    ALWAYS = "", _("Luôn luôn")
    COMPETENCE_OTHER = "competence_other", _("Khi đơn không thuộc thẩm quyền")


class Audience(models.IntegerChoices):
    """Who a rung of the ladder tells; each level includes the ones before it."""

    HANDLER = 1, _("Người xử lý")
    HEAD = 2, _("Người xử lý và lãnh đạo đơn vị")
    LEADERS = 3, _("Người xử lý, lãnh đạo đơn vị và Thường trực cấp ủy")


class DeadlineRule(models.Model):
    code = models.SlugField(_("mã quy tắc"), max_length=60,
                            help_text=_("Giữ nguyên mã khi ban hành phiên bản mới của quy tắc."))
    procedure = models.CharField(_("thủ tục"), max_length=30, choices=Procedure.choices)
    step = models.CharField(_("bước"), max_length=30, choices=Step.choices)
    start_event = models.CharField(_("sự kiện bắt đầu tính"), max_length=30)
    start_condition = models.CharField(_("điều kiện bắt đầu"), max_length=30, blank=True,
                                       choices=StartCondition.choices)
    stop_events = models.JSONField(_("sự kiện kết thúc"), default=list)
    length = models.PositiveIntegerField(_("thời hạn"), validators=[MinValueValidator(1)])
    unit = models.CharField(_("đơn vị tính"), max_length=10, choices=Unit.choices)
    max_extensions = models.PositiveSmallIntegerField(_("số lần gia hạn tối đa"), default=0)
    extension_length = models.PositiveIntegerField(
        _("mỗi lần gia hạn tối đa"), default=0,
        help_text=_("Tính theo cùng đơn vị với thời hạn."))
    extension_decided_by = models.JSONField(
        _("người quyết định gia hạn"), default=list, blank=True,
        help_text=_("Các vai trò được quyết định gia hạn."))
    legal_basis = models.CharField(_("căn cứ pháp lý"), max_length=255)
    effective_from = models.DateField(_("áp dụng từ ngày"))
    note = models.TextField(_("ghi chú"), blank=True)
    # The escalation ladder.
    warn_days_before = models.PositiveSmallIntegerField(
        _("nhắc trước hạn (ngày làm việc)"), default=2,
        help_text=_("0: không nhắc trước hạn."))
    warn_audience = models.PositiveSmallIntegerField(_("nhắc trước hạn gửi cho"),
                                                     choices=Audience.choices,
                                                     default=Audience.HANDLER)
    due_audience = models.PositiveSmallIntegerField(_("đến hạn gửi cho"),
                                                    choices=Audience.choices,
                                                    default=Audience.HEAD)
    overdue_days_after = models.PositiveSmallIntegerField(
        _("báo quá hạn sau (ngày làm việc)"), default=2, validators=[MinValueValidator(1)])
    overdue_audience = models.PositiveSmallIntegerField(_("quá hạn gửi cho"),
                                                        choices=Audience.choices,
                                                        default=Audience.LEADERS)
    reminder_every_days = models.PositiveSmallIntegerField(
        _("nhắc lại sau mỗi (ngày)"), default=5, help_text=_("0: không nhắc lại."))

    class Meta:
        verbose_name = _("quy tắc thời hạn")
        verbose_name_plural = _("quy tắc thời hạn")
        ordering = ["procedure", "step", "-effective_from"]
        constraints = [
            models.UniqueConstraint(fields=["code", "effective_from"],
                                    name="rule_version_unique"),
        ]

    def __str__(self):
        return f"{self.get_procedure_display()} – {self.get_step_display()}"

    def audience_for_rung(self, rung):
        if rung == 0:
            return self.warn_audience
        if rung == 1:
            return self.due_audience
        return self.overdue_audience
