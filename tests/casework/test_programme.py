"""The annual programme: its figures equal the cases behind them, the pages are scoped to
what the user may see, and planning is for those who may open cases."""
import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from casework.errors import ActionRefused
from casework.models import CaseStatus, InspectionCase, InspectionProgramme, OrgKind, ProgrammeItem
from casework.selectors.programme import (
    CONCLUDED_STATUSES,
    programme_progress,
    programmes_progress,
    quarter_end,
)
from casework.services.inspections import case_open, case_step
from casework.services.programme import programme_item_delete, programme_item_save, programme_save
from tests.factories import MemberFactory, OrganisationFactory, user_with_role

pytestmark = pytest.mark.django_db
D = datetime.date
TODAY = D(2026, 8, 14)  # in Q3: Q1 and Q2 have ended
NOW = datetime.datetime(2026, 8, 14, 10, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def ubkt_member(tree):
    return user_with_role("ubkt", tree.ubkt, username="uv-ubkt")


def make_programme(tree, actor, year=2026):
    return programme_save(actor=actor, organisation=tree.ubkt, year=year, body="ubkt",
                          document="01-CTr/UBKT ngày 05/01/2026")


def add_item(programme, actor, kind, quarter, planned, target=None):
    return programme_item_save(actor=actor, programme_id=programme.pk, kind=kind,
                               quarter=quarter, planned_cases=planned,
                               target_organisation=target, content="Nội dung")


STEPS = {
    "inspection": ["announce", "explain", "verify", "report", "meet", "conclude", "notify",
                   "remediate", "archive"],
    "supervision": ["announce", "explain", "review", "notify", "remediate", "archive"],
}


def open_and_step(tree, actor, item, *, upto, decided, ends, kind=None, member=True):
    kind = kind or item.kind
    subject = dict(subject_member=MemberFactory(organisation=tree.branch_a)) if member else \
        dict(subject_organisation=tree.branch_b)
    case = case_open(actor=actor, organisation=tree.ubkt, body="ubkt", kind=kind,
                     title="Cuộc kiểm tra", decision_number="01-QĐ/UBKT", decision_date=decided,
                     starts_on=decided, ends_on=ends, team_leader=actor, programme_item=item,
                     **subject)
    steps = STEPS[case.procedure]
    for action in steps[:steps.index(upto) + 1] if upto else []:
        extra = {}
        if action == "conclude":
            extra = dict(conclusion="Không vi phạm.", violation_found=False,
                         doc_number="01-KL", doc_date=decided)
        elif action == "notify":
            extra = dict(doc_number="01-TB", doc_date=decided)
        elif action == "archive":
            extra = dict(on=decided)
        case = case_step(actor=actor, case_id=case.pk, action=action, **extra)
    return case


@pytest.fixture
def planned(tree, ubkt_member, clock):
    """A programme with items in every quarter and cases in every kind of state."""
    p = make_programme(tree, ubkt_member)
    q1 = add_item(p, ubkt_member, "lower_org_duty", 1, 2, tree.branch_b)
    q2 = add_item(p, ubkt_member, "thematic_supervision", 2, 3)
    q3 = add_item(p, ubkt_member, "asset_verification", 3, 2)
    q4 = add_item(p, ubkt_member, "party_finance", 4, 1, tree.branch_a)
    # Q1: one archived, one concluded: all done (planned 2) but nothing late.
    open_and_step(tree, ubkt_member, q1, upto="archive", decided=D(2026, 2, 2),
                  ends=D(2026, 3, 2), member=False)
    open_and_step(tree, ubkt_member, q1, upto="conclude", decided=D(2026, 2, 10),
                  ends=D(2026, 3, 10), member=False)
    # Q2 (ended): one notified (a supervision's end), one still explaining past its end date
    # (late), the third never started (late too: its quarter is over).
    open_and_step(tree, ubkt_member, q2, upto="notify", decided=D(2026, 4, 6),
                  ends=D(2026, 5, 6))
    open_and_step(tree, ubkt_member, q2, upto="explain", decided=D(2026, 4, 20),
                  ends=D(2026, 6, 20))
    # Q3 (running): one just decided and within its time, one in remediation, and a third
    # beyond the plan of two, at "verified" past its end date.
    open_and_step(tree, ubkt_member, q3, upto=None, decided=D(2026, 8, 3), ends=D(2026, 9, 30))
    open_and_step(tree, ubkt_member, q3, upto="remediate", decided=D(2026, 7, 1),
                  ends=D(2026, 7, 31))
    open_and_step(tree, ubkt_member, q3, upto="verify", decided=D(2026, 7, 6),
                  ends=D(2026, 8, 10))
    # Ad hoc: from no item; counted apart.
    open_and_step(tree, ubkt_member, None, kind="violation_signs", upto="announce",
                  decided=D(2026, 6, 1), ends=D(2026, 7, 1))
    return type("Planned", (), dict(programme=p, items=[q1, q2, q3, q4]))


def independent_figures(item, today):
    """Counted case by case in Python, the slow obvious way."""
    cases = list(InspectionCase.objects.filter(programme_item=item))
    started = len(cases)
    concluded = sum(c.status in CONCLUDED_STATUSES for c in cases)
    late = sum(c.status not in CONCLUDED_STATUSES and c.ends_on < today for c in cases)
    quarter_over = quarter_end(item.programme.year, item.quarter) < today
    unstarted = max(item.planned_cases - started, 0) if quarter_over else 0
    return dict(planned=item.planned_cases, started=started, concluded=concluded,
                late_cases=late, unstarted_overdue=unstarted,
                done=min(concluded, item.planned_cases))


def as_dict(f):
    return dict(planned=f.planned, started=f.started, concluded=f.concluded,
                late_cases=f.late_cases, unstarted_overdue=f.unstarted_overdue, done=f.done)


def test_the_programme_figures_equal_the_cases_behind_them(planned):
    progress = programme_progress(planned.programme)
    assert progress.today == TODAY
    by_pk = {i.pk: i for i in progress.items}
    total = dict.fromkeys(["planned", "started", "concluded", "late_cases",
                           "unstarted_overdue", "done"], 0)
    for item in planned.items:
        expected = independent_figures(item, TODAY)
        assert as_dict(by_pk[item.pk].figures) == expected, item
        for k in total:
            total[k] += expected[k]
    assert as_dict(progress.total) == total
    # By hand, for the record: planned 2+3+2+1, started 2+2+3, concluded 2+1+1, late
    # Q2's explaining case and Q3's verified one, plus Q2's unstarted third.
    assert total == dict(planned=8, started=7, concluded=4, late_cases=2, unstarted_overdue=1,
                         done=4)
    assert progress.total.overdue == 3 and progress.total.in_progress == 3
    assert str(progress.total.rate) == "50.0"
    assert (progress.adhoc.started, progress.adhoc.late_cases) == (1, 1)
    # Per quarter, the sub-totals add up to the total.
    assert sum(sub.planned for _, _, sub in progress.quarters()) == 8


def test_figures_follow_the_cases_as_they_move(planned, ubkt_member):
    late = InspectionCase.objects.get(status=CaseStatus.VERIFIED)
    before = programme_progress(planned.programme).total
    for action, extra in [("report", {}), ("meet", {}),
                          ("conclude", dict(conclusion="Không vi phạm.", violation_found=False,
                                            doc_number="02-KL", doc_date=TODAY))]:
        case_step(actor=ubkt_member, case_id=late.pk, action=action, **extra)
    after = programme_progress(planned.programme).total
    assert (after.concluded, after.late_cases) == (before.concluded + 1, before.late_cases - 1)
    # Q3's item had 3 cases for 2 planned: the extra conclusion does not raise the rate
    # above what the items planned.
    assert after.done == before.done + 1 and after.rate <= 100


def test_figures_of_many_programmes_take_two_queries(planned, tree, leader,
                                                     django_assert_num_queries):
    other = programme_save(actor=leader, organisation=tree.commune, year=2026,
                           body="executive")
    add_item(other, leader, "thematic_supervision", 1, 4)
    programmes = list(InspectionProgramme.objects.all())
    with django_assert_num_queries(2):
        result = programmes_progress(programmes)
    assert result[other.pk].total.unstarted_overdue == 4
    assert result[planned.programme.pk].total.planned == 8


def test_planning_is_checked_by_the_services(tree, ubkt_member, leader, clock):
    viewer = user_with_role("viewer", tree.commune, username="xem")
    with pytest.raises(ActionRefused):
        make_programme(tree, viewer)
    with pytest.raises(ValidationError) as bad:
        programme_save(actor=leader, organisation=tree.branch_a, year=1999, body="ubkt")
    assert set(bad.value.message_dict) == {"body", "year"}
    p = make_programme(tree, ubkt_member)
    with pytest.raises(ActionRefused, match="đã có chương trình"):
        make_programme(tree, ubkt_member)
    elsewhere = OrganisationFactory(name="Chi bộ xã khác", kind=OrgKind.BRANCH, parent=tree.city)
    with pytest.raises(ValidationError) as bad:
        programme_item_save(actor=ubkt_member, programme_id=p.pk, kind="", quarter=5,
                            planned_cases=0, target_organisation=elsewhere)
    assert set(bad.value.message_dict) == {"kind", "quarter", "planned_cases",
                                           "target_organisation"}
    item = add_item(p, ubkt_member, "party_finance", 3, 1, tree.branch_a)
    open_and_step(tree, ubkt_member, item, upto=None, decided=TODAY, ends=TODAY, member=False)
    with pytest.raises(ActionRefused, match="không xóa được"):
        programme_item_delete(actor=ubkt_member, item_id=item.pk)
    with pytest.raises(ValidationError, match="không đổi loại"):
        programme_item_save(actor=ubkt_member, programme_id=p.pk, item_id=item.pk,
                            kind="lower_org_duty", quarter=3, planned_cases=1)


# ---- pages ------------------------------------------------------------------------------

@pytest.fixture
def other_commune(tree):
    commune = OrganisationFactory(name="Đảng bộ xã Vĩnh Hưng", code="vinh-hung",
                                  kind=OrgKind.COMMUNE, parent=tree.city)
    ubkt = OrganisationFactory(name="UBKT Đảng ủy xã Vĩnh Hưng", code="ubkt-vh",
                               kind=OrgKind.AGENCY, parent=commune)
    boss = user_with_role("ubkt", ubkt, username="uv-vinh-hung")
    return programme_save(actor=boss, organisation=ubkt, year=2026, body="ubkt",
                          document="99-CTr/UBKT VINH HUNG")


def test_pages_show_the_programme_with_its_figures(planned, client, leader):
    client.force_login(leader)
    page = client.get(reverse("casework:programme-list"), {"nam": 2026})
    assert page.status_code == 200
    body = page.content.decode()
    assert "01-CTr/UBKT ngày 05/01/2026" in body and "50%" in body
    detail = client.get(reverse("casework:programme-detail", args=[planned.programme.pk]))
    text = detail.content.decode()
    assert detail.status_code == 200
    assert "Dự kiến 08 cuộc; đã tiến hành 07 (đang tiến hành 03), đã kết luận 04, quá hạn 03; " \
           "hoàn thành 50%." in text
    assert "Quý II" in text and "Ngoài chương trình" in text
    assert f"?muc={planned.items[1].pk}" in text  # Q2 has a case still to open
    assert "2.026" not in text


def test_another_communes_programme_is_neither_listed_nor_shown(planned, other_commune,
                                                                client, leader):
    client.force_login(leader)
    listing = client.get(reverse("casework:programme-list"), {"nam": 2026}).content.decode()
    assert "99-CTr/UBKT VINH HUNG" not in listing
    for name, args in [("casework:programme-detail", [other_commune.pk]),
                       ("casework:programme-edit", [other_commune.pk]),
                       ("casework:programme-item-create", [other_commune.pk])]:
        assert client.get(reverse(name, args=args)).status_code == 404
    item = ProgrammeItem.objects.create(programme=other_commune, kind="party_finance",
                                        quarter=1)
    assert client.post(reverse("casework:programme-item-delete", args=[item.pk])).status_code \
        == 404
    assert ProgrammeItem.objects.filter(pk=item.pk).exists()


def test_a_viewer_sees_but_may_not_plan(planned, tree, client):
    viewer = user_with_role("viewer", tree.commune, username="xem")
    client.force_login(viewer)
    detail = client.get(reverse("casework:programme-detail", args=[planned.programme.pk]))
    assert detail.status_code == 200 and "?muc=" not in detail.content.decode()
    assert client.get(reverse("casework:programme-create")).status_code == 403
    assert client.get(reverse("casework:programme-edit",
                              args=[planned.programme.pk])).status_code == 403
    assert client.post(reverse("casework:programme-item-create", args=[planned.programme.pk]),
                       {"kind": "party_finance", "quarter": 4,
                        "planned_cases": 1}).status_code == 403


def test_planning_through_the_pages(tree, client, ubkt_member, clock):
    client.force_login(ubkt_member)
    bad = client.post(reverse("casework:programme-create"),
                      {"organisation": tree.ubkt.pk, "body": "", "year": "2026"})
    assert bad.status_code == 200 and "Chưa chọn chủ thể" in bad.content.decode()
    response = client.post(reverse("casework:programme-create"),
                           {"organisation": tree.ubkt.pk, "body": "ubkt", "year": "2026",
                            "document": "01-CTr/UBKT"})
    programme = InspectionProgramme.objects.get()
    assert response.url == reverse("casework:programme-detail", args=[programme.pk])
    bad = client.post(reverse("casework:programme-item-create", args=[programme.pk]),
                      {"kind": "party_finance", "quarter": "", "planned_cases": "0"})
    assert "Chọn quý từ 1 đến 4" in bad.content.decode()
    client.post(reverse("casework:programme-item-create", args=[programme.pk]),
                {"kind": "party_finance", "quarter": "2", "planned_cases": "2",
                 "target_organisation": tree.branch_a.pk, "content": "Tài chính đảng"})
    item = programme.items.get()
    assert (item.quarter, item.planned_cases, item.target_organisation) == (2, 2, tree.branch_a)
    client.post(reverse("casework:programme-item-edit", args=[item.pk]),
                {"kind": "party_finance", "quarter": "3", "planned_cases": "1"})
    item.refresh_from_db()
    assert (item.quarter, item.planned_cases) == (3, 1)
    client.post(reverse("casework:programme-item-delete", args=[item.pk]))
    assert not programme.items.exists()
