"""An import of a register from Excel, checked then written in the background
(casework.services.import_jobs)."""
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class ImportState(models.TextChoices):
    QUEUED = "queued", _("Đang chờ")
    RUNNING = "running", _("Đang xử lý")
    CHECKED = "checked", _("Đã kiểm tra")
    DONE = "done", _("Đã nhập xong")
    FAILED = "failed", _("Không thành công")


class ImportKind(models.TextChoices):
    LETTERS = "letters", _("Sổ đơn thư")
    CASES = "cases", _("Cuộc kiểm tra, giám sát")


ACTIVE_IMPORT_STATES = (ImportState.QUEUED, ImportState.RUNNING)


class ImportJob(models.Model):
    """Who imported which file, how far it has come, and what it wrote: the record of an
    import (every event it writes also names this job in its details).

    Two runs: the check (`confirmed` False: every row validated, nothing written; ends
    CHECKED with the errors or the counts) and, once the person confirms, the import
    (`confirmed` True: checked again and written in one transaction; ends DONE). `attempt`
    and `heartbeat_at` as for ExportJob: a run writes only while the row carries its
    number, a run whose heartbeat stops is run again or failed."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("người nhập"),
                              on_delete=models.PROTECT, related_name="import_jobs")
    kind = models.CharField(_("loại sổ"), max_length=10, choices=ImportKind.choices,
                            default=ImportKind.LETTERS)
    file_name = models.CharField(_("tệp lưu trên máy chủ"), max_length=100)
    original_name = models.CharField(_("tên tệp"), max_length=255)
    size = models.PositiveBigIntegerField(_("dung lượng"), default=0)
    language = models.CharField(_("ngôn ngữ"), max_length=10, blank=True)
    state = models.CharField(_("trạng thái"), max_length=10, choices=ImportState.choices,
                             default=ImportState.QUEUED)
    confirmed = models.BooleanField(_("đã xác nhận nhập"), default=False)
    rows_total = models.PositiveIntegerField(_("số dòng"), default=0)
    rows_done = models.PositiveIntegerField(_("số dòng đã xử lý"), default=0)
    to_import = models.PositiveIntegerField(_("số đơn sẽ nhập"), default=0)
    skipped = models.PositiveIntegerField(_("số đơn đã có trong sổ"), default=0)
    imported = models.PositiveIntegerField(_("số đơn đã nhập"), default=0)
    error_count = models.PositiveIntegerField(_("số lỗi"), default=0)
    errors = models.JSONField(_("lỗi theo dòng, cột"), default=list, blank=True)
    # {"units": [[unit name, year, first number, last number, count]...]}: what the
    # result page links to.
    result = models.JSONField(_("kết quả"), default=dict, blank=True)
    error = models.TextField(_("lỗi"), blank=True)
    attempt = models.PositiveSmallIntegerField(_("lần chạy"), default=0)
    created_at = models.DateTimeField(_("thời điểm tải lên"), auto_now_add=True)
    started_at = models.DateTimeField(_("bắt đầu"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(_("lần cuối ghi tiến độ"), null=True, blank=True)
    finished_at = models.DateTimeField(_("kết thúc"), null=True, blank=True)

    class Meta:
        verbose_name = _("lượt nhập sổ từ Excel")
        verbose_name_plural = _("lượt nhập sổ từ Excel")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["owner"],
                                    condition=Q(state__in=ACTIVE_IMPORT_STATES),
                                    name="one_active_import_per_owner"),
        ]
        indexes = [models.Index(fields=["state", "heartbeat_at"], name="import_job_state")]

    def __str__(self):
        return f"{self.pk}: {self.original_name} ({self.state})"

    @property
    def valid(self):
        return self.state == ImportState.CHECKED and not self.error_count and not self.error

    @property
    def percent(self):
        if self.state in (ImportState.DONE, ImportState.CHECKED):
            return 100
        return min(99, self.rows_done * 100 // self.rows_total) if self.rows_total else 0
