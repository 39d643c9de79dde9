"""Inspection and supervision cases through their services: opening, each step in order,
who may take which step, discipline rules, and the event log's chain for cases."""
import datetime
import itertools

import pytest
from django.core.exceptions import ValidationError

from casework.errors import ActionRefused
from casework.models import (
    CaseStatus,
    ConductingBody,
    DisciplineForm,
    InspectionCase,
    MemberStatus,
    SubjectType,
)
from casework.models.inspections import (
    FORMS_BY_BODY,
    FORMS_BY_SUBJECT,
    PROCEDURE_STEPS,
    allowed_forms,
)
from casework.services import audit
from casework.services.inspections import case_open, case_step, discipline_decide
from tests.factories import MemberFactory, UserFactory, user_with_role

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.fixture
def ubkt_member(tree):
    return user_with_role("ubkt", tree.ubkt.parent, username="uv-ubkt")


CONDUCTED_AT = {"ubkt": "ubkt", "executive": "commune", "branch": "branch_a"}


def open_case(tree, actor, *, kind="violation_signs", body="ubkt", member=None,
              organisation=None, team=(), status=MemberStatus.FULL):
    if member is None and organisation is None:
        member = MemberFactory(organisation=tree.branch_a, status=status,
                               full_name="Đảng viên Được Kiểm Tra")
    return case_open(
        actor=actor, organisation=getattr(tree, CONDUCTED_AT[body]), body=body,
        kind=kind, title="Kiểm tra khi có dấu hiệu vi phạm", decision_number="05-QĐ/UBKT",
        decision_date=D(2026, 3, 2), starts_on=D(2026, 3, 5), ends_on=D(2026, 5, 5),
        team_leader=actor, team=team, subject_member=member, subject_organisation=organisation)


def run(case, actor, *actions, **kwargs):
    for action in actions:
        extra = {}
        if action == "conclude":
            extra = {"conclusion": "Có vi phạm quy định về quản lý đất đai.",
                     "violation_found": kwargs.get("violation", True),
                     "doc_number": "10-KL/UBKT", "doc_date": D(2026, 4, 20)}
        elif action == "notify":
            extra = {"doc_number": "11-TB/UBKT", "doc_date": D(2026, 4, 22)}
        elif action == "archive":
            extra = {"on": D(2026, 5, 4)}
        case = case_step(actor=actor, case_id=case.pk, action=action, **extra)
    return case


def test_an_inspection_runs_every_step_in_order_and_each_is_logged(tree, ubkt_member):
    case = open_case(tree, ubkt_member)
    assert case.number == "001/2026/KT-UBKT" and case.status == CaseStatus.DECIDED
    steps = [s for s in PROCEDURE_STEPS["inspection"] if s not in ("discipline", "remediate")]
    # verify before explain is refused: the order is the law's.
    with pytest.raises(ActionRefused):
        case_step(actor=ubkt_member, case_id=case.pk, action="verify")
    case = run(case, ubkt_member, *steps[:-1])
    assert case.status == CaseStatus.DISCIPLINE
    discipline_decide(actor=ubkt_member, case_id=case.pk, form=DisciplineForm.WARNING,
                      decision_number="12-QĐ/UBKT", decision_date=D(2026, 4, 25),
                      notified_on=D(2026, 4, 26))
    case = run(case, ubkt_member, "archive")
    assert case.status == CaseStatus.ARCHIVED
    assert list(case.events.values_list("event_type", flat=True)) == [
        "case_opened", "announced", "explained", "verified", "reported", "met", "concluded",
        "case_notified", "discipline_opened", "disciplined", "archived"]
    assert audit.verify().breaks == []


def test_a_supervision_follows_its_own_shorter_procedure(tree, ubkt_member):
    case = open_case(tree, ubkt_member, kind="thematic_supervision")
    with pytest.raises(ActionRefused):
        run(case, ubkt_member, "announce", "explain", "verify")
    case = run(InspectionCase.objects.get(pk=case.pk), ubkt_member, "review", "notify",
               "remediate", "archive")
    assert case.status == CaseStatus.ARCHIVED


def test_team_members_do_field_work_but_only_the_body_decides(tree, ubkt_member):
    member = UserFactory(username="thanh-vien-doan")
    outsider = user_with_role("viewer", tree.commune, username="nguoi-ngoai")
    case = open_case(tree, ubkt_member, team=[member])
    run(case, member, "announce", "explain", "verify", "report", "meet")
    with pytest.raises(ActionRefused, match="không được phép “kết luận”"):
        run(case, member, "conclude")
    with pytest.raises(ActionRefused):
        run(case, outsider, "conclude")
    assert run(case, ubkt_member, "conclude").status == CaseStatus.CONCLUDED


def test_opening_a_case_names_each_bad_field(tree, ubkt_member):
    with pytest.raises(ValidationError) as bad:
        case_open(actor=ubkt_member, organisation=tree.ubkt, body="ubkt",
                  kind="party_finance", title="", decision_number="", decision_date=None,
                  starts_on=D(2026, 3, 5), ends_on=D(2026, 3, 1), team_leader=None,
                  subject_member=MemberFactory(organisation=tree.branch_a))
    errors = bad.value.message_dict
    assert set(errors) >= {"title", "decision_number", "decision_date", "ends_on",
                           "team_leader", "subject_members"}
    assert "không áp dụng cho đảng viên" in errors["subject_members"][0]
    assert not InspectionCase.objects.exists()


def test_a_viewer_cannot_open_a_case(tree):
    viewer = user_with_role("viewer", tree.commune, username="xem")
    with pytest.raises(ActionRefused):
        open_case(tree, viewer)


SUBJECTS = {
    SubjectType.ORGANISATION: dict(kind="party_finance", organisation="branch_b"),
    SubjectType.FULL_MEMBER: dict(status=MemberStatus.FULL),
    SubjectType.PROBATIONARY_MEMBER: dict(status=MemberStatus.PROBATIONARY),
}


def _case_at_discipline(tree, actor, subject_type, body):
    spec = dict(SUBJECTS[subject_type])
    if "organisation" in spec:
        spec["organisation"] = getattr(tree, spec["organisation"])
    case = open_case(tree, actor, body=body, **spec)
    return run(case, actor, "announce", "explain", "verify", "report", "meet", "conclude",
               "notify", "open_discipline")


# A branch has no party organisation below it, so it never disciplines one: opening such
# a case is refused (below), and the rule table refuses every form for it anyway.
COMBINATIONS = [(s, b) for s, b in itertools.product(list(SubjectType), list(ConductingBody))
                if (s, b) != (SubjectType.ORGANISATION, ConductingBody.BRANCH)]


def test_a_branch_cannot_open_a_case_about_another_organisation(tree):
    secretary = user_with_role("branch_secretary", tree.branch_a, username="bithu")
    with pytest.raises(ValidationError, match="không thuộc Đảng bộ"):
        open_case(tree, secretary, body="branch", kind="party_finance",
                  organisation=tree.branch_b)
    assert allowed_forms(SubjectType.ORGANISATION, ConductingBody.BRANCH) == {
        "reprimand", "warning"}


@pytest.mark.parametrize("subject_type,body", COMBINATIONS)
def test_every_forbidden_discipline_is_refused_and_every_allowed_one_recorded(
        tree, subject_type, body):
    actor = user_with_role("leader", tree.commune, username=f"ld-{subject_type}-{body}")
    allowed = FORMS_BY_SUBJECT[subject_type] & FORMS_BY_BODY[body]
    for form in DisciplineForm:
        case = _case_at_discipline(tree, actor, subject_type, body)
        kwargs = dict(actor=actor, case_id=case.pk, form=form, decision_number="1-QĐ",
                      decision_date=D(2026, 4, 25), notified_on=D(2026, 4, 26))
        if form in allowed:
            decision = discipline_decide(**kwargs)
            assert (decision.form, decision.subject_type, decision.body) == (form, subject_type,
                                                                            body)
        else:
            with pytest.raises(ValidationError) as refused:
                discipline_decide(**kwargs)
            assert "không được áp dụng hình thức" in refused.value.message_dict["form"][0]
            case.refresh_from_db()
            assert case.status == CaseStatus.DISCIPLINE and not case.discipline_decisions.exists()


def test_the_rules_match_the_party_statute():
    assert FORMS_BY_SUBJECT[SubjectType.PROBATIONARY_MEMBER] == {"reprimand", "warning"}
    assert FORMS_BY_SUBJECT[SubjectType.ORGANISATION] == {"reprimand", "warning", "dissolution"}
    assert FORMS_BY_BODY[ConductingBody.BRANCH] == {"reprimand", "warning"}
