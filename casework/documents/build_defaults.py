"""Build the shipped templates (casework/documents/defaults/*.docx) with python-docx:

    .venv/bin/python -m casework.documents.build_defaults [receipt transfer …]

The .docx files are committed; this script is how they were made, so a change of layout
is a change here, rebuilt, and looked at (LibreOffice: soffice --headless --convert-to pdf).
The office replaces any of them in the admin (DocumentTemplate) with its own Word file
using the same `{{ placeholders }}` (casework.documents.context).

Layout of Hướng dẫn 36-HD/VPTW (thể thức văn bản của Đảng): A4, margins top and bottom
20 mm, left 30 mm, right 15 mm; Times New Roman; a header table: on the left the superior
body, the issuing body (bold), "*", "Số …"; on the right "ĐẢNG CỘNG SẢN VIỆT NAM" (bold,
underlined) and the place and date (italic); the title bold and centred; the body
justified in 14; "Nơi nhận:" and the signature block side by side at the end.
"""
from pathlib import Path

from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Mm, Pt

from casework.party_docx import party_document

DEFAULTS = Path(__file__).with_name("defaults")


def _document():
    document = party_document()
    style = document.styles["Normal"]
    style.paragraph_format.space_after = Pt(0)
    style.paragraph_format.space_before = Pt(0)
    style.paragraph_format.line_spacing = 1.1
    return document


def _para(container, text="", *, bold=False, italic=False, underline=False, size=None,
          align=None, indent=False, before=0, after=0):
    paragraph = container.add_paragraph()
    if text:
        run = paragraph.add_run(text)
        run.bold, run.italic, run.underline = bold, italic, underline
        if size:
            run.font.size = Pt(size)
    paragraph.alignment = align
    if indent:
        paragraph.paragraph_format.first_line_indent = Mm(10)
    paragraph.paragraph_format.space_before = Pt(before)
    paragraph.paragraph_format.space_after = Pt(after)
    return paragraph


def _cell(table, row, column, width):
    cell = table.cell(row, column)
    cell.width = width
    # A new cell holds one empty paragraph; writing starts in it.
    cell._element.remove(cell.paragraphs[0]._element)
    return cell


def _header(document, subject_line=""):
    table = document.add_table(rows=1, cols=2)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    left, right = _cell(table, 0, 0, Mm(85)), _cell(table, 0, 1, Mm(80))
    center = WD_ALIGN_PARAGRAPH.CENTER
    _para(left, "{{ co_quan_cap_tren }}", size=13, align=center)
    _para(left, "{{ co_quan_ban_hanh }}", bold=True, size=13, align=center)
    _para(left, "*", align=center)
    _para(left, "Số {{ so_ky_hieu }}", size=13, align=center)
    if subject_line:
        _para(left, subject_line, italic=True, size=12, align=center)
    _para(right, "ĐẢNG CỘNG SẢN VIỆT NAM", bold=True, underline=True, size=15, align=center)
    _para(right, "", align=center)
    _para(right, "{{ dia_danh_ngay }}", italic=True, align=center)
    _para(document, "")


def _title(document, title, subtitle=""):
    center = WD_ALIGN_PARAGRAPH.CENTER
    _para(document, title, bold=True, size=16, align=center, before=12)
    if subtitle:
        _para(document, subtitle, bold=True, align=center)
    _para(document, "", after=6)


def _addressee(document, text):
    _para(document, text, align=WD_ALIGN_PARAGRAPH.CENTER, after=6)


def _body(document, *paragraphs):
    for text in paragraphs:
        _para(document, text, align=WD_ALIGN_PARAGRAPH.JUSTIFY, indent=True, after=6)


def _signature(document):
    _para(document, "")
    table = document.add_table(rows=1, cols=2)
    table.autofit = False
    left, right = _cell(table, 0, 0, Mm(80)), _cell(table, 0, 1, Mm(85))
    _para(left, "Nơi nhận:", underline=True)
    _para(left, "{{ noi_nhan }}", size=12)
    center = WD_ALIGN_PARAGRAPH.CENTER
    _para(right, "{{ tm }}", bold=True, align=center)
    _para(right, "{{ chuc_vu }}", bold=True, align=center)
    for _ in range(4):
        _para(right, "", align=center)
    _para(right, "{{ nguoi_ky }}", bold=True, align=center)


RECEIVED = ("Ngày {{ ngay_nhan }}, {{ don_vi_tiep_nhan }} nhận được đơn {{ loai_don }} "
            "của {{ nguoi_gui_mo_ta }} (số biên nhận {{ so_bien_nhan }}).")
CONTENT = "Nội dung đơn: {{ tom_tat }}"
TO_SENDER = "Kính gửi: ông (bà) {{ nguoi_gui }}\nĐịa chỉ: {{ dia_chi }}"


def receipt(document):
    _header(document)
    _title(document, "GIẤY BIÊN NHẬN ĐƠN")
    _body(document,
          "{{ don_vi_tiep_nhan }} đã nhận đơn {{ loai_don }} của {{ nguoi_gui_mo_ta }}.",
          "Ngày nhận đơn: {{ ngay_nhan }}. Số biên nhận: {{ so_bien_nhan }}.",
          "Tóm tắt nội dung: {{ tom_tat }}",
          "Đơn sẽ được phân loại, xử lý theo quy định; kết quả xử lý được thông báo cho "
          "người gửi đơn. Khi liên hệ về đơn, đề nghị ghi số biên nhận trên đây.",
          "Mã tra cứu: {{ ma_tra_cuu }}. Người gửi tra cứu tình trạng đơn (không cần đăng "
          "nhập) tại {{ dia_chi_tra_cuu }} bằng số biên nhận và mã tra cứu này; đề nghị "
          "giữ kín mã.")
    _signature(document)


def transfer(document):
    _header(document)
    _title(document, "PHIẾU CHUYỂN ĐƠN")
    _addressee(document, "Kính gửi: {{ kinh_gui }}")
    _body(document, RECEIVED, CONTENT,
          "Căn cứ quy định về tiếp nhận, xử lý đơn thư, {{ ten_co_quan }} chuyển đơn đến "
          "{{ kinh_gui }} để xem xét, giải quyết theo thẩm quyền và thông báo kết quả giải "
          "quyết về {{ ten_co_quan }} theo quy định.",
          "{{ noi_dung }}")
    _signature(document)


def acceptance(document):
    _header(document)
    _title(document, "THÔNG BÁO", "về việc thụ lý giải quyết đơn")
    _addressee(document, TO_SENDER)
    _body(document, RECEIVED, CONTENT,
          "Sau khi xem xét, đơn đủ điều kiện thụ lý. {{ ten_co_quan }} thông báo thụ lý "
          "giải quyết đơn kể từ ngày {{ ngay_van_ban }}. Kết quả giải quyết sẽ được thông "
          "báo đến ông (bà) theo quy định.",
          "{{ noi_dung }}")
    _signature(document)


def refusal(document):
    _header(document)
    _title(document, "THÔNG BÁO", "về việc không thụ lý giải quyết đơn")
    _addressee(document, TO_SENDER)
    _body(document, RECEIVED, CONTENT,
          "Sau khi xem xét, {{ ten_co_quan }} thông báo không thụ lý giải quyết đơn. "
          "Lý do: {{ ly_do }}.")
    _signature(document)


def follow_up(document):
    _header(document, "V/v đôn đốc giải quyết đơn")
    _addressee(document, "Kính gửi: {{ kinh_gui }}")
    _body(document,
          "Ngày {{ ngay_van_ban_chuyen }}, {{ ten_co_quan }} đã chuyển đến quý cơ quan theo "
          "văn bản số {{ so_van_ban_chuyen }} đơn {{ loai_don }} của {{ nguoi_gui_mo_ta }} "
          "(số biên nhận {{ so_bien_nhan }}).",
          CONTENT,
          "Đến nay, {{ ten_co_quan }} chưa nhận được kết quả giải quyết. Đề nghị quý cơ "
          "quan khẩn trương xem xét, giải quyết và thông báo kết quả về {{ ten_co_quan }} "
          "theo quy định.",
          "{{ noi_dung }}")
    _signature(document)


def case_decision(document):
    _header(document)
    _title(document, "QUYẾT ĐỊNH", "{{ ten_cuoc }}")
    _body(document,
          "- Căn cứ Điều lệ Đảng Cộng sản Việt Nam;",
          "- Căn cứ các quy định, hướng dẫn của Trung ương về công tác kiểm tra, giám sát "
          "và kỷ luật của Đảng;",
          "- Căn cứ chương trình kiểm tra, giám sát và yêu cầu nhiệm vụ,")
    _para(document, "QUYẾT ĐỊNH:", bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, before=6,
          after=6)
    _body(document,
          "Điều 1. Tiến hành {{ hinh_thuc }} đối với {{ doi_tuong }} ({{ loai_cuoc }}). "
          "Nội dung: {{ noi_dung }}",
          "Thời gian: từ ngày {{ tu_ngay }} đến ngày {{ den_ngay }}.",
          "Điều 2. Đoàn {{ hinh_thuc }} gồm: trưởng đoàn {{ truong_doan }}; thành viên: "
          "{{ thanh_vien }}.",
          "Điều 3. Đoàn {{ hinh_thuc }}, {{ doi_tuong }} và các tổ chức, cá nhân có liên "
          "quan chịu trách nhiệm thi hành quyết định này.")
    _signature(document)


def conclusion_notice(document):
    _header(document)
    _title(document, "THÔNG BÁO", "kết luận {{ hinh_thuc }}: {{ ten_cuoc }}")
    _body(document,
          "Thực hiện Quyết định số {{ so_quyet_dinh }} ngày {{ ngay_quyet_dinh }}, đoàn "
          "{{ hinh_thuc }} đã tiến hành {{ hinh_thuc }} đối với {{ doi_tuong }}. Trên cơ sở "
          "báo cáo của đoàn, {{ ten_co_quan }} kết luận như sau:",
          "{{ ket_luan }}",
          "{{ vi_pham }}",
          "{{ noi_dung }}")
    _signature(document)


BUILDERS = {
    "receipt": receipt, "transfer": transfer, "acceptance": acceptance, "refusal": refusal,
    "follow_up": follow_up, "case_decision": case_decision,
    "conclusion_notice": conclusion_notice,
}


def main(kinds=None):
    """Build the named templates (all without names): `… build_defaults receipt` rebuilds
    only the receipt, so the others' files do not change for nothing."""
    DEFAULTS.mkdir(exist_ok=True)
    for kind, build in BUILDERS.items():
        if kinds and kind not in kinds:
            continue
        document = _document()
        # python-docx's blank document begins with no paragraph; ours begins with the header.
        build(document)
        document.core_properties.author = "Casework"
        document.save(DEFAULTS / f"{kind}.docx")
        print(DEFAULTS / f"{kind}.docx")


if __name__ == "__main__":
    import sys

    main(sys.argv[1:])
