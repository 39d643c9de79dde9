"""Reading an uploaded workbook within bounds, cell by cell, with errors named the way the
clerk sees the sheet: "Dòng 17, cột «Ngày nhận»: …".

Nothing here trusts the file: its size, its being a real .xlsx (a zip with a workbook, no
macros), what it would unpack to, its rows, columns and the length of each cell are all
capped before or while it is read, and it is read by openpyxl in read-only mode (rows are
streamed, never the whole sheet in memory)."""
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime

from django.conf import settings
from django.utils.translation import gettext as _

from casework.search_keys import search_key
from casework.text import clean_line, clean_text

_DAY = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")


class BadFile(ValueError):
    """The file as a whole cannot be read (not an .xlsx, too big, too many rows...)."""


@dataclass
class RowErrors:
    """Every problem of a file, by row and column, capped at what a page can show."""
    items: list = field(default_factory=list)
    total: int = 0

    def add(self, row, column, message):
        self.total += 1
        if len(self.items) < settings.IMPORT_MAX_ERRORS_SHOWN:
            self.items.append(_("Dòng %(row)s, cột «%(column)s»: %(message)s")
                              % {"row": row, "column": column, "message": message})

    def add_row(self, row, message):
        self.total += 1
        if len(self.items) < settings.IMPORT_MAX_ERRORS_SHOWN:
            self.items.append(_("Dòng %(row)s: %(message)s") % {"row": row, "message": message})

    def __bool__(self):
        return self.total > 0


@dataclass
class ImportPlan:
    """What a file would do (letters or cases): the rows to write, how many are already in
    the register, and every problem found."""
    rows: list = field(default_factory=list)
    skipped: int = 0
    read: int = 0
    errors: RowErrors = field(default_factory=RowErrors)


class ImportInvalid(Exception):
    """A file with a row that does not pass: nothing was written; `plan` says why."""

    def __init__(self, plan):
        super().__init__(plan.errors.items[:1])
        self.plan = plan


def check_container(path):
    """Refuse what is not a plain .xlsx before openpyxl opens it: too big, not a zip, a
    macro workbook, or a zip that unpacks to far more than it weighs (a zip bomb)."""
    size = path.stat().st_size
    if size > settings.IMPORT_MAX_BYTES:
        raise BadFile(_("Tệp quá lớn (%(size)s MB); tối đa %(max)s MB.")
                      % {"size": size // 1_000_000 or 1,
                         "max": settings.IMPORT_MAX_BYTES // 1_000_000})
    if not zipfile.is_zipfile(path):
        raise BadFile(_("Tệp không phải tệp Excel .xlsx (hãy lưu lại tệp theo định dạng "
                        "Excel Workbook .xlsx)."))
    try:
        with zipfile.ZipFile(path) as archive:
            names = {info.filename: info.file_size for info in archive.infolist()}
    except (zipfile.BadZipFile, OSError):
        raise BadFile(_("Tệp Excel bị hỏng, không đọc được.")) from None
    if "xl/workbook.xml" not in names:
        raise BadFile(_("Tệp không phải tệp Excel .xlsx (hãy lưu lại tệp theo định dạng "
                        "Excel Workbook .xlsx)."))
    if any(name.lower().endswith("vbaproject.bin") for name in names):
        raise BadFile(_("Tệp có macro (VBA): không nhận. Hãy lưu lại thành tệp .xlsx "
                        "không có macro."))
    if sum(names.values()) > settings.IMPORT_MAX_UNPACKED_BYTES:
        raise BadFile(_("Tệp giải nén ra quá lớn; hãy chia thành nhiều tệp nhỏ hơn."))


def read_rows(path, *, sheet_name, columns):
    """Yield (row number, {column key: raw value}) for the data rows of `sheet_name` (the
    first sheet when absent); `columns` maps each accepted header, folded, to its key.
    Raises BadFile for a missing sheet, unknown or missing headers, too many rows or
    columns, a cell too long."""
    import openpyxl

    check_container(path)
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 - whatever openpyxl fails on, the file is unreadable
        raise BadFile(_("Tệp Excel bị hỏng, không đọc được.")) from None
    try:
        sheet = (book[sheet_name] if sheet_name in book.sheetnames else book.worksheets[0])
        rows = sheet.iter_rows(values_only=True)
        header = next(rows, None)
        keys = _header_keys(header, columns)
        count = 0
        for number, values in enumerate(rows, start=2):
            if values is None or all(v is None or v == "" for v in values):
                continue
            count += 1
            if count > settings.IMPORT_MAX_ROWS:
                raise BadFile(_("Tệp có quá %(max)s dòng dữ liệu; hãy chia thành nhiều tệp.")
                              % {"max": f"{settings.IMPORT_MAX_ROWS:,}".replace(",", ".")})
            yield number, _row(number, values, keys)
    finally:
        book.close()


def _header_keys(header, columns):
    if not header:
        raise BadFile(_("Trang tính không có dòng tiêu đề (dòng 1)."))
    if len(header) > settings.IMPORT_MAX_COLUMNS:
        header = header[:settings.IMPORT_MAX_COLUMNS]
    keys, unknown = [], []
    for value in header:
        text = search_key(clean_line(value)) if value is not None else ""
        key = columns.get(text)
        if text and key is None:
            unknown.append(clean_line(value)[:60])
        keys.append(key)
    if unknown:
        raise BadFile(_("Cột không có trong mẫu: %(names)s. Hãy dùng tệp mẫu tải về từ trang "
                        "này.") % {"names": ", ".join(f"«{u}»" for u in unknown)})
    return keys


def _row(number, values, keys):
    row = {}
    for key, value in zip(keys, values, strict=False):
        if key is None or value is None:
            continue
        if isinstance(value, str) and len(value) > settings.IMPORT_MAX_CELL_CHARS:
            raise BadFile(_("Dòng %(row)s: một ô dài quá %(max)s ký tự.")
                          % {"row": number, "max": settings.IMPORT_MAX_CELL_CHARS})
        row[key] = value
    return row


def text_of(value, *, multiline=False):
    """A cell as cleaned text (casework.text): numbers typed in a text column keep their
    digits ("17", not "17.0")."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime | date):
        value = value.strftime("%d/%m/%Y")
    return clean_text(value, multiline=multiline)


def date_of(value):
    """A date cell (a real Excel date, or text dd/mm/yyyy), None when empty; raises
    ValueError for anything else."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    match = _DAY.match(clean_line(value))
    if not match:
        raise ValueError(value)
    day, month, year = (int(x) for x in match.groups())
    return date(year, month, day)
