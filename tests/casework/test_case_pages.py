"""Inspection and supervision case pages: the list (scoped, filtered, with totals), opening
a case from a programme item, from a letter (linked both ways) or ad hoc, bad input, and
the detail page with its open task and chart."""
import datetime

import pytest
from django.urls import reverse

from casework.models import InspectionCase, InspectionProgramme, ProgrammeItem
from tests.casework.test_inspections import open_case, run
from tests.factories import MemberFactory, receive_petition, user_with_role

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.fixture
def ubkt_member(tree):
    return user_with_role("ubkt", tree.commune, username="uv-ubkt")


@pytest.fixture
def as_user(client):
    def make(user):
        client.force_login(user)
        return client
    return make


def form_data(tree, lead, **extra):
    data = {"organisation": tree.commune.pk, "body": "ubkt", "kind": "party_finance",
            "title": "Kiểm tra tài chính đảng", "decision_number": "07-QĐ/UBKT",
            "decision_date": "02/03/2026", "starts_on": "05/03/2026", "ends_on": "05/05/2026",
            "team_leader": lead.pk, "subject_organisations": [tree.branch_a.pk]}
    data.update(extra)
    return data


def test_list_is_scoped_filtered_and_totalled(tree, ubkt_member, as_user):
    open_case(tree, ubkt_member)
    supervision = open_case(tree, ubkt_member, kind="thematic_supervision")
    run(supervision, ubkt_member, "announce")
    secretary_b = user_with_role("branch_secretary", tree.branch_b, username="bt-b")
    page = as_user(ubkt_member).get(reverse("casework:case-list"))
    assert page.status_code == 200 and page.context["total"] == 2
    text = page.content.decode()
    assert "001/2026/KT" in text and "002/2026/KT" in text
    assert "Giám sát chuyên đề 1" in text and "Đã công bố quyết định 1" in text
    filtered = as_user(ubkt_member).get(reverse("casework:case-list"),
                                        {"loai": "thematic_supervision", "nam": 2026})
    assert filtered.context["total"] == 1
    assert as_user(ubkt_member).get(reverse("casework:case-list"),
                                    {"trang-thai": "announced"}).context["total"] == 1
    # Another branch's secretary sees none of the commune's cases.
    assert as_user(secretary_b).get(reverse("casework:case-list")).context["total"] == 0


def test_open_from_a_programme_item_prefills_and_links(tree, ubkt_member, as_user):
    programme = InspectionProgramme.objects.create(organisation=tree.commune, year=2026,
                                                   body="ubkt")
    item = ProgrammeItem.objects.create(programme=programme, kind="party_finance", quarter=1,
                                        target_organisation=tree.branch_a)
    client = as_user(ubkt_member)
    url = reverse("casework:case-create") + f"?muc={item.pk}"
    page = client.get(url)
    assert page.status_code == 200
    initial = page.context["form"].initial
    assert initial["kind"] == "party_finance"
    assert initial["subject_organisations"] == [tree.branch_a]
    response = client.post(url, form_data(tree, ubkt_member))
    case = InspectionCase.objects.get()
    assert response.status_code == 302 and case.programme_item == item
    detail = client.get(case.get_absolute_url())
    text = detail.content.decode()
    assert "Kiểm tra tài chính đảng" in text and "Công bố quyết định" in text
    assert reverse("workflows:case-chart", args=[case.pk]) in text
    assert client.get(reverse("workflows:case-chart", args=[case.pk])).status_code == 200


def test_open_from_a_letter_links_both_ways(tree, ubkt_member, clerk, as_user):
    member = MemberFactory(organisation=tree.branch_a, full_name="Nguyễn Văn Bị")
    petition = receive_petition(actor=clerk, organisation=tree.office, kind="denunciation",
                                subject_member=member)
    client = as_user(ubkt_member)
    url = reverse("casework:case-create") + f"?don={petition.pk}"
    assert client.get(url).context["form"].initial["subject_members"] == [member]
    response = client.post(url, form_data(tree, ubkt_member, kind="violation_signs",
                                          subject_organisations=[], subject_members=[member.pk]))
    case = InspectionCase.objects.get()
    assert response.status_code == 302 and case.source_petition == petition
    letter = client.get(reverse("casework:petition-detail", args=[petition.pk]))
    assert case.number in letter.content.decode()
    assert reverse("casework:petition-detail", args=[petition.pk]) in client.get(
        case.get_absolute_url()).content.decode()


def test_bad_input_names_the_fields_and_writes_nothing(tree, ubkt_member, as_user):
    response = as_user(ubkt_member).post(reverse("casework:case-create"), form_data(
        tree, ubkt_member, title="", decision_number="", ends_on="01/03/2026",
        subject_members=[MemberFactory(organisation=tree.branch_a).pk]))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "Chưa nhập tên cuộc kiểm tra, giám sát." in errors["title"]
    assert "Chưa nhập số quyết định." in errors["decision_number"]
    assert "Ngày kết thúc không được trước ngày bắt đầu." in errors["ends_on"]
    assert errors["subject_members"]
    assert not InspectionCase.objects.exists()


def test_only_deciders_may_open_a_case(tree, clerk, as_user):
    assert as_user(clerk).get(reverse("casework:case-create")).status_code == 403
    page = as_user(clerk).get(reverse("casework:case-list"))
    assert page.status_code == 200 and reverse("casework:case-create") not in page.content.decode()


def test_a_supervision_that_finds_signs_of_violation_leads_to_an_inspection(
        tree, ubkt_member, as_user):
    member = MemberFactory(organisation=tree.branch_a, full_name="Đảng viên Được Giám Sát")
    supervision = open_case(tree, ubkt_member, kind="thematic_supervision", member=member)
    client = as_user(ubkt_member)
    detail = reverse("casework:case-detail", args=[supervision.pk])
    escalate = reverse("casework:case-create") + f"?giam-sat={supervision.pk}"
    assert escalate not in client.get(detail).content.decode()  # report not reviewed yet
    refused = client.post(escalate, form_data(tree, ubkt_member, kind="violation_signs",
                                              subject_organisations=[],
                                              subject_members=[member.pk]))
    assert "chưa xem xét xong báo cáo" in refused.content.decode()
    assert InspectionCase.objects.count() == 1

    run(supervision, ubkt_member, "announce", "explain", "review")
    assert escalate in client.get(detail).content.decode()
    form = client.get(escalate)
    assert form.context["form"].initial["subject_members"] == [member]
    response = client.post(escalate, form_data(tree, ubkt_member, kind="violation_signs",
                                               subject_organisations=[],
                                               subject_members=[member.pk]))
    inspection = InspectionCase.objects.get(escalated_from=supervision)
    assert response.status_code == 302 and inspection.subject_member == member
    assert supervision.events.filter(event_type="escalated").get().details["number"] == \
        inspection.number
    assert inspection.number in client.get(detail).content.decode()


def test_the_deciding_body_records_a_discipline_appeal_on_its_page(tree, ubkt_member, as_user):
    from casework.services.inspections import discipline_decide
    from tests.factories import UserFactory

    helper = UserFactory(username="thanh-vien")
    case = open_case(tree, ubkt_member, team=[helper])
    appeal = reverse("casework:case-appeal", args=[case.pk])
    client = as_user(ubkt_member)
    assert client.get(appeal).status_code == 302  # nothing to appeal yet
    run(case, ubkt_member, "announce", "explain", "verify", "report", "meet", "conclude",
        "notify", "open_discipline")
    discipline_decide(actor=ubkt_member, case_id=case.pk, form="warning",
                      decision_number="12-QĐ/UBKT", decision_date=D(2026, 4, 25),
                      notified_on=D(2026, 4, 27))
    detail = client.get(reverse("casework:case-detail", args=[case.pk])).content.decode()
    assert appeal in detail
    # The timeline names each step's document: the conclusion and its notice.
    assert "số 10-KL/UBKT ngày 20/04/2026" in detail and "số 11-TB/UBKT ngày 22/04/2026" in detail
    assert as_user(helper).get(appeal).status_code == 403  # the team does not decide
    client = as_user(ubkt_member)
    bad = client.post(appeal, {"on": "20/04/2026", "reason": ""})
    assert "không được trước" in bad.content.decode()
    response = client.post(appeal, {"on": "15/05/2026", "reason": "Gửi Đảng ủy xã."})
    assert response.status_code == 302
    assert case.discipline_decisions.get().appealed_on == D(2026, 5, 15)
    assert case.events.filter(event_type="appealed").count() == 1
