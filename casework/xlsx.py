"""A one-sheet .xlsx written as XML text: the register export's writer (issue 18).

Why not openpyxl or XlsxWriter: a province's year is 170,000 letters of 13 cells, and the
goal is the file in under 15 s, so about 89 µs a letter for everything (reading, building
the row, writing). Measured on 10,000 synthetic register rows (CPU per row, text cleaning
and compression included, benchmarks/README.md): openpyxl's write-only mode 148 µs (105 µs
even with no style at all), XlsxWriter's `constant_memory` mode 82 µs, this writer 21 µs.
Both libraries build an object or a dispatch per cell; a cell here is one f-string.

What it writes is the small part of SpreadsheetML (ECMA-376) the register needs: cells of
text, numbers and dates with a style each, column widths, merged title lines, a frozen
header, the print titles and a landscape A4 page fitted to its width. Text goes inline
(`t="inlineStr"`): no shared-string table to hold in memory, and Excel, LibreOffice and
openpyxl read it. No `xml:space="preserve"`: the cleaning strips a text's ends, and the
line breaks and tabs inside it are kept without it (as openpyxl writes them); leaving it
out makes the sheet's XML a fifth smaller, and so quicker to compress.

The sheet's XML is streamed to a temporary file and zipped at the end (as openpyxl does),
so the zip's sizes are known when its entry is written and a file past 4 GB is still a
valid ZIP64 file.

Every text cell passes through `casework.text`'s rule for text that leaves in a
spreadsheet: cleaned again (no character XML forbids, whatever was stored) and, when a
spreadsheet would read it as a formula, written as a string with Excel's quote-prefix flag
(what Excel stores when a user types a leading apostrophe), never as a formula: this
writer has no way to write a formula at all.
"""
import shutil
import tempfile
import zipfile
from datetime import date, datetime
from typing import NamedTuple
from xml.sax.saxutils import quoteattr

from casework.text import formula_like, spreadsheet_text

# Excel's day 0 (its 1900 date system, past the phantom 29/02/1900).
_EPOCH = date(1899, 12, 30).toordinal()
_FLUSH_ROWS = 500  # rows joined before each write to the temporary file
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'


class Style(NamedTuple):
    """How a cell looks. `number_format` is Excel's own code (e.g. "dd/mm/yyyy")."""

    font: str = "Calibri"
    size: int = 11
    bold: bool = False
    italic: bool = False
    border: str | None = None  # colour of a thin border on all four sides, "808080"
    fill: str | None = None  # solid background colour, "E7E6E6"
    horizontal: str | None = None  # "center", …
    vertical: str | None = None  # "top", "center", …
    wrap: bool = False
    number_format: str | None = None


class PageSetup(NamedTuple):
    landscape: bool = True
    paper_size: int = 9  # A4
    fit_to_width: bool = True  # one page wide, as many pages long as needed
    centred: bool = True
    margin_left: float = 0.4  # inches
    margin_right: float = 0.4


def column_letter(index):
    """1 → "A", 27 → "AA"."""
    letters = ""
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _escape(text):
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class SheetWriter:
    """One workbook of one sheet, written row by row to a binary file object.

    `styles` names the styles cells may use ({name: Style}); `widths` are the columns'
    widths in characters; `merged` ranges such as "A1:M1"; `frozen_rows` rows stay on
    screen when scrolling; `print_title_row` is repeated on every printed page. Everything
    but the rows is fixed up front, because the sheet's XML puts it around them.

    Use as a context manager: `with SheetWriter(...) as sheet: sheet.append(...)`; the file
    is written when the block ends without an exception, and the temporary file is
    deleted either way."""

    def __init__(self, out, *, sheet_name, styles, widths=(), merged=(), frozen_rows=0,
                 print_title_row=None, page=None):
        self.out = out
        self.sheet_name = sheet_name
        self.page = page
        self.print_title_row = print_title_row
        self.merged = list(merged)
        self._style_list = list(styles.values())
        # Each style is two cell formats: as given, and with the quote prefix; ids from 1
        # (0 is the workbook's default format).
        self.style_ids = {name: 1 + 2 * i for i, name in enumerate(styles)}
        self.rows_written = 0
        self._pending = []
        self._tmp = tempfile.TemporaryFile()
        self._write(_HEAD + self._sheet_head(widths, frozen_rows))

    # -- rows ------------------------------------------------------------------------------

    def append(self, values, style):
        """Write the next row. `values` are str, date, datetime, int, float or None (a
        blank cell that still shows its style's border); `style` is a style name for the
        whole row or a list of names, one per value."""
        styles = ([self.style_ids[style]] * len(values) if isinstance(style, str)
                  else [self.style_ids[name] for name in style])
        self.rows_written += 1
        number = self.rows_written
        cells = [f'<row r="{number}">']
        for column, (value, style_id) in enumerate(zip(values, styles, strict=True), start=1):
            cells.append(self._cell(f"{column_letter(column)}{number}", value, style_id))
        cells.append("</row>")
        self._add("".join(cells))

    def rows(self, styles):
        """A writer for many rows of the same shape, styled `styles` (one name per
        column): returns `write(row)`, the fast path of `append` (the per-column parts of
        each cell's XML are made once here, not once per cell)."""
        ids = [self.style_ids[name] for name in styles]
        width = len(ids)
        letters = [column_letter(column) for column in range(1, width + 1)]
        # For each column: the text cell's opening (as given, quoted), a number's, a blank.
        text_open = [(f'" s="{i}" t="inlineStr"><is><t>',
                      f'" s="{i + 1}" t="inlineStr"><is><t>') for i in ids]
        number_open = [f'" s="{i}"><v>' for i in ids]
        blank = [f'" s="{i}"/>' for i in ids]
        cell_tail = "</t></is></c>"
        escape, clean, quoted = _escape, spreadsheet_text, formula_like
        add = self._add

        def write(row):
            if len(row) != width:
                raise ValueError(f"{len(row)} values for {width} columns")
            self.rows_written += 1
            r = str(self.rows_written)
            parts = ['<row r="', r, '">']
            for column, value in enumerate(row):
                parts.append('<c r="')
                parts.append(letters[column])
                parts.append(r)
                if value.__class__ is str:
                    value = clean(value)
                    if not value:
                        parts.append(blank[column])
                        continue
                    parts.append(text_open[column][quoted(value)])
                    parts.append(escape(value))
                    parts.append(cell_tail)
                elif value is None:
                    parts.append(blank[column])
                else:
                    parts.append(number_open[column])
                    parts.append(_number(value))
                    parts.append("</v></c>")
            parts.append("</row>")
            add("".join(parts))

        return write

    def _cell(self, ref, value, style_id):
        if isinstance(value, str):
            value = spreadsheet_text(value)
            if value:
                style_id += formula_like(value)
                return (f'<c r="{ref}" s="{style_id}" t="inlineStr"><is>'
                        f"<t>{_escape(value)}</t></is></c>")
            value = None
        if value is None:
            return f'<c r="{ref}" s="{style_id}"/>'
        return f'<c r="{ref}" s="{style_id}"><v>{_number(value)}</v></c>'

    def _add(self, row_xml):
        self._pending.append(row_xml)
        if len(self._pending) >= _FLUSH_ROWS:
            self._flush()

    def _flush(self):
        self._write("".join(self._pending))
        self._pending.clear()

    def _write(self, text):
        self._tmp.write(text.encode("utf-8"))

    # -- the file --------------------------------------------------------------------------

    def __enter__(self):
        return self

    def __exit__(self, kind, error, trace):
        try:
            if kind is None:
                self._finish()
        finally:
            self._tmp.close()  # a TemporaryFile: closing deletes it
        return False

    def _finish(self):
        self._flush()
        self._write(self._sheet_tail())
        size = self._tmp.tell()
        self._tmp.seek(0)
        with zipfile.ZipFile(self.out, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
            archive.writestr("_rels/.rels", _ROOT_RELS)
            archive.writestr("xl/workbook.xml", self._workbook_xml())
            archive.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
            archive.writestr("xl/styles.xml", _styles_xml(self._style_list))
            entry = zipfile.ZipInfo("xl/worksheets/sheet1.xml", date_time=_zip_time())
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.file_size = size  # known: zipfile then uses ZIP64 only when needed
            with archive.open(entry, "w") as sheet:
                shutil.copyfileobj(self._tmp, sheet, 1 << 20)

    def _sheet_head(self, widths, frozen_rows):
        parts = [f'<worksheet xmlns="{_MAIN}" xmlns:r="{_REL}">']
        if self.page and self.page.fit_to_width:
            parts.append('<sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>')
        parts.append('<sheetViews><sheetView workbookViewId="0">')
        if frozen_rows:
            top = f"A{frozen_rows + 1}"
            parts.append(f'<pane ySplit="{frozen_rows}" topLeftCell="{top}" '
                         f'activePane="bottomLeft" state="frozen"/>'
                         f'<selection pane="bottomLeft" activeCell="{top}" sqref="{top}"/>')
        parts.append('</sheetView></sheetViews><sheetFormatPr defaultRowHeight="15"/>')
        if widths:
            parts.append("<cols>")
            parts.extend(f'<col min="{i}" max="{i}" width="{width}" customWidth="1"/>'
                         for i, width in enumerate(widths, start=1))
            parts.append("</cols>")
        parts.append("<sheetData>")
        return "".join(parts)

    def _sheet_tail(self):
        parts = ["</sheetData>"]
        if self.merged:
            parts.append(f'<mergeCells count="{len(self.merged)}">')
            parts.extend(f'<mergeCell ref="{ref}"/>' for ref in self.merged)
            parts.append("</mergeCells>")
        page = self.page
        if page:
            if page.centred:
                parts.append('<printOptions horizontalCentered="1"/>')
            parts.append(f'<pageMargins left="{page.margin_left}" right="{page.margin_right}" '
                         'top="1" bottom="1" header="0.5" footer="0.5"/>')
            orientation = "landscape" if page.landscape else "portrait"
            fit = ' fitToWidth="1" fitToHeight="0"' if page.fit_to_width else ""
            parts.append(f'<pageSetup paperSize="{page.paper_size}" '
                         f'orientation="{orientation}"{fit}/>')
        parts.append("</worksheet>")
        return "".join(parts)

    def _workbook_xml(self):
        name = quoteattr(self.sheet_name)
        titles = ""
        if self.print_title_row:
            row = self.print_title_row
            sheet = _escape("'" + self.sheet_name.replace("'", "''") + "'")
            titles = ('<definedNames><definedName name="_xlnm.Print_Titles" localSheetId="0">'
                      f"{sheet}!${row}:${row}</definedName></definedNames>")
        return (f'{_HEAD}<workbook xmlns="{_MAIN}" xmlns:r="{_REL}"><bookViews><workbookView/>'
                f'</bookViews><sheets><sheet name={name} sheetId="1" r:id="rId1"/></sheets>'
                f"{titles}</workbook>")


def _number(value):
    """A cell's stored number: dates as Excel's serial day (shown by the style's format)."""
    if isinstance(value, datetime):
        day = value.toordinal() - _EPOCH
        seconds = value.hour * 3600 + value.minute * 60 + value.second
        return repr(day + seconds / 86400)
    if isinstance(value, date):
        return str(value.toordinal() - _EPOCH)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"a spreadsheet cell cannot hold {value!r}")
    return repr(value)


def _zip_time():
    return datetime.now().timetuple()[:6]


def _styles_xml(styles):
    """styles.xml: one font, fill and border per style (duplicates are harmless), and two
    cell formats per style, the second with the quote prefix."""
    formats = {}
    fonts = ['<font><sz val="11"/><name val="Calibri"/></font>']
    fills = ['<fill><patternFill patternType="none"/></fill>',
             '<fill><patternFill patternType="gray125"/></fill>']
    borders = ["<border><left/><right/><top/><bottom/><diagonal/></border>"]
    xfs = ['<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>']
    for style in styles:
        fonts.append("<font>" + ("<b/>" if style.bold else "") + ("<i/>" if style.italic else "")
                     + f'<sz val="{style.size}"/><name val={quoteattr(style.font)}/></font>')
        attributes = f'fontId="{len(fonts) - 1}"'
        if style.fill:
            fills.append(f'<fill><patternFill patternType="solid"><fgColor rgb="FF{style.fill}"/>'
                         "</patternFill></fill>")
            attributes += f' fillId="{len(fills) - 1}" applyFill="1"'
        else:
            attributes += ' fillId="0"'
        if style.border:
            side = f'style="thin"><color rgb="FF{style.border}"/>'
            borders.append(f"<border><left {side}</left><right {side}</right><top {side}</top>"
                           f"<bottom {side}</bottom><diagonal/></border>")
            attributes += f' borderId="{len(borders) - 1}" applyBorder="1"'
        else:
            attributes += ' borderId="0"'
        number_format = 0
        if style.number_format:
            number_format = formats.setdefault(style.number_format, 164 + len(formats))
            attributes += ' applyNumberFormat="1"'
        attributes = f'numFmtId="{number_format}" {attributes} xfId="0" applyFont="1"'
        alignment = ""
        if style.horizontal or style.vertical or style.wrap:
            alignment = ("<alignment"
                         + (f' horizontal="{style.horizontal}"' if style.horizontal else "")
                         + (f' vertical="{style.vertical}"' if style.vertical else "")
                         + (' wrapText="1"' if style.wrap else "") + "/>")
            attributes += ' applyAlignment="1"'
        xfs.append(f"<xf {attributes}>{alignment}</xf>")
        xfs.append(f'<xf {attributes} quotePrefix="1">{alignment}</xf>')
    number_formats = "".join(f'<numFmt numFmtId="{i}" formatCode={quoteattr(code)}/>'
                             for code, i in formats.items())
    return (f'{_HEAD}<styleSheet xmlns="{_MAIN}">'
            + (f'<numFmts count="{len(formats)}">{number_formats}</numFmts>' if formats else "")
            + f'<fonts count="{len(fonts)}">{"".join(fonts)}</fonts>'
            + f'<fills count="{len(fills)}">{"".join(fills)}</fills>'
            + f'<borders count="{len(borders)}">{"".join(borders)}</borders>'
            + '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>'
            + f'</cellStyleXfs><cellXfs count="{len(xfs)}">{"".join(xfs)}</cellXfs>'
            + '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/>'
            + "</cellStyles></styleSheet>")


_CONTENT_TYPES = (
    f'{_HEAD}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/styles.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/></Types>')
_ROOT_RELS = (
    f'{_HEAD}<Relationships xmlns="{_PKG_REL}"><Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'officeDocument" Target="xl/workbook.xml"/></Relationships>')
_WORKBOOK_RELS = (
    f'{_HEAD}<Relationships xmlns="{_PKG_REL}">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/worksheet" Target="worksheets/sheet1.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/styles" Target="styles.xml"/></Relationships>')
