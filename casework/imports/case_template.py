"""The downloadable template of the cases' import: the sheet «Cuộc kiểm tra, giám sát»
with its Vietnamese headers, drop-down lists (kind, conducting body, the units the person
may open cases at, the discipline forms, "Có"/"Không") fed from a hidden sheet as for the
letters (casework.imports.template), dates formatted dd/mm/yyyy, and an instructions
sheet."""
import io

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from casework.imports.cases import COLUMNS, DATE_KEYS, LONG_TEXT, SHEET, choice_lists
from casework.imports.template import TEMPLATE_ROWS, lists_sheet, safe_text


def cases_template(units) -> bytes:
    """The template for the person who may open cases at `units`."""
    book = Workbook()
    sheet = book.active
    sheet.title = SHEET
    head, fill = Font(bold=True), PatternFill("solid", fgColor="E7E6E6")
    for index, (key, header) in enumerate(COLUMNS, start=1):
        cell = sheet.cell(row=1, column=index, value=header)
        cell.font, cell.fill = head, fill
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        sheet.column_dimensions[get_column_letter(index)].width = (
            40 if key in LONG_TEXT or key.startswith("subject") else 18)
        if key in DATE_KEYS:
            for row in range(2, TEMPLATE_ROWS + 2):
                sheet.cell(row=row, column=index).number_format = "dd/mm/yyyy"
    sheet.freeze_panes = "A2"
    lists = choice_lists()
    lists["unit"] = [safe_text(unit.name) for unit in units]
    lists_sheet(book, sheet, lists, columns=COLUMNS)
    _instructions(book)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _instructions(book):
    sheet = book.create_sheet(_("Hướng dẫn"))
    sheet.column_dimensions["A"].width = 110
    lines = [
        _("HƯỚNG DẪN NHẬP CUỘC KIỂM TRA, GIÁM SÁT TỪ EXCEL"),
        _("1. Mỗi dòng của trang «Cuộc kiểm tra, giám sát» là một cuộc; không đổi tên, không "
          "xóa dòng tiêu đề."),
        _("2. Ngày ghi theo dạng dd/mm/yyyy (ví dụ 05/03/2025) hoặc ô kiểu ngày của Excel."),
        _("3. Cấp tiến hành, chủ thể tiến hành, loại cuộc, có vi phạm, hình thức kỷ luật: "
          "chọn trong danh sách của ô."),
        _("4. Đối tượng: tổ chức đảng (tên hoặc mã) và đảng viên (họ tên) thuộc Đảng bộ của "
          "cấp tiến hành; nhiều đối tượng cách nhau bằng dấu chấm phẩy (;). Hai đảng viên "
          "trùng tên: ghi thêm chi bộ trong ngoặc, ví dụ «Nguyễn Văn A (Chi bộ thôn 3)»."),
        _("5. Các bước đã làm: ghi ngày (và số văn bản) của từng bước theo đúng trình tự của "
          "quy trình kiểm tra hoặc giám sát; bước chưa làm để trống. Kết luận cần nội dung kết "
          "luận, số văn bản và có hay không có vi phạm."),
        _("6. Kỷ luật (sau bước đề nghị xem xét kỷ luật): một hình thức cho mỗi đối tượng, "
          "theo thứ tự tổ chức đảng rồi đảng viên, cách nhau bằng dấu chấm phẩy; «Không kỷ "
          "luật» cần lý do."),
        _("7. Số cuộc: số của sổ cũ (ví dụ 007/2025), cuộc giữ số đó; để trống thì hệ thống "
          "cấp số tiếp theo. Cuộc đã có (cùng cấp tiến hành, năm và số quyết định, hoặc cùng "
          "số cuộc) được bỏ qua: nhập lại cùng một tệp không tạo cuộc trùng."),
        _("8. Hệ thống kiểm tra toàn bộ tệp theo đúng các quy định như khi nhập trên trang; "
          "chỉ khi không còn lỗi nào mới nhập, và nhập tất cả trong một lần. Người nhập là "
          "trưởng đoàn của các cuộc nhập vào."),
    ]
    for row, line in enumerate(lines, start=1):
        sheet.cell(row=row, column=1, value=line).alignment = Alignment(wrap_text=True)
    sheet["A1"].font = Font(bold=True)
