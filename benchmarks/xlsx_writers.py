"""Benchmark: CPU per register row of the .xlsx writers (issue 18, the register export).

    .venv/bin/python benchmarks/xlsx_writers.py [--rows 10000]

Writes the same synthetic register rows (13 cells: texts, two dates, Vietnamese letters)
with the register's own writer (`casework.exports.write_register` on `casework.xlsx`), with
openpyxl's write-only mode styled as the register was before, and, if it is importable
(it is not a dependency: `pip install --target DIR xlsxwriter` and PYTHONPATH=DIR), with
XlsxWriter's `constant_memory` mode. Every writer cleans each text as the export does
(`casework.text.spreadsheet_text`) and compresses its file; no database.
"""
import argparse
import datetime
import io
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def synthetic_rows(n):
    from casework.exports import RegisterRow

    return [RegisterRow(
        f"{i:03d}/2025/ĐU-X{i % 100}", datetime.date(2025, 1 + i % 12, 1 + i % 28),
        f"Đảng bộ xã Kè Sắt số {i % 100}", "Trực tiếp", "Kiến nghị",
        "Nguyễn Văn An, Trần Thị Bình", "Thôn Hòa Ché, xã Kè Sắt",
        f"Kiến nghị về việc làm đường liên thôn, đề nghị xem xét giải quyết sớm {i}.",
        "Đinh Văn Lấn", "Đã tiếp nhận", "UBND xã", "12/QĐ-UBND ngày 03/04/2025",
        datetime.date(2025, 6, 1) if i % 3 else None) for i in range(n)]


def ours(rows):
    from casework.exports import write_register

    write_register(io.BytesIO(), rows, title_lines=["Kè Sắt", "Xuất ngày", "Ghi chú"])


def openpyxl_write_only(rows):
    """The register's writer before issue 18's second round: one styled cell per column,
    reused for every row (styles as casework.exports had them)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Border, Font, NamedStyle, Side

    from casework.text import spreadsheet_text

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Sổ")
    thin = Side(style="thin", color="808080")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    text = NamedStyle("t", font=Font(name="Times New Roman", size=11), border=border,
                      alignment=Alignment(vertical="top", wrap_text=True))
    day = NamedStyle("d", font=Font(name="Times New Roman", size=11), border=border,
                     number_format="dd/mm/yyyy")
    workbook.add_named_style(text)
    workbook.add_named_style(day)
    cells = []
    for i in range(13):
        cell = WriteOnlyCell(sheet)
        cell.style = "d" if i in (1, 12) else "t"
        cells.append(cell)
    for row in rows:
        for cell, value in zip(cells, row, strict=True):
            cell.value = spreadsheet_text(value) if isinstance(value, str) else value
        sheet.append(cells)
    workbook.save(io.BytesIO())


def xlsxwriter_constant_memory(rows):
    import xlsxwriter

    from casework.text import formula_like, spreadsheet_text

    workbook = xlsxwriter.Workbook(io.BytesIO(), {"constant_memory": True})
    sheet = workbook.add_worksheet("Sổ")
    common = {"font_name": "Times New Roman", "font_size": 11, "border": 1, "valign": "top"}
    text = workbook.add_format({**common, "text_wrap": True})
    quoted = workbook.add_format({**common, "text_wrap": True, "quote_prefix": True})
    day = workbook.add_format({**common, "num_format": "dd/mm/yyyy"})
    styles = [day if i in (1, 12) else text for i in range(13)]
    for r, row in enumerate(rows, start=6):
        for c, value in enumerate(row):
            if isinstance(value, str):
                value = spreadsheet_text(value)
                sheet.write_string(r, c, value, quoted if formula_like(value) else styles[c])
            elif value is not None:
                sheet.write_datetime(r, c, value, styles[c])
    workbook.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=10000)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("DATABASE_URL", "sqlite:///:memory:")
    import django

    django.setup()
    from django.utils import translation

    translation.activate("vi")
    rows = synthetic_rows(args.rows)
    writers = [("casework.xlsx (the register's)", ours),
               ("openpyxl write-only", openpyxl_write_only)]
    try:
        import xlsxwriter  # noqa: F401

        writers.append(("XlsxWriter constant_memory", xlsxwriter_constant_memory))
    except ImportError:
        print("(XlsxWriter not importable: left out)")
    print(f"load average {' '.join(open('/proc/loadavg').read().split()[:3])}")
    for name, write in writers:
        best = min(_cpu(write, rows) for _ in range(args.repeat))
        print(f"{name:32s} {best / len(rows) * 1e6:6.1f} µs CPU a row", flush=True)


def _cpu(write, rows):
    started = time.process_time()
    write(rows)
    return time.process_time() - started


if __name__ == "__main__":
    main()
