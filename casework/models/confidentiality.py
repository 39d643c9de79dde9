"""Who saw a denouncer's identity.

Luật Tố cáo 2018 (Đ.47) requires the identity of a denouncer to be kept secret. Every time
the system shows or hands out the identity of a protected sender (case page, receipt,
scanned letter, export, API, admin, a search by their name or address), one row is written
here in the same request, so the committee can answer "who has seen this person's name, and
when".

Rows are only inserted (a ledger, casework.models.ledger: the ORM and PostgreSQL refuse to
change or remove one), and the rows form one hash chain
for the whole install (casework.services.audit), so a row deleted or edited around all of
that is named by `manage.py verify_audit`.
"""
from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop, pgettext_lazy

from casework.formatting import datetime_text

from .ledger import AppendOnlyError, ChainedRow


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
    # A generated Word document that carries the sender's name or address (the receipt,
    # a notice addressed to the sender): its making and each download.
    DOCUMENT = "document", _("Lập, tải văn bản có danh tính người gửi")


class IdentityAccessRefused(AppendOnlyError):
    message = gettext_noop("Nhật ký xem danh tính chỉ được ghi thêm, không được sửa/xóa.")


class IdentityAccess(ChainedRow):
    petition = models.ForeignKey("casework.Petition", verbose_name=_("đơn"),
                                 on_delete=models.PROTECT, related_name="identity_accesses")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("người xem"),
                             on_delete=models.PROTECT, related_name="+")
    purpose = models.CharField(_("hình thức"), max_length=20,
                               choices=IdentityAccessPurpose.choices)
    # A default rather than auto_now_add, which would set it after the hash covering it
    # has been computed.
    accessed_at = models.DateTimeField(_("thời điểm"), default=timezone.now, db_index=True)
    append_only_error = IdentityAccessRefused

    class Meta(ChainedRow.Meta):
        verbose_name = _("lượt xem danh tính người tố cáo")
        verbose_name_plural = pgettext_lazy("plural", "lượt xem danh tính người tố cáo")
        ordering = ["-accessed_at", "-id"]

    def __str__(self):
        return f"{self.user} – {self.petition} – {datetime_text(self.accessed_at)}"
