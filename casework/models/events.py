"""The case event log: one row for everything that happened to a letter or case.

Rows are only ever inserted, by the transition engine (casework.services.transitions),
which sends `case_event_written` with each one inside its transaction, so that workflows
and notifications can react without casework knowing they exist (casework.signals).

The log is evidence, a ledger (casework.models.ledger): the ORM and PostgreSQL refuse to
change or remove a row, and each row is sealed into a per-case hash chain on insert so
that a change made around both is found by `manage.py verify_audit`
(casework.services.audit).
"""
from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from casework.formatting import datetime_text

# AppendOnlyError is imported from here by older code and tests.
from .ledger import AppendOnlyError, ChainedRow  # noqa: F401


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
    # On a first complaint: the second complaint against its decision was received.
    SECOND_COMPLAINT = "second_complaint", pgettext_lazy("event", "Đơn khiếu nại lần hai")
    REPORTED_BACK = "reported_back", pgettext_lazy("event",
                                                   "Báo cáo kết quả cho cơ quan chuyển đơn")
    # On the sender's letter of a hand-off inside the system: what the unit it was handed
    # to did with its linked letter (accepted, resolved, filed, …), relayed back by the
    # system (casework.services.handoff); the details name that letter, step and document.
    RECIPIENT_ACTED = "recipient_acted", pgettext_lazy("event", "Đơn vị nhận đơn đã xử lý")
    # Inspection and supervision cases
    CASE_OPENED = "case_opened", pgettext_lazy("event", "Quyết định kiểm tra, giám sát")
    ANNOUNCED = "announced", pgettext_lazy("event", "Công bố quyết định")
    EXPLAINED = "explained", pgettext_lazy("event", "Đối tượng giải trình, báo cáo")
    VERIFIED = "verified", pgettext_lazy("event", "Thẩm tra, xác minh xong")
    REVIEWED = "reviewed", pgettext_lazy("event", "Xem xét báo cáo xong")
    REPORTED = "reported", pgettext_lazy("event", "Đoàn báo cáo kết quả")
    MET = "met", pgettext_lazy("event", "Họp với đối tượng")
    CONCLUDED = "concluded", pgettext_lazy("event", "Kết luận")
    CASE_NOTIFIED = "case_notified", pgettext_lazy("event", "Thông báo kết luận, kết quả")
    DISCIPLINE_OPENED = "discipline_opened", pgettext_lazy("event", "Đề nghị xem xét kỷ luật")
    DISCIPLINED = "disciplined", pgettext_lazy("event", "Quyết định kỷ luật")
    REMEDIATION = "remediation", pgettext_lazy("event", "Theo dõi khắc phục")
    ARCHIVED = "archived", pgettext_lazy("event", "Lưu hồ sơ")
    APPEALED = "appealed", pgettext_lazy("event", "Khiếu nại kỷ luật")
    ESCALATED = "escalated", pgettext_lazy("event", "Chuyển sang kiểm tra")


class CaseEvent(ChainedRow):
    # Exactly one of the two: a letter's event or an inspection/supervision case's event.
    petition = models.ForeignKey("casework.Petition", on_delete=models.PROTECT, null=True,
                                 blank=True, related_name="events")
    inspection = models.ForeignKey("casework.InspectionCase", on_delete=models.PROTECT,
                                   null=True, blank=True, related_name="events")
    event_type = models.CharField(_("sự kiện"), max_length=20, choices=EventType.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("người thực hiện"),
                              null=True, on_delete=models.PROTECT, related_name="+")
    occurred_at = models.DateTimeField(_("thời điểm"), default=timezone.now, db_index=True)
    # When the row was written. Differs from occurred_at only when a paper register is
    # transcribed afterwards; listeners use it to tell live events from back-filled ones.
    # A default rather than auto_now_add: auto_now_add would overwrite the value during
    # save, after the hash that covers it has been computed.
    recorded_at = models.DateTimeField(_("thời điểm ghi sổ"), default=timezone.now)
    from_status = models.CharField(_("từ trạng thái"), max_length=20, blank=True)
    to_status = models.CharField(_("sang trạng thái"), max_length=20)
    reason = models.TextField(_("lý do, nội dung"), blank=True)
    doc_number = models.CharField(_("số văn bản"), max_length=100, blank=True)
    doc_date = models.DateField(_("ngày văn bản"), null=True, blank=True)
    details = models.JSONField(_("chi tiết"), default=dict, blank=True)

    class Meta(ChainedRow.Meta):
        verbose_name = _("sự kiện hồ sơ")
        verbose_name_plural = _("nhật ký hồ sơ")
        ordering = ["occurred_at", "id"]
        constraints = [models.CheckConstraint(
            condition=(models.Q(petition__isnull=False, inspection__isnull=True)
                       | models.Q(petition__isnull=True, inspection__isnull=False)),
            name="event_belongs_to_one_case")]
        indexes = [
            # The cases' events of one type up to a moment (figure_rules.programme_done: the
            # programme's cases concluded by the period's end), read from this index alone
            # instead of scanning every event, the letters' among them.
            models.Index(fields=["event_type", "occurred_at"], include=["inspection"],
                         condition=models.Q(inspection__isnull=False),
                         name="case_event_type_moment"),
        ]

    def __str__(self):
        return f"{self.get_event_type_display()} – {datetime_text(self.occurred_at)}"

    @property
    def case(self):
        return self.petition if self.petition_id else self.inspection

    @property
    def is_backfilled(self):
        return (self.recorded_at - self.occurred_at).total_seconds() > 3600
