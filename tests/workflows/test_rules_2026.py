"""The rule versions of 1/7/2026 and the rules the check against the statutes found missing
(issue 17), with every due date computed by hand in the comments.

The 2026 calendar (workflows 0002 overrides and holidays.VN): Tết 14–22/02/2026 off;
Saturday 22/08/2026 a working day; Monday 31/08, Tuesday 01/09 and Wednesday 02/09/2026
off (Quốc khánh); Tuesday 24/11/2026 off (Ngày Văn hóa Việt Nam). Tết 2027: Thursday 04/02
to Wednesday 10/02/2027 off.
"""
import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError

from casework.errors import ActionRefused
from casework.services.petitions import (
    petition_accept,
    petition_classify,
    petition_receive,
    petition_report_back,
    petition_resolve,
)
from tests.factories import MemberFactory, receive_petition, user_with_role
from workflows.models import ClockEntryKind, ClockStatus, DeadlineClock
from workflows.services.clocks import clock_extend, clock_pause, clock_resume
from workflows.sweep import lapse

D = dt.date


def at(day, hour=9):
    return dt.datetime.combine(day, dt.time(hour), tzinfo=dt.timezone(dt.timedelta(hours=7)))


def clocks_of(petition, step=None):
    qs = DeadlineClock.objects.filter(petition=petition).select_related("rule")
    if step:
        return qs.get(rule__step=step)
    return {c.rule.step: c for c in qs.filter(status__in=["running", "paused"])}


@pytest.fixture
def ubkt(tree):
    return user_with_role("ubkt", tree.commune, username="ubkt")


def complaint(clerk, tree, received_on, **kwargs):
    with time_machine.travel(at(max(received_on, D(2026, 1, 1))), tick=False):
        return receive_petition(actor=clerk, organisation=kwargs.pop("organisation", tree.office),
                                kind="complaint", received_on=received_on, **kwargs)


def accepted_complaint(clerk, ubkt, tree, received_on, accepted_on, **kwargs):
    letter = complaint(clerk, tree, received_on, **kwargs)
    with time_machine.travel(at(accepted_on), tick=False):
        petition_classify(actor=clerk, petition_id=letter.pk, kind="complaint",
                          competence="here")
        petition_accept(actor=ubkt, petition_id=letter.pk, doc_number="01/TB",
                        doc_date=accepted_on)
    return letter


# ---------------------------------------------------------------- thụ lý across 1/7/2026

def test_thu_ly_keeps_ten_days_until_30_june_and_seven_working_days_from_1_july(clerk, tree):
    # Tue 30/06/2026, old rule: 10 days, 01/07..10/07 -> Fri 10/07/2026.
    before = clocks_of(complaint(clerk, tree, D(2026, 6, 30)))["accept"]
    assert (before.rule.effective_from, before.rule.unit, before.due_on) == (
        D(2012, 7, 1), "calendar", D(2026, 7, 10))
    # Wed 01/07/2026, NĐ 155/2026: 07 working days: 2,3 | 6,7,8,9,10 -> Fri 10/07/2026.
    after = clocks_of(complaint(clerk, tree, D(2026, 7, 1)))["accept"]
    assert (after.rule.effective_from, after.rule.unit, after.rule.length, after.due_on) == (
        D(2026, 7, 1), "working", 7, D(2026, 7, 10))
    # Thu 27/08/2026, across 2/9: Fri 28/8 (1); 29/8–2/9 off; 3,4 (3); 7,8,9,10 (7)
    # -> Thu 10/09/2026 (the old 10 days would have given Sun 06/09 -> Mon 07/09).
    assert clocks_of(complaint(clerk, tree, D(2026, 8, 27)))["accept"].due_on == D(2026, 9, 10)
    # Fri 21/08/2026: Sat 22/08 is a make-up working day (1); 24–28/8 (6); Thu 03/09 (7).
    assert clocks_of(complaint(clerk, tree, D(2026, 8, 21)))["accept"].due_on == D(2026, 9, 3)


def test_thu_ly_across_tet(clerk, tree):
    # Thu 12/02/2026 (old rule): 10 days -> Sun 22/02/2026, off -> Mon 23/02/2026.
    assert clocks_of(complaint(clerk, tree, D(2026, 2, 12)))["accept"].due_on == D(2026, 2, 23)
    # Wed 03/02/2027 (7 working days): 4–10/02 Tết; 11,12 (2); 15,16,17,18,19 (7)
    # -> Fri 19/02/2027.
    with time_machine.travel(at(D(2027, 2, 3)), tick=False):
        letter = receive_petition(actor=clerk, organisation=tree.office, kind="complaint",
                                  received_on=D(2027, 2, 3))
    assert clocks_of(letter)["accept"].due_on == D(2027, 2, 19)


def test_second_instance_has_its_own_thu_ly_and_resolution(clerk, ubkt, tree):
    # Before 1/7/2026: 10 days (Điều 36). Mon 29/06/2026 -> Thu 09/07/2026.
    old = complaint(clerk, tree, D(2026, 6, 29), instance=2)
    assert (clocks_of(old)["accept"].rule.code, clocks_of(old)["accept"].due_on) == (
        "khieu-nai-lan-hai-thu-ly", D(2026, 7, 9))
    # From 1/7/2026: 07 working days; Thu 27/08/2026 -> Thu 10/09/2026 (as above).
    letter = accepted_complaint(clerk, ubkt, tree, D(2026, 8, 27), D(2026, 9, 3), instance=2)
    assert clocks_of(letter, "accept").due_on == D(2026, 9, 10)
    # Resolved in 45 days from thụ lý of Thu 03/09/2026 -> Sun 18/10 -> Mon 19/10/2026.
    resolve = clocks_of(letter)["resolve"]
    assert (resolve.rule.code, resolve.due_on) == ("khieu-nai-giai-quyet-lan-hai", D(2026, 10, 19))
    # A second complaint opens no window for a third.
    with time_machine.travel(at(D(2026, 9, 20)), tick=False):
        petition_resolve(actor=ubkt, petition_id=letter.pk, result="Giữ nguyên",
                         doc_number="05/QĐ", doc_date=D(2026, 9, 20))
    assert not DeadlineClock.objects.filter(petition=letter, rule__step="second_window").exists()


# ---------------------------------------------------------------- remote areas

def test_remote_area_periods_are_chosen_by_the_organisation(clerk, ubkt, tree):
    tree.office.remote_area = True
    tree.office.save()
    # First instance accepted Fri 03/07/2026: 45 days -> Mon 17/08/2026 (30 would give
    # Sun 02/08 -> Mon 03/08), extendable by 15 (to 60).
    first = accepted_complaint(clerk, ubkt, tree, D(2026, 7, 1), D(2026, 7, 3))
    resolve = clocks_of(first)["resolve"]
    assert (resolve.rule.code, resolve.due_on, resolve.rule.extension_length) == (
        "khieu-nai-giai-quyet-lan-dau-vung-xa", D(2026, 8, 17), 15)
    # Second instance: 60 days from Fri 03/07/2026 -> Tue 01/09/2026, a holiday; Wed 02/09
    # too -> Thu 03/09/2026. Extendable by 10 (to 70).
    second = accepted_complaint(clerk, ubkt, tree, D(2026, 7, 1), D(2026, 7, 3), instance=2)
    resolve = clocks_of(second)["resolve"]
    assert (resolve.rule.code, resolve.due_on, resolve.rule.extension_length) == (
        "khieu-nai-giai-quyet-lan-hai-vung-xa", D(2026, 9, 3), 10)


def test_ordinary_area_keeps_the_ordinary_period(clerk, ubkt, tree):
    first = accepted_complaint(clerk, ubkt, tree, D(2026, 7, 1), D(2026, 7, 3))
    resolve = clocks_of(first)["resolve"]
    assert (resolve.rule.code, resolve.due_on) == ("khieu-nai-giai-quyet-lan-dau", D(2026, 8, 3))


# ---------------------------------------------------------------- the second complaint's window

def test_window_for_the_second_complaint_runs_from_receipt_of_the_decision(clerk, ubkt, tree):
    letter = accepted_complaint(clerk, ubkt, tree, D(2026, 7, 1), D(2026, 7, 3))
    with time_machine.travel(at(D(2026, 8, 21)), tick=False):
        petition_resolve(actor=ubkt, petition_id=letter.pk, result="Không chấp nhận",
                         doc_number="07/QĐ", doc_date=D(2026, 8, 20),
                         delivered_on=D(2026, 8, 21))
    window = clocks_of(letter)["second_window"]
    # 30 days from Fri 21/08/2026 -> Sun 20/09 -> Mon 21/09/2026. A right: no ladder.
    assert (window.started_on, window.due_on, window.lapses) == (
        D(2026, 8, 21), D(2026, 9, 21), True)
    assert window.next_escalation_on is None
    lapse(D(2026, 9, 21))  # the last day is still open
    window.refresh_from_db()
    assert window.status == ClockStatus.RUNNING
    lapse(D(2026, 9, 22))
    window.refresh_from_db()
    assert (window.status, window.stopped_on) == (ClockStatus.LAPSED, D(2026, 9, 21))
    assert window.entries.filter(kind=ClockEntryKind.LAPSE).count() == 1


def test_window_is_45_days_in_a_remote_area_and_closes_on_the_second_letter(clerk, ubkt, tree):
    tree.office.remote_area = True
    tree.office.save()
    letter = accepted_complaint(clerk, ubkt, tree, D(2026, 7, 1), D(2026, 7, 3))
    with time_machine.travel(at(D(2026, 8, 20)), tick=False):
        petition_resolve(actor=ubkt, petition_id=letter.pk, result="Không chấp nhận",
                         doc_number="07/QĐ", doc_date=D(2026, 8, 20))
    window = clocks_of(letter)["second_window"]
    # No receipt date recorded: from the decision's date, Thu 20/08/2026; 45 days
    # -> Sun 04/10 -> Mon 05/10/2026.
    assert (window.rule.code, window.due_on) == ("khieu-nai-thoi-han-lan-hai-vung-xa",
                                                 D(2026, 10, 5))
    second = complaint(clerk, tree, D(2026, 9, 15), instance=2, first_petition=letter)
    window.refresh_from_db()
    assert (window.status, window.stopped_on) == (ClockStatus.STOPPED, D(2026, 9, 15))
    assert letter.events.filter(event_type="second_complaint",
                                details__second_petition=second.pk).exists()


def test_a_second_complaint_must_name_a_first_complaint(clerk, tree):
    recommendation = receive_petition(actor=clerk, organisation=tree.office,
                                      received_on=D(2026, 7, 1))
    with time_machine.travel(at(D(2026, 7, 2)), tick=False), pytest.raises(ValidationError) as e:
        receive_petition(actor=clerk, organisation=tree.office, kind="complaint",
                         received_on=D(2026, 7, 2), instance=2, first_petition=recommendation)
    assert "first_petition" in e.value.message_dict
    with time_machine.travel(at(D(2026, 7, 2)), tick=False), pytest.raises(ValidationError) as e:
        receive_petition(actor=clerk, organisation=tree.office, kind="denunciation",
                         received_on=D(2026, 7, 2), instance=2)
    assert e.value.message_dict["instance"] == [
        "Lần khiếu nại: chỉ đơn khiếu nại mới có khiếu nại lần hai."]


# ---------------------------------------------------------------- tố cáo

def denunciation(clerk, tree, received_on, classified_on, competence, **kwargs):
    with time_machine.travel(at(received_on), tick=False):
        letter = receive_petition(actor=clerk, organisation=tree.office, kind="denunciation",
                                  received_on=received_on, **kwargs)
    with time_machine.travel(at(classified_on), tick=False):
        petition_classify(actor=clerk, petition_id=letter.pk, kind="denunciation",
                          competence=competence)
    return letter


def test_transfer_of_a_denunciation_counts_from_receipt(clerk, tree):
    # Received Thu 27/08/2026, classified "not ours" Thu 03/09: 05 working days from
    # receipt: 28/8 (1); 31/8–2/9 off; 3,4 (3); 7,8 (5) -> Tue 08/09/2026 (counted from
    # the classification it would be Thu 10/09).
    letter = denunciation(clerk, tree, D(2026, 8, 27), D(2026, 9, 3), "other")
    transfer = clocks_of(letter)["transfer"]
    assert (transfer.started_on, transfer.due_on, transfer.rule.effective_from) == (
        D(2026, 8, 27), D(2026, 9, 8), D(2026, 7, 1))
    # Classified before 1/7/2026: the old version, from classification. Received Thu
    # 25/06, classified Mon 29/06: 30/6, 1,2,3/7, 6/7 -> Mon 06/07/2026.
    old = denunciation(clerk, tree, D(2026, 6, 25), D(2026, 6, 29), "other")
    assert (clocks_of(old)["transfer"].started_on, clocks_of(old)["transfer"].due_on) == (
        D(2026, 6, 29), D(2026, 7, 6))


def test_check_and_accept_may_go_to_ten_working_days_when_delegated(clerk, ubkt, tree):
    with time_machine.travel(at(D(2026, 8, 27)), tick=False):
        letter = receive_petition(actor=clerk, organisation=tree.office, kind="denunciation",
                                  received_on=D(2026, 8, 27))
    classify = clocks_of(letter)["classify"]
    # 07 working days from Thu 27/08/2026: 28/8 (1); 3,4 (3); 7,8,9,10 (7) -> Thu 10/09.
    assert classify.due_on == D(2026, 9, 10)
    assert "ủy quyền" in classify.rule.note and classify.rule.confirmed
    with time_machine.travel(at(D(2026, 9, 4)), tick=False):
        clock_extend(actor=ubkt, clock_id=classify.pk, days=3, decision_number="03/QĐ-UBKT",
                     decision_date=D(2026, 9, 4), reason="Giao UBND xã xác minh (ủy quyền)")
    classify.refresh_from_db()
    # + 03 working days: 11, 14, 15 -> Tue 15/09/2026 = 10 working days from receipt.
    assert classify.due_on == D(2026, 9, 15)


def test_denunciation_of_a_member_counts_from_receipt_by_the_party_body(clerk, ubkt, tree):
    member = MemberFactory(organisation=tree.branch_a)
    letter = denunciation(clerk, tree, D(2026, 8, 3), D(2026, 8, 5), "here",
                          subject_member=member)
    with time_machine.travel(at(D(2026, 8, 10)), tick=False):
        petition_accept(actor=ubkt, petition_id=letter.pk, doc_number="02/TB",
                        doc_date=D(2026, 8, 10))
    resolve = clocks_of(letter)["resolve"]
    # 90 working days from Mon 03/08/2026 (not from the thụ lý of 10/08): August 4–28 with
    # Saturday 22/8 (20); September 3–30 less 31/8–2/9 (40); October (62); November less
    # Tuesday 24/11 (82); 1,2,3,4, 7,8,9,10 December (90) -> Thu 10/12/2026.
    assert (resolve.rule.code, resolve.started_on, resolve.due_on, resolve.rule.confirmed) == (
        "to-cao-dang-vien-giai-quyet", D(2026, 8, 3), D(2026, 12, 10), False)


# ---------------------------------------------------------------- report back

def test_a_forwarded_letter_is_reported_back_within_seven_working_days(clerk, ubkt, tree):
    with time_machine.travel(at(D(2026, 8, 3)), tick=False):
        letter = petition_receive(
            actor=clerk, organisation=tree.office, received_on=D(2026, 8, 3),
            channel="forwarded", forwarded_by="Ban Tiếp công dân tỉnh", kind="complaint",
            senders=[], sender_type="anonymous", summary="Khiếu nại việc thu hồi đất.")
    plain = accepted_complaint(clerk, ubkt, tree, D(2026, 8, 3), D(2026, 8, 4))
    with time_machine.travel(at(D(2026, 8, 4)), tick=False):
        petition_classify(actor=clerk, petition_id=letter.pk, kind="complaint",
                          competence="here")
        petition_accept(actor=ubkt, petition_id=letter.pk, doc_number="03/TB",
                        doc_date=D(2026, 8, 4))
    with time_machine.travel(at(D(2026, 8, 27)), tick=False):
        for each in (letter, plain):
            petition_resolve(actor=ubkt, petition_id=each.pk, result="Đã giải quyết",
                             doc_number="09/QĐ", doc_date=D(2026, 8, 27))
    # Resolved Thu 27/08/2026: 28/8 (1); 3,4 (3); 7,8,9,10 (7) -> Thu 10/09/2026.
    back = clocks_of(letter)["report_back"]
    assert (back.due_on, back.rule.legal_basis) == (
        D(2026, 9, 10), "Luật Tiếp công dân 2013, Điều 27 khoản 2")
    assert "report_back" not in clocks_of(plain)  # not forwarded: nobody to report to
    with time_machine.travel(at(D(2026, 9, 4)), tick=False):
        petition_report_back(actor=clerk, petition_id=letter.pk, doc_number="10/BC",
                             doc_date=D(2026, 9, 4))
    back.refresh_from_db()
    assert (back.status, back.stopped_on) == (ClockStatus.STOPPED, D(2026, 9, 4))


# ---------------------------------------------------------------- suspension, complex cases

def test_a_suspension_decision_pauses_a_complaint_clock_from_1_july(clerk, ubkt, tree, leader):
    letter = accepted_complaint(clerk, ubkt, tree, D(2026, 7, 1), D(2026, 7, 3))
    resolve = clocks_of(letter)["resolve"]
    assert resolve.due_on == D(2026, 8, 3)  # 30 days -> Sun 02/08 -> Mon 03/08/2026
    with time_machine.travel(at(D(2026, 7, 10)), tick=False):
        clock_pause(actor=ubkt, clock_id=resolve.pk, on=D(2026, 7, 10), suspend=True,
                    decision_number="04/QĐ-TĐC", reason="Chờ kết quả giám định")
    with time_machine.travel(at(D(2026, 7, 20)), tick=False):
        clock_resume(actor=ubkt, clock_id=resolve.pk, on=D(2026, 7, 20),
                     reason="Quyết định tiếp tục giải quyết số 05/QĐ")
    resolve.refresh_from_db()
    # Suspended 10/07 to 20/07: 10 days not counted: 30 + 10 = 40 days from 03/07/2026
    # -> Wed 12/08/2026.
    assert resolve.due_on == D(2026, 8, 12)
    suspend = resolve.entries.get(kind=ClockEntryKind.SUSPEND)
    assert (suspend.decision_number, suspend.decision_date) == ("04/QĐ-TĐC", D(2026, 7, 10))
    # A complaint accepted under the old version has no suspension.
    old = accepted_complaint(clerk, ubkt, tree, D(2026, 6, 22), D(2026, 6, 25))
    with time_machine.travel(at(D(2026, 7, 10)), tick=False), pytest.raises(ActionRefused):
        clock_pause(actor=ubkt, clock_id=clocks_of(old)["resolve"].pk, on=D(2026, 7, 10),
                    suspend=True, decision_number="06/QĐ", reason="Chờ giám định")


def test_extending_a_complaint_needs_the_record_of_a_complex_case(clerk, ubkt, tree):
    letter = accepted_complaint(clerk, ubkt, tree, D(2026, 7, 1), D(2026, 7, 3))
    resolve = clocks_of(letter)["resolve"]
    with time_machine.travel(at(D(2026, 7, 30)), tick=False):
        with pytest.raises(ValidationError) as refused:
            clock_extend(actor=ubkt, clock_id=resolve.pk, days=15, decision_number="08/QĐ",
                         decision_date=D(2026, 7, 30), reason="Cần thêm thời gian")
        assert "complex_record" in refused.value.message_dict
        clock_extend(actor=ubkt, clock_id=resolve.pk, days=15, decision_number="08/QĐ",
                     decision_date=D(2026, 7, 30), reason="Nhiều người liên quan",
                     complex_record="Biên bản số 02/BB ngày 28/07/2026")
    resolve.refresh_from_db()
    # 30 + 15 = 45 days from 03/07/2026 -> Mon 17/08/2026.
    assert resolve.due_on == D(2026, 8, 17)
    assert "Biên bản số 02/BB" in resolve.entries.get(kind=ClockEntryKind.EXTEND).reason


def test_the_pause_page_offers_suspension_only_where_the_rule_has_it(client, clerk, ubkt,
                                                                       tree):
    from django.urls import reverse

    letter = accepted_complaint(clerk, ubkt, tree, D(2026, 7, 1), D(2026, 7, 3))
    old = accepted_complaint(clerk, ubkt, tree, D(2026, 6, 22), D(2026, 6, 25))
    client.force_login(ubkt)
    resolve = clocks_of(letter)["resolve"]
    url = reverse("workflows:clock-pause", args=[resolve.pk])
    with time_machine.travel(at(D(2026, 7, 10)), tick=False):
        assert "Theo quyết định tạm đình chỉ giải quyết" in client.get(url).content.decode()
        old_page = client.get(reverse("workflows:clock-pause",
                                      args=[clocks_of(old)["resolve"].pk])).content.decode()
        assert "tạm đình chỉ" not in old_page
        response = client.post(url, {"on": "10/07/2026", "reason": "Chờ giám định",
                                     "suspend": "on", "decision_number": ""})
        assert "Số quyết định tạm đình chỉ: chưa nhập." in response.content.decode()
        response = client.post(url, {"on": "10/07/2026", "reason": "Chờ giám định",
                                     "suspend": "on", "decision_number": "04/QĐ-TĐC",
                                     "decision_date": "10/07/2026"})
    assert response.status_code == 302
    resolve.refresh_from_db()
    assert resolve.status == ClockStatus.PAUSED
    assert resolve.entries.filter(kind=ClockEntryKind.SUSPEND,
                                  decision_number="04/QĐ-TĐC").exists()
