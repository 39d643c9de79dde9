"""A register export made in the background (casework.services.export_jobs)."""
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class ExportState(models.TextChoices):
    QUEUED = "queued", _("Đang chờ")
    RUNNING = "running", _("Đang xuất")
    DONE = "done", _("Đã xong")
    FAILED = "failed", _("Không thành công")
    EXPIRED = "expired", _("Đã hết hạn tải")


ACTIVE_STATES = (ExportState.QUEUED, ExportState.RUNNING)


class ExportJob(models.Model):
    """Who asked for which letters, how far the file has come, and where it is.

    `attempt` numbers the runs: a run writes progress and its result only while the row
    still carries its number, so a worker thought dead (and replaced by a retry) that
    wakes up again cannot overwrite the retry's work. `heartbeat_at` moves with every
    chunk written; a running job whose heartbeat stops is stale, and is retried or failed
    (`export_jobs.recover_stale`), never left running forever."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("người xuất"),
                              on_delete=models.CASCADE, related_name="export_jobs")
    # The register's filter as the page sent it ({name: [values]}), read again by the run
    # with the owner's scope as it is then.
    params = models.JSONField(_("điều kiện lọc"), default=dict)
    with_identity = models.BooleanField(_("kèm danh tính người tố cáo"), default=False)
    # The language of the page that asked: the file's headings and any error message are
    # written in it, as the file answered at once would be.
    language = models.CharField(_("ngôn ngữ"), max_length=10, blank=True)
    state = models.CharField(_("trạng thái"), max_length=10, choices=ExportState.choices,
                             default=ExportState.QUEUED)
    rows_total = models.PositiveIntegerField(_("số đơn"), default=0)
    rows_done = models.PositiveIntegerField(_("số đơn đã ghi"), default=0)
    attempt = models.PositiveSmallIntegerField(_("lần chạy"), default=0)
    file_name = models.CharField(_("tệp"), max_length=100, blank=True)
    size = models.PositiveBigIntegerField(_("dung lượng"), null=True, blank=True)
    error = models.TextField(_("lỗi"), blank=True)
    created_at = models.DateTimeField(_("thời điểm yêu cầu"), auto_now_add=True)
    started_at = models.DateTimeField(_("bắt đầu"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(_("lần cuối ghi tiến độ"), null=True, blank=True)
    finished_at = models.DateTimeField(_("kết thúc"), null=True, blank=True)

    class Meta:
        verbose_name = _("lượt xuất sổ đơn thư")
        verbose_name_plural = _("lượt xuất sổ đơn thư")
        ordering = ["-created_at", "-pk"]
        constraints = [
            # One export at a time per person: the database says so, whatever two
            # requests at once would decide.
            models.UniqueConstraint(fields=["owner"], condition=Q(state__in=ACTIVE_STATES),
                                    name="one_active_export_per_owner"),
        ]
        indexes = [models.Index(fields=["state", "heartbeat_at"], name="export_job_state")]

    def __str__(self):
        return f"{self.pk}: {self.owner} ({self.state})"

    @property
    def percent(self):
        if self.state == ExportState.DONE:
            return 100
        return min(99, self.rows_done * 100 // self.rows_total) if self.rows_total else 0
