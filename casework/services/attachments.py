"""Scanned letters: type checked by content (magic bytes), not by name or browser claim;
stored all-or-nothing and private.

A scan is written to a temporary file beside its final place (same folder, so the move is
a rename that cannot run out of space), created 0600 from the first byte (folders 0700),
and renamed into place only once the transaction that saved its row commits. So:
- a full disk or a refused write (OSError) while writing removes the partial file and
  raises `StorageFailed`, whose message names the problem; the service's transaction
  rolls back, and no row points to a missing file;
- a transaction that rolls back for any other reason leaves at most a `.partial-*` file,
  never a file that looks like a scan: `manage.py check_files` lists such orphans (and
  rows whose file is missing) and `--fix` removes them.
"""
import errno
import hashlib
import logging
import os
from functools import partial
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from casework.models import Attachment
from casework.text import clean_line

log = logging.getLogger(__name__)
PARTIAL_PREFIX = ".partial-"

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


class StorageFailed(Exception):
    """A scan could not be written (no space left, no permission, …). `message` says
    which, in the user's language; nothing of the scan is left on disk."""

    def __init__(self, message, error):
        super().__init__(message)
        self.message = message
        self.error = error


def storage_failure_message(error, name):
    if error.errno in (errno.ENOSPC, errno.EDQUOT):
        problem = _("ổ đĩa của máy chủ đã đầy")
    elif error.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        problem = _("máy chủ không được phép ghi vào thư mục lưu tệp")
    else:
        problem = _("lỗi ghi tệp trên máy chủ (%(error)s)") % {
            "error": error.strerror or error.__class__.__name__}
    return _("Không lưu được tệp “%(name)s”: %(problem)s. Đơn chưa được ghi; các mục đã "
             "nhập vẫn còn trên trang, hãy chọn lại tệp rồi gửi lại, hoặc báo người quản "
             "trị hệ thống.") % {"name": name, "problem": problem}


def _write_private(final, upload):
    """Write the upload to a new 0600 file beside `final` (folders made 0700); returns
    its path. On an OSError the partial file is removed before the error goes on."""
    old_umask = os.umask(0o077)
    try:
        final.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    finally:
        os.umask(old_umask)
    staged = final.with_name(f"{PARTIAL_PREFIX}{final.name}")
    fd = os.open(staged, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0),
                 0o600)
    try:
        with os.fdopen(fd, "wb") as out:
            for chunk in upload.chunks():
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
    except BaseException:
        staged.unlink(missing_ok=True)
        raise
    return staged


def _publish(staged, final):
    """After commit: the scan takes its final name (a rename in one folder)."""
    try:
        os.replace(staged, final)
    except OSError:
        log.exception("Không đổi được tên tệp %s thành %s sau khi ghi đơn; "
                      "chạy manage.py check_files.", staged, final)


def discard_staged(attachments):
    """Remove the temporary files of attachments whose transaction will not commit."""
    for attachment in attachments:
        staged = getattr(attachment, "staged_path", None)
        if staged:
            Path(staged).unlink(missing_ok=True)


def store_attachment(*, petition, upload, content_type, actor):
    """Save the row and stage the file (see the module docstring); call inside the
    transaction that saves the letter. Raises StorageFailed on an OSError."""
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    attachment = Attachment(
        petition=petition, original_name=clean_line(upload.name)[:255], content_type=content_type,
        size=upload.size, sha256=digest.hexdigest(), uploaded_by=actor,
    )
    field = attachment.file.field
    name = field.generate_filename(attachment, "scan")
    final = Path(field.storage.path(name))
    try:
        staged = _write_private(final, upload)
    except OSError as error:
        raise StorageFailed(storage_failure_message(error, attachment.original_name),
                            error) from error
    attachment.file.name = name
    attachment.staged_path = staged
    try:
        attachment.save()
    except BaseException:
        staged.unlink(missing_ok=True)
        raise
    transaction.on_commit(partial(_publish, staged, final))
    return attachment

