"""The downloadable template of the letters' import: the data sheet with its Vietnamese
headers, a short instructions sheet, and lists for the coded columns (Excel's data
validation, fed from a hidden sheet) so that a clerk picks "Kiến nghị" rather than typing
it. Built with openpyxl: the file is small, and the lists need what the export's own
writer (casework.xlsx) does not write. Every text comes from the code (labels, unit names
cleaned when stored) and is written as a value, never as a formula."""
import io

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation

from casework.imports.letters import (
    CODED,
    COLUMNS,
    HANDLING,
    OUTCOMES,
    SHEET,
    vietnamese_labels,
)
from casework.models import PetitionStatus
from casework.text import formula_like, spreadsheet_text

LISTS = "Danh mục"
TEMPLATE_ROWS = 2000  # rows the lists and the date format are set on
DATE_COLUMNS = ("received_on", "classified_on", "handled_on", "closed_on")


def safe_text(text):
    text = spreadsheet_text(text)
    return "'" + text if formula_like(text) else text


def letters_template(units) -> bytes:
    """The template for the person whose receiving units are `units`."""
    book = Workbook()
    sheet = book.active
    sheet.title = SHEET
    head = Font(bold=True)
    fill = PatternFill("solid", fgColor="E7E6E6")
    for index, (key, header) in enumerate(COLUMNS, start=1):
        cell = sheet.cell(row=1, column=index, value=header)
        cell.font, cell.fill = head, fill
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        sheet.column_dimensions[get_column_letter(index)].width = (
            40 if key in ("summary", "result", "handling_note", "subject") else 18)
        if key in DATE_COLUMNS:
            for row in range(2, TEMPLATE_ROWS + 2):
                sheet.cell(row=row, column=index).number_format = "dd/mm/yyyy"
    sheet.freeze_panes = "A2"
    lists = {name: vietnamese_labels(choices) for name, choices in CODED.items()}
    status = dict(zip(PetitionStatus.values, vietnamese_labels(PetitionStatus), strict=True))
    lists["handling"] = [status[s] for s in HANDLING]
    lists["outcome"] = [status[s] for s in OUTCOMES]
    lists["unit"] = [safe_text(unit.name) for unit in units]
    lists_sheet(book, sheet, lists)
    _instructions(book)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def lists_sheet(book, sheet, lists, columns=COLUMNS):
    """The hidden sheet of the lists, and each list's validation on its column of `sheet`."""
    hidden = book.create_sheet(LISTS)
    hidden.sheet_state = "hidden"
    column_of = {key: index for index, (key, _h) in enumerate(columns, start=1)}
    header_of = dict(columns)
    for offset, (key, values) in enumerate(sorted(lists.items()), start=1):
        letter = get_column_letter(offset)
        hidden.cell(row=1, column=offset, value=header_of[key])  # its column's header
        for row, value in enumerate(values, start=2):
            hidden.cell(row=row, column=offset, value=value)
        if not values:
            continue
        source = f"{quote_sheetname(LISTS)}!${letter}$2:${letter}${len(values) + 1}"
        rule = DataValidation(type="list", formula1=source, allow_blank=True,
                              showErrorMessage=True, errorTitle=_("Giá trị không hợp lệ"),
                              error=_("Chọn một giá trị trong danh sách."))
        target = get_column_letter(column_of[key])
        rule.add(f"{target}2:{target}{TEMPLATE_ROWS + 1}")
        sheet.add_data_validation(rule)


def _instructions(book):
    sheet = book.create_sheet(_("Hướng dẫn"))
    sheet.column_dimensions["A"].width = 110
    lines = [
        _("HƯỚNG DẪN NHẬP SỔ ĐƠN THƯ TỪ EXCEL"),
        _("1. Mỗi dòng của trang «Đơn thư» là một đơn; không đổi tên, không xóa dòng tiêu đề."),
        _("2. Ngày ghi theo dạng dd/mm/yyyy (ví dụ 05/03/2025) hoặc ô kiểu ngày của Excel."),
        _("3. Các cột có danh sách (nguồn đơn, loại đơn, thẩm quyền, xử lý, kết quả...): "
          "chọn trong danh sách của ô."),
        _("4. Số tiếp nhận: số của sổ cũ (ví dụ 017/2025); đơn giữ số đó. Để trống thì hệ "
          "thống cấp số tiếp theo của sổ."),
        _("5. Họ tên người gửi: nhiều người thì cách nhau bằng dấu chấm phẩy (;). Đơn giấu "
          "tên để trống."),
        _("6. Quá trình xử lý: ghi Thẩm quyền (phân loại), Xử lý (thụ lý, chuyển đơn, "
          "hướng dẫn, lưu đơn) với ngày và số văn bản, rồi Kết quả (giải quyết xong, rút "
          "đơn, lưu đơn) với ngày kết thúc. Các bước phải theo đúng trình tự xử lý đơn."),
        _("7. Đơn đã có trong sổ (cùng nơi tiếp nhận, năm và số tiếp nhận; đơn không có số: "
          "cùng ngày nhận, người gửi và nội dung) được bỏ qua: nhập lại cùng một tệp không "
          "tạo đơn trùng."),
        _("8. Hệ thống kiểm tra toàn bộ tệp trước; chỉ khi không còn lỗi nào mới nhập, và "
          "nhập tất cả trong một lần. Tệp quét (bản chụp đơn) không nhập qua tệp này."),
    ]
    for row, line in enumerate(lines, start=1):
        sheet.cell(row=row, column=1, value=line).alignment = Alignment(wrap_text=True)
    sheet["A1"].font = Font(bold=True)
