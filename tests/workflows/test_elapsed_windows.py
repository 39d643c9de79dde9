"""The window for a second complaint counted from the end of a first-instance period that
passed without a decision (Luật Khiếu nại Điều 33(1)): started by the sweep, set-wise, only
for the periods that passed unmet, under the rule version in force when the period ended,
exactly once whatever runs at the same time. Runs on SQLite and on PostgreSQL."""
import datetime as dt
import threading

import pytest
import time_machine
from django.db import IntegrityError, connection, transaction

from casework.services.petitions import (
    petition_accept,
    petition_classify,
    petition_resolve,
)
from tests.factories import receive_petition, user_with_role
from workflows.default_rules import install_default_rules
from workflows.models import ClockEntry, DeadlineClock, DeadlineRule
from workflows.services.clocks import clock_extend, clock_pause
from workflows.sweep import start_after_elapsed, sweep

D = dt.date


def at(day):
    return dt.datetime.combine(day, dt.time(9), tzinfo=dt.timezone(dt.timedelta(hours=7)))


@pytest.fixture
def ubkt(tree):
    return user_with_role("ubkt", tree.commune, username="ubkt")


def accepted(clerk, ubkt, tree, received, accepted_on, **kwargs):
    with time_machine.travel(at(received), tick=False):
        letter = receive_petition(actor=clerk, organisation=tree.office, kind="complaint",
                                  received_on=received, **kwargs)
    with time_machine.travel(at(accepted_on), tick=False):
        petition_classify(actor=clerk, petition_id=letter.pk, kind="complaint",
                          competence="here")
        petition_accept(actor=ubkt, petition_id=letter.pk, doc_number="01/TB",
                        doc_date=accepted_on)
    return letter


def windows():
    return DeadlineClock.objects.filter(rule__step="second_window").select_related("rule")


def test_only_periods_that_passed_unmet_start_a_window(clerk, ubkt, tree):
    # Accepted Tue 04/08/2026: 30 days -> Thu 03/09/2026, passed by Fri 04/09.
    elapsed = accepted(clerk, ubkt, tree, D(2026, 8, 3), D(2026, 8, 4))
    # Accepted Mon 10/08/2026: 30 days -> Wed 09/09/2026, not passed on 04/09.
    running = accepted(clerk, ubkt, tree, D(2026, 8, 3), D(2026, 8, 10))
    # Decided in time (Thu 20/08): its window counts from the decision, not from here.
    decided = accepted(clerk, ubkt, tree, D(2026, 8, 3), D(2026, 8, 4))
    with time_machine.travel(at(D(2026, 8, 20)), tick=False):
        petition_resolve(actor=ubkt, petition_id=decided.pk, result="Không chấp nhận",
                         doc_number="07/QĐ", doc_date=D(2026, 8, 20))
    # Paused (tạm đình chỉ) on 01/09: no due date, so nothing passed.
    paused = accepted(clerk, ubkt, tree, D(2026, 8, 3), D(2026, 8, 4))
    with time_machine.travel(at(D(2026, 9, 1)), tick=False):
        clock_pause(actor=ubkt, clock_id=paused.clocks.get(rule__step="resolve").pk,
                    on=D(2026, 9, 1), reason="Tạm đình chỉ", suspend=True,
                    decision_number="3/QĐ")
    # A second complaint accepted Wed 01/07/2026 whose 45 days passed (Sat 15/08 -> Mon
    # 17/08): there is no third complaint. Its first complaint (accepted Mon 22/06: 30 days
    # -> Wed 22/07, passed too, no decision recorded) has its second complaint already.
    first = accepted(clerk, ubkt, tree, D(2026, 6, 20), D(2026, 6, 22))
    second = accepted(clerk, ubkt, tree, D(2026, 7, 1), D(2026, 7, 1), instance=2,
                      first_petition=first)
    assert second.clocks.get(rule__step="resolve").due_on == D(2026, 8, 17)
    before = set(windows().values_list("id", flat=True))
    assert start_after_elapsed(D(2026, 9, 4)) == 1
    started = {c.petition_id: c for c in windows().exclude(id__in=before)}
    assert set(started) == {elapsed.pk}
    assert (started[elapsed.pk].started_on, started[elapsed.pk].due_on) == (
        D(2026, 9, 3), D(2026, 10, 5))  # Thu 03/09 + 30 -> Sat 03/10 -> Mon 05/10/2026
    assert started[elapsed.pk].started_by == elapsed.clocks.get(rule__step="resolve")
    assert started[elapsed.pk].assignee == ubkt  # the handler of the period that passed
    assert started[elapsed.pk].kind == "complaint"  # its letter's, kept on the clock (SQL)
    assert start_after_elapsed(D(2026, 9, 5)) == 0  # once
    assert not windows().filter(petition__in=(running, paused, second, first)).exists()
    assert windows().filter(petition=decided).get().rule.code == "khieu-nai-thoi-han-lan-hai"


def test_the_version_in_force_when_the_period_ended_is_chosen(clerk, ubkt, tree):
    base = DeadlineRule.objects.get(code="khieu-nai-thoi-han-lan-hai-het-han")
    fields = {f.name: getattr(base, f.name) for f in DeadlineRule._meta.concrete_fields
              if f.name not in ("id", "effective_from", "length")}
    DeadlineRule.objects.create(**fields, effective_from=D(2026, 9, 1), length=40)
    DeadlineRule.objects.create(**fields, effective_from=D(2026, 9, 4), length=50)
    # The period ended Thu 03/09/2026: the version of 01/09 (40 days) -> Tue 13/10/2026;
    # the one of 04/09 came after and does not apply.
    letter = accepted(clerk, ubkt, tree, D(2026, 8, 3), D(2026, 8, 4))
    sweep(today=D(2026, 9, 10))
    window = windows().get(petition=letter)
    assert (window.rule.length, window.due_on) == (40, D(2026, 10, 13))


def test_an_extension_recorded_after_the_window_started_moves_its_start(clerk, ubkt, tree):
    letter = accepted(clerk, ubkt, tree, D(2026, 8, 3), D(2026, 8, 4))
    sweep(today=D(2026, 9, 4))
    window = windows().get(petition=letter)
    assert window.due_on == D(2026, 10, 5)
    # The extension decided Thu 03/09 is recorded Fri 04/09: 30 + 15 days from Tue 04/08/2026
    # -> Fri 18/09/2026; the window counts from it: + 30 -> Sun 18/10 -> Mon 19/10/2026.
    resolve = letter.clocks.get(rule__step="resolve")
    with time_machine.travel(at(D(2026, 9, 4)), tick=False):
        clock_extend(actor=ubkt, clock_id=resolve.pk, days=15, decision_number="5/QĐ",
                     decision_date=D(2026, 9, 3), reason="Cần xác minh thêm",
                     complex_record="Biên bản 2/BB ngày 02/09/2026")
    window.refresh_from_db()
    assert (window.started_on, window.due_on, window.status) == (
        D(2026, 9, 18), D(2026, 10, 19), "running")
    line = window.entries.get(kind="recompute")
    assert (line.due_before, line.due_after) == (D(2026, 10, 5), D(2026, 10, 19))
    assert "18/09/2026" in line.reason
    sweep(today=D(2026, 9, 19))  # the extended period passes: still one window
    assert windows().filter(petition=letter).count() == 1


def test_one_window_per_period_is_a_key_of_the_database(clerk, ubkt, tree):
    letter = accepted(clerk, ubkt, tree, D(2026, 8, 3), D(2026, 8, 4))
    sweep(today=D(2026, 9, 4))
    window = windows().get(petition=letter)
    window.pk = None
    with pytest.raises(IntegrityError), transaction.atomic():
        window.save()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_parallel_sweeps_start_each_window_exactly_once(tree):
    install_default_rules(DeadlineRule)  # a transactional test may have flushed them
    clerk = user_with_role("clerk", tree.office, username="vanphong")
    ubkt = user_with_role("ubkt", tree.commune, username="ubkt")
    letters = [accepted(clerk, ubkt, tree, D(2026, 8, 3), D(2026, 8, 4)) for _ in range(30)]
    barrier = threading.Barrier(4)
    errors = []

    def run():
        try:
            barrier.wait()
            sweep(today=D(2026, 9, 4), batch=10)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert windows().count() == len(letters)
    assert set(windows().values_list("due_on", flat=True)) == {D(2026, 10, 5)}
    assert ClockEntry.objects.filter(clock__rule__step="second_window").count() == len(letters)
