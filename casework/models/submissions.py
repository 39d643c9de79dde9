"""One row per form that has been acted on (see `casework.submissions`)."""
from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class SubmissionToken(models.Model):
    """The token a rendered form carried, written in the transaction of the action it
    caused. Its unique index is the last word on "once": a parallel duplicate waits on it
    (PostgreSQL) or on the write lock (SQLite) and then finds this row, with the page the
    first post led to."""

    token = models.CharField(_("mã biểu mẫu"), max_length=64, unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="+", db_index=False)
    created_at = models.DateTimeField(_("lúc gửi"), default=timezone.now, db_index=True)
    result_url = models.CharField(_("trang kết quả"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("biểu mẫu đã gửi")
        verbose_name_plural = _("biểu mẫu đã gửi")

    def __str__(self):
        return self.token
