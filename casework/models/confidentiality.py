"""Who saw a denouncer's identity.

Luật Tố cáo 2018 (Đ.47) requires the identity of a denouncer to be kept secret. Every time
the system shows or hands out the identity of a protected sender (case page, receipt,
scanned letter, export, API, admin, a search by their name or address), one row is written here in the same request, so the
committee can answer "who has seen this person's name, and when". Rows are only inserted.
"""
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class IdentityAccessPurpose(models.TextChoices):
    CASE_PAGE = "case_page", _("Xem trang hồ sơ đơn")
    RECEIPT = "receipt", _("Xem, in giấy biên nhận")
    ATTACHMENT = "attachment", _("Tải bản quét đơn, tài liệu")
    EXPORT = "export", _("Xuất sổ đơn thư kèm danh tính")
    API = "api", _("Truy xuất qua API")
    ADMIN = "admin", _("Xem trong trang quản trị")
    # A name or address search that returns a protected letter ties that person to it,
    # even though the list itself masks the sender.
    SEARCH = "search", _("Tìm kiếm theo tên, địa chỉ người gửi")


class IdentityAccess(models.Model):
    petition = models.ForeignKey("casework.Petition", verbose_name=_("đơn"),
                                 on_delete=models.PROTECT, related_name="identity_accesses")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("người xem"),
                             on_delete=models.PROTECT, related_name="+")
    purpose = models.CharField(_("hình thức"), max_length=20,
                               choices=IdentityAccessPurpose.choices)
    accessed_at = models.DateTimeField(_("thời điểm"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("lượt xem danh tính người tố cáo")
        verbose_name_plural = pgettext_lazy("plural", "lượt xem danh tính người tố cáo")
        ordering = ["-accessed_at", "-id"]

    def __str__(self):
        return f"{self.user} – {self.petition} – {self.accessed_at:%d/%m/%Y %H:%M}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("Nhật ký xem danh tính chỉ được ghi thêm, không được sửa.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Nhật ký xem danh tính không được xóa.")
