"""Deadline clocks, their append-only ledger, and the escalations fired from them.

A clock belongs to one step of one letter or of one inspection/supervision case. Its due date
is never edited by hand: it is recomputed from the rule, the start date and the ledger
(pauses, resumptions, extensions) on the current calendar. Its ledger and the rungs fired
from it are ledgers (casework.models.ledger): only ever inserted. `warn_on`, `due_on`,
`overdue_on` and `next_escalation_on` are stored and indexed so that the sweep finds what is
due in SQL.
"""
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from casework.models.ledger import AppendOnlyError, AppendOnlyRow


class ClockStatus(models.TextChoices):
    RUNNING = "running", _("Đang tính")
    PAUSED = "paused", _("Tạm dừng")
    STOPPED = "stopped", _("Đã kết thúc")
    # The window of a right (appealing a discipline decision) closed unused: not overdue.
    LAPSED = "lapsed", _("Hết thời hạn")


OPEN_CLOCK_STATUSES = (ClockStatus.RUNNING, ClockStatus.PAUSED)


def clock_kind(petition):
    """The kind a clock keeps (`DeadlineClock.kind`): its letter's kind, "" for a case's
    clock. The one rule: a clock takes it when saved first (`DeadlineClock.save`), a
    letter's clocks follow it when an event records a new kind (`keep_clock_kinds`), the
    deadline sweep copies it to the clock it starts from another, and migration 0013
    filled it."""
    return petition.kind if petition is not None else ""


def keep_clock_kinds(petition):
    """Every clock of `petition` takes its kind as it now is: called by the event that
    records a kind (a classification, `workflows.services.clocks.on_case_event`), in its
    transaction. One UPDATE, which writes nothing when the kind did not change."""
    (DeadlineClock.objects.filter(petition=petition).exclude(kind=clock_kind(petition))
     .update(kind=clock_kind(petition)))


def clock_kind_breaks(*, case_id=None):
    """`verify_audit`'s check of the kind the clocks keep (registered with casework's
    audit checks): letters' clocks whose kind is not their letter's, and cases' clocks
    with a kind. The leaders' overview counts by that copy, so one changed around
    `keep_clock_kinds` would move clocks between the kinds' rows unseen."""
    from django.db.models import F

    from casework.services.audit import KEPT_COPY, Break

    clocks = DeadlineClock.objects.all()
    if case_id is not None:
        clocks = clocks.filter(petition_id=case_id)
    wrong = (clocks.filter(petition__isnull=False).exclude(kind=F("petition__kind"))
             | clocks.filter(petition__isnull=True).exclude(kind=""))
    return [Break(KEPT_COPY, "petition" if letter_id else "inspection", letter_id or case,
                  event_type=f"clock:{pk}", case_status=kept, event_status=kind or "")
            for pk, letter_id, case, kept, kind in
            wrong.order_by("pk").values_list("pk", "petition_id", "inspection_id", "kind",
                                             "petition__kind")]


class DeadlineClock(models.Model):
    # The sweep rewrites next_escalation_on, an indexed column, so every index of this table
    # is updated on each fired row: keys that nothing searches by carry no index.
    rule = models.ForeignKey("workflows.DeadlineRule", verbose_name=_("quy tắc"),
                             on_delete=models.PROTECT, related_name="clocks", db_index=False)
    # Exactly one of the two (a check constraint): a letter's clock or a case's.
    petition = models.ForeignKey("casework.Petition", verbose_name=_("đơn"), null=True,
                                 blank=True, on_delete=models.PROTECT, related_name="clocks")
    # Indexed only where set (clock_inspection_idx): the sweep's updates of letters' clocks
    # then write no entry in it.
    inspection = models.ForeignKey("casework.InspectionCase",
                                   verbose_name=_("cuộc kiểm tra, giám sát"), null=True,
                                   blank=True, on_delete=models.PROTECT, related_name="clocks",
                                   db_index=False)
    # Copied from the case so that scoping and the choice of recipients are plain joins.
    organisation = models.ForeignKey("casework.Organisation", on_delete=models.PROTECT,
                                     related_name="+", db_index=False)
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("người xử lý"),
                                 null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="deadline_clocks")
    start_event = models.ForeignKey("casework.CaseEvent", null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+", db_index=False)
    started_on = models.DateField(_("ngày phát sinh"))
    status = models.CharField(_("trạng thái"), max_length=10, choices=ClockStatus.choices,
                              default=ClockStatus.RUNNING)
    due_on = models.DateField(_("hạn"), null=True, blank=True)
    warn_on = models.DateField(null=True, blank=True)
    overdue_on = models.DateField(null=True, blank=True)
    reminder_every = models.PositiveSmallIntegerField(default=0)
    next_escalation_on = models.DateField(null=True, blank=True)
    # Copied from the rule: such a clock has no ladder and the sweep ends it as LAPSED the
    # day after its due date (db_default: rows written in SQL need not name it).
    lapses = models.BooleanField(default=False, db_default=False)
    # The ladder restarts when the due date moves (an extension, a pause, a calendar edit):
    # escalations are unique per (clock, cycle, rung).
    cycle = models.PositiveSmallIntegerField(default=0)
    last_rung = models.SmallIntegerField(default=-1)
    paused_on = models.DateField(null=True, blank=True)
    extensions_used = models.PositiveSmallIntegerField(default=0)
    stopped_on = models.DateField(_("ngày kết thúc"), null=True, blank=True)
    stop_event = models.ForeignKey("casework.CaseEvent", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+", db_index=False)
    # The clock whose period ended unmet and so started this one (a rule whose start event
    # is "<step>_elapsed": the window for a second complaint when the first-instance period
    # passed without a decision, Luật Khiếu nại Điều 33(1)). Unique: the sweep starts it
    # exactly once, however often or concurrently it runs (ON CONFLICT DO NOTHING).
    started_by = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    # Its letter's kind, kept here (`clock_kind`): the leaders' overview counts a
    # province's 45,000 open clocks per kind from this table alone; read through the
    # letter, that was a primary-key probe per clock (about 145 ms at 1,000,000 letters).
    kind = models.CharField(_("loại đơn"), max_length=20, blank=True, default="",
                            db_default="", editable=False)

    class Meta:
        verbose_name = _("thời hạn")
        verbose_name_plural = _("thời hạn")
        ordering = ["started_on", "id"]
        indexes = [
            models.Index(fields=["next_escalation_on"], name="clock_sweep_idx",
                         condition=Q(status="running")),
            models.Index(fields=["due_on"], name="clock_open_due_idx",
                         condition=Q(status="running")),
            models.Index(fields=["organisation", "status"], name="clock_org_status_idx"),
            models.Index(fields=["inspection"], name="clock_inspection_idx",
                         condition=Q(inspection__isnull=False)),
            models.Index(fields=["due_on"], name="clock_lapse_idx",
                         condition=Q(status="running", lapses=True)),
            # The leaders' overview: the clocks ended this year per unit, and how many on
            # time, read from this index alone. Partial: the sweep's updates of running
            # clocks write no entry in it.
            models.Index(fields=["stopped_on", "organisation", "due_on"],
                         name="clock_stopped_idx",
                         condition=Q(status="stopped", lapses=False)),
            # The leaders' overview: the running clocks overdue or due soon, counted per
            # unit, handler, letter or case and kind (`leader_overview.deadline_counts`)
            # from this index alone, not the table (55,000 rows of a province: about
            # 65 → 45 ms). Partial: clocks that end or lapse leave it.
            models.Index(fields=["due_on"], name="clock_open_counts_idx",
                         include=["organisation", "assignee", "petition", "inspection",
                                  "kind"],
                         condition=Q(status="running", lapses=False)),
            # /thoi-han/'s count of paused clocks, beside clock_open_due_idx's running ones.
            models.Index(fields=["organisation"], name="clock_paused_idx",
                         condition=Q(status="paused")),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(Q(petition__isnull=False, inspection__isnull=True)
                           | Q(petition__isnull=True, inspection__isnull=False)),
                name="clock_belongs_to_one_case"),
        ]

    def __str__(self):
        return str(self.rule)

    def save(self, *args, **kwargs):
        if self._state.adding:
            self.kind = clock_kind(self.petition if self.petition_id else None)
        super().save(*args, **kwargs)

    @property
    def is_open(self):
        return self.status in OPEN_CLOCK_STATUSES

    @property
    def record(self):
        """The letter or the case this clock belongs to."""
        return self.petition if self.petition_id else self.inspection


class ClockEntryKind(models.TextChoices):
    START = "start", _("Bắt đầu tính")
    PAUSE = "pause", _("Tạm dừng")
    # A tạm đình chỉ decision (complaints, from 1/7/2026): counts like a pause.
    SUSPEND = "suspend", _("Tạm đình chỉ giải quyết")
    RESUME = "resume", _("Tính tiếp")
    EXTEND = "extend", _("Gia hạn")
    RECOMPUTE = "recompute", _("Tính lại theo lịch")
    # Moved onto a corrected version of its rule (workflows 0009): the reason says which.
    RULE = "rule", _("Tính lại theo quy tắc đã sửa")
    STOP = "stop", _("Kết thúc")
    LAPSE = "lapse", _("Hết thời hạn")


class ClockEntryRefused(AppendOnlyError):
    message = gettext_noop("Sổ theo dõi thời hạn chỉ được ghi thêm, không được sửa/xóa.")


class ClockEntry(AppendOnlyRow):
    """One line of a clock's ledger. Only ever inserted (casework.models.ledger): the due
    date is derived from it."""

    clock = models.ForeignKey(DeadlineClock, on_delete=models.PROTECT, related_name="entries")
    kind = models.CharField(_("loại"), max_length=10, choices=ClockEntryKind.choices)
    on = models.DateField(_("ngày"))
    days = models.PositiveIntegerField(_("số ngày"), default=0)
    decision_number = models.CharField(_("số quyết định"), max_length=100, blank=True)
    decision_date = models.DateField(_("ngày quyết định"), null=True, blank=True)
    reason = models.TextField(_("lý do"), blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                              on_delete=models.PROTECT, related_name="+")
    due_before = models.DateField(null=True, blank=True)
    due_after = models.DateField(null=True, blank=True)
    recorded_at = models.DateTimeField(auto_now_add=True)

    append_only_error = ClockEntryRefused

    class Meta(AppendOnlyRow.Meta):
        verbose_name = _("diễn biến thời hạn")
        verbose_name_plural = _("diễn biến thời hạn")
        ordering = ["recorded_at", "id"]


class EscalationRefused(AppendOnlyError):
    message = gettext_noop("Lịch sử cảnh báo thời hạn chỉ được ghi thêm, không được sửa/xóa.")


class Escalation(AppendOnlyRow):
    """One rung of a clock's ladder that has fired. Written only by the sweep, and only
    inserted (casework.models.ledger): notices point at it."""

    clock = models.ForeignKey(DeadlineClock, on_delete=models.PROTECT,
                              related_name="escalations", db_index=False)  # unique key leads
    cycle = models.PositiveSmallIntegerField()
    rung = models.PositiveSmallIntegerField()  # 0 warn, 1 due, 2 overdue, 3.. reminders
    due_on = models.DateField()
    fired_on = models.DateField()
    fired_at = models.DateTimeField()
    run = models.UUIDField(db_index=True)

    append_only_error = EscalationRefused

    class Meta(AppendOnlyRow.Meta):
        verbose_name = _("cảnh báo thời hạn")
        verbose_name_plural = _("cảnh báo thời hạn")
        constraints = [
            models.UniqueConstraint(fields=["clock", "cycle", "rung"],
                                    name="escalation_once_per_rung"),
        ]
