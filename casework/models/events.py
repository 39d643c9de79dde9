"""The case event log: one row for everything that happened to a letter or case.

Rows are only ever inserted. After the transaction that writes one commits,
`case_event_recorded` is sent with the event's id, so that workflows and notifications can
react without casework knowing they exist.
"""
from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class EventType(models.TextChoices):
    # Same Vietnamese words as the action buttons (ACTION_LABELS), but in English an entry
    # in the history reads "Transferred", not "Transfer petition": hence the context.
    RECEIVED = "received", pgettext_lazy("event", "Tiếp nhận đơn")
    CLASSIFIED = "classified", pgettext_lazy("event", "Phân loại đơn")
    ACCEPTED = "accepted", pgettext_lazy("event", "Thụ lý giải quyết")
    TRANSFERRED = "transferred", pgettext_lazy("event", "Chuyển đơn")
    GUIDED = "guided", pgettext_lazy("event", "Hướng dẫn người gửi")
    FILED = "filed", pgettext_lazy("event", "Lưu đơn")
    FOLLOWED_UP = "followed_up", pgettext_lazy("event", "Đôn đốc giải quyết")
    RESOLVED = "resolved", pgettext_lazy("event", "Giải quyết xong")
    WITHDRAWN = "withdrawn", pgettext_lazy("event", "Rút đơn")


class CaseEvent(models.Model):
    petition = models.ForeignKey("casework.Petition", on_delete=models.PROTECT,
                                 related_name="events")
    event_type = models.CharField(_("sự kiện"), max_length=20, choices=EventType.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("người thực hiện"),
                              null=True, on_delete=models.PROTECT, related_name="+")
    occurred_at = models.DateTimeField(_("thời điểm"), default=timezone.now, db_index=True)
    # When the row was written. Differs from occurred_at only when a paper register is
    # transcribed afterwards; listeners use it to tell live events from back-filled ones.
    recorded_at = models.DateTimeField(_("thời điểm ghi sổ"), auto_now_add=True)
    from_status = models.CharField(_("từ trạng thái"), max_length=20, blank=True)
    to_status = models.CharField(_("sang trạng thái"), max_length=20)
    reason = models.TextField(_("lý do, nội dung"), blank=True)
    doc_number = models.CharField(_("số văn bản"), max_length=100, blank=True)
    doc_date = models.DateField(_("ngày văn bản"), null=True, blank=True)
    details = models.JSONField(_("chi tiết"), default=dict, blank=True)

    class Meta:
        verbose_name = _("sự kiện hồ sơ")
        verbose_name_plural = _("nhật ký hồ sơ")
        ordering = ["occurred_at", "id"]

    def __str__(self):
        return f"{self.get_event_type_display()} – {self.occurred_at:%d/%m/%Y %H:%M}"

    @property
    def is_backfilled(self):
        return (self.recorded_at - self.occurred_at).total_seconds() > 3600

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("Nhật ký hồ sơ chỉ được ghi thêm, không được sửa.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Nhật ký hồ sơ không được xóa.")
