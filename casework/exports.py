"""The register as an Excel workbook (Sổ theo dõi đơn thư).

Pure: it turns already-scoped, already-masked rows into an .xlsx written to a file object,
and never queries the database nor decides who may see what (the view does both). Written
by `casework.xlsx` (XML text, rows streamed to disk as they come): openpyxl's cell objects
cost more than the 89 µs a letter that a province's year in 15 s allows (issue 18).

No cell is ever a formula: text a spreadsheet would read as one is stored as a string with
Excel's quote-prefix flag (`casework.xlsx`). The flag, not a literal apostrophe written
into the text: the flag IS what Excel stores when a user types a leading apostrophe
(OWASP's advice), so the cell shows exactly what the clerk typed (a summary written as a
list, "- Ông A …", keeps its dash with no stray apostrophe in the printed register) and
stays text if a reader edits it. CSV has no cell types, so there the apostrophe is written
(`casework.text.csv_cell`).
"""
from datetime import date
from typing import NamedTuple

from django.utils.formats import number_format
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from casework.formatting import date_text
from casework.models import SenderType
from casework.numbers import display_number
from casework.services.identity import MASK, MASK_SHORT
from casework.xlsx import PageSetup, SheetWriter, Style, column_letter

CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Excel's own code, shown the same whatever the reader's regional settings.
DATE_FORMAT = "dd/mm/yyyy"
FONT = "Times New Roman"  # the Party's documents (HD 36-HD/VPTW) are set in it
BORDER = "808080"  # thin grey lines around the table's cells


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


def _labels():
    """{stored value: label in the active language} of the Petition choice fields the
    register shows (channel, kind, status). Asked once per row per field,
    `get_FOO_display()` rebuilds and hashes the translated choices each time: two thirds
    of an export's time (issue 18). Built once per language here, and looked up once per
    row (the active language is itself a lookup). Also "ngày 03/04/2025" for each decision
    date met, kept per language: Django's date formatting is the next cost per row, and a
    register has a few hundred decision dates a year."""
    language = get_language()
    labels = _LABELS.get(language)
    if labels is None:
        from casework.models import Petition

        labels = _LABELS[language] = {
            name: {value: str(label)
                   for value, label in Petition._meta.get_field(name).flatchoices}
            for name in ("channel", "kind", "status")}
        labels["on_day"] = {}
    return labels


_LABELS = {}


def register_row(letter, senders, *, masked):
    """A letter as a register row. `letter` is a row of `selectors.letter_export` (plain
    values, no model instance: a province's year is 170,000 of them); `senders` its
    [(full name, address)] as the caller may show them; `masked` hides them (the caller
    decides it and does not even load a masked letter's senders)."""
    labels = _labels()
    if letter.sender_type == SenderType.ANONYMOUS:
        names = addresses = _("Giấu tên")
    elif masked:
        names, addresses = str(MASK), str(MASK_SHORT)
    else:
        names = ", ".join(name for name, _address in senders)
        if letter.sender_type == SenderType.PSEUDONYMOUS:
            names = _("Mạo tên: ") + names
        addresses = "; ".join(address for _name, address in senders if address)
    channel = labels["channel"].get(letter.channel, letter.channel)
    if letter.forwarded_by:
        channel = f"{channel} – {letter.forwarded_by}"
    subject = [letter.subject_name] if letter.subject_name else []
    if letter.subject_member_name:
        subject.append(_("Đảng viên:") + " " + letter.subject_member_name)
    if letter.subject_organisation_name:
        subject.append(_("Tổ chức đảng:") + " " + letter.subject_organisation_name)
    document = letter.decision_number
    if day := letter.decision_date:
        on_day = labels["on_day"].get(day)
        if on_day is None:
            on_day = labels["on_day"][day] = _("ngày %(date)s") % {"date": date_text(day)}
        document = " ".join(filter(None, [document, on_day]))
    return RegisterRow(
        receipt_number=display_number(letter.receipt_seq, letter.receipt_year,
                                      letter.organisation_symbol),
        received_on=letter.received_on, organisation=letter.organisation_name,
        channel=channel, kind=labels["kind"].get(letter.kind, letter.kind),
        senders=names, addresses=addresses, summary=letter.summary,
        subject="\n".join(subject),
        status=labels["status"].get(letter.status, letter.status),
        handled_by=letter.handled_by, document=document, closed_on=letter.closed_on,
    )


STYLES = {
    "title": Style(FONT, 14, bold=True, horizontal="center"),
    "subtitle": Style(FONT, 11, italic=True, horizontal="center"),
    "header": Style(FONT, 11, bold=True, border=BORDER, fill="E7E6E6", horizontal="center",
                    vertical="center", wrap=True),
    "total": Style(FONT, 11, bold=True),
    "text": Style(FONT, 11, border=BORDER, vertical="top", wrap=True),
    "date": Style(FONT, 11, border=BORDER, horizontal="center", vertical="top",
                  number_format=DATE_FORMAT),
}
DATA_STYLES = ["date" if i in DATE_COLUMNS else "text" for i in range(len(COLUMNS))]


def write_register(out, rows, *, title_lines, progress=None, every=2000):
    """Write the workbook to the binary file object `out`.

    `rows` is any iterable of RegisterRow (consumed once, lazily); `title_lines` are the
    lines under the title (scope, who exported it and when, the identity note);
    `progress(n)`, if given, is called after every `every` rows with the rows written so
    far. The total under the table counts the rows written, so it always matches them.
    Returns it.

    The rows stream to a temporary file (`casework.xlsx`), so a province's register never
    sits in memory; `out` is written only once every row is, and not at all if the rows
    fail half-way (the temporary file is deleted then too)."""
    title_rows = 1 + len(title_lines)
    header = title_rows + 2  # a blank row between the title block and the table
    last = column_letter(len(COLUMNS))
    with SheetWriter(
            out, sheet_name=_("Sổ đơn thư"), styles=STYLES,
            widths=[width for _heading, width in COLUMNS],
            merged=[f"A{row}:{last}{row}" for row in range(1, title_rows + 1)],
            frozen_rows=header, print_title_row=header, page=PageSetup()) as sheet:
        sheet.append([_("SỔ THEO DÕI ĐƠN THƯ")], "title")
        for line in title_lines:
            sheet.append([str(line)], "subtitle")
        sheet.append([], "text")
        sheet.append([str(heading) for heading, _width in COLUMNS], "header")
        write = sheet.rows(DATA_STYLES)
        count = 0
        for row in rows:
            write(row)
            count += 1
            if progress is not None and count % every == 0:
                progress(count)
        sheet.append([], "text")
        total = _("Tổng số: %(count)s đơn") % {
            "count": number_format(count, force_grouping=True)}
        sheet.append([total], "total")
    return count
