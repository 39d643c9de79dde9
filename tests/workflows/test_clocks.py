"""Deadline clocks: started and stopped by case events, paused, resumed, extended and
recomputed, with due dates computed by hand in the comments."""
import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError

from casework.errors import ActionRefused
from casework.services.petitions import (
    petition_accept,
    petition_classify,
    petition_follow_up,
    petition_resolve,
    petition_transfer,
)
from tests.factories import MemberFactory, receive_petition, user_with_role
from workflows.models import ClockEntryKind, ClockStatus, DeadlineClock, DeadlineRule
from workflows.services.calendar import calendar_set_day
from workflows.services.clocks import clock_extend, clock_pause, clock_resume, days_left

D = dt.date


def at(day, hour=9):
    """A moment in Hà Nội time, for time-machine."""
    return dt.datetime.combine(day, dt.time(hour), tzinfo=dt.timezone(dt.timedelta(hours=7)))


def open_clocks(petition):
    return {c.rule.step: c for c in DeadlineClock.objects.filter(
        petition=petition, status__in=["running", "paused"]).select_related("rule")}


@pytest.fixture
def ubkt_member(tree):
    return user_with_role("ubkt", tree.commune, username="ubkt")


@time_machine.travel(at(D(2026, 3, 2)), tick=False)
def test_receipt_starts_the_classify_clock_of_the_most_specific_rule(clerk, tree):
    letter = receive_petition(actor=clerk, organisation=tree.office, received_on=D(2026, 3, 2))
    denunciation = receive_petition(actor=clerk, organisation=tree.office, kind="denunciation",
                                    received_on=D(2026, 3, 2))
    # Any letter: 10 working days after Mon 02/03/2026: 3,4,5,6, 9..13, 16 -> Mon 16/03.
    # A kiến nghị also gets its 15-day answer clock: 17/03/2026 (Tue, a working day).
    clocks = open_clocks(letter)
    assert set(clocks) == {"classify", "answer"}
    assert clocks["classify"].due_on == D(2026, 3, 16)
    assert clocks["answer"].due_on == D(2026, 3, 17)
    assert clocks["classify"].assignee == clerk
    # A tố cáo: 7 working days (Luật Tố cáo Đ.24): 3,4,5,6, 9,10,11 -> Wed 11/03/2026.
    assert open_clocks(denunciation)["classify"].due_on == D(2026, 3, 11)
    assert open_clocks(denunciation)["classify"].rule.code == "to-cao-phan-loai"


@time_machine.travel(at(D(2026, 2, 13)), tick=False)
def test_clocks_across_tet_2026(clerk, tree):
    complaint = receive_petition(actor=clerk, organisation=tree.office, kind="complaint",
                                 received_on=D(2026, 2, 12))
    clocks = open_clocks(complaint)
    # 10 working days after Thu 12/02/2026: Fri 13/2 (1); 14–22/2 Tết and weekends off;
    # 23,24,25,26,27/2 (2–6); 2,3,4,5/3 (7–10) -> Thu 05/03/2026.
    assert clocks["classify"].due_on == D(2026, 3, 5)
    # Thụ lý a khiếu nại: 10 calendar days -> Sun 22/02/2026, a day off -> Mon 23/02/2026.
    assert clocks["accept"].due_on == D(2026, 2, 23)
    assert clocks["accept"].rule.unit == "calendar"


def test_events_stop_and_start_clocks_through_the_letters_life(clerk, leader, tree):
    with time_machine.travel(at(D(2026, 3, 2)), tick=False):
        letter = receive_petition(actor=clerk, organisation=tree.office,
                                  received_on=D(2026, 3, 2))
    with time_machine.travel(at(D(2026, 3, 4)), tick=False):
        petition_classify(actor=clerk, petition_id=letter.pk, kind="recommendation",
                          competence="other")
        assert set(open_clocks(letter)) == {"answer"}
        petition_transfer(actor=clerk, petition_id=letter.pk, recipient="UBND xã",
                          doc_number="12/CV-VPĐU", doc_date=D(2026, 3, 4))
    # Transferred: the answer clock stops; the chase clock runs 15 days from the
    # transmittal of 04/03/2026 -> Thu 19/03/2026.
    clocks = open_clocks(letter)
    assert set(clocks) == {"chase"}
    assert clocks["chase"].due_on == D(2026, 3, 19)
    classify = DeadlineClock.objects.get(petition=letter, rule__step="classify")
    assert classify.status == ClockStatus.STOPPED and classify.stopped_on == D(2026, 3, 4)
    with time_machine.travel(at(D(2026, 3, 20)), tick=False):
        petition_follow_up(actor=clerk, petition_id=letter.pk, reason="Gọi điện đôn đốc.")
    # Chased: the next chase is due 7 days later, Fri 27/03/2026.
    clocks = open_clocks(letter)
    assert set(clocks) == {"chase_again"} and clocks["chase_again"].due_on == D(2026, 3, 27)
    with time_machine.travel(at(D(2026, 3, 25)), tick=False):
        petition_resolve(actor=clerk, petition_id=letter.pk, result="Đã trả lời.",
                         doc_number="5/TL", doc_date=D(2026, 3, 25))
    assert open_clocks(letter) == {}
    ledger = DeadlineClock.objects.get(petition=letter, rule__step="chase_again").entries
    assert list(ledger.values_list("kind", flat=True)) == ["start", "stop"]


def test_pause_resume_and_two_extensions_then_the_third_is_refused(clerk, leader,
                                                                   ubkt_member, tree):
    with time_machine.travel(at(D(2026, 3, 2)), tick=False):
        letter = receive_petition(actor=clerk, organisation=tree.office, kind="denunciation",
                                  received_on=D(2026, 3, 2))
    with time_machine.travel(at(D(2026, 3, 5)), tick=False):
        petition_classify(actor=clerk, petition_id=letter.pk, kind="denunciation",
                          competence="here")
        petition_accept(actor=ubkt_member, petition_id=letter.pk, doc_number="01/TB-UBKT",
                        doc_date=D(2026, 3, 5))
    clock = open_clocks(letter)["resolve"]
    # 30 days from thụ lý 05/03/2026 -> Sat 04/04/2026 -> rolled to Mon 06/04/2026.
    assert clock.due_on == D(2026, 4, 6)

    with time_machine.travel(at(D(2026, 3, 10)), tick=False):
        clock = clock_pause(actor=clerk, clock_id=clock.pk, on=D(2026, 3, 10),
                            reason="Chờ người tố cáo bổ sung tài liệu.")
        assert clock.status == ClockStatus.PAUSED and clock.due_on is None
        assert clock.next_escalation_on is None
        with pytest.raises(ActionRefused):
            clock_pause(actor=clerk, clock_id=clock.pk, on=D(2026, 3, 10), reason="Lần nữa")
    with time_machine.travel(at(D(2026, 3, 20)), tick=False):
        with pytest.raises(ValidationError) as error:
            clock_resume(actor=clerk, clock_id=clock.pk, on=D(2026, 3, 9))
        assert "on" in error.value.message_dict
        clock = clock_resume(actor=clerk, clock_id=clock.pk, on=D(2026, 3, 20))
    # Paused 10/03 -> 20/03: 10 days not counted, 30 + 10 = 40 days -> Tue 14/04/2026.
    assert clock.status == ClockStatus.RUNNING and clock.due_on == D(2026, 4, 14)

    with time_machine.travel(at(D(2026, 4, 1)), tick=False):
        with pytest.raises(ActionRefused):  # a clerk does not decide extensions
            clock_extend(actor=clerk, clock_id=clock.pk, days=30, decision_number="1/QĐ",
                         decision_date=D(2026, 4, 1), reason="Phức tạp")
        with pytest.raises(ValidationError) as error:  # more than 30 days at once
            clock_extend(actor=leader, clock_id=clock.pk, days=31, decision_number="1/QĐ",
                         decision_date=D(2026, 4, 1), reason="Phức tạp")
        assert "days" in error.value.message_dict
        clock = clock_extend(actor=leader, clock_id=clock.pk, days=30,
                             decision_number="15/QĐ-UBKT", decision_date=D(2026, 4, 1),
                             reason="Vụ việc phức tạp")
    # 40 + 30 = 70 days from 05/03/2026 -> Thu 14/05/2026.
    assert clock.due_on == D(2026, 5, 14)
    with time_machine.travel(at(D(2026, 5, 8)), tick=False):
        clock = clock_extend(actor=ubkt_member, clock_id=clock.pk, days=30,
                             decision_number="22/QĐ-UBKT", decision_date=D(2026, 5, 8),
                             reason="Vụ việc đặc biệt phức tạp")
        # 100 days -> Sat 13/06/2026 -> rolled to Mon 15/06/2026.
        assert clock.due_on == D(2026, 6, 15)
        with pytest.raises(ActionRefused) as refused:
            clock_extend(actor=leader, clock_id=clock.pk, days=10, decision_number="30/QĐ",
                         decision_date=D(2026, 5, 8), reason="Lần ba")
        assert "tối đa 2 lần" in refused.value.message
    clock.refresh_from_db()
    assert clock.due_on == D(2026, 6, 15) and clock.extensions_used == 2
    ledger = list(clock.entries.values_list("kind", "due_before", "due_after"))
    assert ledger == [
        ("start", None, D(2026, 4, 6)),
        ("pause", D(2026, 4, 6), None),
        ("resume", None, D(2026, 4, 14)),
        ("extend", D(2026, 4, 14), D(2026, 5, 14)),
        ("extend", D(2026, 5, 14), D(2026, 6, 15)),
    ]


@time_machine.travel(at(D(2026, 3, 2)), tick=False)
def test_denunciation_of_a_member_uses_the_party_rule_in_working_days(clerk, ubkt_member, tree):
    member = MemberFactory(organisation=tree.branch_a)
    letter = receive_petition(actor=clerk, organisation=tree.office, kind="denunciation",
                              subject_member=member, received_on=D(2026, 3, 2))
    petition_classify(actor=clerk, petition_id=letter.pk, kind="denunciation",
                      competence="here")
    petition_accept(actor=ubkt_member, petition_id=letter.pk, doc_number="02/TB",
                    doc_date=D(2026, 3, 2))
    clock = open_clocks(letter)["resolve"]
    assert clock.rule.code == "to-cao-dang-vien-giai-quyet"
    # 90 working days after Mon 02/03/2026. March: 3–31 gives 21; April: 22 working days
    # minus 27/4 (Hùng Vương, observed) and 30/4 = 20 (41); May: 21 weekdays minus 1/5
    # = 20 (61); June: 22 (83); July: 1,2,3,6,7,8,9 = 7 (90) -> Thu 09/07/2026.
    assert clock.due_on == D(2026, 7, 9)


def test_a_new_rule_version_applies_to_new_clocks_only(clerk, tree):
    old = DeadlineRule.objects.get(code="don-phan-loai")
    with time_machine.travel(at(D(2026, 6, 1)), tick=False):
        before = receive_petition(actor=clerk, organisation=tree.office,
                                  received_on=D(2026, 6, 1))
    new = DeadlineRule.objects.create(
        code=old.code, procedure=old.procedure, step=old.step, start_event=old.start_event,
        stop_events=old.stop_events, length=5, unit="working",
        legal_basis="Luật 136/2025/QH15 (ví dụ)", effective_from=D(2026, 7, 1))
    with time_machine.travel(at(D(2026, 7, 1)), tick=False):
        after = receive_petition(actor=clerk, organisation=tree.office,
                                 received_on=D(2026, 7, 1))
    assert open_clocks(before)["classify"].rule == old
    assert open_clocks(after)["classify"].rule == new
    # 5 working days after Wed 01/07/2026: 2, 3, 6, 7, 8 -> Wed 08/07/2026.
    assert open_clocks(after)["classify"].due_on == D(2026, 7, 8)


@time_machine.travel(at(D(2026, 3, 2)), tick=False)
def test_editing_the_calendar_recomputes_open_clocks_and_logs_why(clerk, admin_user, tree):
    letter = receive_petition(actor=clerk, organisation=tree.office, received_on=D(2026, 3, 2))
    clocks = open_clocks(letter)
    assert clocks["classify"].due_on == D(2026, 3, 16)
    calendar_set_day(day=D(2026, 3, 10), is_working_day=False,
                     reason="Nghỉ đột xuất do bão", actor=admin_user)
    clocks = open_clocks(letter)
    # One working day fewer before the due date: Mon 16/03 -> Tue 17/03/2026.
    assert clocks["classify"].due_on == D(2026, 3, 17)
    entry = clocks["classify"].entries.get(kind=ClockEntryKind.RECOMPUTE)
    assert (entry.due_before, entry.due_after) == (D(2026, 3, 16), D(2026, 3, 17))
    assert "10/03/2026" in entry.reason
    # The 15-day answer clock ends Tue 17/03 either way: recomputed, not moved, not logged.
    assert clocks["answer"].due_on == D(2026, 3, 17)
    assert not clocks["answer"].entries.filter(kind=ClockEntryKind.RECOMPUTE).exists()


@time_machine.travel(at(D(2026, 3, 2)), tick=False)
def test_a_viewer_may_not_pause_a_clock(tree, clerk):
    viewer = user_with_role("viewer", tree.commune, username="xem")
    letter = receive_petition(actor=clerk, organisation=tree.office, received_on=D(2026, 3, 2))
    clock = open_clocks(letter)["classify"]
    with pytest.raises(ActionRefused):
        clock_pause(actor=viewer, clock_id=clock.pk, on=D(2026, 3, 2), reason="x")
    assert days_left(clock, today=D(2026, 3, 2)) == 10
    assert days_left(clock, today=D(2026, 3, 18)) == -2
