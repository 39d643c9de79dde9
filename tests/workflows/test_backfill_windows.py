"""workflows 0010_backfill_windows: letters resolved since 1/7/2026 before the window for a
second complaint and the report-back existed get those clocks, where their period is still
open, each with a ledger line saying why; nothing else changes; a second run creates nothing.

The world before the migration is rebuilt faithfully: the rules that resolving starts are
removed, so the letters are resolved without them; then the migration's own function runs
against it (it recreates the rules from its frozen copy)."""
import datetime as dt
import importlib

import pytest
import time_machine
from django.apps import apps

from casework.models import CaseEvent, Petition
from casework.services.petitions import (
    petition_accept,
    petition_classify,
    petition_receive,
    petition_report_back,
    petition_resolve,
)
from tests.factories import user_with_role
from workflows.default_rules import DEFAULT_RULES
from workflows.models import ClockEntry, DeadlineClock, DeadlineRule

D = dt.date
MIGRATION = importlib.import_module("workflows.migrations.0010_backfill_windows")
CLOCK_FIELDS = ("rule_id", "status", "started_on", "due_on", "warn_on", "overdue_on",
                "next_escalation_on", "cycle", "last_rung", "paused_on", "stopped_on")


def at(day, hour=9):
    return dt.datetime.combine(day, dt.time(hour), tzinfo=dt.timezone(dt.timedelta(hours=7)))


@pytest.fixture
def ubkt(tree):
    return user_with_role("ubkt", tree.commune, username="ubkt")


@pytest.fixture
def before_the_rules(db):
    """The rules as they were before issue 17: resolving started no clock."""
    DeadlineRule.objects.filter(code__in=list(MIGRATION.RULES)).delete()


def resolved(clerk, ubkt, tree, received, decided, delivered=None, forwarded=False,
             **receive):
    """A letter received, accepted the next day, and resolved on `decided`."""
    with time_machine.travel(at(received), tick=False):
        extra = (dict(channel="forwarded", forwarded_by="Ban Tiếp công dân tỉnh")
                 if forwarded else dict(channel="post"))
        letter = petition_receive(actor=clerk, organisation=tree.office, received_on=received,
                                  kind="complaint", senders=[], sender_type="anonymous",
                                  summary="Khiếu nại việc thu hồi đất.", **extra, **receive)
    accepted = received + dt.timedelta(days=1)
    with time_machine.travel(at(accepted), tick=False):
        petition_classify(actor=clerk, petition_id=letter.pk, kind="complaint",
                          competence="here")
        petition_accept(actor=ubkt, petition_id=letter.pk, doc_number="01/TB",
                        doc_date=accepted)
    with time_machine.travel(at(delivered or decided), tick=False):
        petition_resolve(actor=ubkt, petition_id=letter.pk, result="Không chấp nhận",
                         doc_number="07/QĐ", doc_date=decided, delivered_on=delivered)
    return letter


def snapshot():
    return ({c["id"]: c for c in DeadlineClock.objects.values("id", *CLOCK_FIELDS)},
            ClockEntry.objects.count(), CaseEvent.objects.count(),
            list(Petition.objects.order_by("id").values_list("id", "status")))


def run(today):
    with time_machine.travel(at(today), tick=False):
        MIGRATION.backfill(apps, None)


def created_since(before):
    return DeadlineClock.objects.exclude(id__in=before[0]).select_related("rule")


def test_missing_windows_and_report_backs_are_created_while_open(before_the_rules, clerk,
                                                                  ubkt, tree):
    # Decided Fri 20/11/2026, received by the complainant Mon 23/11: 30 days -> Wed 23/12.
    window = resolved(clerk, ubkt, tree, D(2026, 11, 2), D(2026, 11, 20), D(2026, 11, 23))
    # Decided Mon 16/11/2026, receipt not recorded: 30 days from the decision -> Wed 16/12.
    undelivered = resolved(clerk, ubkt, tree, D(2026, 11, 2), D(2026, 11, 16))
    # Decided Thu 27/08/2026: 30 days -> Sat 26/09 -> Mon 28/09, passed before 01/12.
    closed = resolved(clerk, ubkt, tree, D(2026, 8, 3), D(2026, 8, 27))
    # The second complaint already came (Wed 25/11): the right was used, no window.
    used = resolved(clerk, ubkt, tree, D(2026, 11, 2), D(2026, 11, 20), D(2026, 11, 23))
    with time_machine.travel(at(D(2026, 11, 25)), tick=False):
        petition_receive(actor=clerk, organisation=tree.office, received_on=D(2026, 11, 25),
                         channel="post", kind="complaint", senders=[],
                         sender_type="anonymous", summary="Khiếu nại lần hai.", instance=2,
                         first_petition=used)
    # Forwarded, resolved Thu 26/11/2026: 7 working days 27/11, 30/11, 1, 2, 3, 4, 7/12 ->
    # Mon 07/12/2026; warned 2 working days before (Thu 03/12), overdue 2 after (Wed 09/12).
    forwarded = resolved(clerk, ubkt, tree, D(2026, 11, 2), D(2026, 11, 26), D(2026, 11, 26),
                         forwarded=True)
    # Forwarded, resolved Tue 10/11/2026: 11, 12, 13, 16, 17, 18, 19 -> Thu 19/11: passed.
    late = resolved(clerk, ubkt, tree, D(2026, 11, 2), D(2026, 11, 10), forwarded=True)
    # Forwarded, resolved Fri 20/11 and already reported back on Tue 24/11: nothing to do.
    done = resolved(clerk, ubkt, tree, D(2026, 11, 2), D(2026, 11, 20), forwarded=True)
    with time_machine.travel(at(D(2026, 11, 24)), tick=False):
        petition_report_back(actor=clerk, petition_id=done.pk, doc_number="10/BC",
                             doc_date=D(2026, 11, 24))
    assert not DeadlineClock.objects.filter(
        rule__step__in=("second_window", "report_back")).exists()
    before = snapshot()

    run(D(2026, 12, 1))  # Tue 01/12/2026

    new = {(c.petition_id, c.rule.code): c for c in created_since(before)}
    assert set(new) == {(window.pk, "khieu-nai-thoi-han-lan-hai"),
                        (undelivered.pk, "khieu-nai-thoi-han-lan-hai"),
                        (forwarded.pk, "don-bao-cao-ket-qua"),
                        # The forwarded letters are first complaints too: their windows
                        # run 30 days from the receipt (26/11) or the decision: 26/11 ->
                        # Sat 26/12 -> Mon 28/12; 10/11 -> Thu 10/12; 20/11 -> Sun 20/12 ->
                        # Mon 21/12/2026, all open.
                        (forwarded.pk, "khieu-nai-thoi-han-lan-hai"),
                        (late.pk, "khieu-nai-thoi-han-lan-hai"),
                        (done.pk, "khieu-nai-thoi-han-lan-hai")}
    assert [new[(p.pk, "khieu-nai-thoi-han-lan-hai")].due_on for p in (forwarded, late, done)] \
        == [D(2026, 12, 28), D(2026, 12, 10), D(2026, 12, 21)]
    assert not ({closed.pk, used.pk} & {petition for petition, _code in new})
    w = new[(window.pk, "khieu-nai-thoi-han-lan-hai")]
    assert (w.started_on, w.due_on, w.status, w.lapses, w.next_escalation_on) == (
        D(2026, 11, 23), D(2026, 12, 23), "running", True, None)
    assert new[(undelivered.pk, "khieu-nai-thoi-han-lan-hai")].due_on == D(2026, 12, 16)
    back = new[(forwarded.pk, "don-bao-cao-ket-qua")]
    assert (back.started_on, back.due_on, back.warn_on, back.overdue_on,
            back.next_escalation_on, back.lapses) == (
        D(2026, 11, 26), D(2026, 12, 7), D(2026, 12, 3), D(2026, 12, 9), D(2026, 12, 3),
        False)
    assert back.assignee == ubkt and back.start_event.event_type == "resolved"
    # One ledger line each, saying why it came late and from which day it counts.
    line = w.entries.get()
    assert line.kind == "start" and line.due_after == D(2026, 12, 23)
    assert "tạo bổ sung ngày 01/12/2026" in line.reason
    assert "ngày nhận quyết định" in line.reason and "23/11/2026" in line.reason
    assert "không ghi ngày" in new[(undelivered.pk, "khieu-nai-thoi-han-lan-hai")] \
        .entries.get().reason
    assert "07/12/2026" in back.entries.get().reason
    # Nothing else changed: every other clock, ledger line, event and letter as it was.
    after = snapshot()
    assert {k: v for k, v in after[0].items() if k in before[0]} == before[0]
    assert after[1:] == (before[1] + 6, before[2], before[3])
    # A second run creates nothing.
    run(D(2026, 12, 2))
    assert snapshot() == after


def test_only_letters_resolved_since_july_and_remote_areas_get_45_days(before_the_rules,
                                                                       clerk, ubkt, tree):
    tree.office.remote_area = True
    tree.office.save()
    # Resolved Thu 25/06/2026, received Fri 26/06: its window (to 10/08) is still open on
    # 10/07, but the letter was resolved before 1/7/2026: left as it was.
    june = resolved(clerk, ubkt, tree, D(2026, 6, 1), D(2026, 6, 25), D(2026, 6, 26))
    # Resolved Mon 06/07/2026, received Tue 07/07; remote area: 45 days -> Fri 21/08/2026.
    july = resolved(clerk, ubkt, tree, D(2026, 6, 1), D(2026, 7, 6), D(2026, 7, 7))
    before = snapshot()
    run(D(2026, 7, 10))
    (window,) = created_since(before)
    assert (window.petition_id, window.rule.code, window.due_on) == (
        july.pk, "khieu-nai-thoi-han-lan-hai-vung-xa", D(2026, 8, 21))
    assert not DeadlineClock.objects.filter(petition=june, rule__step="second_window").exists()


def test_the_frozen_rules_are_the_shipped_ones():
    shipped = {r["code"]: r for r in DEFAULT_RULES if r["code"] in MIGRATION.RULES}
    for code, frozen in MIGRATION.RULES.items():
        rule = dict(shipped[code])
        del rule["code"]
        for name in set(rule) | set(frozen):
            assert frozen.get(name) == rule.get(name), (code, name)
