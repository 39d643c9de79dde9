"""The register as an Excel workbook (Sổ theo dõi đơn thư).

Pure: it turns already-scoped, already-masked rows into an .xlsx written to a file object,
and never queries the database nor decides who may see what (the view does both). The
workbook is write-only, so rows go to disk as they come and a province's register (100k
letters) never sits in memory as cells.
"""
import tempfile
from contextlib import suppress
from datetime import date
from typing import NamedTuple

from django.utils.formats import number_format
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, NamedStyle, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from casework.formatting import date_text
from casework.models import SenderType
from casework.numbers import display_number
from casework.services.identity import MASK, MASK_SHORT
from casework.text import formula_like, spreadsheet_text

CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Excel's own code, shown the same whatever the reader's regional settings.
DATE_FORMAT = "dd/mm/yyyy"
FONT = "Times New Roman"  # the Party's documents (HD 36-HD/VPTW) are set in it


class RegisterRow(NamedTuple):
    """One letter as printed in the register: text already translated and masked. The
    field order is the column order."""

    receipt_number: str
    received_on: date
    organisation: str
    channel: str
    kind: str
    senders: str
    addresses: str
    summary: str
    subject: str
    status: str
    handled_by: str
    document: str
    closed_on: date | None


# (heading, width in characters), in RegisterRow's order.
COLUMNS = [
    (gettext_lazy("Số biên nhận"), 11),
    (gettext_lazy("Ngày nhận"), 11),
    (gettext_lazy("Nơi tiếp nhận"), 20),
    (gettext_lazy("Nguồn đơn"), 16),
    (gettext_lazy("Loại đơn"), 11),
    (gettext_lazy("Người gửi"), 22),
    (gettext_lazy("Địa chỉ người gửi"), 28),
    (gettext_lazy("Nội dung tóm tắt"), 50),
    (gettext_lazy("Người/tổ chức bị phản ánh"), 24),
    (gettext_lazy("Trạng thái"), 15),
    (gettext_lazy("Cơ quan có thẩm quyền"), 22),
    (gettext_lazy("Số/ngày văn bản"), 18),
    (gettext_lazy("Ngày kết thúc"), 11),
]
DATE_COLUMNS = frozenset(RegisterRow._fields.index(f) for f in ("received_on", "closed_on"))



def _labels(field_name):
    """{stored value: label in the active language} of a Petition choice field. Asked
    once per row per field, `get_FOO_display()` rebuilds and hashes the translated
    choices each time: two thirds of an export's time (issue 18). Built once per
    language here."""
    language = get_language()
    labels = _LABELS.get((field_name, language))
    if labels is None:
        from casework.models import Petition

        field = Petition._meta.get_field(field_name)
        labels = _LABELS[(field_name, language)] = {
            value: str(label) for value, label in field.flatchoices}
    return labels


_LABELS = {}


def register_row(letter, senders, *, masked):
    """A letter as a register row. `letter` is a row of `selectors.letter_export` (plain
    values, no model instance: a province's year is 170,000 of them); `senders` its
    [(full name, address)] as the caller may show them; `masked` hides them (the caller
    decides it and does not even load a masked letter's senders)."""
    if letter.sender_type == SenderType.ANONYMOUS:
        names = addresses = _("Giấu tên")
    elif masked:
        names, addresses = str(MASK), str(MASK_SHORT)
    else:
        names = ", ".join(name for name, _address in senders)
        if letter.sender_type == SenderType.PSEUDONYMOUS:
            names = _("Mạo tên: ") + names
        addresses = "; ".join(address for _name, address in senders if address)
    channel = _labels("channel").get(letter.channel, letter.channel)
    if letter.forwarded_by:
        channel = f"{channel} – {letter.forwarded_by}"
    subject = [letter.subject_name] if letter.subject_name else []
    if letter.subject_member_name:
        subject.append(_("Đảng viên:") + " " + letter.subject_member_name)
    if letter.subject_organisation_name:
        subject.append(_("Tổ chức đảng:") + " " + letter.subject_organisation_name)
    document = letter.decision_number
    if letter.decision_date:
        document = " ".join(filter(None, [document, _("ngày %(date)s")
                                          % {"date": date_text(letter.decision_date)}]))
    return RegisterRow(
        receipt_number=display_number(letter.receipt_seq, letter.receipt_year,
                                      letter.organisation_symbol),
        received_on=letter.received_on, organisation=letter.organisation_name,
        channel=channel, kind=_labels("kind").get(letter.kind, letter.kind),
        senders=names, addresses=addresses, summary=letter.summary,
        subject="\n".join(subject),
        status=_labels("status").get(letter.status, letter.status),
        handled_by=letter.handled_by, document=document, closed_on=letter.closed_on,
    )


def _styles(workbook):
    """Named styles, registered once: each cell then carries only a style id, which keeps
    a large file small and quick to write."""
    thin = Side(style="thin", color="808080")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    top_wrap = Alignment(vertical="top", wrap_text=True)
    styles = {
        "title": NamedStyle("register_title", font=Font(name=FONT, size=14, bold=True),
                            alignment=Alignment(horizontal="center")),
        "subtitle": NamedStyle("register_subtitle", font=Font(name=FONT, size=11, italic=True),
                               alignment=Alignment(horizontal="center")),
        "header": NamedStyle("register_header", font=Font(name=FONT, size=11, bold=True),
                             border=border, fill=PatternFill("solid", fgColor="E7E6E6"),
                             alignment=Alignment(horizontal="center", vertical="center",
                                                 wrap_text=True)),
        "total": NamedStyle("register_total", font=Font(name=FONT, size=11, bold=True)),
        "text": NamedStyle("register_text", font=Font(name=FONT, size=11), border=border,
                           alignment=top_wrap),
        "date": NamedStyle("register_date", font=Font(name=FONT, size=11), border=border,
                           alignment=Alignment(horizontal="center", vertical="top"),
                           number_format=DATE_FORMAT),
    }
    for style in styles.values():
        workbook.add_named_style(style)
    return {key: style.name for key, style in styles.items()}


def _cell(sheet, value, style):
    """Every cell of the workbook goes through here. Text is cleaned again (a row stored
    before the cleaning rule must not make the file invalid) and is never a formula: a text
    that a spreadsheet would read as one (`casework.text.formula_like`) is stored as a
    string, with Excel's quote-prefix flag.

    The flag, not a literal apostrophe written into the text: the flag IS what Excel stores
    when a user types a leading apostrophe (OWASP's advice), so the cell shows exactly what
    the clerk typed (a summary written as a list, "- Ông A …", keeps its dash with no stray
    apostrophe in the printed register) and stays text if a reader edits it. A string cell
    is never evaluated by Excel or LibreOffice; CSV has no cell types, so there the
    apostrophe is written (`casework.text.csv_cell`)."""
    quoted = False
    if isinstance(value, str):
        value = spreadsheet_text(value)
        quoted = formula_like(value)
    cell = WriteOnlyCell(sheet, value=value)
    cell.style = style  # after the value: a date value would reset the number format
    if quoted:
        cell.data_type = "s"  # openpyxl made it "f" (a formula) for a leading "="
        cell.quotePrefix = True
    return cell


def _setup_sheet(sheet, *, title_rows):
    """Widths, merged title lines, frozen header and print setup; in write-only mode all
    of it must be set before the first row is written."""
    last = get_column_letter(len(COLUMNS))
    for index, (_heading, width) in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    for row in range(1, title_rows + 1):
        sheet.merged_cells.add(f"A{row}:{last}{row}")
    header = title_rows + 2  # a blank row between the title block and the table
    sheet.freeze_panes = f"A{header + 1}"
    sheet.print_title_rows = f"{header}:{header}"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0  # as many pages long as needed
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_options.horizontalCentered = True
    sheet.page_margins.left = sheet.page_margins.right = 0.4


class _DataCells:
    """The table's cells, one per column, styled once and given each row's values in turn.

    In write-only mode `sheet.append` writes a row to disk before it returns, so a cell
    object can carry the next row's value afterwards: the style (a named-style lookup and a
    copy per cell, as `cell.style = name` does) is then applied 13 times per file instead
    of 13 times per letter. A formula-like text still gets a cell of its own from `_cell`
    (quote prefix), so no flag leaks to the rows after it."""

    def __init__(self, sheet, style):
        self.sheet = sheet
        self.styles = [style["date" if i in DATE_COLUMNS else "text"]
                       for i in range(len(COLUMNS))]
        self.cells = []
        for name in self.styles:
            cell = WriteOnlyCell(sheet)
            cell.style = name
            self.cells.append(cell)

    def row(self, values):
        out = self.cells
        for i, value in enumerate(values):
            if isinstance(value, str):
                value = spreadsheet_text(value)
                if formula_like(value):
                    if out is self.cells:
                        out = list(self.cells)
                    out[i] = _cell(self.sheet, value, self.styles[i])
                    continue
            self.cells[i].value = value
        return out


def write_register(out, rows, *, title_lines, progress=None, every=2000):
    """Write the workbook to the binary file object `out`.

    `rows` is any iterable of RegisterRow (consumed once, lazily); `title_lines` are the
    lines under the title (scope, who exported it and when, the identity note);
    `progress(n)`, if given, is called after every `every` rows with the rows written so
    far. The total under the table counts the rows written, so it always matches them.
    Returns it."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Sổ đơn thư"))
    style = _styles(workbook)
    _setup_sheet(sheet, title_rows=1 + len(title_lines))
    sheet.append([_cell(sheet, _("SỔ THEO DÕI ĐƠN THƯ"), style["title"])])
    for line in title_lines:
        sheet.append([_cell(sheet, str(line), style["subtitle"])])
    sheet.append([])
    sheet.append([_cell(sheet, str(heading), style["header"]) for heading, _width in COLUMNS])
    cells = _DataCells(sheet, style)
    count = 0
    try:
        for row in rows:
            sheet.append(cells.row(row))
            count += 1
            if progress is not None and count % every == 0:
                progress(count)
    except BaseException:
        _abandon(workbook)
        raise
    sheet.append([])
    total = _("Tổng số: %(count)s đơn") % {"count": number_format(count, force_grouping=True)}
    sheet.append([_cell(sheet, total, style["total"])])
    workbook.save(out)
    return count


def _abandon(workbook):
    """Close a workbook given up half-way (a run stopped, a disk full). Saving is the
    public way to end its sheet's XML stream and delete the temporary file openpyxl
    streams the rows to; left open, that file would stay until the worker exits."""
    with suppress(Exception), tempfile.TemporaryFile() as sink:
        workbook.save(sink)
