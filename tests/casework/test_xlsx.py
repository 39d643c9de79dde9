"""casework.xlsx, the register export's own .xlsx writer: what it writes is read back by
openpyxl (and parsed as XML) as the cells, types, formats and sheet settings it was given;
no text ever becomes a formula or breaks the XML."""
import datetime
import io
import tempfile
import zipfile
from xml.etree import ElementTree

import openpyxl
import pytest

from casework.exports import COLUMNS, DATE_FORMAT, RegisterRow, write_register
from casework.xlsx import PageSetup, SheetWriter, Style, column_letter

STYLES = {"text": Style("Times New Roman", 11, border="808080", vertical="top", wrap=True),
          "date": Style(number_format="dd/mm/yyyy", horizontal="center"),
          "bold": Style(bold=True, fill="E7E6E6")}


def written(rows, *, styles=("text", "date", "text"), **options):
    out = io.BytesIO()
    with SheetWriter(out, sheet_name=options.pop("sheet_name", "Sổ đơn thư"), styles=STYLES,
                     **options) as sheet:
        write = sheet.rows(list(styles))
        for row in rows:
            write(row)
    return out.getvalue()


def read(data):
    return openpyxl.load_workbook(io.BytesIO(data)).active


def test_column_letters():
    assert [column_letter(i) for i in (1, 13, 26, 27, 52, 53, 702, 703)] == [
        "A", "M", "Z", "AA", "AZ", "BA", "ZZ", "AAA"]


def test_values_come_back_with_their_types_and_number_formats():
    rows = [("Nguyễn Văn An", datetime.date(2025, 1, 2), "Kè Sắt & <thôn> \"Lại\" 'x'"),
            ("", None, "dòng 1\ndòng 2\tcột"),
            ("12", datetime.date(1900, 3, 1), 42),
            ("001/2025", datetime.datetime(2025, 9, 5, 14, 30), 2.5)]
    sheet = read(written(rows))
    got = list(sheet.iter_rows(values_only=True))
    assert got == [
        ("Nguyễn Văn An", datetime.datetime(2025, 1, 2), "Kè Sắt & <thôn> \"Lại\" 'x'"),
        (None, None, "dòng 1\ndòng 2\tcột"),
        ("12", datetime.datetime(1900, 3, 1), 42),  # a text of digits stays text
        ("001/2025", datetime.datetime(2025, 9, 5, 14, 30), 2.5)]
    assert [sheet.cell(row=r, column=2).number_format for r in (1, 2, 3, 4)] == [
        "dd/mm/yyyy"] * 4
    first = sheet["A1"]
    assert first.data_type == "s" and first.font.name == "Times New Roman"
    assert first.border.left.style == "thin" and first.alignment.wrap_text
    assert first.number_format == "General" and not first.quotePrefix
    assert sheet["B1"].alignment.horizontal == "center"
    # A blank cell keeps its style (the table's borders run through empty cells).
    assert sheet["A2"].border.left.style == "thin"


def test_text_that_looks_like_a_formula_stays_text_with_the_quote_prefix():
    texts = ["=1+1", "=HYPERLINK(\"http://x\",\"y\")", "+84 98", "-Ông A", "@SUM(A1)",
             "\uff1d1+1", "\t=1", "a=1"]
    data = written([(text, None, "x") for text in texts])
    sheet = read(data)
    cells = [sheet.cell(row=r, column=1) for r in range(1, len(texts) + 1)]
    assert [c.value for c in cells] == ["=1+1", "=HYPERLINK(\"http://x\",\"y\")", "+84 98",
                                        "-Ông A", "@SUM(A1)", "\uff1d1+1", "=1", "a=1"]
    assert all(c.data_type == "s" for c in cells)
    assert [c.quotePrefix for c in cells] == [True] * 7 + [False]
    # The quoted twin keeps its style's look.
    assert cells[0].font.name == "Times New Roman" and cells[0].border.left.style == "thin"
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        xml = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in xml and "<f " not in xml


def test_characters_xml_forbids_are_removed_and_the_file_stays_valid_xml():
    hostile = "".join(chr(c) for c in [*range(0x00, 0x20), 0x7f, 0x85, 0x9f, 0xfffe, 0xffff])
    rows = [(f"A{hostile}B", None, "\ud800lẻ loi\udfff"), ("Word\x0bngắt dòng", None, "x")]
    data = written(rows)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.testzip() is None
        for name in archive.namelist():
            ElementTree.fromstring(archive.read(name))  # every member parses
    sheet = read(data)
    # Tab and newline are kept; the line breaks by another name (VT, FF, CR, NEL) become
    # newlines; everything else that XML forbids or hides is gone.
    # (LF, VT, FF, CR and NEL: five newlines.)
    assert sheet["A1"].value == "A\t\n\n\n\n\nB"
    assert sheet["C1"].value == "lẻ loi"
    assert sheet["A2"].value == "Word\nngắt dòng"


def test_sheet_settings_widths_merges_frozen_header_print_setup():
    data = written([("a", None, "b")], widths=[11, 50, 20], merged=["A1:C1"], frozen_rows=6,
                   print_title_row=6, page=PageSetup(), sheet_name="Sổ 'đơn' & thư")
    book = openpyxl.load_workbook(io.BytesIO(data))
    sheet = book.active
    assert sheet.title == "Sổ 'đơn' & thư"
    assert [sheet.column_dimensions[c].width for c in "ABC"] == [11, 50, 20]
    assert [str(r) for r in sheet.merged_cells.ranges] == ["A1:C1"]
    assert sheet.freeze_panes == "A7"
    assert sheet.print_title_rows == "$6:$6"
    assert sheet.page_setup.orientation == "landscape" and sheet.page_setup.paperSize == 9
    assert sheet.page_setup.fitToWidth == 1 and sheet.page_setup.fitToHeight == 0
    assert sheet.sheet_properties.pageSetUpPr.fitToPage
    assert sheet.print_options.horizontalCentered
    assert sheet.page_margins.left == sheet.page_margins.right == 0.4


def test_a_row_of_the_wrong_width_or_a_value_of_no_cell_type_is_refused():
    with pytest.raises(ValueError):
        written([("a", None)])
    with pytest.raises(TypeError):
        written([("a", object(), "b")])
    with pytest.raises(TypeError):
        written([("a", True, "b")])


def test_a_failure_half_way_writes_nothing_and_leaves_no_temporary_file(tmp_path,
                                                                       monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))

    def rows():
        yield ("a", None, "b")
        raise RuntimeError("the database went away")

    out = io.BytesIO()
    with pytest.raises(RuntimeError):
        with SheetWriter(out, sheet_name="x", styles=STYLES) as sheet:
            write = sheet.rows(["text", "date", "text"])
            for row in rows():
                write(row)
    assert out.getvalue() == b""
    assert list(tmp_path.iterdir()) == []


def test_the_register_read_back_cell_by_cell():
    """The register export through this writer: title block, header, data rows with real
    dates, quote-prefixed formula-like text, cleaned control characters, the total."""
    rows = [
        RegisterRow("001/2025/VPĐU", datetime.date(2025, 1, 2), "Văn phòng Đảng ủy",
                    "Bưu chính", "Kiến nghị", "Trần Văn Thắng", "Thôn Hòa Ché",
                    "Kiến nghị về việc làm đường.", "", "Đã tiếp nhận", "", "", None),
        RegisterRow("002/2025/VPĐU", datetime.date(2025, 12, 31), "Văn phòng Đảng ủy",
                    "Trực tiếp", "Tố cáo", "=CMD|' /C calc'!A0", "+84 912 000 111",
                    "- Ông A nhận tiền;\x0b- Ông B làm chứng\x07", "@Đinh Văn Lấn",
                    "Đã kết thúc", "UBKT huyện", "12/QĐ-UBKT ngày 03/04/2025",
                    datetime.date(2026, 2, 28)),
    ]
    out = io.BytesIO()
    assert write_register(out, rows, title_lines=["Kè Sắt", "=người xuất"]) == 2
    sheet = read(out.getvalue())
    assert sheet.title == "Sổ đơn thư"
    assert sheet["A1"].value == "SỔ THEO DÕI ĐƠN THƯ" and sheet["A1"].font.b
    assert sheet["A1"].font.sz == 14 and sheet["A1"].alignment.horizontal == "center"
    assert sheet["A2"].value == "Kè Sắt" and sheet["A2"].font.i
    assert sheet["A3"].value == "=người xuất" and sheet["A3"].quotePrefix
    header = 5  # title, two lines, blank, header
    assert [c.value for c in sheet[header]] == [str(label) for label, _w in COLUMNS]
    assert sheet.cell(row=header, column=1).fill.fgColor.rgb == "FFE7E6E6"
    assert sheet.freeze_panes == f"A{header + 1}" and sheet.print_title_rows == "$5:$5"
    assert [sheet.column_dimensions[column_letter(i)].width
            for i in range(1, len(COLUMNS) + 1)] == [width for _label, width in COLUMNS]
    first, second = sheet[header + 1], sheet[header + 2]
    assert first[1].value == datetime.datetime(2025, 1, 2)
    assert first[1].number_format == second[1].number_format == DATE_FORMAT
    assert first[1].is_date and second[12].is_date
    assert second[12].value == datetime.datetime(2026, 2, 28)
    assert first[12].value is None and first[12].border.left.style == "thin"
    assert first[8].value is None  # an empty text is a blank cell
    assert [c.value for c in second[5:9]] == [
        "=CMD|' /C calc'!A0", "+84 912 000 111", "- Ông A nhận tiền;\n- Ông B làm chứng",
        "@Đinh Văn Lấn"]
    assert all(c.data_type == "s" and c.quotePrefix for c in second[5:9])
    assert not any(c.quotePrefix for c in first)
    assert second[7].alignment.wrap_text and second[7].font.name == "Times New Roman"
    assert sheet.cell(row=header + 4, column=1).value == "Tổng số: 2 đơn"
    assert sheet.max_row == header + 4
