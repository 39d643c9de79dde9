"""Benchmark: the figures' pages at a province's scale (issue 12), on PostgreSQL: the
leaders' overview (/tong-quan/) for the provincial leader (and drilled into a commune)
and for a commune leader, the overdue list (/thoi-han/) for both, and the province's year
report: the selectors behind `report_figures` and the /bao-cao/ page for the year.

    .venv/bin/python benchmarks/figures.py                      # copy, add cases, measure
    .venv/bin/python benchmarks/figures.py --db bench_figbench_1m --reuse --requests 20
        [--letters 1000000] [--cases 200000] [--communes 100] [--year 2025]
        [--report-requests 5] [--no-explain] [--only tong-quan,thoi-han] [--report-only]

The database: a copy (CREATE DATABASE … TEMPLATE) of `benchmarks.province`'s template
for `--letters` letters (100,000 cases in it) named `--db`, to which
`province.add_cases` adds cases up to `--cases` (issue 12 asks for 200,000), then
migrated to the code being measured. `--reuse` takes `--db` as it is if it exists.

Each page is requested `--requests` times per user through Django's test client
(benchmarks.pages.timed_get: the whole `client.get`, body read, queries captured) after
one warm-up request; the year report `--report-requests` times, the province's and a
commune's (`--report-only`: the report page and selectors only). Beside each, in the same
run, the median of a bare `count(*)` over the user's letters, and the ratio. Then some
figures are checked against plain SQL over the tables (the province's received letters,
by kind, closed by outcome, the steps taken, a commune's received letters, cases opened in
the year), and the report page is checked to show the received count. Last, the slowest query of the
slowest page and of the province's and the commune's report is run under EXPLAIN
(ANALYZE, BUFFERS).

`--only` measures only the pages whose path starts with one of the given words
(`tong-quan`, `thoi-han`, `bao-cao`); the selectors' year report and the checks against
plain SQL come with `bao-cao`.

The load test (locust against gunicorn) is `benchmarks/load_figures.sh`. Figures:
benchmarks/README.md ("figures.py").
"""
import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks import common  # noqa: E402 (needs the path above)
from benchmarks.common import PG_SERVER, vn  # noqa: E402
from benchmarks.pages import bare_count, explain, ms, percentile, timed_get  # noqa: E402
from benchmarks.province import _exists, add_cases, build_province  # noqa: E402

PROVINCE, COMMUNE = "tinh.lanhdao", "xa2.lanhdao"  # commune 1: see pages.py
CLOSINGS = ("resolved", "withdrawn", "filed", "guided")
STEPS = ("transferred", "guided", "accepted")


def prepare(args):
    """The database to measure, with `--cases` cases, not yet migrated."""
    url = f"{PG_SERVER}/{args.db}"
    if not (args.reuse and _exists(args.db)):
        build_province(args.communes, args.letters, args.letters // 10, copy=args.db,
                       template=args.template)
    import psycopg

    with psycopg.connect(url) as conn:
        have = conn.execute("SELECT count(*) FROM casework_inspectioncase").fetchone()[0]
    if have < args.cases:
        add_cases(url, args.cases - have, args.communes)
    return url


def pages(year, only=None):
    """(user, label, url) of the pages measured (those under `only`'s paths if given)."""
    found = [(PROVINCE, "tổng quan", "/tong-quan/"),
            (PROVINCE, "tổng quan, xuống xã 2", "/tong-quan/?don-vi=xa2"),
            (COMMUNE, "tổng quan", "/tong-quan/"),
            (PROVINCE, "thời hạn", "/thoi-han/"),
            (COMMUNE, "thời hạn", "/thoi-han/"),
            (PROVINCE, f"báo cáo năm {year} (trang)", f"/bao-cao/?ky=nam&nam={year}")]
    return [page for page in found
            if not only or any(page[2].startswith(f"/{word}/") for word in only)]


def _report_measured(only):
    return not only or "bao-cao" in only


def measure_report(year, n, code="tinh"):
    """(times, query counts, slowest query, figures) of the year figures of the unit `code`
    (the province, or a commune), the selectors `report_figures` calls (what
    `manage.py report_figures` prints)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from casework.models import Organisation
    from casework.periods import parse_period
    from casework.selectors.reports import report_figures

    province = Organisation.objects.get(code=code)
    times, counts, heaviest, figures = [], set(), None, None
    for _ in range(n):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            figures = report_figures(organisation=province, period=parse_period(str(year)))
            times.append(time.perf_counter() - started)
        counts.add(len(captured))
        heaviest = max([*captured.captured_queries, *([heaviest] if heaviest else [])],
                       key=lambda q: float(q["time"]))
    return times, counts, heaviest, figures


def sql(query, params=()):
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(query, params)
        return cur.fetchall()


def checks(figures, year, report_html):
    """(what, the product's figure, plain SQL's) for a few figures; all must be equal."""
    span = (f"{year}-01-01", f"{year}-12-31")
    local = "(e.occurred_at AT TIME ZONE 'Asia/Ho_Chi_Minh')::date BETWEEN %s AND %s"
    letters = figures["letters"]
    # A letter handed on inside the system (issue 14) is counted at its recipient's
    # letter: the province's roll-up leaves out every letter with `handed_to`, a commune's
    # those handed to a unit under it.
    kept = ("JOIN casework_petition p ON p.id = e.petition_id AND p.handed_to_id IS NULL")
    received = sql(f"SELECT count(*) FROM casework_caseevent e {kept} WHERE "
                   f"e.event_type = 'received' AND {local}", span)[0][0]
    by_kind = dict(sql(f"SELECT p.kind, count(*) FROM casework_caseevent e {kept} WHERE "
                       f"e.event_type = 'received' AND {local} GROUP BY p.kind", span))
    closed = dict(sql(f"SELECT e.event_type, count(DISTINCT e.petition_id) FROM "
                      f"casework_caseevent e {kept} WHERE "
                      f"e.event_type = ANY(%s) AND {local} GROUP BY e.event_type",
                      (list(CLOSINGS), *span)))
    steps = dict(sql(f"SELECT e.event_type, count(DISTINCT e.petition_id) FROM "
                     f"casework_caseevent e {kept} WHERE "
                     f"e.event_type = ANY(%s) AND {local} GROUP BY e.event_type",
                     (list(STEPS), *span)))
    commune = sql(f"SELECT count(*) FROM casework_caseevent e JOIN casework_petition p ON "
                  f"p.id = e.petition_id JOIN casework_organisation o ON o.id = "
                  f"p.organisation_id LEFT JOIN casework_organisation h ON h.id = "
                  f"p.handed_to_id WHERE o.code = 'xa2' AND e.event_type = 'received' "
                  f"AND {local} AND (h.id IS NULL OR h.path NOT LIKE o.path || '%%')",
                  span)[0][0]
    # The letters the province's roll-up left out: handed on, received by the year's end
    # and not closed before its start (by their events).
    left_out = sql(
        "SELECT count(*) FROM casework_petition p WHERE p.handed_to_id IS NOT NULL AND "
        "EXISTS (SELECT 1 FROM casework_caseevent e WHERE e.petition_id = p.id AND "
        "e.event_type = 'received' AND (e.occurred_at AT TIME ZONE 'Asia/Ho_Chi_Minh')"
        "::date <= %s) AND NOT EXISTS (SELECT 1 FROM casework_caseevent e WHERE "
        "e.petition_id = p.id AND e.event_type = ANY(%s) AND (e.occurred_at AT TIME ZONE "
        "'Asia/Ho_Chi_Minh')::date < %s)", (span[1], list(CLOSINGS), span[0]))[0][0]
    cases = sql(f"SELECT count(*) FROM casework_caseevent e WHERE e.inspection_id IS NOT "
                f"NULL AND e.event_type = 'case_opened' AND {local}", span)[0][0]
    found = [("đơn nhận trong năm, toàn tỉnh", letters["received"], received),
             ("theo loại", {k: v for k, v in letters["received_by_kind"].items() if v},
              by_kind),
             ("kết thúc theo kết quả", {k: v for k, v in letters["closed"].items() if v},
              closed),
             ("chuyển đơn, hướng dẫn, thụ lý trong năm",
              {k: letters[k] for k in STEPS if letters[k]}, steps),
             ("đơn nhận trong năm, xã 2", letters["by_unit"].get("xa2", {}).get("received"),
              commune),
             ("đơn đã chuyển trong tỉnh, không tính lại", letters.get("handed_within"),
              left_out),
             ("trang báo cáo ghi số đơn nhận", vn(letters["received"]) in report_html, True)]
    case_total = _case_total(figures["cases"])
    if case_total is not None:
        found.append(("cuộc kiểm tra, giám sát quyết định trong năm", case_total, cases))
    return found


def _case_total(cases):
    """The number of cases decided in the period, wherever case_figures keeps it."""
    for key in ("decided", "cases_decided", "opened"):
        value = cases.get(key)
        if isinstance(value, int):
            return value
        if isinstance(value, dict):
            return sum(v for v in value.values() if isinstance(v, int))
    return None


def run(args):
    from django.contrib.auth import get_user_model
    from django.test import Client

    clients, floors = {}, {}
    for username in (PROVINCE, COMMUNE):
        user = get_user_model().objects.get(username=username)
        clients[username] = Client()
        clients[username].force_login(user)
        floors[username] = bare_count(user, args.requests)
    print(f"tải trung bình lúc bắt đầu: {os.getloadavg()}", flush=True)
    rows, slowest, report_html = [], None, ""
    for username, label, url in pages(args.year, args.only):
        client = clients[username]
        n = args.report_requests if "bao-cao" in url else args.requests
        timed_get(client, url)  # warm-up
        times, counts, heaviest, status = [], set(), None, None
        for _ in range(n):
            elapsed, queries, status, captured = timed_get(client, url)
            times.append(elapsed)
            counts.add(queries)
            for query in captured:
                if heaviest is None or float(query["time"]) > float(heaviest["time"]):
                    heaviest = query
        if "bao-cao" in url:
            report_html = client.get(url, HTTP_HOST="127.0.0.1").content.decode()
        rows.append(_row(username, label, times, counts, status, floors[username][1]))
        print(rows[-1], flush=True)
        if slowest is None or percentile(times, 95) > slowest[0]:
            slowest = (percentile(times, 95), f"{username}, {label}", heaviest)
    report_query = commune_query = figures = None
    commune = COMMUNE.split(".")[0]
    if _report_measured(args.only):
        times, counts, report_query, figures = measure_report(args.year, args.report_requests)
        rows.append(_row(PROVINCE, f"report_figures {args.year} (selectors, JSON)", times,
                         counts, "–", floors[PROVINCE][1]))
        print(rows[-1], flush=True)
        times, counts, commune_query, _figures = measure_report(
            args.year, args.report_requests, commune)
        rows.append(_row(COMMUNE, f"report_figures {args.year} {commune} (selectors, JSON)",
                         times, counts, "–", floors[COMMUNE][1]))
        print(rows[-1], flush=True)
    print(f"tải trung bình lúc kết thúc: {os.getloadavg()}")
    print(f"\nđơn: tỉnh {vn(floors[PROVINCE][0])}, xã 2 {vn(floors[COMMUNE][0])}")
    print("\n| người dùng | trang | trung vị | p95 | số truy vấn | mã | count(*) | "
          "trung vị / count(*) |")
    print("|---|---|---|---|---|---|---|---|")
    print("\n".join(rows))
    wrong = 0
    if figures is not None:
        print("\n## Kiểm tra với SQL độc lập")
        for what, product, plain in checks(figures, args.year, report_html):
            same = product == plain
            wrong += not same
            print(f"- {what}: {product} / SQL {plain}: {'khớp' if same else 'SAI'}")
    if not args.no_explain:
        for title, query in ((f"trang chậm nhất ({slowest[1]})", slowest[2]),
                             (f"report_figures {args.year}", report_query),
                             (f"report_figures {args.year} {commune}", commune_query)):
            if query is None:
                continue
            print(f"\n## EXPLAIN, truy vấn chậm nhất của {title}: "
                  f"{ms(float(query['time']))}")
            print(query["sql"][:3000])
            print("\n".join(explain(query["sql"])))
    return wrong


def _row(username, label, times, counts, status, floor):
    median = statistics.median(times)
    return (f"| {username} | {label} | {ms(median)} | {ms(percentile(times, 95))} | "
            f"{'/'.join(str(c) for c in sorted(counts))} | {status} | {ms(floor)} | "
            f"{vn(median / floor, 1)}× |")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default="bench_figures_1000000")
    parser.add_argument("--template", default=None,
                        help="the province's cache to copy (default: the shared "
                             "bench_scale_<letters>_tpl; a helper's small one: its own)")
    parser.add_argument("--reuse", action="store_true",
                        help="measure --db as it is if it exists (cases still topped up)")
    parser.add_argument("--letters", type=int, default=1_000_000)
    parser.add_argument("--cases", type=int, default=200_000)
    parser.add_argument("--communes", type=int, default=100)
    parser.add_argument("--year", type=int, default=2025)
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--report-requests", type=int, default=5)
    parser.add_argument("--no-explain", action="store_true")
    parser.add_argument("--only", type=lambda text: [w.strip("/ ") for w in text.split(",")],
                        help="comma-separated first path words of the pages to measure "
                             "(tong-quan, thoi-han, bao-cao); default: all")
    parser.add_argument("--report-only", action="store_true",
                        help="the year report alone: the same as --only bao-cao")
    args = parser.parse_args()
    if args.report_only:
        args.only = ["bao-cao"]
    started = time.monotonic()
    url = prepare(args)
    common.setup_django(url)
    from django.conf import settings

    # As pages.py: the hashed manifest needs a collectstatic run the measure does not need.
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
    print(f"# {args.db}: {vn(args.letters)} đơn, {vn(args.cases)} cuộc, {args.communes} xã "
          f"(chuẩn bị và migrate {time.monotonic() - started:.0f} s)")
    sys.exit(1 if run(args) else 0)


if __name__ == "__main__":
    main()
