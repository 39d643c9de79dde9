"""workflows 0009: the open clocks of letters received since 1/7/2026 move onto the corrected
rules, each with a ledger line, the handler is told when the due date moved, and nothing
else changes.

The world before the migration is rebuilt faithfully: the versions of 1/7/2026 are removed,
so the letters' clocks start under the rules as they were shipped; then the migration's
own function runs against it (it recreates the versions from its frozen copy)."""
import datetime as dt
import importlib

import pytest
import time_machine
from django.apps import apps

from casework.services.petitions import petition_classify
from notifications.models import Notice
from notifications.rendering import render_notice
from tests.factories import receive_petition
from workflows.default_rules import DEFAULT_RULES
from workflows.models import ClockEntry, DeadlineClock, DeadlineRule
from workflows.services.clocks import clock_pause, clock_resume, compute

D = dt.date
MIGRATION = importlib.import_module("workflows.migrations.0009_recompute_since_july")
JULY = D(2026, 7, 1)
CLOCK_FIELDS = ("rule_id", "status", "started_on", "due_on", "warn_on", "overdue_on",
                "next_escalation_on", "cycle", "last_rung", "paused_on", "stopped_on")


def at(day, hour=9):
    return dt.datetime.combine(day, dt.time(hour), tzinfo=dt.timezone(dt.timedelta(hours=7)))


def snapshot():
    return {c["id"]: c for c in DeadlineClock.objects.values("id", *CLOCK_FIELDS)}


def clock(letter, step):
    return DeadlineClock.objects.select_related("rule").get(petition=letter, rule__step=step)


@pytest.fixture
def before_the_fix(db):
    """The rules as shipped before issue 17: no version of 1/7/2026 of the corrected codes."""
    codes = [data["code"] for data, _why in MIGRATION.RULES]
    DeadlineRule.objects.filter(code__in=codes, effective_from=JULY).delete()


def receive(clerk, tree, day, kind):
    with time_machine.travel(at(day), tick=False):
        return receive_petition(actor=clerk, organisation=tree.office, kind=kind,
                                received_on=day)


def test_the_migration_moves_only_the_open_clocks_of_letters_since_july(
        before_the_fix, clerk, tree):
    # A complaint received Thu 27/08/2026. Shipped rule: 10 days -> Sun 06/09 -> Mon 07/09.
    late = receive(clerk, tree, D(2026, 8, 27), "complaint")
    assert clock(late, "accept").due_on == D(2026, 9, 7)
    # Received Mon 03/08/2026, paused 05/08 to 10/08 (supplementing documents). Shipped:
    # 10 + 5 paused days = 15 days -> Tue 18/08/2026.
    paused = receive(clerk, tree, D(2026, 8, 3), "complaint")
    with time_machine.travel(at(D(2026, 8, 10)), tick=False):
        accept = clock(paused, "accept")
        clock_pause(actor=clerk, clock_id=accept.pk, on=D(2026, 8, 5), reason="Chờ bổ sung")
        clock_resume(actor=clerk, clock_id=accept.pk, on=D(2026, 8, 10))
    assert clock(paused, "accept").due_on == D(2026, 8, 18)
    # A tố cáo received Thu 27/08, classified "not ours" Thu 03/09. Shipped: 5 working days
    # from the classification: 4, 7, 8, 9, 10 -> Thu 10/09/2026.
    transfer = receive(clerk, tree, D(2026, 8, 27), "denunciation")
    with time_machine.travel(at(D(2026, 9, 3)), tick=False):
        petition_classify(actor=clerk, petition_id=transfer.pk, kind="denunciation",
                          competence="other")
    assert clock(transfer, "transfer").due_on == D(2026, 9, 10)
    # A tố cáo still being checked: same 07 working days, a confirmed version.
    checking = receive(clerk, tree, D(2026, 9, 1), "denunciation")
    # Not moved: received before 1/7/2026 (keeps its 10 days), and a closed clock.
    june = receive(clerk, tree, D(2026, 6, 30), "complaint")
    closed = transfer.clocks.get(rule__step="classify")
    assert closed.status == "stopped"
    before, entries_before = snapshot(), set(ClockEntry.objects.values_list("id", flat=True))
    notices_before = Notice.objects.count()

    with time_machine.travel(at(D(2026, 9, 4)), tick=False):
        MIGRATION.recompute(apps, None)

    after = snapshot()
    moved = {
        # 07 working days from Thu 27/08: 28/8; 3, 4, 7, 8, 9, 10/9 -> Thu 10/09 (+3 days).
        clock(late, "accept").pk: (D(2026, 9, 7), D(2026, 9, 10)),
        # 07 working days + the 03 working days paused (6, 7, 10/8) from Mon 03/08:
        # 4, 5, 6, 7, 10, 11, 12, 13, 14, 17 -> Mon 17/08 (−1 day).
        clock(paused, "accept").pk: (D(2026, 8, 18), D(2026, 8, 17)),
        # From receipt, Thu 27/08: 28/8; 3, 4, 7, 8/9 -> Tue 08/09 (−2 days).
        clock(transfer, "transfer").pk: (D(2026, 9, 10), D(2026, 9, 8)),
    }
    repointed = moved.keys() | {clock(checking, "classify").pk}
    for pk, (old_due, new_due) in moved.items():
        assert (before[pk]["due_on"], after[pk]["due_on"]) == (old_due, new_due)
        assert after[pk]["cycle"] == before[pk]["cycle"] + 1 and after[pk]["last_rung"] == -1
    assert clock(transfer, "transfer").started_on == D(2026, 8, 27)
    assert after[clock(checking, "classify").pk]["due_on"] == before[
        clock(checking, "classify").pk]["due_on"]
    # Every moved clock is on its rule's version of 1/7/2026, and the migration's own
    # calendar agrees with the application's.
    for pk in repointed:
        c = DeadlineClock.objects.select_related("rule").get(pk=pk)
        assert c.rule.effective_from == JULY
        assert compute(c).due_on == c.due_on
        assert (c.warn_on, c.overdue_on, c.next_escalation_on) == (
            after[pk]["warn_on"], after[pk]["overdue_on"], after[pk]["next_escalation_on"])
    # Nothing else changed.
    assert {pk: row for pk, row in after.items() if pk not in repointed} == {
        pk: row for pk, row in before.items() if pk not in repointed}
    assert clock(june, "accept").rule.effective_from == D(2012, 7, 1)
    new_entries = ClockEntry.objects.exclude(id__in=entries_before)
    assert sorted(new_entries.values_list("clock_id", "kind")) == sorted(
        (pk, "rule") for pk in repointed)
    line = new_entries.get(clock=clock(late, "accept"))
    assert (line.due_before, line.due_after, line.actor) == (D(2026, 9, 7), D(2026, 9, 10), None)
    assert line.reason.startswith("Thụ lý khiếu nại: từ 01/07/2026 là 07 ngày làm việc")
    assert "hạn 07/09/2026 → 10/09/2026" in line.reason
    # The handler is told of each moved date (in-app, and by e-mail when they have one).
    notices = Notice.objects.filter(kind="moved")
    assert Notice.objects.count() - notices_before == notices.count()
    assert {(n.clock_id, n.recipient_id) for n in notices} == {(pk, clerk.pk) for pk in moved}
    text = render_notice(notices.get(clock=clock(late, "accept"), channel="in_app"))
    assert "07/09/2026 → 10/09/2026" in text.subject
    assert "Thụ lý khiếu nại: từ 01/07/2026" in text.text

    # Run twice (a re-applied migration): nothing more.
    with time_machine.travel(at(D(2026, 9, 5)), tick=False):
        MIGRATION.recompute(apps, None)
    assert snapshot() == after
    assert ClockEntry.objects.exclude(id__in=entries_before).count() == len(repointed)


def test_the_frozen_rules_of_the_migration_are_the_shipped_ones():
    shipped = {(d["code"], d["effective_from"]): d for d in DEFAULT_RULES}
    for data, why in MIGRATION.RULES:
        rule = shipped[(data["code"], JULY)]
        fields = {f.name: f for f in DeadlineRule._meta.concrete_fields}
        for name in set(rule) | set(data):
            if name in ("code", "effective_from"):
                continue
            default = fields[name].get_default()
            assert data.get(name, default) == rule.get(name, default), (data["code"], name)
        assert why
