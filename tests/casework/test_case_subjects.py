"""One case, several subjects (issue 14, part 3): a supervision of four branches by the Ban
Chấp hành is one case with four subjects; the scope, the pages, discipline, the figures
and the demo all read every subject."""
import datetime
import importlib
import io

import pytest
from django.apps import apps as global_apps
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from casework.models import (
    CaseStatus,
    CaseSubject,
    DisciplineDecision,
    InspectionCase,
    MemberStatus,
    Organisation,
)
from casework.selectors.case_figures import case_figures
from casework.selectors.scope import cases_q
from casework.services.inspections import (
    case_open,
    case_step,
    discipline_appeal,
    discipline_decide,
)
from tests.factories import MemberFactory, OrganisationFactory, UserFactory, user_with_role
from workflows.models import DeadlineClock
from workflows.selectors import clocks_q

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.fixture
def four(tree):
    """Four branches under the commune (Hòa Ché and thôn Lại are the tree's) and a fifth,
    not supervised."""
    ho_lieu = OrganisationFactory(name="Chi bộ thôn Hồ Liễu", code="ho-lieu", parent=tree.commune)
    ly_dong = OrganisationFactory(name="Chi bộ thôn Lý Đông", code="ly-dong", parent=tree.commune)
    thon_3 = OrganisationFactory(name="Chi bộ thôn 3", code="thon-3", parent=tree.commune)
    return [ho_lieu, ly_dong, tree.branch_a, thon_3]


@pytest.fixture
def leader(tree):
    return user_with_role("leader", tree.commune, username="bithu-dangbo")


def supervise(tree, actor, branches, **extra):
    return case_open(
        actor=actor, organisation=tree.commune, body="executive", kind="thematic_supervision",
        title="Giám sát 04 chi bộ", decision_number="12-QĐ/ĐU", decision_date=D(2026, 3, 2),
        starts_on=D(2026, 3, 5), ends_on=D(2026, 5, 5), team_leader=actor,
        subject_organisations=branches, **extra)


# ---- the model -----------------------------------------------------------------------------

def test_a_subject_row_is_a_member_or_an_organisation_and_each_once_per_case(tree, four, leader):
    case = supervise(tree, leader, four)
    rows = list(case.subject_rows.all())
    assert [(r.position, r.organisation) for r in rows] == list(enumerate(four))
    assert case.subject_organisation == four[0] and case.subject_member is None  # the first
    assert case.subjects_all() == four
    assert case.subject_names() == ("Chi bộ thôn Hồ Liễu, Chi bộ thôn Lý Đông, "
                                    "Chi bộ thôn Hòa Ché, Chi bộ thôn 3")
    member = MemberFactory(organisation=tree.branch_b)
    for bad in ({"member": member, "organisation": tree.branch_b},  # both
                {},  # neither
                {"organisation": four[1]}):  # twice in the case
        with pytest.raises(IntegrityError), transaction.atomic():
            CaseSubject.objects.create(case=case, position=9, **bad)
    with pytest.raises(IntegrityError), transaction.atomic():  # a position taken
        CaseSubject.objects.create(case=case, position=0, member=member)


# ---- opening a case ------------------------------------------------------------------------

def test_opening_checks_every_subject_and_names_its_field(tree, four, leader):
    outside = OrganisationFactory(name="Chi bộ xã khác", parent=tree.city)
    member = MemberFactory(organisation=tree.branch_b, full_name="Đảng viên Ngoài Loại")
    with pytest.raises(ValidationError) as bad:
        supervise(tree, leader, [four[0], four[0], outside])
    errors = bad.value.message_dict["subject_organisations"]
    assert any("được chọn hai lần" in e for e in errors)
    assert any("Chi bộ xã khác" in e and "không thuộc Đảng bộ" in e for e in errors)
    with pytest.raises(ValidationError) as bad:
        case_open(actor=leader, organisation=tree.commune, body="executive",
                  kind="party_finance", title="Kiểm tra tài chính", decision_number="1",
                  decision_date=D(2026, 3, 2), starts_on=D(2026, 3, 5), ends_on=D(2026, 5, 5),
                  team_leader=leader, subject_organisations=[four[0]], subject_members=[member])
    assert "không áp dụng cho đảng viên" in bad.value.message_dict["subject_members"][0]
    with pytest.raises(ValidationError) as bad:
        supervise(tree, leader, [])
    assert "Chưa chọn đối tượng" in bad.value.message_dict["subject_organisations"][0]
    assert not InspectionCase.objects.exists() and not CaseSubject.objects.exists()


def test_the_form_opens_one_case_of_several_subjects_and_the_page_lists_them(
        tree, four, leader, client):
    member = MemberFactory(organisation=tree.branch_b, full_name="Nguyễn Thị Được Giám Sát")
    client.force_login(leader)
    url = reverse("casework:case-create")
    assert client.get(url).status_code == 200
    response = client.post(url, {
        "organisation": tree.commune.pk, "body": "executive", "kind": "thematic_supervision",
        "title": "Giám sát 04 chi bộ và 01 đảng viên", "decision_number": "12-QĐ/ĐU",
        "decision_date": "02/03/2026", "starts_on": "05/03/2026", "ends_on": "05/05/2026",
        "team_leader": leader.pk, "subject_organisations": [b.pk for b in four],
        "subject_members": [member.pk]})
    case = InspectionCase.objects.get()
    assert response.status_code == 302
    # organisations first, in the tree's order (the form's), then the members
    assert case.subjects_all() == [*sorted(four, key=lambda o: o.path), member]
    page = client.get(case.get_absolute_url()).content.decode()
    assert "Đối tượng (5)" in page
    for name in ("Chi bộ thôn Hồ Liễu", "Chi bộ thôn 3", "Nguyễn Thị Được Giám Sát"):
        assert name in page
    listed = client.get(reverse("casework:case-list")).content.decode()
    assert "và 4 đối tượng khác" in listed
    # A duplicate chosen twice in the form cannot happen (a set), but a subject of another
    # committee is refused on its field, in Vietnamese.
    outside = OrganisationFactory(name="Chi bộ xã khác", parent=tree.city)
    refused = client.post(url, {
        "organisation": tree.commune.pk, "body": "executive", "kind": "thematic_supervision",
        "title": "Giám sát", "decision_number": "13-QĐ/ĐU", "decision_date": "02/03/2026",
        "starts_on": "05/03/2026", "ends_on": "05/05/2026", "team_leader": leader.pk,
        "subject_organisations": [outside.pk]})
    assert refused.status_code == 200 and refused.context["form"].errors[
        "subject_organisations"]


def test_a_case_has_a_bounded_number_of_subjects(tree, leader):
    from casework.services.case_subjects import MAX_SUBJECTS

    members = MemberFactory.create_batch(MAX_SUBJECTS + 1, organisation=tree.branch_a)
    with pytest.raises(ValidationError) as bad:
        supervise(tree, leader, [], subject_members=members)
    assert f"tối đa {MAX_SUBJECTS} đối tượng" in bad.value.message_dict["subject_members"][0]


# ---- scope ---------------------------------------------------------------------------------

def test_each_subject_branch_secretary_sees_the_case_and_another_branch_does_not(
        tree, four, leader):
    case = supervise(tree, leader, four)
    other = OrganisationFactory(name="Chi bộ thôn Trung", parent=tree.commune)
    own = case_open(actor=leader, organisation=tree.commune, body="executive",
                    kind="thematic_supervision", title="Giám sát thôn Trung",
                    decision_number="14-QĐ/ĐU", decision_date=D(2026, 3, 2),
                    starts_on=D(2026, 3, 5), ends_on=D(2026, 5, 5), team_leader=leader,
                    subject_organisations=[other])
    secretaries = [user_with_role("branch_secretary", b, username=f"bithu-{b.code}")
                   for b in four]
    outsider = user_with_role("branch_secretary", other, username="bithu-trung")
    assert DeadlineClock.objects.filter(inspection=case).exists()
    for user in secretaries:
        # the list's read (ids first), the joined read, and a clock's kept copy
        assert list(InspectionCase.objects.visible_to(user)) == [case], user
        assert list(InspectionCase.objects.filter(cases_q(user))) == [case]
        assert {c.inspection_id for c in DeadlineClock.objects.filter(clocks_q(user))} == {
            case.pk}
    assert list(InspectionCase.objects.visible_to(outsider)) == [own]
    assert list(InspectionCase.objects.filter(cases_q(outsider))) == [own]
    assert {c.inspection_id for c in DeadlineClock.objects.filter(clocks_q(outsider))} == {
        own.pk}
    # A member subject: the secretary of the member's branch sees it too.
    member = MemberFactory(organisation=tree.branch_b)
    with_member = case_open(
        actor=leader, organisation=tree.commune, body="executive", kind="thematic_supervision",
        title="Giám sát", decision_number="15-QĐ/ĐU", decision_date=D(2026, 3, 2),
        starts_on=D(2026, 3, 5), ends_on=D(2026, 5, 5), team_leader=leader,
        subject_organisations=[four[0]], subject_members=[member])
    lai = user_with_role("branch_secretary", tree.branch_b, username="bithu-lai")
    assert list(InspectionCase.objects.visible_to(lai)) == [with_member]


# ---- discipline, one decision per subject ----------------------------------------------------

@pytest.fixture
def ubkt_member(tree):
    return user_with_role("ubkt", tree.commune, username="uv-ubkt")


def _inspection_at_discipline(tree, actor, members):
    case = case_open(actor=actor, organisation=tree.ubkt, body="ubkt", kind="violation_signs",
                     title="Kiểm tra khi có dấu hiệu vi phạm", decision_number="05-QĐ/UBKT",
                     decision_date=D(2026, 3, 2), starts_on=D(2026, 3, 5),
                     ends_on=D(2026, 5, 5), team_leader=actor, subject_members=members)
    for action, extra in [("announce", {}), ("explain", {}), ("verify", {}), ("report", {}),
                          ("meet", {}),
                          ("conclude", {"conclusion": "Có vi phạm.", "violation_found": True,
                                        "doc_number": "10-KL", "doc_date": D(2026, 4, 20)}),
                          ("notify", {"doc_number": "11-TB", "doc_date": D(2026, 4, 22)}),
                          ("open_discipline", {})]:
        case = case_step(actor=actor, case_id=case.pk, action=action, **extra)
    return case


def test_each_subject_gets_its_own_decision_with_its_own_forms(tree, ubkt_member):
    full = MemberFactory(organisation=tree.branch_a, full_name="Đảng viên Chính Thức")
    probationary = MemberFactory(organisation=tree.branch_b, full_name="Đảng viên Dự Bị",
                                 status=MemberStatus.PROBATIONARY)
    case = _inspection_at_discipline(tree, ubkt_member, [full, probationary])
    rows = {r.member: r for r in case.subject_rows.all()}
    decide = {"actor": ubkt_member, "case_id": case.pk, "decision_number": "12-QĐ",
              "decision_date": D(2026, 4, 25), "notified_on": D(2026, 4, 26)}
    with pytest.raises(ValidationError) as bad:  # whose decision?
        discipline_decide(form="warning", **decide)
    assert "Chưa chọn đối tượng" in bad.value.message_dict["subject"][0]
    with pytest.raises(ValidationError) as bad:  # a probationary member cannot be dismissed
        discipline_decide(form="dismissal", subject=rows[probationary].pk, **decide)
    assert "đảng viên dự bị" in bad.value.message_dict["form"][0]
    first = discipline_decide(form="dismissal", subject=rows[full].pk, **decide)
    case.refresh_from_db()
    assert (first.subject, first.subject_type, case.status) == (
        rows[full], "full_member", CaseStatus.DISCIPLINE)  # one subject still waits
    with pytest.raises(ValidationError) as bad:
        discipline_decide(form="warning", subject=rows[full].pk, **decide)
    assert "đã có quyết định kỷ luật" in bad.value.message_dict["subject"][0]
    second = discipline_decide(form="reprimand", subject=rows[probationary].pk, **decide)
    case.refresh_from_db()
    assert second.subject_type == "probationary_member"
    assert case.status == CaseStatus.REMEDIATION  # the last decision moves the case on
    events = case.events.filter(event_type="disciplined").order_by("pk")
    assert [(e.details["form"], e.from_status, e.to_status) for e in events] == [
        ("dismissal", "discipline", "discipline"), ("reprimand", "discipline", "remediation")]
    # An appeal names whose decision when several are open.
    with pytest.raises(ValidationError):
        discipline_appeal(actor=ubkt_member, case_id=case.pk, on=D(2026, 5, 2))
    appealed = discipline_appeal(actor=ubkt_member, case_id=case.pk, on=D(2026, 5, 2),
                                 subject=rows[probationary].pk)
    assert appealed == second and DisciplineDecision.objects.get(pk=first.pk).appealed_on is None


def test_the_discipline_task_stays_open_until_every_subject_is_decided(
        tree, ubkt_member, client):
    from viewflow.workflow.models import Task

    from workflows.case_processes import sync_case_process

    members = [MemberFactory(organisation=tree.branch_a, full_name=f"Đảng viên {n}")
               for n in ("Một", "Hai")]
    case = _inspection_at_discipline(tree, ubkt_member, members)
    sync_case_process(case)
    task = Task.objects.get(process__caseprocess__case=case, flow_task_type="HUMAN",
                            status__in=["NEW", "ASSIGNED"])
    client.force_login(ubkt_member)
    url = reverse("workflows:case-task", args=[task.pk])
    form = client.get(url).context["form"]
    choices = dict(form.fields["subject"].choices)
    assert set(choices.values()) >= {str(m) for m in members}
    rows = list(case.subject_rows.all())
    for i, row in enumerate(rows):
        response = client.post(url, {"subject": row.pk, "form": "warning",
                                     "decision_number": f"{20 + i}-QĐ",
                                     "decision_date": "25/04/2026", "notified_on": "26/04/2026",
                                     "expected_status": "discipline"})
        assert response.status_code == 302, response.context["form"].errors
        task.refresh_from_db()
        case.refresh_from_db()
        if i == 0:
            assert task.status == "ASSIGNED" and case.status == CaseStatus.DISCIPLINE
    assert task.status == "DONE" and case.status == CaseStatus.REMEDIATION
    page = client.get(case.get_absolute_url()).content.decode()
    assert page.count("Cảnh cáo") >= 2 and "20-QĐ" in page and "21-QĐ" in page


# ---- figures ---------------------------------------------------------------------------------

def test_figures_count_the_cases_and_each_subject(tree, four, leader):
    supervise(tree, leader, four)
    secretary = user_with_role("branch_secretary", tree.branch_b, username="bithu-lai")
    members = [MemberFactory(organisation=tree.branch_b) for _ in range(3)]
    case_open(actor=secretary, organisation=tree.branch_b, body="branch",
              kind="member_compliance", title="Kiểm tra 03 đảng viên", decision_number="1-QĐ",
              decision_date=D(2026, 3, 2), starts_on=D(2026, 3, 5), ends_on=D(2026, 5, 5),
              team_leader=secretary, subject_members=members)
    figures = case_figures(organisation=tree.commune, start=D(2026, 1, 1), end=D(2026, 12, 31))
    assert (figures["decided"], figures["organisations"], figures["members"]) == (2, 4, 3)
    executive = figures["by_body"]["executive"]["by_kind"]["thematic_supervision"]
    assert (executive["decided"], executive["organisations"]) == (1, 4)
    branch = figures["by_unit"]["thon-lai"]["by_body"]["branch"]["by_kind"]["member_compliance"]
    assert (branch["decided"], branch["members"]) == (1, 3)


# ---- the migration's fill --------------------------------------------------------------------

@pytest.mark.django_db(transaction=True)
def test_the_migration_gives_each_existing_case_and_decision_its_subject(tree, ubkt_member):
    member = MemberFactory(organisation=tree.branch_a)
    inspection = _inspection_at_discipline(tree, ubkt_member, [member])
    discipline_decide(actor=ubkt_member, case_id=inspection.pk, form="warning",
                      decision_number="12-QĐ", decision_date=D(2026, 4, 25),
                      notified_on=D(2026, 4, 26))
    supervision = case_open(
        actor=ubkt_member, organisation=tree.ubkt, body="ubkt", kind="lower_org_duty",
        title="Kiểm tra", decision_number="2", decision_date=D(2026, 3, 2),
        starts_on=D(2026, 3, 5), ends_on=D(2026, 5, 5), team_leader=ubkt_member,
        subject_organisation=tree.branch_b)
    before = "0025_handoff_org_name_key"
    executor = MigrationExecutor(connection)
    executor.migrate([("casework", before)])  # the subject table and column are gone
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
    rows = {r.case_id: r for r in CaseSubject.objects.all()}
    assert set(rows) == {inspection.pk, supervision.pk}
    assert (rows[inspection.pk].member_id, rows[inspection.pk].position) == (member.pk, 0)
    assert rows[supervision.pk].organisation_id == tree.branch_b.pk
    assert DisciplineDecision.objects.get().subject == rows[inspection.pk]
    # Run again: nothing doubles.
    fill = importlib.import_module("casework.migrations.0026_case_subjects").fill_case_subjects
    with connection.schema_editor() as editor:
        fill(global_apps, editor)
    assert CaseSubject.objects.count() == 2


# ---- the demo ----------------------------------------------------------------------------------

def test_the_demo_stores_the_executive_supervision_as_one_case_of_four_subjects(db):
    call_command("load_demo", stdout=io.StringIO())
    call_command("load_demo_inspections", stdout=io.StringIO())
    case = InspectionCase.objects.get(year=2025, body="executive")
    assert [s.code for s in case.subjects_all()] == ["ho-lieu", "ly-dong", "hoa-che", "thon-3"]
    hoa_che = UserFactory._meta.model.objects.get(username="bithu.hoache")
    assert InspectionCase.objects.visible_to(hoa_che).filter(pk=case.pk).exists()
    thon_lai = UserFactory._meta.model.objects.get(username="bithu.thonlai")
    assert not InspectionCase.objects.visible_to(thon_lai).filter(pk=case.pk).exists()
    figures = case_figures(organisation=Organisation.objects.get(code="ke-sat"),
                           start=D(2025, 1, 1), end=D(2025, 12, 31))
    executive = figures["by_body"]["executive"]
    assert (executive["decided"], executive["organisations"]) == (1, 4)
    branch = figures["by_body"]["branch"]["by_kind"]
    assert (branch["member_compliance"]["members"],
            branch["thematic_supervision"]["members"]) == (31, 39)


# ---- notices ---------------------------------------------------------------------------------

def test_the_secretary_of_every_subject_branch_is_told_and_no_one_else(tree, four, leader):
    from notifications.models import Notice
    from notifications.rendering import render_notice

    secretaries = [user_with_role("branch_secretary", b, username=f"bithu-{b.code}",
                                  email=f"{b.code}@example.vn") for b in four]
    other = OrganisationFactory(name="Chi bộ thôn Trung", parent=tree.commune)
    outsider = user_with_role("branch_secretary", other, username="bithu-trung")
    member = MemberFactory(organisation=tree.branch_b)
    lai = user_with_role("branch_secretary", tree.branch_b, username="bithu-lai")
    case = supervise(tree, leader, four, subject_members=[member])
    told = Notice.objects.filter(event__inspection=case, channel="in_app")
    assert set(told.values_list("recipient", flat=True)) == {
        *(s.pk for s in secretaries), lai.pk}
    assert not Notice.objects.filter(recipient=outsider).exists()
    assert Notice.objects.filter(event__inspection=case, channel="email").count() == 4
    rendered = render_notice(told.filter(recipient=secretaries[0]).get())
    assert rendered.subject.startswith(f"Cuộc kiểm tra, giám sát số {case.number}")
    assert "Giám sát chuyên đề" in rendered.text
    assert rendered.url == case.get_absolute_url()
    # The next step announced: told again, once each.
    case_step(actor=leader, case_id=case.pk, action="announce")
    assert told.count() == 2 * 5


# ---- the documents -------------------------------------------------------------------------

def test_the_decision_of_a_case_of_four_subjects_names_all_four(tree, four, leader, media_root,
                                                                django_capture_on_commit_callbacks):
    from casework.models import GeneratedDocument
    from casework.services.documents import document_bytes
    from tests.casework.test_documents import text_of

    with django_capture_on_commit_callbacks(execute=True):
        case = case_open(
            actor=leader, organisation=tree.commune, body="executive",
            kind="thematic_supervision", title="Giám sát 04 chi bộ", decision_number="",
            decision_date=D(2026, 3, 2), starts_on=D(2026, 3, 5), ends_on=D(2026, 5, 5),
            team_leader=leader, subject_organisations=four, issue_document=True)
    decision = GeneratedDocument.objects.get(inspection=case, kind="case_decision")
    text = text_of(document_bytes(decision))
    assert ("Chi bộ thôn Hồ Liễu, Chi bộ thôn Lý Đông, Chi bộ thôn Hòa Ché, Chi bộ thôn 3"
            in text)
