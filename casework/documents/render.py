"""Filling a Word template: `{{ name }}` placeholders replaced by text, nothing else.

Plain replacement (python-docx), not a template language: a template the office uploads
can contain no expression, loop or call, so it cannot run code, and filling it takes one
pass over its paragraphs. Word often splits a typed placeholder over several runs (spell
check, an edit in the middle); the runs a placeholder spans are merged into its first run,
whose formatting the value takes, and the runs around it keep theirs. A value's line breaks
become line breaks in the paragraph.

An uploaded template is checked before it is kept (`check_template`): it must be a DOCX
(not a macro document), of bounded size once unzipped, open with python-docx, use only
the placeholders its kind offers, and fill with sample data.
"""
import io
import re
import zipfile

from django.utils.translation import gettext as _
from docx import Document

PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
MAX_TEMPLATE_BYTES = 2 * 1024 * 1024
# A zip "bomb" would be read whole into memory by python-docx.
MAX_UNZIPPED_BYTES = 30 * 1024 * 1024
MAX_PARTS = 500
# Filling rereads a paragraph's runs once per placeholder in it: a bound on placeholders
# keeps a template's filling time bounded too (the shipped ones have about 30).
MAX_PLACEHOLDERS = 300


class TemplateProblem(ValueError):
    """A template that cannot be used; the message says why, in Vietnamese."""


def _paragraphs(container):
    """Every paragraph of a body, cell, header or footer, nested tables included."""
    yield from container.paragraphs
    for table in container.tables:
        for row in table.rows:
            for cell in row.cells:
                yield from _paragraphs(cell)


def all_paragraphs(document):
    yield from _paragraphs(document)
    for section in document.sections:
        for part in (section.header, section.footer, section.first_page_header,
                     section.first_page_footer):
            if not part.is_linked_to_previous:
                yield from _paragraphs(part)


def placeholders(document):
    return {match.group(1) for paragraph in all_paragraphs(document)
            for match in PLACEHOLDER.finditer(paragraph.text)}


def _fill_paragraph(paragraph, values):
    runs = paragraph.runs
    position = 0
    while True:
        texts = [run.text for run in runs]
        match = PLACEHOLDER.search("".join(texts), position)
        if not match:
            return
        value = values.get(match.group(1))
        value = "" if value is None else str(value)
        start, end = match.span()
        offset, first = 0, None
        for index, text in enumerate(texts):
            if first is None and start < offset + len(text):
                first, first_offset = index, offset
            if end <= offset + len(text):
                last, last_offset = index, offset
                break
            offset += len(text)
        head = texts[first][:start - first_offset]
        tail = texts[last][end - last_offset:]
        if first == last:
            runs[first].text = head + value + tail
        else:
            runs[first].text = head + value
            for index in range(first + 1, last):
                runs[index].text = ""
            runs[last].text = tail
        # Go on after the value: a value that looks like a placeholder stays as typed.
        position = start + len(value)


def fill(template_bytes, values):
    """The DOCX bytes of the template with its placeholders replaced by `values`."""
    document = open_template(template_bytes)
    for paragraph in all_paragraphs(document):
        if "{{" in paragraph.text:
            _fill_paragraph(paragraph, values)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def open_template(data):
    if len(data) > MAX_TEMPLATE_BYTES:
        raise TemplateProblem(_("Tệp mẫu lớn hơn %(limit)s MB.")
                              % {"limit": MAX_TEMPLATE_BYTES // (1024 * 1024)})
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            parts = archive.infolist()
            names = {part.filename for part in parts}
    except zipfile.BadZipFile:
        raise TemplateProblem(_("Tệp không phải văn bản Word (DOCX).")) from None
    if len(parts) > MAX_PARTS or sum(p.file_size for p in parts) > MAX_UNZIPPED_BYTES:
        raise TemplateProblem(_("Tệp mẫu quá lớn khi giải nén."))
    if any(name.lower().endswith("vbaproject.bin") for name in names):
        raise TemplateProblem(_("Tệp mẫu có macro; chỉ nhận DOCX không có macro."))
    try:
        return Document(io.BytesIO(data))
    except Exception:  # python-docx raises several kinds for a file that is not a DOCX
        raise TemplateProblem(_("Không mở được tệp mẫu bằng trình đọc DOCX; đề nghị lưu lại "
                                "tệp dưới dạng “Word Document (*.docx)”.")) from None


def check_template(data, sample):
    """Refuse a template that could not produce a document: raises TemplateProblem."""
    document = open_template(data)
    used = sum(len(PLACEHOLDER.findall(p.text)) for p in all_paragraphs(document))
    if used > MAX_PLACEHOLDERS:
        raise TemplateProblem(_("Mẫu có %(count)s ô cần điền, nhiều hơn giới hạn %(limit)s.")
                              % {"count": used, "limit": MAX_PLACEHOLDERS})
    unknown = sorted(placeholders(document) - set(sample))
    if unknown:
        raise TemplateProblem(
            _("Mẫu có ô không được hỗ trợ: %(names)s. Các ô dùng được: %(known)s.")
            % {"names": ", ".join(f"{{{{ {n} }}}}" for n in unknown),
               "known": ", ".join(sorted(sample))})
    filled = fill(data, sample)
    if PLACEHOLDER.search(" ".join(p.text for p in all_paragraphs(open_template(filled)))):
        raise TemplateProblem(_("Mẫu còn ô chưa điền được sau khi thử với dữ liệu mẫu."))
    return filled
