"""Benchmark: what the hand-off rule (issue 14: a letter handed on inside a roll-up's
subtree is counted at its recipient's letter) costs the figures, A/B in one process on one
database: the year's letter figures (province, a commune) and the overview's month counts,
with the rule and with its condition replaced by one never true (the statements the
figures ran before), alternating, `rounds` times each. Same data, same indexes, same load.

    .venv/bin/python benchmarks/handoff_ab.py --db bench_once_after [--rounds 21]

The database: a copy of a province built by `province.py` (its HANDOFFS step), migrated.
Figures: benchmarks/README.md ("A letter counted once in every roll-up").
"""
import argparse
import datetime
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.common import PG_SERVER  # noqa: E402 (needs the path above)

D = datetime.date


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--rounds", type=int, default=21)
    parser.add_argument("--commune", default="xa2")
    args = parser.parse_args()
    os.environ["DATABASE_URL"] = f"{PG_SERVER}/{args.db}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db.models import Q

    from casework.models import Organisation, Petition
    from casework.selectors import figure_rules
    from casework.selectors import figures as figures_module
    from workflows import leader_overview

    ruled = {"within": figure_rules.handed_within, "letters": leader_overview._letters}

    def never(organisation):
        return Q(pk__lt=0)

    def letters_as_before(user, subtree):
        letters = Petition.objects.visible_to(user)
        return letters if subtree.whole else letters.filter(organisation_id__in=list(subtree))

    def use(rule):
        within = ruled["within"] if rule else never
        figure_rules.handed_within = figures_module.handed_within = within
        leader_overview._letters = ruled["letters"] if rule else letters_as_before

    province = Organisation.objects.get(parent__isnull=True)
    commune = Organisation.objects.get(code=args.commune)
    leader = get_user_model().objects.get(username="tinh.lanhdao")  # the province's
    today = D(2026, 11, 30)
    reads = {
        f"year letter figures, {province.code}": lambda: figures_module.letter_figures(
            organisation=province, start=D(2025, 1, 1), end=D(2025, 12, 31),
            open_by_kind=True),
        f"year letter figures, {commune.code}": lambda: figures_module.letter_figures(
            organisation=commune, start=D(2025, 1, 1), end=D(2025, 12, 31),
            open_by_kind=True),
        f"overview month counts, {province.code}": lambda: leader_overview.letter_months(
            leader, province, today),
        f"overview month counts, {commune.code}": lambda: leader_overview.letter_months(
            leader, commune, today),
    }
    print(f"load average {os.getloadavg()}")
    print("| read (median / p95) | rule | no rule | ratio |\n|---|---|---|---|")
    for name, read in reads.items():
        times = {True: [], False: []}
        read()  # warm
        for i in range(args.rounds):
            for rule in ((True, False) if i % 2 == 0 else (False, True)):
                use(rule)
                started = time.perf_counter()
                read()
                times[rule].append(time.perf_counter() - started)
        use(True)
        median = {rule: statistics.median(t) * 1000 for rule, t in times.items()}
        p95 = {rule: sorted(t)[int(0.95 * (len(t) - 1))] * 1000 for rule, t in times.items()}
        print(f"| {name} | {median[True]:.0f} / {p95[True]:.0f} ms | {median[False]:.0f} / "
              f"{p95[False]:.0f} ms | {median[True] / median[False]:.2f} |", flush=True)
    print(f"load average {os.getloadavg()}")


if __name__ == "__main__":
    main()
