"""Benchmark: every list and detail page at a province's scale, for a provincial leader, a
commune leader and a branch secretary (issue 18), on PostgreSQL.

    .venv/bin/python benchmarks/pages.py --size 100000      # quick
    .venv/bin/python benchmarks/pages.py --size 1000000     # the figures quoted
        [--communes 100] [--requests 20] [--export-requests 3] [--only thoi-han,...]
        [--no-explain] [--copy bench_pages_1m] [--template NAME] [--keep] [--cold | --changed]

The province comes from `benchmarks.province.build_province` (built once, then copied from
its template) and is migrated to the code being measured. Each page is requested through
Django's test client `--requests` times per user (the export `--export-requests` times,
for the province's year only the leader's), after one warm-up request; the server time
is the whole `client.get` with the body read, the query count from Django's query capture.
Beside them, in the same run, the median of a bare `count(*)` over the user's letters
(`Petition.objects.visible_to(user).count()`): the floor a page about those letters
stands on.

For each list page the slowest query of one request is run again under
`EXPLAIN (ANALYZE, BUFFERS)` and printed; a line flags any sequential scan of the
letters, events or clocks tables.

Figures before and after issue 18's read-layer work, at 1,000,000 letters: benchmarks/
README.md ("pages.py").
"""
import argparse
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks import common  # noqa: E402 (needs the path above)
from benchmarks.common import PG_SERVER, vn  # noqa: E402
from benchmarks.province import build_province  # noqa: E402

# Commune 1 is left out: the builder's spread gives its share of letters to the province.
USERS = {"tỉnh": "tinh.lanhdao", "xã": "xa2.lanhdao", "chi bộ": "xa2.cb1"}
EXPORT_YEAR = 2025
BIG_TABLES = ("casework_petition", "casework_caseevent", "workflows_deadlineclock")


def pages(user):
    """(label, url, is a list) of the pages measured for `user`."""
    from django.http import QueryDict

    from casework.models import Petition, PetitionSender
    from casework.selectors import letters as letter_reads
    from casework.selectors.letters import letter_register, letters_visible, register_rows

    # The code before keyset pages (issue 18) had neither: its pages are read by number.
    keyset = getattr(letter_reads, "REGISTER_KEYSET", None)
    per_page = getattr(letter_reads, "REGISTER_PER_PAGE", 50)

    letter = letters_visible(user=user).order_by("-received_on", "-pk").first()
    # The register's rows: the province's open on its communes, so its rows are those of
    # its own unit's subtree (?don-vi=, every letter); page 500 as reached by the pager's
    # "next" link (the key of page 499's last row), and as typed (?trang=500 alone).
    rows_url = "/don-thu/"
    if user.role_assignments.filter(organisation__parent__isnull=True).exists():
        top = user.role_assignments.filter(organisation__parent__isnull=True).first()
        rows_url += f"?don-vi={top.organisation_id}"
    query = QueryDict(rows_url.partition("?")[2])
    _filterset, rows = letter_register(user=user, params=query)
    deep = min(500, max(1, -(-rows.count() // per_page)))
    edge = register_rows(rows)[(deep - 1) * per_page - 1] if deep > 1 and keyset else None
    joiner = "&" if "?" in rows_url else "?"
    sender = (PetitionSender.objects.filter(petition__in=letters_visible(user=user)
                                            .filter(identity_confidential=False))
              .order_by("petition_id").first())
    found = [("sổ đơn thư", "/don-thu/", True)]
    if rows_url != "/don-thu/":
        found.append(("sổ đơn thư, từng đơn", rows_url, True))
    if edge is not None:
        found.append((f"sổ đơn thư, trang {deep} (liên kết)",
                      f"{rows_url}{joiner}trang={deep}&sau={keyset.encode(edge)}", True))
    if deep > 1:
        found.append((f"sổ đơn thư, gõ trang {deep}", f"{rows_url}{joiner}trang={deep}", True))
    found += [("tìm theo tên", "/don-thu/?tim=" + (sender.full_name if sender
                                                  else "Nguyễn Văn An"), True),
             ("thời hạn", "/thoi-han/", True),
             ("việc của tôi", "/viec-cua-toi/", True),
             ("kiểm tra", "/kiem-tra/", True),
             ("chương trình", "/chuong-trinh/", True)]
    if letter is not None:
        found.append(("trang một đơn", f"/don-thu/{letter.pk}/", False))
    found.append(("xuất Excel năm " + str(EXPORT_YEAR),
                  f"/don-thu/xuat-excel/?tu-ngay=01/01/{EXPORT_YEAR}"
                  f"&den-ngay=31/12/{EXPORT_YEAR}", False))
    del Petition
    return found


def timed_get(client, url):
    """(seconds, queries, status, the queries) of one request, the body read."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        started = time.perf_counter()
        response = client.get(url, HTTP_HOST="127.0.0.1")
        if getattr(response, "streaming", False):
            for _chunk in response.streaming_content:
                pass
        else:
            _ = response.content
        elapsed = time.perf_counter() - started
    return elapsed, len(captured), response.status_code, captured.captured_queries


def explain(sql):
    from django.db import connection

    # A query read through a server-side cursor (`.iterator()`) was captured as its
    # DECLARE; the SELECT is what to explain.
    sql = re.sub(r"^DECLARE .*? CURSOR WITH(?:OUT)? HOLD FOR ", "", sql)

    with connection.cursor() as cur:
        cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
        return [row[0] for row in cur.fetchall()]


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, round(p / 100 * (len(values) - 1)))]


def ms(seconds):
    return vn(seconds * 1000) + " ms" if seconds < 10 else vn(seconds, 1) + " s"


def receive_one():
    """One letter received through the services at a random commune's office, by its
    office clerk (`--changed`: the first view after a change, the counts kept
    before it brought up to date). The copy keeps the letters."""
    import datetime
    import random

    from django.contrib.auth import get_user_model

    from casework.models import Organisation, PetitionKind
    from casework.models.organisations import OrgKind
    from casework.services.petitions import SenderData, petition_receive

    office = random.choice(list(Organisation.objects.filter(
        kind=OrgKind.AGENCY, parent__kind=OrgKind.COMMUNE).select_related("parent")))
    actor = get_user_model().objects.get(username=office.parent.code + ".vanphong")
    petition_receive(actor=actor, organisation=office, kind=list(PetitionKind)[0],
                     received_on=datetime.date.today(), channel="post",
                     senders=[SenderData(full_name="Người gửi thử", address="Thôn 1")],
                     summary="Đơn ghi khi đo (--changed).")


def bare_count(user, n):
    from casework.selectors.letters import letters_visible

    times = []
    for _ in range(n):
        started = time.perf_counter()
        count = letters_visible(user=user).count()
        times.append(time.perf_counter() - started)
    return count, statistics.median(times)


def measure_export(client, user, who, label, url, args, floor):
    """The export, end to end: the request (past EXPORT_BACKGROUND_ROWS it makes a job,
    run here on commit: EXPORT_RUNNER=inline) and the download of the finished file; beside
    it, in the same run, the bare SQL: the same letters and senders read through the
    export's own queries (`selectors.letter_export`) with nothing written."""
    from django.conf import settings
    from django.http import QueryDict

    from casework.models import ExportJob, PetitionSender
    from casework.register_export import RegisterExport
    from casework.selectors.letter_export import export_letters

    settings.EXPORT_RUNNER = "inline"
    params = QueryDict(url.split("?", 1)[1])
    times, sql_times, counts = [], [], set()
    for _ in range(args.export_requests):
        export = RegisterExport(user=user, params=params, with_identity=False)
        started = time.perf_counter()
        letters = sum(1 for _row in export_letters(
            export.letters, senders=PetitionSender.objects.filter(
                petition__identity_confidential=False)))
        sql_times.append(time.perf_counter() - started)
        elapsed, queries, status, _captured = timed_get(client, url)
        if status == 302:  # a background job, finished on commit: fetch its file
            job = ExportJob.objects.filter(owner=user).latest("pk")
            more, queries2, status, _c = timed_get(
                client, f"/don-thu/xuat-excel/{job.pk}/tai-ve/")
            elapsed, queries = elapsed + more, queries + queries2
            assert job.state == "done", job.error
            assert job.rows_done == letters, (job.rows_done, letters)
        times.append(elapsed)
        counts.add(queries)
    median, sql = statistics.median(times), statistics.median(sql_times)
    print(f"xuất Excel: {vn(letters)} đơn, {ms(median)} ({vn(median / letters * 1e6)} µs/đơn); "
          f"chỉ SQL {ms(sql)}", flush=True)
    row = (who, f"{label} ({vn(letters)} đơn; chỉ SQL {ms(sql)})", ms(median),
           ms(percentile(times, 95)), "/".join(str(c) for c in sorted(counts)), status,
           ms(floor))
    print("| " + " | ".join(str(c) for c in row) + " |", flush=True)
    return row


def run(args):
    from django.contrib.auth import get_user_model
    from django.core.cache import cache
    from django.test import Client

    rows, plans = [], []
    for who, username in USERS.items():
        if args.users and who not in args.users.split(","):
            continue
        user = get_user_model().objects.get(username=username)
        client = Client()
        client.force_login(user)
        letters, floor = bare_count(user, args.requests)
        print(f"\n## {who} ({username}): {vn(letters)} đơn; count(*) {ms(floor)}", flush=True)
        for label, url, is_list in pages(user):
            if args.only and not any(part in url for part in args.only.split(",")):
                continue
            export = "xuat-excel" in url
            if export and args.no_export:
                continue
            if export and who != "tỉnh" and not args.export_all:
                continue
            if export:
                rows.append(measure_export(client, user, who, label, url, args, floor))
                continue
            n = args.export_requests if export else args.requests
            if not export:  # warm-up: caches, the first compile of templates
                timed_get(client, url)
            times, counts, heaviest = [], set(), None
            for _ in range(n):
                if args.cold:  # as after a change: nothing counted before is reused
                    cache.clear()
                if args.changed:  # a change made just before the view
                    receive_one()
                elapsed, queries, status, captured = timed_get(client, url)
                times.append(elapsed)
                counts.add(queries)
                slowest = max(captured, key=lambda q: float(q["time"]), default=None)
                if slowest and (heaviest is None or float(slowest["time"]) > float(
                        heaviest["time"])):
                    heaviest = slowest
            row = (who, label, ms(statistics.median(times)), ms(percentile(times, 95)),
                   "/".join(str(c) for c in sorted(counts)), status, ms(floor))
            rows.append(row)
            print("| " + " | ".join(str(c) for c in row) + " |", flush=True)
            if is_list and heaviest and not args.no_explain:
                plan = explain(heaviest["sql"])
                scans = sorted({t for line in plan for t in BIG_TABLES
                                if re.search(rf"Seq Scan on {t}\b", line)})
                plans.append((who, label, heaviest, plan, scans))
    print("\n| người dùng | trang | trung vị | p95 | số truy vấn | mã | count(*) |")
    print("|---|---|---|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(str(c) for c in row) + " |")
    for who, label, heaviest, plan, scans in plans:
        print(f"\n### EXPLAIN: {who}, {label} (chậm nhất: {ms(float(heaviest['time']))})")
        print(heaviest["sql"][:2000])
        print("\n".join(plan))
        print("quét tuần tự bảng lớn: " + (", ".join(scans) if scans else "không"))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=100_000, help="letters")
    parser.add_argument("--communes", type=int, default=100)
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--export-requests", type=int, default=3)
    parser.add_argument("--export-all", action="store_true",
                        help="export for every user, not only the province's")
    parser.add_argument("--only", default="", help="comma-separated parts of the URLs")
    parser.add_argument("--no-explain", action="store_true")
    parser.add_argument("--no-export", action="store_true")
    parser.add_argument("--users", default="", help="comma-separated: tỉnh,xã,chi bộ")
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--cold", action="store_true",
                        help="empty the cache before each request (a province's register "
                             "counts are reused until the next change: this measures the "
                             "first view after one)")
    parser.add_argument("--changed", action="store_true",
                        help="receive one letter through the services before each request "
                             "(the first view after a change, with the counts kept before it)")
    parser.add_argument("--copy", default=None,
                        help="the copy's database name (default bench_scale_<size>)")
    parser.add_argument("--template", default=None,
                        help="the province's cache (default bench_scale_<size>_tpl)")
    parser.add_argument("--keep", action="store_true",
                        help="measure the copy as it is (no new copy from the template)")
    args = parser.parse_args()
    started = time.monotonic()
    if args.keep and args.copy:
        db = args.copy
    else:
        db = build_province(args.communes, args.size, args.size // 10, rebuild=args.rebuild,
                            copy=args.copy, template=args.template)
    common.setup_django(f"{PG_SERVER}/{db}")
    from django.conf import settings

    # The pages name their static files; the hashed manifest needs a collectstatic run,
    # which the measure does not depend on.
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
    print(f"# {db}: {vn(args.size)} đơn, {args.communes} xã "
          f"(dựng và migrate {time.monotonic() - started:.0f} s)")
    run(args)


if __name__ == "__main__":
    main()
