"""Scanned letters: type checked by content (magic bytes), not by name or browser claim."""
import hashlib

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from casework.models import Attachment
from casework.text import clean_line

# Leading bytes of the only formats a scan may have.
SIGNATURES = {
    "application/pdf": (b"%PDF-",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
}
EXTENSIONS = {"application/pdf": {".pdf"}, "image/jpeg": {".jpg", ".jpeg"}, "image/png": {".png"}}


def sniff_content_type(head):
    for content_type, prefixes in SIGNATURES.items():
        if any(head.startswith(p) for p in prefixes):
            return content_type
    return None


def check_upload(upload, field="attachments"):
    """Return the detected content type, or raise a ValidationError naming the file."""
    name = clean_line(upload.name) or "?"  # as it will be stored and shown
    if upload.size > settings.ATTACHMENT_MAX_BYTES:
        raise ValidationError({field: (
            _("Tệp “%(name)s” dung lượng %(size)s, vượt quá giới hạn %(limit)s.")
            % {"name": name, "size": filesizeformat(upload.size),
               "limit": filesizeformat(settings.ATTACHMENT_MAX_BYTES)})})
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    content_type = sniff_content_type(head)
    if content_type is None:
        raise ValidationError({field: (
            _("Tệp “%(name)s” không phải PDF, JPEG hay PNG (đã kiểm tra nội dung tệp). "
              "Chỉ nhận bản quét dạng PDF, JPEG, PNG.") % {"name": name})})
    ext = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if ext not in EXTENSIONS[content_type]:
        raise ValidationError({field: (
            _("Tệp “%(name)s” có nội dung %(content_type)s nhưng đuôi tệp “%(extension)s” "
              "không khớp. Đề nghị kiểm tra lại tệp.")
            % {"name": name, "content_type": content_type,
               "extension": ext or _("(không có)")})})
    return content_type


def store_attachment(*, petition, upload, content_type, actor):
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    attachment = Attachment(
        petition=petition, original_name=clean_line(upload.name)[:255], content_type=content_type,
        size=upload.size, sha256=digest.hexdigest(), uploaded_by=actor,
    )
    attachment.file.save("scan", upload, save=False)
    attachment.save()
    return attachment
