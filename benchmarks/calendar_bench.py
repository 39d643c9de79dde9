"""Benchmark: due dates from the precomputed calendar against a day-by-day walk.

    .venv/bin/python benchmarks/calendar_bench.py [--n 1000000] [--seed 20260210]
                                                   [--budget 180]

Workload: N due-date computations, half in working days and half in calendar days (chosen
at random), random start dates in 2024–2027, lengths 1–90, fixed seed.

  (a) baseline: walk day by day from the start, asking for each day "override? weekend?
      `d in holidays.VN(...)`?", with the holidays object and the overrides dict built once
      before the clock starts (the fair version of what a hand-written loop does);
  (b) ours: `get_calendar()` once, then `cal.due_date(start, length, unit)` per item.

If the walk over all N items would take longer than --budget seconds (estimated from a
first sample), the walk runs on a sample and its total is extrapolated; the output says so.
Both give the same answer on every item the walk computed. Runs on a throw-away SQLite file
(migrated, so the override rows of the data migration are there).
"""
import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks import common  # noqa: E402 (needs the path above)
from benchmarks.common import vn  # noqa: E402

FIRST, LAST = date(2024, 1, 1), date(2027, 12, 31)
SAMPLE_FIRST = 20_000  # items walked first, to estimate the walk's total time
REPEATS = 5


def setup_django():
    folder = tempfile.mkdtemp(prefix="casework-calbench-")
    common.setup_django(f"sqlite:///{folder}/bench.sqlite3")


def workload(n, seed):
    rng = random.Random(seed)
    lo, hi = FIRST.toordinal(), LAST.toordinal()
    starts = [date.fromordinal(rng.randint(lo, hi)) for _ in range(n)]
    lengths = [rng.randint(1, 90) for _ in range(n)]
    units = [rng.choice(("working", "calendar")) for _ in range(n)]
    return starts, lengths, units


def make_walker(overrides):
    """The baseline, built once: the holidays object covers every year the walks reach."""
    import holidays

    public = holidays.VN(years=range(FIRST.year - 1, LAST.year + 2), language="vi")
    flags = {day: o.is_working_day for day, o in overrides.items()}
    one = timedelta(days=1)

    def is_working(d):
        flag = flags.get(d)
        if flag is not None:
            return flag
        return d.weekday() < 5 and d not in public

    def due(start, n, unit):
        if unit == "working":
            d = start
            while n:
                d += one
                if is_working(d):
                    n -= 1
            return d
        d = start + timedelta(days=n)
        while not is_working(d):
            d += one
        return d

    return due


def run_walk(walk, starts, lengths, units, count):
    t0 = time.perf_counter()
    results = [walk(starts[i], lengths[i], units[i]) for i in range(count)]
    return time.perf_counter() - t0, results


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=20260210)
    parser.add_argument("--budget", type=float, default=180.0,
                        help="seconds the walk may take before it is sampled instead")
    args = parser.parse_args()

    setup_django()
    from workflows.calendar import get_calendar, invalidate_calendar, load_overrides

    starts, lengths, units = workload(args.n, args.seed)

    t0 = time.perf_counter()
    invalidate_calendar()
    cal = get_calendar()
    build = time.perf_counter() - t0

    # The fast runs are short, so each is repeated and the median kept: one run on a busy
    # machine can be off by half.
    due = cal.due_date
    times = []
    for _ in range(REPEATS):
        t0 = time.perf_counter()
        fast = [due(s, n, u) for s, n, u in zip(starts, lengths, units)]
        times.append(time.perf_counter() - t0)
    fast_time = statistics.median(times)
    times = []
    for _ in range(REPEATS):
        t0 = time.perf_counter()
        batch = cal.due_dates(starts, lengths, units)
        times.append(time.perf_counter() - t0)
    batch_time = statistics.median(times)
    assert batch == fast

    # What a caller pays if it asks get_calendar() each time instead of passing `cal` along.
    calls = 10_000
    t0 = time.perf_counter()
    for _ in range(calls):
        get_calendar()
    version_check = (time.perf_counter() - t0) / calls

    walk = make_walker(load_overrides())
    first = min(SAMPLE_FIRST, args.n)
    sample_time, slow = run_walk(walk, starts, lengths, units, first)
    projected = sample_time * args.n / first
    if projected <= args.budget and first < args.n:
        walk_time, slow = run_walk(walk, starts, lengths, units, args.n)
        walked, note = args.n, "đo đủ, một lần"
    else:
        walk_time, walked = projected, first
        note = f"ngoại suy từ {vn(first)} phép tính (ước {vn(projected)} giây > ngưỡng)" \
            if first < args.n else "đo đủ, một lần"
    mismatches = [i for i in range(walked) if fast[i] != slow[i]]

    def per(seconds):
        return vn(seconds / args.n * 1e6, 3)

    rows = [
        ("", "(a) đi từng ngày", "(b) cal.due_date()", "(c) cal.due_dates()"),
        ("Phép tính", vn(args.n), vn(args.n), vn(args.n)),
        ("Tổng thời gian (giây)", vn(walk_time, 2), vn(fast_time, 2), vn(batch_time, 2)),
        ("Mỗi phép tính (micro giây)", per(walk_time), per(fast_time), per(batch_time)),
        ("Tỷ lệ so với (a)", "1", vn(walk_time / fast_time, 1), vn(walk_time / batch_time, 1)),
        ("Cách đo", note, f"trung vị {REPEATS} lần", f"trung vị {REPEATS} lần"),
    ]
    width = max(len(r[0]) for r in rows)
    cols = [max(len(r[c]) for r in rows) for c in (1, 2, 3)]
    print(f"Tính hạn: {vn(args.n)} phép tính, hạt giống {args.seed}, ngày bắt đầu "
          f"{FIRST:%d/%m/%Y}–{LAST:%d/%m/%Y}, độ dài 1–90, ngày làm việc hoặc ngày lịch "
          f"(chọn ngẫu nhiên)")
    for label, a, b, c in rows:
        print(f"{label:{width}}  {a:>{cols[0]}}  {b:>{cols[1]}}  {c:>{cols[2]}}")
    print("(b): get_calendar() một lần, rồi gọi cal.due_date(start, length, unit) cho từng "
          "phép tính; (c): cả lô trong một lần gọi. Mục tiêu: ≥ 100 lần.")
    print(f"Dựng lịch (holidays.VN 2010–2060 + ghi đè, bảng tra): {vn(build * 1000, 1)} ms, "
          f"một lần mỗi tiến trình")
    print(f"Một lần gọi get_calendar() (kiểm tra phiên bản bằng 1 truy vấn): "
          f"{vn(version_check * 1e6, 1)} micro giây — trong vòng lặp lớn hãy truyền sẵn lịch")
    print(f"Đối chiếu: {vn(walked)} phép tính, {vn(len(mismatches))} kết quả khác nhau")
    if mismatches:
        i = mismatches[0]
        print(f"  ví dụ: {starts[i]} +{lengths[i]} {units[i]}: {fast[i]} ≠ {slow[i]}")
        sys.exit(1)


if __name__ == "__main__":
    main()
