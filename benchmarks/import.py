"""Benchmark: importing a 100,000-letter register from Excel on PostgreSQL, against a bare
COPY of the same rows in the same run.

    .venv/bin/python benchmarks/import.py [--rows 100000] [--keep]

Builds bench_import_main (dropped and recreated, migrated): a commune with its office and
a clerk. Writes an .xlsx of `--rows` letters received in 2025 (tests/casework/
import_files.generated_rows: every kind, numbered, at every stage of the lifecycle, about
one in ten still open), then times, each to its COMMIT:

  (1) the check run of an import job (`import_run` before confirmation: every row read and
      validated, nothing written);
  (2) the import run (`import_run` after confirmation: the file read and checked again,
      letters, senders and events written, counters moved, the open letters announced so
      their clocks start), the whole job as the page would run it;
  (3) COPY of the same rows (their 23 cells as text) into a plain table of 23 text
      columns: the floor any import of these rows pays.

Prints rows per second of each and the ratio (2)/(3). Then checks what was written against
the generated rows themselves, not only counts: every letter's number, date, kind, status,
summary and first sender, the events' count, the counter past the highest number, a second
import writing nothing, and `verify_audit`.
"""
import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks import common  # noqa: E402
from benchmarks.common import PG_SERVER, admin, vn  # noqa: E402

DB_NAME = os.environ.get("BENCH_IMPORT_DB", "bench_import_main")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--keep", action="store_true", help="leave the database")
    args = parser.parse_args()
    admin(f'DROP DATABASE IF EXISTS "{DB_NAME}"', f'CREATE DATABASE "{DB_NAME}"')
    folder = Path(tempfile.mkdtemp(prefix="bench-import-"))
    common.setup_django(f"{PG_SERVER}/{DB_NAME}", EXPORT_RUNNER="inline",
                        IMPORT_DIR=str(folder), IMPORT_MAX_BYTES=str(200_000_000))
    try:
        run(args, folder)
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep:
            admin(f'DROP DATABASE IF EXISTS "{DB_NAME}"')


def run(args, folder):
    from django.contrib.auth import get_user_model
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.db import connection

    from casework.imports.letters import COLUMNS
    from casework.models import ImportJob, Organisation, OrgKind, Role, RoleAssignment
    from casework.services import import_jobs
    from tests.casework.import_files import HEADERS, generated_rows, write_book

    commune = Organisation.objects.create(name="Đảng bộ xã Kè Sắt", code="ke-sat",
                                          kind=OrgKind.COMMUNE)
    office = Organisation.objects.create(name="Văn phòng Đảng ủy", code="vp",
                                         kind=OrgKind.AGENCY, parent=commune, symbol="VPĐU")
    clerk = get_user_model().objects.create_user("vanphong", password="x")
    RoleAssignment.objects.create(user=clerk, organisation=office, role=Role.CLERK)

    started = time.perf_counter()
    rows, plans = generated_rows(args.rows, unit=office.name)
    path = write_book(folder / "so.xlsx", rows)
    print(f"tệp: {vn(args.rows)} dòng, {vn(path.stat().st_size / 1e6, 1)} MB, "
          f"dựng trong {vn(time.perf_counter() - started, 1)} s")

    # EXPORT_RUNNER=inline and autocommit: each run happens on the commit of its request,
    # that is inside the call (the upload stores the file first, then the check runs).
    upload = SimpleUploadedFile("so.xlsx", path.read_bytes())
    started = time.perf_counter()
    job, _ = import_jobs.import_start(user=clerk, upload=upload)
    check_s = time.perf_counter() - started
    job.refresh_from_db()
    assert job.valid and job.to_import == args.rows, (job.error, job.errors[:5])
    started = time.perf_counter()
    job = import_jobs.import_confirm(user=clerk, job_id=job.pk)
    import_s = time.perf_counter() - started
    assert job.state == "done" and job.imported == args.rows, (job.state, job.error)

    copy_s = copy_baseline(connection, rows, HEADERS, len(COLUMNS))
    print(f"(1) tải lên và kiểm tra: {vn(check_s, 1)} s, {vn(args.rows / check_s)} dòng/s")
    print(f"(2) nhập (cả lượt, COMMIT): {vn(import_s, 1)} s, {vn(args.rows / import_s)} dòng/s")
    print(f"(3) COPY cùng các dòng:   {vn(copy_s, 2)} s, {vn(args.rows / copy_s)} dòng/s")
    print(f"tỉ lệ (2)/(3): {vn(import_s / copy_s, 1)} lần")
    check_contents(rows, plans, office, clerk, path)
    ImportJob.objects.all().delete()


def copy_baseline(connection, rows, headers, width):
    """COPY the rows' cells, as text, into a plain table of the same columns; to COMMIT."""
    from django.db import transaction

    columns = ", ".join(f"c{i} text" for i in range(width))
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS bench_plain_letters; "
                       f"CREATE TABLE bench_plain_letters ({columns})")
    started = time.perf_counter()
    with transaction.atomic():
        raw = connection.connection
        with raw.cursor() as cursor, cursor.copy(
                "COPY bench_plain_letters FROM STDIN") as copy:
            for row in rows:
                copy.write_row([None if row.get(h) is None else str(row.get(h))
                                for h in headers])
    seconds = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM bench_plain_letters")
        assert cursor.fetchone()[0] == len(rows)
    return seconds


def check_contents(rows, plans, office, clerk, path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from casework.models import CaseEvent, Petition, ReceiptCounter
    from casework.services import import_jobs
    from casework.services.audit import verify

    letters = {p.receipt_seq: p for p in Petition.objects.filter(organisation=office)
               .prefetch_related("senders").iterator(chunk_size=5000)}
    assert len(letters) == len(rows)
    kinds = {"Kiến nghị": "recommendation", "Khiếu nại": "complaint", "Tố cáo": "denunciation",
             "Phản ánh": "feedback"}
    wrong = 0
    expected_events = 0
    for seq, (row, plan) in enumerate(zip(rows, plans, strict=True), start=1):
        letter = letters[seq]
        status = plan["closed"] or ({"transfer": "transferred", "accept": "accepted"}
                                    .get(plan["steps"][0]) if plan["steps"] else
                                    ("classified" if row.get("Thẩm quyền") else "received"))
        names = [s.full_name for s in letter.senders.all()]
        ok = (letter.received_on == plan["received"] and letter.kind == kinds[row["Loại đơn"]]
              and letter.summary == row["Tóm tắt nội dung"] and letter.status == status
              and names == ([] if plan["anonymous"] else [row["Họ tên người gửi"]]))
        wrong += not ok
        expected_events += 1 + bool(row.get("Thẩm quyền")) + bool(row.get("Xử lý")) + bool(
            row.get("Kết quả"))
    events = CaseEvent.objects.count()
    counter = ReceiptCounter.objects.get(organisation=office, year=2025).last_value
    print(f"kiểm tra nội dung: {vn(len(rows))} đơn, {vn(wrong)} sai; sự kiện {vn(events)} "
          f"(cần {vn(expected_events)}); bộ đếm số {vn(counter)}")
    assert wrong == 0 and events == expected_events and counter == len(rows)
    job, _ = import_jobs.import_start(user=clerk, upload=SimpleUploadedFile(
        "so.xlsx", path.read_bytes()))
    job.refresh_from_db()
    assert job.to_import == 0 and job.skipped == len(rows), (job.to_import, job.skipped)
    started = time.perf_counter()
    result = verify()
    print(f"nhập lại: 0 đơn mới, {vn(job.skipped)} bỏ qua; verify_audit: "
          f"{vn(result.events)} sự kiện, {len(result.breaks)} lỗi "
          f"({vn(time.perf_counter() - started, 1)} s)")
    assert result.breaks == []


if __name__ == "__main__":
    main()
