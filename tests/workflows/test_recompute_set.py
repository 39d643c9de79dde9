"""The set-based recompute after a calendar edit leaves exactly the rows the per-clock loop
leaves (every column of every clock, every ledger line but its id and time), on generated
clocks of every unit, with extensions, pauses, resumptions and fired rungs; and it pages."""
import datetime as dt
import random

import pytest
import time_machine
from django.db import transaction

from casework.services.inspections import case_open
from tests.factories import MemberFactory, UserFactory, receive_petition, user_with_role
from tests.workflows.recompute_reference import recompute_one_by_one
from workflows.calendar import get_calendar, invalidate_calendar
from workflows.models import (
    CalendarOverride,
    ClockEntry,
    ClockEntryKind,
    DeadlineClock,
    DeadlineRule,
)
from workflows.services import recompute
from workflows.services.clocks import _apply, compute

D = dt.date
EDITS = [  # (day, now a working day?): days off mid-window, a make-up Saturday; the last
    # inside the warning days of a case's clock due on its decision's end date (30/06)
    (D(2026, 3, 10), False), (D(2026, 3, 14), True), (D(2026, 4, 20), False),
    (D(2026, 6, 24), False)]


def _open_case(tree):
    """An inspection case decided Mon 13/04/2026, ending Tue 30/06/2026: its clocks
    include one due on that end date (counted from the case's end, not rolled)."""
    ubkt = user_with_role("ubkt", tree.ubkt, username="uv-ubkt")
    with time_machine.travel(dt.datetime(2026, 4, 13, 9, tzinfo=dt.UTC), tick=False):
        case_open(actor=ubkt, organisation=tree.ubkt, body="ubkt", kind="violation_signs",
                  title="Kiểm tra khi có dấu hiệu vi phạm", decision_number="05-QĐ/UBKT",
                  decision_date=D(2026, 4, 13), starts_on=D(2026, 4, 13),
                  ends_on=D(2026, 6, 30), team_leader=UserFactory(username="truong-doan"),
                  subject_member=MemberFactory(organisation=tree.branch_a))


def _generate(tree, clerk, seed, n=120):
    rng = random.Random(seed)
    _open_case(tree)
    letters = [receive_petition(actor=clerk, organisation=tree.office,
                                received_on=D(2026, 2, 2) + dt.timedelta(days=7 * i))
               for i in range(4)]
    rules = list(DeadlineRule.objects.filter(counted_from=""))
    cal = get_calendar()
    for _ in range(n):
        rule = rng.choice(rules)
        start = D(2026, 1, 5) + dt.timedelta(days=rng.randint(0, 120))
        clock = DeadlineClock(rule=rule, petition=rng.choice(letters),
                              organisation=tree.office, started_on=start, lapses=rule.lapses)
        _apply(clock, compute(clock, entries=[], cal=cal), cal)
        clock.save()
        entries = [ClockEntry.objects.create(clock=clock, kind=ClockEntryKind.START, on=start)]
        if rng.random() < 0.3:
            entries.append(ClockEntry.objects.create(
                clock=clock, kind=ClockEntryKind.EXTEND, on=start + dt.timedelta(days=3),
                days=rng.randint(1, 15), decision_number="01/QĐ",
                decision_date=start + dt.timedelta(days=3), reason="Gia hạn"))
        if rng.random() < 0.4:
            pause = start + dt.timedelta(days=rng.randint(1, 20))
            entries.append(ClockEntry.objects.create(clock=clock, kind=rng.choice(
                (ClockEntryKind.PAUSE, ClockEntryKind.SUSPEND)), on=pause))
            if rng.random() < 0.7:
                entries.append(ClockEntry.objects.create(
                    clock=clock, kind=ClockEntryKind.RESUME,
                    on=pause + dt.timedelta(days=rng.randint(0, 25))))
        _apply(clock, compute(clock, entries=entries, cal=cal), cal)
        if clock.due_on and not clock.lapses and rng.random() < 0.4:
            clock.last_rung, clock.cycle = rng.randint(0, 3), rng.randint(0, 2)
        clock.save()


def _state():
    clocks = sorted(DeadlineClock.objects.values_list())
    entries = sorted(ClockEntry.objects.filter(kind=ClockEntryKind.RECOMPUTE).values_list(
        "clock_id", "kind", "on", "days", "decision_number", "decision_date", "reason",
        "actor_id", "due_before", "due_after"))
    return clocks, entries


@pytest.mark.django_db
@pytest.mark.parametrize("seed", [1, 2])
def test_the_set_based_recompute_equals_the_per_clock_loop(tree, clerk, admin_user, seed,
                                                           monkeypatch):
    _generate(tree, clerk, seed)
    monkeypatch.setattr(recompute, "PAGE", 17)  # several pages, a last one part full
    for day, working in EDITS:
        CalendarOverride.objects.update_or_create(
            day=day, defaults={"is_working_day": working, "reason": "Điều chỉnh"})
        invalidate_calendar()
        reason = f"Điều chỉnh ngày {day:%d/%m/%Y}"
        with transaction.atomic():
            sid = transaction.savepoint()
            loop_moved = recompute_one_by_one(days=[day], reason=reason, actor=admin_user)
            expected = _state()
            transaction.savepoint_rollback(sid)
        set_moved = recompute.recompute_for_calendar_change(days=[day], reason=reason,
                                                            actor=admin_user)
        assert _state() == expected
        assert set_moved == loop_moved
    # The data made the comparison mean something: clocks moved, paused ones were redone.
    assert ClockEntry.objects.filter(kind=ClockEntryKind.RECOMPUTE).count() > 10
    assert DeadlineClock.objects.filter(status="paused").exists()
    # The case's clock kept its due date (the decision's) but its warning moved: 5 working
    # days before 30/06 was 23/06, and with 24/06 off is 22/06.
    finish = DeadlineClock.objects.get(rule__counted_from="case_end", status="running")
    assert (finish.due_on, finish.warn_on) == (D(2026, 6, 30), D(2026, 6, 22))
