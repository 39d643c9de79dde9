"""The per-clock recompute as it was before it became set-based
(workflows.services.recompute): one clock at a time, one UPDATE and, when its due date
moved, one INSERT each. Kept as the reference the set-based version must equal (tests) and
the baseline it is timed against (benchmarks/recompute_bench.py)."""
from django.utils import timezone

from workflows.calendar import get_calendar
from workflows.models import ClockEntryKind
from workflows.services.clocks import _apply, _entry, compute
from workflows.services.recompute import affected_clocks


def recompute_one_by_one(*, days, reason, actor=None):
    cal = get_calendar()
    moved = 0
    for clock in (affected_clocks(days).select_related("rule", "inspection")
                  .select_for_update(of=("self",)).prefetch_related("entries")):
        before = clock.due_on
        _apply(clock, compute(clock, entries=list(clock.entries.all()), cal=cal), cal)
        clock.save()
        if clock.due_on != before:
            moved += 1
            _entry(clock, ClockEntryKind.RECOMPUTE, timezone.localdate(), actor, before,
                   reason=reason)
    return moved
