"""The page every Word file of the Party office starts from (Hướng dẫn 36-HD/VPTW: A4,
margins top and bottom 20 mm, left 30 mm, right 15 mm, Times New Roman 14): the year
report (casework.report_documents) and the shipped document templates
(casework.documents.build_defaults) both begin here, so the layout is written once."""
from docx import Document
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

FONT = "Times New Roman"


def party_document():
    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin = section.bottom_margin = Mm(20)
    section.left_margin, section.right_margin = Mm(30), Mm(15)
    style = document.styles["Normal"]
    style.font.name, style.font.size = FONT, Pt(14)
    # Vietnamese text is "complex" to Word in places: every script uses the same font.
    fonts = style.element.rPr.rFonts
    for attr in ("w:eastAsia", "w:cs", "w:ascii", "w:hAnsi"):
        fonts.set(qn(attr), FONT)
    return document
