"""The outbox: every notice to a person, written in the same transaction as its cause.

A notice stores what caused it (an escalation, a case event, a digest) by id, never a
rendered copy: the text is rendered when shown or sent, in the reader's language. The
unique (cause_key, recipient, channel) makes writing a notice idempotent: a retried sweep or
a repeated signal cannot notify anybody twice.
"""
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class NoticeKind(models.TextChoices):
    WARNING = "warning", _("Sắp đến hạn")
    DUE = "due", _("Đến hạn")
    OVERDUE = "overdue", _("Quá hạn")
    REMINDER = "reminder", _("Nhắc lại: quá hạn")
    EVENT = "event", _("Diễn biến hồ sơ")
    DIGEST = "digest", _("Tổng hợp hằng ngày")
    # A handler's due date moved without their doing (a corrected rule applied).
    MOVED = "moved", _("Hạn xử lý thay đổi")
    # One e-mail listing a sweep's escalations to a person who would otherwise get more
    # than NOTICE_ESCALATION_EMAIL_LIMIT of them (their in-app notices stay one per item).
    SUMMARY = "summary", _("Tổng hợp cảnh báo thời hạn")


# Rung 0, 1, 2 of a ladder; every later rung is a reminder.
RUNG_KINDS = [NoticeKind.WARNING, NoticeKind.DUE, NoticeKind.OVERDUE]


def kind_for_rung(rung):
    return RUNG_KINDS[rung] if rung < len(RUNG_KINDS) else NoticeKind.REMINDER


class Channel(models.TextChoices):
    IN_APP = "in_app", _("Trong hệ thống")
    EMAIL = "email", _("Thư điện tử")


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Chờ gửi")
    SENT = "sent", _("Đã gửi")
    FAILED = "failed", _("Gửi không được")


class Notice(models.Model):
    cause_key = models.CharField(max_length=60)  # "esc:<id>", "evt:<id>", "digest:<date>"
    kind = models.CharField(_("loại"), max_length=10, choices=NoticeKind.choices)
    # The sweep writes tens of thousands of notices at once and every index or foreign-key
    # check costs on each row: keys that nothing looks up by carry no index, and the cause
    # columns no database constraint (notices are only written from rows that exist, and
    # escalations, clocks, events and letters are never deleted).
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("người nhận"),
                                  on_delete=models.CASCADE, related_name="notices",
                                  db_index=False)
    channel = models.CharField(_("kênh"), max_length=10, choices=Channel.choices)
    escalation = models.ForeignKey("workflows.Escalation", null=True, blank=True, db_index=False,
        db_constraint=False, on_delete=models.PROTECT, related_name="notices")
    clock = models.ForeignKey("workflows.DeadlineClock", null=True, blank=True, db_index=False,
        db_constraint=False, on_delete=models.PROTECT, related_name="notices")
    event = models.ForeignKey("casework.CaseEvent", null=True, blank=True, db_index=False,
        db_constraint=False, on_delete=models.PROTECT, related_name="+")
    petition = models.ForeignKey("casework.Petition", null=True, blank=True, db_index=False,
        db_constraint=False, on_delete=models.PROTECT, related_name="+")
    # Ids only (for a digest: the clocks it lists), never names or text.
    payload = models.JSONField(default=dict, blank=True)
    status = models.CharField(_("tình trạng gửi"), max_length=10,
                              choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    # Set after a failed e-mail: not before then. The periodic dispatch and a retry already
    # scheduled by Celery both honour it, so a failing notice never has two retry chains.
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(_("thời điểm"), auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(_("đã đọc lúc"), null=True, blank=True)

    class Meta:
        verbose_name = _("thông báo")
        verbose_name_plural = _("thông báo")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["cause_key", "recipient", "channel"],
                                    name="notice_once_per_cause"),
        ]
        indexes = [
            models.Index(fields=["recipient", "channel", "-created_at"],
                         name="notice_inbox_order_idx"),
            models.Index(fields=["created_at"], name="notice_pending_idx",
                         condition=Q(status="pending")),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} → {self.recipient}"
