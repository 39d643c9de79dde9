"""Deadline clocks of inspection and supervision cases: every step starts and stops its
clock inside the step's transaction, with due dates computed by hand here (working days
across the 27/04, 30/04 and 01/05/2026 holidays); the case's own end date and its gia hạn;
the month to appeal a discipline decision, which lapses rather than falls due; and the
sweep's notices for case clocks, to the team leader, the deciding body and the leaders,
exactly once, never naming the letter a case came from."""
import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from casework.models import EventType
from casework.services.inspections import (
    case_open,
    case_step,
    discipline_appeal,
    discipline_decide,
)
from notifications.models import Notice
from notifications.rendering import render_notice
from tests.factories import MemberFactory, UserFactory, receive_petition, user_with_role
from workflows.calendar import get_calendar
from workflows.models import ClockEntryKind, ClockStatus, DeadlineClock, DeadlineRule
from workflows.panels import clock_state
from workflows.services.case_clocks import add_months
from workflows.services.clocks import clock_extend, compute
from workflows.sweep import sweep

pytestmark = pytest.mark.django_db
D = dt.date
DECISION_DAY = D(2026, 4, 13)
NOTIFIED_ON = D(2026, 6, 10)


def at(day):
    return dt.datetime.combine(day, dt.time(9), tzinfo=dt.timezone(dt.timedelta(hours=7)))


@pytest.fixture
def people(tree):
    """The UBKT decides (its member is assigned at the UBKT), a team member leads the team;
    the commune has a leader, the city one who must not hear of a commune's case, the
    office a clerk who has nothing to do with it."""
    return type("People", (), dict(
        ubkt=user_with_role("ubkt", tree.ubkt, username="uv-ubkt", email="ubkt@example.vn"),
        team_leader=UserFactory(username="truong-doan", email="td@example.vn"),
        leader=user_with_role("leader", tree.commune, username="lanhdao"),
        city_leader=user_with_role("leader", tree.city, username="thanhpho"),
        clerk=user_with_role("clerk", tree.office, username="vanphong"),
    ))


def open_case(tree, people, *, kind="violation_signs", day=DECISION_DAY, **extra):
    """Decision of Mon 13/04/2026; the decision's period ends Tue 30/06/2026."""
    extra.setdefault("subject_member", MemberFactory(organisation=tree.branch_a))
    with time_machine.travel(at(day), tick=False):
        return case_open(
            actor=people.ubkt, organisation=tree.ubkt, body="ubkt", kind=kind,
            title="Kiểm tra khi có dấu hiệu vi phạm", decision_number="05-QĐ/UBKT",
            decision_date=day, starts_on=day, ends_on=D(2026, 6, 30),
            team_leader=people.team_leader, **extra)


def step(case, actor, action, day, **extra):
    if action in ("conclude", "notify"):
        extra.setdefault("doc_number", f"{action}-1")
        extra.setdefault("doc_date", day)
    if action == "conclude":
        extra.setdefault("conclusion", "Có vi phạm.")
        extra.setdefault("violation_found", True)
    if action == "archive":
        extra.setdefault("on", day)
    with time_machine.travel(at(day), tick=False):
        return case_step(actor=actor, case_id=case.pk, action=action, **extra)


def clock(case, step_code):
    return DeadlineClock.objects.get(inspection=case, rule__step=step_code)


def open_steps(case):
    return sorted(DeadlineClock.objects.filter(inspection=case, status="running")
                  .values_list("rule__step", flat=True))


def test_every_inspection_step_starts_and_stops_its_clock(tree, people):
    case = open_case(tree, people)
    announce = clock(case, "announce")
    # 10 working days after Mon 13/04: Mon 27/04 (Giỗ Tổ, observed) does not count.
    assert announce.due_on == D(2026, 4, 28)
    assert announce.assignee == people.team_leader and announce.organisation == tree.ubkt
    assert announce.petition_id is None
    assert open_steps(case) == ["announce", "finish"]
    assert clock(case, "finish").due_on == D(2026, 6, 30)

    step(case, people.team_leader, "announce", D(2026, 4, 21))
    announce.refresh_from_db()
    assert (announce.status, announce.stopped_on) == (ClockStatus.STOPPED, D(2026, 4, 21))
    assert announce.stop_event.event_type == EventType.ANNOUNCED
    # 10 working days after Tue 21/04, skipping 27/04, 30/04 and 01/05: Fri 08/05.
    assert clock(case, "explain").due_on == D(2026, 5, 8)

    step(case, people.team_leader, "explain", D(2026, 5, 8))
    assert clock(case, "verify").due_on == D(2026, 5, 29)  # 15 working days
    step(case, people.team_leader, "verify", D(2026, 6, 1))  # one working day late
    verify = clock(case, "verify")
    assert clock_state(verify, D(2026, 6, 1), get_calendar()).text == "trễ 01 ngày làm việc"
    assert clock(case, "report").due_on == D(2026, 6, 8)  # 5 working days
    step(case, people.team_leader, "report", D(2026, 6, 2))
    assert clock(case, "meet").due_on == D(2026, 6, 9)
    step(case, people.team_leader, "meet", D(2026, 6, 3))
    assert clock(case, "conclude").due_on == D(2026, 6, 17)  # 10 working days
    step(case, people.ubkt, "conclude", D(2026, 6, 4))
    assert clock(case, "notify").due_on == D(2026, 6, 11)
    step(case, people.ubkt, "notify", D(2026, 6, 5))
    # The conclusion is notified: the decision's period is over, in time.
    finish = clock(case, "finish")
    assert (finish.status, finish.stopped_on) == (ClockStatus.STOPPED, D(2026, 6, 5))
    assert clock(case, "after_notice").due_on == D(2026, 6, 26)  # 15 working days
    step(case, people.ubkt, "open_discipline", D(2026, 6, 8))
    assert clock(case, "discipline").due_on == D(2026, 6, 29)
    with time_machine.travel(at(D(2026, 6, 10)), tick=False):
        discipline_decide(actor=people.ubkt, case_id=case.pk, form="warning",
                          decision_number="12-QĐ/UBKT", decision_date=D(2026, 6, 9),
                          notified_on=D(2026, 6, 10))
    assert clock(case, "discipline").stopped_on == D(2026, 6, 9)
    # Remediation: 90 days after the decision of Tue 09/06 is Mon 07/09/2026. The appeal:
    # one month from the announcement of Wed 10/06, i.e. Fri 10/07/2026.
    assert clock(case, "remediate").due_on == D(2026, 9, 7)
    assert clock(case, "appeal").due_on == D(2026, 7, 10)
    assert open_steps(case) == ["appeal", "remediate"]
    step(case, people.ubkt, "archive", D(2026, 7, 20))
    assert open_steps(case) == ["appeal"]  # a right of the subject, not the case's work
    # Each clock's ledger: a start, then a stop (the appeal's window is still open).
    for c in DeadlineClock.objects.filter(inspection=case).exclude(rule__step="appeal"):
        assert list(c.entries.values_list("kind", flat=True)) == ["start", "stop"], c.rule


def test_a_supervision_has_its_own_steps_and_ends_with_its_notice(tree, people):
    case = open_case(tree, people, kind="thematic_supervision")
    step(case, people.team_leader, "announce", D(2026, 4, 14))
    step(case, people.team_leader, "explain", D(2026, 4, 15))
    # Xem xét báo cáo: 10 working days after Wed 15/04, skipping 27/04, 30/04 and 01/05:
    # Mon 04/05.
    assert clock(case, "review").due_on == D(2026, 5, 4)
    step(case, people.team_leader, "review", D(2026, 4, 29))
    assert clock(case, "notify").due_on == D(2026, 5, 8)  # 5 working days after 29/04
    step(case, people.ubkt, "notify", D(2026, 5, 7))
    assert open_steps(case) == ["after_notice"]
    assert clock(case, "finish").status == ClockStatus.STOPPED
    step(case, people.team_leader, "remediate", D(2026, 5, 8))
    assert open_steps(case) == ["remediate"]
    step(case, people.ubkt, "archive", D(2026, 5, 20))
    assert open_steps(case) == []


def test_the_finish_clock_is_due_on_the_decision_end_date_and_a_decision_extends_it(
        tree, people):
    case = open_case(tree, people)
    finish = clock(case, "finish")
    assert (finish.started_on, finish.due_on) == (D(2026, 4, 13), D(2026, 6, 30))
    # Its ladder: warned 5 working days before, overdue 2 working days after.
    assert (finish.warn_on, finish.overdue_on) == (D(2026, 6, 23), D(2026, 7, 2))
    assert "ngày kết thúc ghi trong quyết định số 05-QĐ/UBKT ngày 13/04/2026, tức ngày " \
           "30/06/2026" in compute(finish).lines[0]
    with time_machine.travel(at(D(2026, 6, 20)), tick=False):
        # The team cannot extend the decision; the deciding body can, once.
        from casework.errors import ActionRefused
        with pytest.raises(ActionRefused):
            clock_extend(actor=people.team_leader, clock_id=finish.pk, days=15,
                         decision_number="20-QĐ/UBKT", decision_date=D(2026, 6, 19),
                         reason="Xác minh thêm")
        finish = clock_extend(actor=people.ubkt, clock_id=finish.pk, days=15,
                              decision_number="20-QĐ/UBKT", decision_date=D(2026, 6, 19),
                              reason="Xác minh thêm")
        # The decision's date plus 15 days, kept as written: Wed 15/07/2026.
        assert finish.due_on == D(2026, 7, 15) and finish.cycle == 1
        with pytest.raises(ActionRefused, match="tối đa 1 lần"):
            clock_extend(actor=people.ubkt, clock_id=finish.pk, days=5,
                         decision_number="21-QĐ/UBKT", decision_date=D(2026, 6, 20),
                         reason="Lần nữa")
    lines = compute(finish).lines
    assert any("Gia hạn: thêm 15 ngày theo quyết định số 20-QĐ/UBKT" in line for line in lines)
    assert lines[-1] == "Hạn: 15/07/2026."


def run_to_discipline(tree, people, *, form="warning", notified_on=NOTIFIED_ON):
    case = open_case(tree, people)
    for action, day in (("announce", D(2026, 4, 21)), ("explain", D(2026, 5, 8)),
                        ("verify", D(2026, 5, 20)), ("report", D(2026, 5, 21)),
                        ("meet", D(2026, 5, 22))):
        step(case, people.team_leader, action, day)
    for action, day in (("conclude", D(2026, 6, 1)), ("notify", D(2026, 6, 2)),
                        ("open_discipline", D(2026, 6, 3))):
        step(case, people.ubkt, action, day)
    with time_machine.travel(at(D(2026, 6, 10)), tick=False):
        discipline_decide(actor=people.ubkt, case_id=case.pk, form=form,
                          decision_number="12-QĐ/UBKT" if form else "",
                          decision_date=D(2026, 6, 9) if form else None,
                          notified_on=notified_on if form else None,
                          reason="" if form else "Đã khắc phục, không kỷ luật")
    return case


def test_an_appeal_within_the_month_meets_its_clock(tree, people):
    case = run_to_discipline(tree, people)
    appeal = clock(case, "appeal")
    assert (appeal.started_on, appeal.due_on) == (D(2026, 6, 10), D(2026, 7, 10))
    # No ladder: appealing is the subject's right; nobody is warned or told it is overdue.
    assert (appeal.warn_on, appeal.overdue_on, appeal.next_escalation_on) == (None, None, None)
    with time_machine.travel(at(D(2026, 7, 10)), tick=False):
        discipline_appeal(actor=people.ubkt, case_id=case.pk, on=D(2026, 7, 10),
                          reason="Đề nghị xem xét lại")
    appeal.refresh_from_db()
    assert (appeal.status, appeal.stopped_on) == (ClockStatus.STOPPED, D(2026, 7, 10))
    state = clock_state(appeal, D(2026, 7, 10), get_calendar())
    assert (state.level, state.text) == ("met", "đúng hạn")
    assert sweep(today=D(2026, 7, 20)) == 0
    assert not Notice.objects.filter(clock=appeal).exists()


def test_a_month_without_appeal_lapses_instead_of_falling_overdue(tree, people):
    case = run_to_discipline(tree, people)
    appeal = clock(case, "appeal")
    sweep(today=D(2026, 7, 10))  # the last day to appeal
    appeal.refresh_from_db()
    assert appeal.status == ClockStatus.RUNNING
    sweep(today=D(2026, 7, 11))
    sweep(today=D(2026, 7, 11))  # again: one ledger line, not two
    appeal.refresh_from_db()
    assert (appeal.status, appeal.stopped_on) == (ClockStatus.LAPSED, D(2026, 7, 10))
    assert list(appeal.entries.values_list("kind", flat=True)) == [
        ClockEntryKind.START, ClockEntryKind.LAPSE]
    state = clock_state(appeal, D(2026, 7, 11), get_calendar())
    assert (state.level, state.flag) == ("lapsed", "Hết thời hạn")
    assert state.text == "không có khiếu nại kỷ luật trong thời hạn"
    assert not appeal.escalations.exists() and not Notice.objects.filter(clock=appeal).exists()
    # An appeal recorded afterwards is late, and reads so.
    with time_machine.travel(at(D(2026, 7, 15)), tick=False):
        discipline_appeal(actor=people.ubkt, case_id=case.pk, on=D(2026, 7, 15))
    appeal.refresh_from_db()
    assert (appeal.status, appeal.stopped_on) == (ClockStatus.STOPPED, D(2026, 7, 15))
    assert clock_state(appeal, D(2026, 7, 15), get_calendar()).text == "trễ 05 ngày"


def test_no_appeal_clock_without_a_form_of_discipline(tree, people):
    case = run_to_discipline(tree, people, form="")
    assert not DeadlineClock.objects.filter(inspection=case, rule__step="appeal").exists()
    assert open_steps(case) == ["remediate"]


def test_a_month_ends_on_the_same_day_or_the_end_of_a_shorter_month():
    assert add_months(D(2026, 1, 31), 1) == D(2026, 2, 28)
    assert add_months(D(2028, 1, 31), 1) == D(2028, 2, 29)
    assert add_months(D(2026, 12, 15), 1) == D(2027, 1, 15)


def recipients(clock_obj, rung):
    return sorted(Notice.objects.filter(escalation__clock=clock_obj, escalation__rung=rung)
                  .values_list("recipient__username", "channel"))


def test_the_sweep_tells_the_team_leader_then_the_body_then_the_leaders_once(tree, people):
    letter = receive_petition(actor=people.clerk, organisation=tree.office,
                              kind="denunciation", sender="Nguyễn Văn Tố Giác",
                              received_on=D(2026, 4, 1))
    case = open_case(tree, people, source_petition=letter)
    announce = clock(case, "announce")
    # Warned 2 working days before Tue 28/04 (Mon 27/04 is off): Thu 23/04; overdue 2
    # working days after: Wed 29/04, then (30/04, 01/05 and the weekend off) Mon 04/05.
    assert (announce.warn_on, announce.overdue_on) == (D(2026, 4, 23), D(2026, 5, 4))
    letter_clocks = set(DeadlineClock.objects.filter(petition=letter).values_list("pk", flat=True))
    DeadlineClock.objects.filter(pk__in=letter_clocks).update(status="stopped")

    assert sweep(today=D(2026, 4, 22)) == 0
    assert sweep(today=D(2026, 4, 23)) == 1
    assert sweep(today=D(2026, 4, 23)) == 0
    assert recipients(announce, 0) == [("truong-doan", "email"), ("truong-doan", "in_app")]
    assert sweep(today=D(2026, 4, 28)) == 1
    assert recipients(announce, 1) == [("truong-doan", "email"), ("truong-doan", "in_app"),
                                       ("uv-ubkt", "email"), ("uv-ubkt", "in_app")]
    assert sweep(today=D(2026, 5, 4)) == 1
    assert recipients(announce, 2) == [("lanhdao", "in_app"),
                                       ("truong-doan", "email"), ("truong-doan", "in_app"),
                                       ("uv-ubkt", "email"), ("uv-ubkt", "in_app")]
    assert not Notice.objects.filter(recipient__in=[people.city_leader, people.clerk],
                                     clock=announce).exists()
    notice = Notice.objects.get(escalation__clock=announce, escalation__rung=2,
                                recipient=people.leader)
    rendered = render_notice(notice)
    assert rendered.subject == ("Quá hạn: Cuộc kiểm tra, giám sát số 001/2026/KT-UBKT – Công bố "
                                "quyết định kiểm tra, giám sát, quá hạn 02 ngày làm việc")
    assert "(Kiểm tra khi có dấu hiệu vi phạm) – Ủy ban Kiểm tra Đảng ủy" in rendered.text
    assert rendered.url == case.get_absolute_url()
    for words in (rendered.subject, rendered.text):
        assert "Tố Giác" not in words and "Đơn số" not in words


def test_letters_and_cases_fire_in_the_same_sweep(tree, people):
    case = open_case(tree, people)
    letter = receive_petition(actor=people.clerk, organisation=tree.office,
                              received_on=D(2026, 4, 13))
    fired = sweep(today=D(2026, 4, 28))  # both the case's announce and the letter's classify
    assert fired == DeadlineClock.objects.filter(escalations__isnull=False).distinct().count()
    assert clock(case, "announce").escalations.get().rung == 1
    assert DeadlineClock.objects.get(petition=letter, rule__step="classify").escalations.exists()


def test_every_case_rule_is_marked_unconfirmed_and_dated():
    """The state is a field for the administrator, not words in the basis users read."""
    rules = DeadlineRule.objects.filter(procedure__in=["inspection", "supervision"])
    assert rules.count() >= 19
    assert set(rules.values_list("legal_basis", flat=True)) == {
        "Quy định 296-QĐ/TW; Hướng dẫn 08-HD/TW"}
    assert set(rules.values_list("confirmed", flat=True)) == {False}
    assert set(rules.values_list("source_title", "source_date")) == {
        ("Quy định 296-QĐ/TW", D(2025, 5, 30))}
    assert set(rules.values_list("effective_from", flat=True)) == {D(2025, 5, 30)}
    # The appeal month: read from the announcement until 30/6/2026 (unconfirmed), from
    # receipt of the decision since (Điều lệ Đảng Điều 39(7), confirmed).
    appeal = DeadlineRule.objects.filter(code="kl-khieu-nai").order_by("effective_from")
    assert [(r.effective_from, r.counted_from, r.confirmed, r.source_article) for r in appeal] == [
        (D(2025, 5, 30), "discipline_notified", False, "Điều 39 khoản 7"),
        (D(2026, 7, 1), "discipline_received", True, "Điều 39 khoản 7")]
    assert not DeadlineRule.objects.filter(legal_basis__contains="chưa xác nhận").exists()


def test_the_case_page_shows_every_clock_of_the_case(client, tree, people):
    case = open_case(tree, people)
    step(case, people.team_leader, "announce", D(2026, 4, 21))
    client.force_login(people.ubkt)
    with time_machine.travel(at(D(2026, 4, 22)), tick=False):
        response = client.get(case.get_absolute_url())
    assert response.status_code == 200
    html = response.content.decode()
    assert "Thời hạn xử lý" in html
    for words in ("Công bố quyết định kiểm tra, giám sát", "Đối tượng giải trình, báo cáo",
                  "Kết thúc cuộc kiểm tra, giám sát", "30/06/2026", "08/05/2026",
                  "Quy định 296-QĐ/TW; Hướng dẫn 08-HD/TW"):
        assert words in html, words
    # The rule's state is the administrator's business, not noise on every deadline.
    assert "chưa xác nhận" not in html
    # The deciding body may extend the decision's period from the page.
    finish = clock(case, "finish")
    assert reverse("workflows:clock-extend", args=[finish.pk]) in html
    with time_machine.travel(at(D(2026, 4, 22)), tick=False):
        response = client.post(reverse("workflows:clock-extend", args=[finish.pk]), {
            "days": "10", "decision_number": "20-QĐ/UBKT", "decision_date": "22/04/2026",
            "reason": "Xác minh thêm"})
    assert response.status_code == 302 and response["Location"] == case.get_absolute_url()
    finish.refresh_from_db()
    assert finish.due_on == D(2026, 7, 10)


def test_the_overview_lists_case_clocks_only_to_those_who_see_the_case(client, tree, people):
    from casework.models import OrgKind
    from tests.factories import OrganisationFactory

    case = open_case(tree, people)
    client.force_login(people.leader)
    with time_machine.travel(at(D(2026, 4, 27)), tick=False):
        response = client.get(reverse("workflows:clock-overview"))
    rows = [c for t in response.context["tables"] for c in t["rows"]]
    assert [c.inspection_id for c in rows] == [case.pk]  # announce, due 28/04
    assert case.number in response.content.decode()
    outsider = user_with_role("leader", OrganisationFactory(code="khac", kind=OrgKind.COMMUNE,
                                                            parent=tree.city), username="khac")
    client.force_login(outsider)
    with time_machine.travel(at(D(2026, 4, 27)), tick=False):
        response = client.get(reverse("workflows:clock-overview"))
    assert case.number not in response.content.decode()
    assert response.context["later"] == 0


def test_from_1_july_2026_the_appeal_month_runs_from_receipt_of_the_decision(tree, people):
    """Điều lệ Đảng Điều 39(7): one month from receiving the decision, not from its
    announcement (the 2025 version, kept for decisions taken before 1/7/2026)."""
    case = open_case(tree, people)
    for action, day in (("announce", D(2026, 4, 21)), ("explain", D(2026, 5, 8)),
                        ("verify", D(2026, 5, 20)), ("report", D(2026, 5, 21)),
                        ("meet", D(2026, 5, 22))):
        step(case, people.team_leader, action, day)
    for action, day in (("conclude", D(2026, 6, 1)), ("notify", D(2026, 6, 2)),
                        ("open_discipline", D(2026, 6, 3))):
        step(case, people.ubkt, action, day)
    with time_machine.travel(at(D(2026, 7, 24)), tick=False):
        discipline_decide(actor=people.ubkt, case_id=case.pk, form="warning",
                          decision_number="15-QĐ/UBKT", decision_date=D(2026, 7, 17),
                          notified_on=D(2026, 7, 20), received_on=D(2026, 7, 24))
    appeal = clock(case, "appeal")
    # Received Fri 24/07/2026: one month -> Mon 24/08/2026 (from the announcement of Mon
    # 20/07 it would have been Thu 20/08/2026).
    assert (appeal.rule.effective_from, appeal.started_on, appeal.due_on) == (
        D(2026, 7, 1), D(2026, 7, 24), D(2026, 8, 24))
    assert appeal.rule.legal_basis == "Điều lệ Đảng, Điều 39 khoản 7"
