"""The office's documents: the unit's document register (sổ văn bản đi), the templates the
office may replace, and every document generated from them.

A generated document is evidence of what was sent: its row is only inserted (a ledger,
casework.models.ledger) and it keeps the SHA-256 of the bytes written, so a download
serves exactly what was issued, or refuses.
"""
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop, pgettext_lazy

from .ledger import AppendOnlyError, AppendOnlyRow
from .organisations import Organisation
from .petitions import YearCounter


class DocumentKind(models.TextChoices):
    RECEIPT = "receipt", _("Giấy biên nhận đơn")
    TRANSFER = "transfer", _("Phiếu chuyển đơn")
    ACCEPTANCE = "acceptance", _("Thông báo thụ lý")
    REFUSAL = "refusal", _("Thông báo không thụ lý")
    FOLLOW_UP = "follow_up", _("Văn bản đôn đốc")
    CASE_DECISION = "case_decision", _("Quyết định kiểm tra, giám sát")
    CONCLUSION_NOTICE = "conclusion_notice", _("Thông báo kết luận")


class DocumentCounter(YearCounter):
    """Last number a unit gave in its document register in a year: one sequence for all
    its documents (the type is in the symbol, "45-CV/ĐU"). Incremented like the receipt
    counter (casework.counters), so numbers have no gaps and no duplicates."""

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organisation", "year"],
                                               name="unique_document_counter")]


def template_path(instance, filename):
    import uuid

    return f"document-templates/{uuid.uuid4().hex}.docx"


class DocumentTemplate(models.Model):
    """A DOCX the office uploaded in place of the shipped one (casework/documents/defaults).
    The newest active row for a kind wins, one of the issuing unit before one for all."""

    kind = models.CharField(_("loại văn bản"), max_length=30, choices=DocumentKind.choices)
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("đơn vị"), null=True, blank=True,
        on_delete=models.CASCADE, related_name="+",
        help_text=_("Để trống: dùng cho mọi đơn vị chưa có mẫu riêng."))
    file = models.FileField(_("tệp mẫu (DOCX)"), upload_to=template_path, max_length=255)
    signer_title = models.CharField(_("chức vụ người ký"), max_length=100, blank=True)
    signer_name = models.CharField(_("họ tên người ký"), max_length=100, blank=True)
    active = models.BooleanField(_("đang dùng"), default=True)
    note = models.CharField(_("ghi chú"), max_length=255, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("người tải lên"),
                                    null=True, on_delete=models.SET_NULL, related_name="+")
    uploaded_at = models.DateTimeField(_("thời điểm tải lên"), auto_now_add=True)

    class Meta:
        verbose_name = _("mẫu văn bản")
        verbose_name_plural = pgettext_lazy("plural", "mẫu văn bản")
        ordering = ["kind", "-uploaded_at", "-id"]

    def __str__(self):
        return f"{self.get_kind_display()} – {self.organisation or _('mọi đơn vị')}"


class GeneratedDocumentRefused(AppendOnlyError):
    message = gettext_noop("Văn bản đã lập chỉ được ghi thêm, không được sửa/xóa.")


def generated_path(instance, filename):
    import uuid

    return f"documents/{instance.date.year}/{uuid.uuid4().hex}.docx"


class GeneratedDocument(AppendOnlyRow):
    kind = models.CharField(_("loại văn bản"), max_length=30, choices=DocumentKind.choices)
    number = models.CharField(_("số, ký hiệu"), max_length=100)
    date = models.DateField(_("ngày văn bản"))
    issuer = models.ForeignKey(Organisation, verbose_name=_("đơn vị ban hành"),
                               on_delete=models.PROTECT, related_name="+")
    # The register's (year, sequence) when the number came from it; empty when the number
    # is the letter's receipt number or one typed for an earlier step.
    register_year = models.PositiveSmallIntegerField(null=True, blank=True)
    register_seq = models.PositiveIntegerField(null=True, blank=True)
    event = models.ForeignKey("casework.CaseEvent", verbose_name=_("sự kiện"),
                              on_delete=models.PROTECT, related_name="documents")
    petition = models.ForeignKey("casework.Petition", verbose_name=_("đơn"), null=True,
                                 blank=True, on_delete=models.PROTECT, related_name="documents")
    inspection = models.ForeignKey("casework.InspectionCase", verbose_name=_("cuộc"),
                                   null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="documents")
    template = models.ForeignKey(DocumentTemplate, verbose_name=_("mẫu đã dùng"), null=True,
                                 blank=True, on_delete=models.PROTECT, related_name="+")
    file = models.FileField(_("tệp"), upload_to=generated_path, max_length=255)
    sha256 = models.CharField(_("mã băm SHA-256"), max_length=64)
    size = models.PositiveIntegerField(_("dung lượng"))
    # It carries a sender's name or address: downloads are then for users cleared for the
    # letter's identity (when it is protected) and logged.
    shows_identity = models.BooleanField(_("có danh tính người gửi"), default=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("người lập"),
                                   null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("thời điểm lập"), auto_now_add=True)
    append_only_error = GeneratedDocumentRefused

    class Meta(AppendOnlyRow.Meta):
        verbose_name = _("văn bản đã lập")
        verbose_name_plural = pgettext_lazy("plural", "văn bản đã lập")
        ordering = ["created_at", "id"]
        constraints = [
            # One document per step: issuing again for the same event is refused.
            models.UniqueConstraint(fields=["event", "kind"], name="unique_event_document"),
            models.UniqueConstraint(fields=["issuer", "register_year", "register_seq"],
                                    name="unique_register_number"),
            models.CheckConstraint(
                condition=models.Q(petition__isnull=True) ^ models.Q(inspection__isnull=True),
                name="document_of_letter_or_case"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.number}"

    @property
    def filename(self):
        return f"{self.kind}-{self.number.replace('/', '_')}.docx"
