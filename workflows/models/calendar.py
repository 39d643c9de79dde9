"""The office's own corrections to the public-holiday calendar.

The `holidays` package knows the lunar holidays and compensatory days but misses some of
the government's yearly swaps and never marks a make-up Saturday as a working day. Each row
here says what one date really is, with the reason and the document it comes from.
"""
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from casework.formatting import date_text


class CalendarOverride(models.Model):
    day = models.DateField(_("ngày"), unique=True)
    is_working_day = models.BooleanField(
        _("là ngày làm việc"),
        help_text=_("Đánh dấu nếu là ngày làm bù (kể cả thứ Bảy); bỏ trống nếu là ngày nghỉ."))
    reason = models.CharField(_("lý do"), max_length=255)
    source = models.CharField(_("căn cứ"), max_length=255, blank=True,
                              help_text=_("Văn bản, thông báo quy định ngày này."))
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("người sửa"),
                                   null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    updated_at = models.DateTimeField(_("sửa lúc"), auto_now=True)

    class Meta:
        verbose_name = _("ngày nghỉ, ngày làm bù")
        verbose_name_plural = _("lịch ngày nghỉ, ngày làm bù")
        ordering = ["day"]

    def __str__(self):
        return f"{date_text(self.day)}: {self.reason}"
