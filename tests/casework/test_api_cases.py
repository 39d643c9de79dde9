"""Cases API: the same scope, filters, forms and services as the case pages. A case of
another commune is a 404, a viewer may not take a step (403), a step taken through the
API shows on the case page and moves the case's process on, a stale step is a 409 with
the pages' message, and every refused field is named in Vietnamese."""
import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from casework.models import CaseStatus, DisciplineDecision, InspectionCase, OrgKind
from tests.casework.test_inspections import open_case, run
from tests.factories import MemberFactory, OrganisationFactory, UserFactory, user_with_role
from workflows.case_processes import open_task

pytestmark = pytest.mark.django_db
D = datetime.date
LIST = "/api/kiem-tra/"


@pytest.fixture
def ubkt(tree):
    return user_with_role("ubkt", tree.commune, username="uv-ubkt")


@pytest.fixture
def case(tree, ubkt):
    return open_case(tree, ubkt)


def steps_url(case):
    return reverse("api:case-steps", args=[case.pk])


def post(client, user, case, **data):
    client.force_login(user)
    return client.post(steps_url(case), data, content_type="application/json")


def test_urls():
    assert reverse("api:case-list") == LIST
    assert reverse("api:case-detail", args=[3]) == "/api/kiem-tra/3/"
    assert reverse("api:case-events", args=[3]) == "/api/kiem-tra/3/lich-su/"
    assert reverse("api:case-documents", args=[3]) == "/api/kiem-tra/3/van-ban/"
    assert reverse("api:case-steps", args=[3]) == "/api/kiem-tra/3/buoc/"
    assert reverse("api:figures") == "/api/so-lieu/"


def test_list_and_detail_are_scoped_and_filtered(client, tree, ubkt, case):
    supervision = open_case(tree, ubkt, kind="thematic_supervision",
                            organisation=tree.branch_a)
    client.force_login(ubkt)
    data = client.get(LIST).json()
    assert data["count"] == 2
    assert {r["number"] for r in data["results"]} == {case.number, supervision.number}
    only = client.get(LIST, {"loai": "thematic_supervision", "nam": 2026}).json()["results"]
    assert [(r["number"], r["procedure"], r["subject_name"], r["subject_count"])
            for r in only] == [(supervision.number, "supervision", "Chi bộ thôn Hòa Ché", 1)]
    assert client.get(LIST, {"tim": case.number[:8]}).json()["count"] == 1
    detail = client.get(reverse("api:case-detail", args=[case.pk])).json()
    [subject] = detail["subjects"]
    assert subject["name"].startswith("Đảng viên Được Kiểm Tra")
    assert subject["is_member"] is True and subject["decision"] is None
    assert detail["status"] == "decided" and detail["team_leader_name"]

    # Another commune's secretary and a user with no role see none of it.
    other = OrganisationFactory(name="Đảng bộ xã Khác", code="xa-khac", kind=OrgKind.COMMUNE,
                                parent=tree.city)
    for outsider in (user_with_role("leader", other, username="ld-khac"),
                     UserFactory(username="khong-vai-tro")):
        client.force_login(outsider)
        assert client.get(LIST).json()["count"] == 0
        for name in ("api:case-detail", "api:case-events", "api:case-documents",
                     "api:case-steps", "workflows-api:case-clocks"):
            assert client.get(reverse(name, args=[case.pk])).status_code == 404, name
        assert post(client, outsider, case, action="announce").status_code == 404


def test_bad_filters_are_named_in_vietnamese(client, ubkt, case):
    client.force_login(ubkt)
    response = client.get(LIST, {"nam": "99999"})
    assert response.status_code == 400 and list(response.json()) == ["nam"]
    response = client.get(LIST, {"trang-thai": "khong-co"})
    assert response.status_code == 400 and "trang-thai" in response.json()
    response = client.get(LIST, {"nam-nhan": "2026"})
    assert response.status_code == 400
    assert "Không hiểu tham số lọc" in response.json()["nam-nhan"][0]
    assert client.get(LIST, {"tim": "a\x00b"}).status_code == 200
    assert list(client.get(LIST, {"tim": "1" * 5000}).json()) == ["tim"]
    assert client.get(LIST, {"don-vi": "9" * 30}).status_code == 400
    assert client.get(LIST, {"trang": "999"}).status_code == 404


def test_a_step_taken_through_the_api_shows_on_the_page_and_moves_the_process(
        client, ubkt, case):
    assert open_task(case).flow_task.name == "announce"
    client.force_login(ubkt)
    steps = client.get(steps_url(case)).json()
    available = [s["action"] for s in steps["steps"] if s["available"]]
    assert steps["status"] == "decided" and available == ["announce"]
    response = post(client, ubkt, case, action="announce", expected_status="decided",
                    doc_number="06-TB/UBKT", doc_date="05/03/2026", reason="Công bố tại chi bộ")
    assert response.status_code == 201, response.content
    assert response.json()["status"] == "announced"
    case.refresh_from_db()
    assert case.status == CaseStatus.ANNOUNCED
    assert open_task(case).flow_task.name == "explain"
    events = client.get(reverse("api:case-events", args=[case.pk])).json()
    assert [e["event_type"] for e in events] == ["case_opened", "announced"]
    assert events[1]["doc_number"] == "06-TB/UBKT" and events[1]["doc_date"] == "2026-03-05"
    page = client.get(case.get_absolute_url()).content.decode()
    assert "06-TB/UBKT" in page and "Công bố tại chi bộ" in page
    marks = {s["action"]: s for s in client.get(steps_url(case)).json()["steps"]}
    assert marks["announce"]["mark"] == "done" and marks["explain"]["available"] is True

    # The caller saw "decided": the case has moved on since, as on the pages.
    stale = post(client, ubkt, case, action="explain", expected_status="decided")
    assert stale.status_code == 409
    assert "vừa được người khác cập nhật" in stale.json()["detail"]
    # A step the case's state does not allow.
    early = post(client, ubkt, case, action="archive", on="04/05/2026")
    assert early.status_code == 409 and "Không thể" in early.json()["detail"]
    assert InspectionCase.objects.get(pk=case.pk).status == CaseStatus.ANNOUNCED


def test_a_viewer_and_a_team_member_are_refused_the_body_s_steps(client, tree, ubkt, case):
    viewer = user_with_role("viewer", tree.commune, username="xem")
    client.force_login(viewer)
    assert client.get(reverse("api:case-detail", args=[case.pk])).status_code == 200
    assert not any(s["available"] for s in client.get(steps_url(case)).json()["steps"])
    response = post(client, viewer, case, action="announce")
    assert response.status_code == 403 and "không được phép" in response.json()["detail"]
    team_member = UserFactory(username="thanh-vien")
    case.team.add(team_member)
    run(case, ubkt, "announce", "explain", "verify", "report", "meet")
    response = post(client, team_member, case, action="conclude", conclusion="x",
                    violation_found=True, doc_number="1", doc_date="20/04/2026")
    assert response.status_code == 403
    assert InspectionCase.objects.get(pk=case.pk).status == CaseStatus.MET
    client.logout()
    assert client.get(LIST).status_code == 401  # no session, no key


def test_fields_are_checked_by_the_page_forms_and_services_naming_them(client, ubkt, case):
    run(case, ubkt, "announce", "explain", "verify", "report", "meet")
    bad = post(client, ubkt, case, action="conclude", doc_date="31/02/2026")
    assert bad.status_code == 400 and list(bad.json()) == ["doc_date"]
    missing = post(client, ubkt, case, action="conclude", doc_number="10-KL/UBKT",
                   doc_date="20/04/2026")
    assert missing.status_code == 400
    assert missing.json()["conclusion"] == ["Chưa nhập nội dung kết luận."]
    assert missing.json()["violation_found"] == ["Chưa chọn có hay không có vi phạm."]
    for body, field in (({"action": "buoc-la"}, "action"),
                        ({"action": "conclude", "doc_date": ["20/04/2026"]}, "doc_date"),
                        ({"action": "conclude", "la": "1"}, "la"),
                        ({"action": "conclude", "doc_date": 10 ** 30}, "doc_date"),
                        ({"action": "conclude", "doc_date": "9999-01-01"}, "doc_date"),
                        ({"action": "conclude", "reason": "x" * 30_000}, "reason")):
        response = post(client, ubkt, case, **body)
        assert response.status_code == 400, (body, response.content)
        assert field in response.json(), (body, response.json())
    client.force_login(ubkt)
    for raw in (b"[1, 2]", b"\"x\"", b"{", b"null"):
        response = client.post(steps_url(case), raw, content_type="application/json")
        assert response.status_code == 400, raw
    done = post(client, ubkt, case, action="conclude", conclusion="Có vi phạm\x00 đất đai.",
                violation_found=True, doc_number="10-KL/UBKT", doc_date="2026-04-20")
    assert done.status_code == 201, done.content
    case.refresh_from_db()
    assert case.conclusion == "Có vi phạm đất đai." and case.violation_found is True


def test_discipline_of_several_subjects_and_the_appeal(client, tree, ubkt):
    first = MemberFactory(organisation=tree.branch_a, full_name="Nguyễn Văn Một")
    second = MemberFactory(organisation=tree.branch_a, full_name="Trần Văn Hai")
    from casework.services.inspections import case_open
    case = case_open(actor=ubkt, organisation=tree.commune, body="ubkt",
                     kind="violation_signs", title="Kiểm tra hai đảng viên",
                     decision_number="05-QĐ/UBKT", decision_date=D(2026, 3, 2),
                     starts_on=D(2026, 3, 5), ends_on=D(2026, 5, 5), team_leader=ubkt,
                     subject_members=[first, second])
    run(case, ubkt, "announce", "explain", "verify", "report", "meet", "conclude",
        "notify", "open_discipline")
    client.force_login(ubkt)
    rows = {s["name"]: s["id"] for s in
            client.get(reverse("api:case-detail", args=[case.pk])).json()["subjects"]}
    unnamed = post(client, ubkt, case, action="discipline", form="reprimand",
                   decision_number="12-QĐ/UBKT", decision_date="25/04/2026",
                   notified_on="26/04/2026")
    assert unnamed.status_code == 400 and "subject" in unnamed.json()
    for name, form in (("Nguyễn Văn Một", "reprimand"), ("Trần Văn Hai", "")):
        subject = next(pk for text, pk in rows.items() if text.startswith(name))
        extra = ({"decision_number": "12-QĐ/UBKT", "decision_date": "25/04/2026",
                  "notified_on": "26/04/2026"} if form else {"reason": "Đã khắc phục."})
        response = post(client, ubkt, case, action="discipline", subject=subject, form=form,
                        **extra)
        assert response.status_code == 201, response.content
    case.refresh_from_db()
    assert case.status == CaseStatus.REMEDIATION
    assert open_task(case).flow_task.name == "archive"
    assert client.get(steps_url(case)).json()["may_record_appeal"] is True
    early = post(client, ubkt, case, action="appeal", on="20/04/2026")
    assert early.status_code == 400 and list(early.json()) == ["on"]
    response = post(client, ubkt, case, action="appeal", on="05/05/2026",
                    reason="Đơn khiếu nại gửi UBKT")
    assert response.status_code == 201, response.content
    assert DisciplineDecision.objects.get(form="reprimand").appealed_on == D(2026, 5, 5)
    again = post(client, ubkt, case, action="appeal", on="06/05/2026")
    assert again.status_code == 409


def test_documents_are_listed_with_the_pages_download(client, ubkt, case,
                                                      django_capture_on_commit_callbacks):
    run(case, ubkt, "announce", "explain", "verify", "report", "meet", "conclude")
    client.force_login(ubkt)
    with django_capture_on_commit_callbacks(execute=True):  # the file is stored on commit
        response = post(client, ubkt, case, action="notify", issue_document=True,
                        doc_date="22/04/2026")
    assert response.status_code == 201, response.content
    [document] = client.get(reverse("api:case-documents", args=[case.pk])).json()
    assert document["kind"] == "conclusion_notice" and document["date"] == "2026-04-22"
    download = client.get(document["download_url"].removeprefix("http://testserver"))
    assert download.status_code == 200 and download.content[:2] == b"PK"
    # Someone outside the case's scope gets neither the list nor the file.
    client.force_login(UserFactory(username="khong-vai-tro"))
    assert client.get(reverse("api:case-documents", args=[case.pk])).status_code == 404
    assert client.get(document["download_url"]).status_code == 404


def test_list_queries_do_not_grow_with_rows(client, tree, ubkt):
    client.force_login(ubkt)

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(LIST).status_code == 200
        return len(queries)

    open_case(tree, ubkt)
    count()  # the first request of a session reads a few things once
    few = count()
    for _ in range(6):
        open_case(tree, ubkt, organisation=tree.branch_b)
    assert count() == few


def test_no_input_is_a_500(client, ubkt, case):
    client.force_login(ubkt)
    huge = "9" * 30
    for url in (f"/api/kiem-tra/{huge}/", f"/api/kiem-tra/{huge}/buoc/",
                f"/api/kiem-tra/{huge}/lich-su/", f"/api/kiem-tra/{huge}/van-ban/",
                f"/api/kiem-tra/{huge}/thoi-han/", f"/api/don-thu/{huge}/thoi-han/"):
        assert client.get(url).status_code == 404, url
    for query in ({"trang": huge}, {"trang": "\x00"}, {"nam": "\x00"}, {"loai": "\x00"},
                  {"don-vi": "-1"}, {"trang-thai": "x" * 10_000}):
        assert client.get(LIST, query).status_code in (400, 404), query
    assert client.post(f"/api/kiem-tra/{huge}/buoc/", {"action": "announce"},
                       content_type="application/json").status_code == 404
    for body in ({"action": "announce", "subject": huge}, {"action": "announce",
                                                           "expected_status": "\x00"},
                 {"action": "discipline", "subject": huge, "form": ""},
                 {"action": "appeal", "subject": "x"}, {"action": None}, {"action": 5}):
        response = post(client, ubkt, case, **body)
        assert response.status_code in (400, 403, 409), (body, response.content)


def test_a_case_opened_through_the_api_is_the_pages(client, tree, ubkt):
    member = MemberFactory(organisation=tree.branch_a, full_name="Lê Văn Ba")
    body = {"organisation": tree.ubkt.pk, "body": "ubkt", "kind": "violation_signs",
            "title": "Kiểm tra khi có dấu hiệu vi phạm", "decision_number": "09-QĐ/UBKT",
            "decision_date": "02/03/2026", "starts_on": "2026-03-05", "ends_on": "05/05/2026",
            "team_leader": ubkt.pk, "subject_members": [member.pk],
            "subject_organisations": [tree.branch_b.pk]}
    client.force_login(ubkt)
    response = client.post(LIST, body, content_type="application/json")
    assert response.status_code == 201, response.content
    case = InspectionCase.objects.get(pk=response.json()["id"])
    assert response.json()["number"] == case.number == "001/2026/KT-UBKT"
    assert list(case.subjects_all()) == [tree.branch_b, member]  # organisations first
    assert open_task(case).flow_task.name == "announce"  # its process started with it
    # The form's and the service's checks, named.
    bad = client.post(LIST, {**body, "ends_on": "01/03/2026", "team_leader": "",
                             "subject_members": [999999]}, content_type="application/json")
    assert bad.status_code == 400
    assert set(bad.json()) == {"subject_members"}  # the form first: an unknown member
    bad = client.post(LIST, {**body, "ends_on": "01/03/2026", "team_leader": ""},
                      content_type="application/json")
    assert bad.status_code == 400 and {"ends_on", "team_leader"} <= set(bad.json())
    assert bad.json()["team_leader"] == ["Chưa chọn trưởng đoàn."]
    for wrong, field in (({"team": {"a": 1}}, "team"), ({"team": list(range(500))}, "team"),
                         ({"tieu-de": "x"}, "tieu-de")):
        response = client.post(LIST, {**body, **wrong}, content_type="application/json")
        assert response.status_code == 400 and field in response.json(), response.content
    viewer = user_with_role("viewer", tree.commune, username="xem")
    client.force_login(viewer)
    assert client.post(LIST, body, content_type="application/json").status_code == 403
    assert InspectionCase.objects.count() == 1
