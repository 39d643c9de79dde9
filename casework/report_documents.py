"""The report as files: DOCX in the Party's document layout (Hướng dẫn 36-HD/VPTW ngày
03/4/2018 về thể thức và kỹ thuật trình bày văn bản của Đảng) and XLSX with its tables.

DOCX layout: A4, margins 20 mm top and bottom, 30 mm left, 15 mm right; a borderless
two-column header: top left the superior Party body (regular capitals) over the issuing
body (bold capitals), a star, and the number and symbol "Số    -BC/ĐU" with the number left
blank for the office to give when the report is signed (numbers of outgoing documents are
the office's register, not this program's); top right "ĐẢNG CỘNG SẢN VIỆT NAM" bold and
underlined over the place and date in italics ("Kè Sắt, ngày    tháng    năm 2026", day and
month left for the signing day). Title "BÁO CÁO" bold and centred, the subject under it;
the body in Times New Roman 14 pt, justified, first line indented 1 cm; the branches'
footnotes under their paragraph in 12 pt; the tables in an annex on landscape pages; "Nơi
nhận:" bottom left (bold italic 12 pt, the list 11 pt) and the signature block bottom right
("T/M ĐẢNG ỦY" / "BÍ THƯ", bold). Both files state the moment the data was taken and the
rule that counts a letter handed on inside the system once, with the number it left out
(Report.handoff_note), and hold counts only, never a person's name.
"""
from io import BytesIO

from django.utils import timezone
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Mm, Pt
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, NamedStyle, PatternFill, Side

from casework.exports import BORDER
from casework.formatting import datetime_text
from casework.models import OrgKind
from casework.party_docx import FONT, party_document
from casework.report_text import plain
from casework.text import formula_like, spreadsheet_text


def taken_text(figures):
    from datetime import datetime

    moment = datetime.fromisoformat(figures["taken_at"])
    return f"Số liệu lấy từ sổ theo dõi lúc {datetime_text(moment, seconds=True)}."


def issuing_names(organisation):
    """(superior body, issuing body, symbol of the issuing body, place, signature lines)
    for the report's header and signature, as the Party's documents name them."""
    parent = organisation.parent
    place = organisation.name
    for prefix in ("Đảng bộ xã ", "Đảng bộ phường ", "Đảng bộ thành phố ", "Đảng bộ tỉnh ",
                   "Đảng bộ "):
        if place.startswith(prefix):
            place = place[len(prefix):]
            break
    if organisation.kind in (OrgKind.COMMUNE, OrgKind.PROVINCE, OrgKind.PARTIAL):
        issuing = organisation.name.replace("Đảng bộ", "Đảng ủy", 1)
        sign = ("T/M ĐẢNG ỦY", "BÍ THƯ")
    elif organisation.kind == OrgKind.BRANCH:
        issuing, sign = organisation.name, ("T/M CHI BỘ", "BÍ THƯ")
    elif "kiểm tra" in organisation.name.lower():
        issuing, sign = organisation.name, ("T/M ỦY BAN KIỂM TRA", "CHỦ NHIỆM")
    else:
        issuing, sign = organisation.name, ("T/L ĐẢNG ỦY", "CHÁNH VĂN PHÒNG")
    if organisation.kind == OrgKind.AGENCY and parent is not None:
        place = parent.name.split(" ", 3)[-1] if parent.name.startswith("Đảng bộ") else place
    superior = parent.name if parent is not None else ""
    return superior.upper(), issuing.upper(), organisation.symbol, place, sign


def _font(run, size=14, bold=False, italic=False, underline=False):
    run.font.name = FONT
    run.element.rPr.rFonts.set(qn("w:eastAsia"), FONT)
    run.font.size = Pt(size)
    run.bold, run.italic, run.underline = bold, italic, underline
    return run


def _para(container, text="", *, size=14, bold=False, italic=False, underline=False,
          align=None, indent=False, after=6):
    paragraph = container.add_paragraph()
    if text:
        _font(paragraph.add_run(text), size, bold, italic, underline)
    fmt = paragraph.paragraph_format
    fmt.alignment = align if align is not None else WD_ALIGN_PARAGRAPH.JUSTIFY
    fmt.space_after, fmt.space_before = Pt(after), Pt(0)
    if indent:
        fmt.first_line_indent = Cm(1)
    return paragraph


def _no_borders(table):
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        element = OxmlElement(f"w:{edge}")
        element.set(qn("w:val"), "nil")
        borders.append(element)
    table._tbl.tblPr.append(borders)


def _widths(table, widths):
    """Column widths that Word and LibreOffice both keep (the grid and every cell)."""
    table.autofit = False
    for column, width in zip(table.columns, widths, strict=True):
        column.width = width
        for cell in column.cells:
            cell.width = width


def _header(document, organisation, today):
    superior, issuing, symbol, place, _sign = issuing_names(organisation)
    table = document.add_table(rows=1, cols=2)
    _no_borders(table)
    _widths(table, [Cm(8.5), Cm(8)])
    left, right = table.rows[0].cells
    center = WD_ALIGN_PARAGRAPH.CENTER
    left.paragraphs[0].text = ""
    first = left.paragraphs[0]
    first.alignment = center
    if superior:
        _font(first.add_run(superior), 14)
        _para(left, issuing, bold=True, align=center, after=0)
    else:
        _font(first.add_run(issuing), 14, bold=True)
    _para(left, "*", align=center, after=0)
    _para(left, f"Số      -BC/{symbol}", align=center, after=0)
    title = right.paragraphs[0]
    title.alignment = center
    _font(title.add_run("ĐẢNG CỘNG SẢN VIỆT NAM"), 15, bold=True, underline=True)
    _para(right, "", align=center, after=0)
    _para(right, f"{place}, ngày      tháng      năm {today.year}", italic=True,
          align=center, after=0)


def _table(document, headers, rows, total, *, size=9):
    table = document.add_table(rows=1, cols=len(headers))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    first = Cm(4.5)
    rest = (Cm(26.7) - first) / (len(headers) - 1)
    _widths(table, [first] + [int(rest)] * (len(headers) - 1))
    for cell, text in zip(table.rows[0].cells, headers, strict=True):
        cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
        _font(cell.paragraphs[0].add_run(str(text)), size, bold=True)
    for label, cells in [*rows, *([total] if total else [])]:
        row = table.add_row().cells
        _font(row[0].paragraphs[0].add_run(str(label)), size, bold=(label == total[0]
                                                                   if total else False))
        for cell, segment in zip(row[1:], cells, strict=True):
            cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
            _font(cell.paragraphs[0].add_run(segment.text), size)
    return table


def write_docx(report, figures):
    """The report as DOCX bytes."""
    today = timezone.localdate()
    organisation, period = report.organisation, report.period
    document = party_document()

    _header(document, organisation, today)
    center = WD_ALIGN_PARAGRAPH.CENTER
    _para(document, "", after=0)
    _para(document, "BÁO CÁO", size=16, bold=True, align=center, after=0)
    _para(document, f"kết quả công tác kiểm tra, giám sát và tiếp nhận, xử lý đơn thư "
                    f"{period.label}", bold=True, align=center, after=0)
    _para(document, "-----", align=center, after=12)
    _para(document, taken_text(figures), size=12, italic=True, indent=True)

    _para(document, "I. CÔNG TÁC KIỂM TRA, GIÁM SÁT", bold=True)
    paragraphs, notes = report.case_paragraphs()
    for paragraph in paragraphs:
        _para(document, plain(paragraph), indent=True)
    for i, note in enumerate(notes):
        _para(document, f"{'¹²³⁴⁵⁶⁷⁸⁹'[i]} {plain(note)}", size=12, indent=True)
    _para(document, "II. TIẾP NHẬN, XỬ LÝ ĐƠN THƯ", bold=True)
    for paragraph in report.letter_paragraphs():
        _para(document, plain(paragraph), indent=True)
    _para(document, plain(report.handoff_note()), italic=True, indent=True)

    _footer(document, organisation)

    annex = document.add_section()
    annex.orientation = WD_ORIENT.LANDSCAPE
    annex.page_width, annex.page_height = Mm(297), Mm(210)
    annex.left_margin = annex.right_margin = Mm(15)
    _para(document, "PHỤ LỤC SỐ LIỆU", bold=True, align=center, after=0)
    _para(document, f"(kèm theo Báo cáo; {period.label}; {taken_text(figures)[:-1].lower()})",
          size=12, italic=True, align=center)
    _para(document, "1. Tiếp nhận, xử lý đơn thư (số đơn)", size=12, bold=True)
    _table(document, *report.letter_table())
    _para(document, plain(report.handoff_note()), size=12, italic=True, after=6)
    _para(document, "2. Kiểm tra, giám sát theo đơn vị tiến hành (số cuộc)", size=12, bold=True)
    _table(document, *report.case_table())
    _para(document, "", after=6)
    _para(document, "3. Kiểm tra, giám sát theo chủ thể và loại (số cuộc)", size=12, bold=True)
    headers, rows = report.kind_table()
    _table(document, headers[1:], [(f"{body}: {kind}", cells) for body, kind, cells in rows],
           None)
    out = BytesIO()
    document.save(out)
    return out.getvalue()


def _footer(document, organisation):
    superior, _issuing, _symbol, _place, sign = issuing_names(organisation)
    _para(document, "", after=0)
    table = document.add_table(rows=1, cols=2)
    _no_borders(table)
    _widths(table, [Cm(8.5), Cm(8)])
    left, right = table.rows[0].cells
    first = left.paragraphs[0]
    _font(first.add_run("Nơi nhận:"), 12, bold=True, italic=True)
    parent = organisation.parent
    recipients = [f"- Ban Thường vụ {parent.name} (để b/c)," if parent is not None
                  else "- Cấp ủy cấp trên (để b/c),",
                  "- Ủy ban kiểm tra cấp trên (để b/c),",
                  "- Các đồng chí Ủy viên Ban Chấp hành,",
                  "- Các chi, đảng bộ trực thuộc,", "- Lưu VP."]
    for line in recipients:
        _para(left, line, size=11, align=WD_ALIGN_PARAGRAPH.LEFT, after=0)
    center = WD_ALIGN_PARAGRAPH.CENTER
    top = right.paragraphs[0]
    top.alignment = center
    _font(top.add_run(sign[0]), 14, bold=True)
    _para(right, sign[1], bold=True, align=center, after=0)
    for _ in range(4):
        _para(right, "", align=center, after=0)


# -- XLSX (openpyxl: a few hundred cells, where its convenience costs nothing) --------------

def _styles(workbook):
    """Named styles, registered once, in the register export's look (casework.exports)."""
    thin = Side(style="thin", color=BORDER)
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    styles = {
        "title": NamedStyle("register_title", font=Font(name=FONT, size=14, bold=True),
                            alignment=Alignment(horizontal="center")),
        "subtitle": NamedStyle("register_subtitle", font=Font(name=FONT, size=11, italic=True),
                               alignment=Alignment(horizontal="center")),
        "header": NamedStyle("register_header", font=Font(name=FONT, size=11, bold=True),
                             border=border, fill=PatternFill("solid", fgColor="E7E6E6"),
                             alignment=Alignment(horizontal="center", vertical="center",
                                                 wrap_text=True)),
        "text": NamedStyle("register_text", font=Font(name=FONT, size=11), border=border,
                           alignment=Alignment(vertical="top", wrap_text=True)),
    }
    for style in styles.values():
        workbook.add_named_style(style)
    return {key: style.name for key, style in styles.items()}


def _cell(sheet, value, style):
    """Every cell of the report's workbook goes through here: text cleaned again and never
    a formula, as in the register export (casework.exports): a text a spreadsheet would
    read as one is stored as a string with Excel's quote-prefix flag."""
    quoted = False
    if isinstance(value, str):
        value = spreadsheet_text(value)
        quoted = formula_like(value)
    cell = WriteOnlyCell(sheet, value=value)
    cell.style = style
    if quoted:
        cell.data_type = "s"  # openpyxl made it "f" (a formula) for a leading "="
        cell.quotePrefix = True
    return cell


def write_xlsx(report, figures):
    """The report's tables as XLSX bytes: one sheet each, title lines with the unit, the
    period and the moment the data was taken; every text cell through _cell
    (never a formula)."""
    workbook = Workbook(write_only=True)
    style = _styles(workbook)
    title = [f"{report.organisation.name} – {report.period.label}", taken_text(figures)]

    def sheet(name, heading, headers, rows, notes=()):
        ws = workbook.create_sheet(name)
        ws.column_dimensions["A"].width = 38
        ws.append([_cell(ws, heading, style["title"])])
        for line in [*title, *notes]:
            ws.append([_cell(ws, line, style["subtitle"])])
        ws.append([])
        ws.append([_cell(ws, str(h), style["header"]) for h in headers])
        for label, values in rows:
            ws.append([_cell(ws, str(label), style["text"]),
                       *[_cell(ws, v, style["text"]) for v in values]])

    def numbers(table_rows, total):
        rows = [(label, [s.value for s in cells]) for label, cells in table_rows]
        return rows + ([(total[0], [s.value for s in total[1]])] if total else [])

    headers, rows, total = report.letter_table()
    handoff = plain(report.handoff_note())
    sheet("Đơn thư", "TIẾP NHẬN, XỬ LÝ ĐƠN THƯ", headers, numbers(rows, total), [handoff])
    headers, rows, total = report.case_table()
    sheet("Kiểm tra, giám sát", "KIỂM TRA, GIÁM SÁT THEO ĐƠN VỊ", headers, numbers(rows, total))
    headers, rows = report.kind_table()
    sheet("Theo loại", "KIỂM TRA, GIÁM SÁT THEO CHỦ THỂ VÀ LOẠI", headers[1:],
          [(f"{body}: {kind}", [s.value for s in cells]) for body, kind, cells in rows])
    paragraphs, notes = report.case_paragraphs()
    text = workbook.create_sheet("Thuyết minh")
    text.column_dimensions["A"].width = 120
    text.append([_cell(text, title[0], style["title"])])
    text.append([_cell(text, title[1], style["subtitle"])])
    for paragraph in [*paragraphs, *notes, *report.letter_paragraphs()]:
        text.append([_cell(text, plain(paragraph), style["text"])])
    text.append([_cell(text, handoff, style["text"])])
    out = BytesIO()
    workbook.save(out)
    return out.getvalue()
