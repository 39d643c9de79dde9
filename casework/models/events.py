"""The case event log: one row for everything that happened to a letter or case.

Rows are only ever inserted, by the transition engine (casework.services.transitions),
which sends `case_event_written` with each one inside its transaction, so that workflows
and notifications can react without casework knowing they exist (casework.signals).

The log is evidence: the ORM refuses to change or remove a row (save of an existing row,
delete, queryset update/delete, bulk_update), PostgreSQL refuses it with a trigger
(migration 0003), and each row is sealed into a per-case hash chain on insert so that a
change made around all of that is found by `manage.py verify_audit`
(casework.services.audit).
"""
from django.conf import settings
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from casework.formatting import datetime_text
from casework.services import audit


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


class AppendOnlyError(ValueError):
    """A ValueError, as the model's refusals always were, so existing handlers still apply."""

    message = gettext_noop("Nhật ký hồ sơ chỉ được ghi thêm, không được sửa/xóa.")

    def __init__(self):
        super().__init__(gettext(self.message))


class AppendOnlyQuerySet(models.QuerySet):
    """The queryset of every chained log (casework.services.audit.CHAINS): rows may only
    be inserted, and each insert is sealed into its chain."""

    def _refuse(self):
        raise self.model.append_only_error()

    def update(self, **kwargs):
        self._refuse()

    def delete(self):
        self._refuse()

    def bulk_update(self, objs, fields, batch_size=None):
        self._refuse()

    def bulk_create(self, objs, *args, **kwargs):
        """Seal the new rows in list order, which is the order their ids are given in. For
        a case the caller holds the case's lock, as for a single insert; a whole-table
        chain is locked here."""
        if kwargs.get("update_conflicts"):
            self._refuse()
        objs, ends = list(objs), {}
        with transaction.atomic(using=self.db, savepoint=False):
            if objs and not audit.chain_of(objs[0]).per_case:
                audit.lock_chain(self.model)
            for row in objs:
                key = audit.chain_key(row)
                if key not in ends:
                    ends[key] = audit.last_hash(self.model, key)
                audit.seal(row, ends[key])
                ends[key] = row.hash
            return super().bulk_create(objs, *args, **kwargs)


class AppendOnlyRow(models.Model):
    """A row of a chained log: inserted once, sealed on insert, never changed or removed
    through the ORM (and, on PostgreSQL, not through SQL either: see the triggers in
    migrations 0003 and 0006)."""

    append_only_error = AppendOnlyError

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise self.append_only_error()
        # Sealed here rather than by each caller, so no insert can leave the chain. A
        # case's chain relies on the caller holding the case's row lock (or the case being
        # new), a whole-table chain takes its own lock: see audit.last_hash.
        with transaction.atomic(using=kwargs.get("using"), savepoint=False):
            chain = audit.chain_of(self)
            if not chain.per_case:
                audit.lock_chain(type(self))
            audit.seal(self, audit.last_hash(type(self), chain.key(self)))
            super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise self.append_only_error()


CaseEventQuerySet = AppendOnlyQuerySet


class CaseEvent(AppendOnlyRow):
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
    # Hex SHA-256; see casework.services.audit for what they cover.
    prev_hash = models.CharField(_("mã băm sự kiện trước"), max_length=64, blank=True,
                                 editable=False)
    hash = models.CharField(_("mã băm"), max_length=64, editable=False)

    objects = CaseEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("sự kiện hồ sơ")
        verbose_name_plural = _("nhật ký hồ sơ")
        ordering = ["occurred_at", "id"]
        constraints = [models.CheckConstraint(
            condition=(models.Q(petition__isnull=False, inspection__isnull=True)
                       | models.Q(petition__isnull=True, inspection__isnull=False)),
            name="event_belongs_to_one_case")]

    def __str__(self):
        return f"{self.get_event_type_display()} – {datetime_text(self.occurred_at)}"

    @property
    def case(self):
        return self.petition if self.petition_id else self.inspection

    @property
    def is_backfilled(self):
        return (self.recorded_at - self.occurred_at).total_seconds() > 3600
