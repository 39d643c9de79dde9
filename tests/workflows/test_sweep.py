"""The SLA sweep: each rung fires once, on the right day, to the right people, whatever
runs at the same time. Runs on SQLite and on PostgreSQL (different SQL, same tests)."""
import datetime as dt
import threading

import pytest
import time_machine
from django.db import connection

from notifications.models import Notice
from tests.factories import receive_petition, user_with_role
from workflows.default_rules import install_default_rules
from workflows.models import DeadlineClock, DeadlineRule, Escalation
from workflows.services.clocks import clock_extend
from workflows.sweep import sweep

D = dt.date


def at(day):
    return dt.datetime.combine(day, dt.time(9), tzinfo=dt.timezone(dt.timedelta(hours=7)))


@pytest.fixture
def people(tree, clerk, leader):
    """The clerk handles; the office has a head; the commune a leader; the city a leader
    who must not hear of a commune's late letter."""
    head = user_with_role("leader", tree.office, username="chanhvanphong",
                          email="cvp@example.vn")
    city_leader = user_with_role("leader", tree.city, username="thanhpho")
    clerk.email = "vanphong@example.vn"
    clerk.save()
    return type("People", (), dict(clerk=clerk, head=head, leader=leader,
                                   city_leader=city_leader))


@pytest.fixture
def classify_clock(people, tree):
    """A letter received Mon 02/03/2026: classify within 10 working days -> Mon 16/03/2026.
    Ladder (shipped defaults): warn 2 working days before (Thu 12/03), due 16/03, overdue 2
    working days after (Wed 18/03), then a reminder every 5 days (23/03, 28/03, ...)."""
    with time_machine.travel(at(D(2026, 3, 2)), tick=False):
        letter = receive_petition(actor=people.clerk, organisation=tree.office,
                                  received_on=D(2026, 3, 2))
    clock = DeadlineClock.objects.get(petition=letter, rule__step="classify")
    assert (clock.warn_on, clock.due_on, clock.overdue_on) == (
        D(2026, 3, 12), D(2026, 3, 16), D(2026, 3, 18))
    # Only this clock matters here: stop the kiến nghị's answer clock's noise.
    DeadlineClock.objects.filter(petition=letter).exclude(pk=clock.pk).update(status="stopped")
    return clock


def recipients(clock, rung):
    return sorted(Notice.objects.filter(escalation__clock=clock, escalation__rung=rung)
                  .values_list("recipient__username", "channel"))


def test_each_rung_fires_once_on_its_day_to_its_audience(classify_clock, people):
    clock = classify_clock
    assert sweep(today=D(2026, 3, 11)) == 0
    assert sweep(today=D(2026, 3, 12)) == 1
    assert sweep(today=D(2026, 3, 12)) == 0  # again the same day: nothing more
    assert recipients(clock, 0) == [("vanphong", "email"), ("vanphong", "in_app")]
    assert sweep(today=D(2026, 3, 16)) == 1
    assert recipients(clock, 1) == [("chanhvanphong", "email"), ("chanhvanphong", "in_app"),
                                    ("vanphong", "email"), ("vanphong", "in_app")]
    assert sweep(today=D(2026, 3, 18)) == 1
    # Overdue: the committee's leaders too (lanhdao has no e-mail), never the city's.
    assert recipients(clock, 2) == [("chanhvanphong", "email"), ("chanhvanphong", "in_app"),
                                    ("lanhdao", "in_app"),
                                    ("vanphong", "email"), ("vanphong", "in_app")]
    assert sweep(today=D(2026, 3, 22)) == 0
    assert sweep(today=D(2026, 3, 23)) == 1  # first reminder, 5 days after overdue
    assert list(clock.escalations.values_list("rung", flat=True).order_by("rung")) == [
        0, 1, 2, 3]
    assert set(Notice.objects.filter(clock=clock, channel="in_app")
               .values_list("kind", flat=True)) == {"warning", "due", "overdue", "reminder"}
    assert not Notice.objects.filter(recipient=people.city_leader).exists()


def test_a_late_sweep_fires_only_the_highest_rung_reached(classify_clock):
    # The sweep did not run for weeks (or the letter was entered late from paper): one
    # reminder, not a backlog of stale warnings. 18/03 + 5 + 5 = 28/03 is reminder 2.
    assert sweep(today=D(2026, 3, 30)) == 1
    assert list(classify_clock.escalations.values_list("rung", flat=True)) == [4]
    classify_clock.refresh_from_db()
    assert classify_clock.next_escalation_on == D(2026, 4, 2)


def test_extension_after_the_due_rung_restarts_the_ladder(tree, people):
    ubkt = user_with_role("ubkt", tree.commune, username="ubkt")
    with time_machine.travel(at(D(2026, 3, 2)), tick=False):
        letter = receive_petition(actor=people.clerk, organisation=tree.office,
                                  kind="denunciation", received_on=D(2026, 3, 2))
    from casework.services.petitions import petition_accept, petition_classify

    with time_machine.travel(at(D(2026, 3, 3)), tick=False):
        petition_classify(actor=people.clerk, petition_id=letter.pk, kind="denunciation",
                          competence="here")
        petition_accept(actor=ubkt, petition_id=letter.pk, doc_number="1/TB",
                        doc_date=D(2026, 3, 3))
    clock = DeadlineClock.objects.get(petition=letter, rule__step="resolve")
    assert clock.due_on == D(2026, 4, 2)  # 30 days after 03/03/2026, a Thursday
    assert sweep(today=D(2026, 4, 2)) == 1
    with time_machine.travel(at(D(2026, 4, 2)), tick=False):
        clock = clock_extend(actor=ubkt, clock_id=clock.pk, days=30, decision_number="9/QĐ",
                             decision_date=D(2026, 4, 2), reason="Phức tạp")
    # 60 days -> Sat 02/05/2026 -> Mon 04/05/2026. The warning of the new cycle fires
    # 2 working days before: Wed 29/04/2026 (30/04 and 01/05 are holidays).
    assert clock.due_on == D(2026, 5, 4) and clock.warn_on == D(2026, 4, 28)
    assert sweep(today=D(2026, 4, 28)) == 1
    assert list(clock.escalations.values_list("cycle", "rung").order_by("id")) == [
        (0, 1), (1, 0)]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_parallel_sweeps_fire_each_rung_exactly_once(tree, people):
    """Four sweeps at once over 200 due clocks: together they fire each once."""
    # A transactional test before this one may have flushed the shipped rules away.
    install_default_rules(DeadlineRule)
    with time_machine.travel(at(D(2026, 3, 2)), tick=False):
        for _ in range(100):
            receive_petition(actor=people.clerk, organisation=tree.office,
                             received_on=D(2026, 3, 2))
    due = DeadlineClock.objects.filter(status="running").count()
    assert due == 200  # classify + answer per kiến nghị
    barrier = threading.Barrier(4)
    results, errors = [], []

    def run():
        try:
            barrier.wait()
            results.append(sweep(today=D(2026, 3, 20), batch=30))
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
    assert sum(results) == due == Escalation.objects.count()
    assert Escalation.objects.values("clock").distinct().count() == due
    keys = list(Notice.objects.values_list("cause_key", "recipient", "channel"))
    assert len(keys) == len(set(keys)) > 0
    assert sweep(today=D(2026, 3, 20)) == 0


def test_command_runs_the_sweep(classify_clock, capsys):
    from django.core.management import call_command

    with time_machine.travel(at(D(2026, 3, 16)), tick=False):
        call_command("sweep_deadlines")
    assert "01" in capsys.readouterr().out
    assert classify_clock.escalations.get().rung == 1

