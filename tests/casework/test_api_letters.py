"""A letter's history, documents and steps through the API with a key: the page's scope,
permissions, forms, services and identity rules, errors in Vietnamese naming the field,
409 when the letter changed, and lists whose query count does not grow with their rows."""
import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from casework.models import IdentityAccess, Petition, RoleAssignment
from casework.services.api_tokens import api_token_create
from casework.services.documents import document_for_event
from casework.services.petitions import (
    SenderData,
    petition_classify,
    petition_follow_up,
    petition_receive,
    petition_transfer,
)
from tests.factories import UserFactory, receive_petition

pytestmark = pytest.mark.django_db
NAME, ADDRESS = "Vũ Thị Kín Đáo", "Xóm Giữa, thôn Lại"


def person(username, role, organisation, *, cleared=False):
    user = UserFactory(username=username, first_name="Văn", last_name=username)
    RoleAssignment.objects.create(user=user, organisation=organisation, role=role,
                                  identity_clearance=cleared)
    return user


class Api:
    """A client that sends a user's key, as a machine client would."""

    def __init__(self, client, admin_user, user):
        self.client = client
        _token, key = api_token_create(actor=admin_user, user=user, name="kiểm thử")
        self.headers = {"HTTP_AUTHORIZATION": f"Bearer {key}"}

    def get(self, url, **params):
        return self.client.get(url, params, **self.headers)

    def post(self, url, data=None, raw=None):
        return self.client.post(url, raw if raw is not None else data or {},
                                content_type="application/json", **self.headers)


@pytest.fixture
def api(client, admin_user):
    return lambda user: Api(client, admin_user, user)


@pytest.fixture
def protected(tree, admin_user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        letter = petition_receive(
            actor=admin_user, organisation=tree.office, received_on=datetime.date(2026, 9, 1),
            channel="direct", kind="denunciation",
            senders=[SenderData(full_name=NAME, address=ADDRESS)],
            summary="Tố cáo việc lấn chiếm đất công.", subject_name="Đinh Văn Lấn",
            attachments=[SimpleUploadedFile("don.pdf", b"%PDF-1.4\n%%EOF\n")])
    return letter


def url(name, *args):
    return reverse(f"api:{name}", args=args)


def test_history_of_a_letter_never_carries_the_identity(api, tree, protected, admin_user):
    clerk = person("vp", "clerk", tree.office)
    petition_classify(actor=clerk, petition_id=protected.pk, kind="denunciation",
                      competence="here", reason="Thuộc thẩm quyền UBKT")
    response = api(clerk).get(url("petition-events", protected.pk))
    assert response.status_code == 200
    rows = response.json()["results"]
    assert [r["event_type"] for r in rows] == ["received", "classified"]
    assert rows[1]["actor_name"] and rows[1]["from_status"] == "received"
    assert rows[1]["to_status"] == "classified" and rows[1]["reason"] == "Thuộc thẩm quyền UBKT"
    assert NAME not in response.content.decode() and ADDRESS not in response.content.decode()


def test_letters_outside_the_scope_are_404(api, tree, protected):
    other = person("bithu.b", "branch_secretary", tree.branch_b)
    for name in ("petition-events", "petition-documents", "petition-actions",
                 "petition-destinations"):
        response = api(other).get(url(name, protected.pk))
        assert response.status_code == 404, name
        assert response.json() == {"detail": "Không tìm thấy."}
    assert api(other).post(url("petition-transition", protected.pk, "classify")
                           ).status_code == 404


def test_documents_follow_the_identity_rules_and_log(api, tree, protected,
                                                     django_capture_on_commit_callbacks):
    cleared = person("vp", "clerk", tree.office, cleared=True)
    viewer = person("xem", "viewer", tree.commune)
    with django_capture_on_commit_callbacks(execute=True):  # the file is stored on commit
        receipt = document_for_event(
            actor=cleared, event_id=protected.events.get(event_type="received").pk)
    before = IdentityAccess.objects.count()

    seen = api(viewer).get(url("petition-documents", protected.pk)).json()["results"]
    assert [(d["id"], d["identity_refused"]) for d in seen] == [(receipt.pk, True)]
    refused = api(viewer).get(url("document-download", receipt.pk))
    assert refused.status_code == 403 and "chưa được phân quyền" in refused.json()["detail"]

    listed = api(cleared).get(url("petition-documents", protected.pk)).json()["results"]
    assert listed[0]["identity_refused"] is False
    got = api(cleared).get(listed[0]["download_url"])
    assert got.status_code == 200 and got.content[:2] == b"PK"
    assert IdentityAccess.objects.count() == before + 1
    assert IdentityAccess.objects.latest("pk").purpose == "document"


def test_the_viewer_may_take_no_step(api, tree):
    viewer = person("xem", "viewer", tree.commune)
    letter = receive_petition(actor=UserFactory(is_superuser=True), organisation=tree.office)
    assert api(viewer).get(url("petition-actions", letter.pk)).json() == []
    response = api(viewer).get(url("petition-transition", letter.pk, "classify"))
    assert response.status_code == 403 and "Phân loại đơn" in response.json()["detail"]
    response = api(viewer).post(url("petition-transition", letter.pk, "classify"),
                                {"kind": "complaint", "competence": "here"})
    assert response.status_code == 403
    letter.refresh_from_db()
    assert letter.status == "received"


def test_a_clerk_classifies_through_the_page_form_and_service(api, tree, admin_user):
    clerk = person("vp", "clerk", tree.office)
    letter = receive_petition(actor=admin_user, organisation=tree.office)
    actions = api(clerk).get(url("petition-actions", letter.pk)).json()
    classify = next(a for a in actions if a["action"] == "classify")
    assert classify["label"] == "Phân loại đơn"
    assert {f["name"] for f in classify["fields"]} >= {"kind", "competence", "reason",
                                                        "expected_status"}
    response = api(clerk).post(url("petition-transition", letter.pk, "classify"),
                               {"kind": "complaint", "competence": "here",
                                "reason": "Khiếu nại\x00 đúng thẩm quyền",
                                "expected_status": "received"})
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "classified"
    event = letter.events.latest("id")
    assert (event.event_type, event.actor, event.reason) == (
        "classified", clerk, "Khiếu nại đúng thẩm quyền")


def test_a_stale_status_is_a_409_and_nothing_is_written(api, tree, admin_user):
    clerk = person("vp", "clerk", tree.office)
    letter = receive_petition(actor=admin_user, organisation=tree.office)
    petition_classify(actor=admin_user, petition_id=letter.pk, kind="recommendation",
                      competence="here")
    events = letter.events.count()
    # The client saw the letter before the other user classified it.
    response = api(clerk).post(url("petition-transition", letter.pk, "transfer"),
                               {"recipient": "UBND xã", "doc_number": "1/CV",
                                "doc_date": "2026-09-03", "expected_status": "received"})
    assert response.status_code == 409
    assert "vừa được người khác cập nhật" in response.json()["detail"]
    # A step that does not fit the state is a 409 too.
    response = api(clerk).post(url("petition-transition", letter.pk, "report_back"),
                               {"doc_number": "1/BC", "doc_date": "2026-09-03"})
    assert response.status_code == 409 and "Không thể" in response.json()["detail"]
    assert letter.events.count() == events


@pytest.mark.parametrize("body, field, words", [
    ({"kind": "khong-co", "competence": "here"}, "kind", "lựa chọn"),
    ({"kind": "complaint"}, "competence", "thẩm quyền"),
    ({"kind": "complaint", "competence": "here", "thua": 1}, "thua", "không có trường"),
    ({"kind": ["complaint"], "competence": "here"}, "kind", "giá trị không hợp lệ"),
    ({"kind": "complaint", "competence": "here", "reason": "x" * 20000}, "reason",
     "giá trị không hợp lệ"),
    ({"kind": "complaint", "competence": "here", "expected_status": 10**30},
     "expected_status", "lựa chọn"),
])
def test_field_errors_name_the_field_in_vietnamese(api, tree, admin_user, body, field, words):
    clerk = person("vp", "clerk", tree.office)
    letter = receive_petition(actor=admin_user, organisation=tree.office)
    response = api(clerk).post(url("petition-transition", letter.pk, "classify"), body)
    assert response.status_code == 400, response.content
    errors = response.json()
    assert field in errors, errors
    assert any(words in message for message in errors[field]), errors


def test_bad_dates_and_bodies_are_400_not_500(api, tree, admin_user):
    clerk = person("vp", "clerk", tree.office)
    letter = receive_petition(actor=admin_user, organisation=tree.office)
    petition_classify(actor=admin_user, petition_id=letter.pk, kind="recommendation",
                      competence="other")
    step = url("petition-transition", letter.pk, "transfer")
    for bad in ("2026-02-30", "9999-01-01", "0202-01-01", "hôm qua", "\x00"):
        response = api(clerk).post(step, {"recipient": "UBND", "doc_number": "1",
                                          "doc_date": bad})
        assert response.status_code == 400, (bad, response.content)
        assert "doc_date" in response.json()
    for raw in ("[1, 2]", "{không phải json", '"chuỗi"', "null"):
        response = api(clerk).post(step, raw=raw)
        assert response.status_code == 400, (raw, response.content)
        assert "detail" in response.json()
    response = api(clerk).client.post(step, "recipient=UBND",
                                      content_type="application/x-www-form-urlencoded",
                                      **api(clerk).headers)
    assert response.status_code == 415
    assert api(clerk).post(url("petition-transition", letter.pk, "khong-co")
                           ).status_code == 404
    assert api(clerk).get(url("petition-destinations", letter.pk), tim="x" * 500
                          ).status_code == 400


def test_transfer_to_a_unit_in_the_system(api, tree, admin_user):
    clerk = person("vp", "clerk", tree.office)
    letter = receive_petition(actor=admin_user, organisation=tree.office)
    petition_classify(actor=admin_user, petition_id=letter.pk, kind="recommendation",
                      competence="other")
    found = api(clerk).get(url("petition-destinations", letter.pk), tim="Hòa Ché").json()
    [choice] = [r for r in found["results"] if r["label"].startswith("Chi bộ thôn Hòa Ché")]
    assert choice["value"] == f"org:{tree.branch_a.pk}"
    response = api(clerk).post(url("petition-transition", letter.pk, "transfer"),
                               {"destination": choice["value"], "doc_number": "12/CV",
                                "doc_date": "2026-09-03", "expected_status": "classified"})
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "transferred"
    assert Petition.objects.filter(organisation=tree.branch_a,
                                   forwarded_from=letter).exists()
    # A unit that is no destination of this letter names the field.
    other = receive_petition(actor=admin_user, organisation=tree.office)
    petition_classify(actor=admin_user, petition_id=other.pk, kind="recommendation",
                      competence="other")
    response = api(clerk).post(url("petition-transition", other.pk, "transfer"),
                               {"destination": f"org:{tree.office.pk}", "doc_number": "13/CV",
                                "doc_date": "2026-09-03"})
    assert response.status_code == 400 and "destination" in response.json()


def count(client, target, headers):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(target, **headers)
    assert response.status_code == 200
    assert response.json()["count"] > 0
    return len(captured.captured_queries)


def test_list_queries_do_not_grow_with_rows(client, tree, admin_user):
    clerk = person("vp", "clerk", tree.office, cleared=True)
    helper = Api(client, admin_user, clerk)
    letter = receive_petition(actor=admin_user, organisation=tree.office)
    petition_classify(actor=admin_user, petition_id=letter.pk, kind="recommendation",
                      competence="other")
    petition_transfer(actor=admin_user, petition_id=letter.pk, recipient="UBND xã",
                      doc_number="1/CV", doc_date=datetime.date(2026, 9, 3))
    counts = []
    for grow_to in (5, 30):
        while letter.events.count() < grow_to:
            petition_follow_up(actor=clerk, petition_id=letter.pk, reason="Đôn đốc",
                               issue_document=True)
        for name in ("petition-events", "petition-documents"):
            target = url(name, letter.pk)
            client.get(target, **helper.headers)  # warm
            counts.append((name, count(client, target, helper.headers)))
    assert counts[:2] == counts[2:], counts


INTAKE = {"organisation": None, "received_on": "2026-09-01", "channel": "post",
          "kind": "complaint", "summary": "Khiếu nại về việc cấp đất.",
          "senders": [{"full_name": "lê thị hoa", "address": "Thôn Lại"}]}


def test_receiving_a_letter_through_the_intake_form_and_service(api, tree):
    clerk = person("vp", "clerk", tree.office)
    body = {**INTAKE, "organisation": tree.office.pk}
    response = api(clerk).post(url("petition-list"), body)
    assert response.status_code == 201, response.content
    letter = Petition.objects.get(pk=response.json()["id"])
    assert (letter.status, letter.created_by, letter.receipt_number) == (
        "received", clerk, response.json()["receipt_number"])
    assert [s.full_name for s in letter.senders.all()] == ["Lê Thị Hoa"]
    # The same sender and summary again: the duplicate check of the page, then confirmed.
    again = api(clerk).post(url("petition-list"), body)
    assert again.status_code == 400
    assert letter.receipt_number in again.json()["confirm_duplicate"][0]
    confirmed = api(clerk).post(url("petition-list"), {**body, "confirm_duplicate": True})
    assert confirmed.status_code == 201


@pytest.mark.parametrize("change, field", [
    ({"organisation": None}, "organisation"),
    ({"received_on": "31/02/2026"}, "received_on"),
    ({"received_on": "9999-12-31"}, "received_on"),
    ({"kind": "thu-tay"}, "kind"),
    ({"senders": []}, "senders"),
    ({"senders": [{"full_name": "x" * 151}]}, "senders"),
    ({"senders": [{"full_name": "A"}] * 21}, "senders"),
    ({"senders": "Lê Văn A"}, "senders"),
    ({"summary": {"a": 1}}, "summary"),
    ({"attachments": "x"}, "attachments"),
])
def test_receiving_names_the_field_in_vietnamese(api, tree, change, field):
    clerk = person("vp", "clerk", tree.office)
    body = {**INTAKE, "organisation": tree.office.pk, **change}
    response = api(clerk).post(url("petition-list"), body)
    assert response.status_code == 400, response.content
    assert field in response.json(), response.json()
    assert Petition.objects.count() == 0


def test_a_viewer_receives_nothing(api, tree):
    viewer = person("xem", "viewer", tree.commune)
    response = api(viewer).post(url("petition-list"), {**INTAKE, "organisation": tree.office.pk})
    assert response.status_code == 403 and "tiếp nhận" in response.json()["detail"]
    # Another unit's office is not the clerk's to receive for.
    clerk = person("vp", "clerk", tree.branch_a)
    response = api(clerk).post(url("petition-list"), {**INTAKE, "organisation": tree.office.pk})
    assert response.status_code == 400 and "organisation" in response.json()
    assert Petition.objects.count() == 0


def test_a_page_past_the_end_is_a_vietnamese_404(api, tree):
    viewer = person("xem", "viewer", tree.commune)
    for page in ("999", "99999999999999999999999", "-1", "x\x00"):
        response = api(viewer).get(url("petition-list"), trang=page)
        assert response.status_code == 404, page
        assert response.json() == {"detail": "Không có trang này."}


def test_drf_refusals_speak_vietnamese(api, tree, client):
    clerk = person("vp", "clerk", tree.office)
    helper = api(clerk)
    response = client.put(url("petition-list"), "{}", content_type="application/json",
                          **helper.headers)
    assert response.status_code == 405 and response.json()["detail"].startswith("Phương thức PUT")
    response = client.post(url("petition-list"), "a=1", content_type="text/plain",
                           **helper.headers)
    assert response.status_code == 415 and "gửi JSON" in response.json()["detail"]
    response = client.get(url("petition-list"), HTTP_ACCEPT="text/csv", **helper.headers)
    assert response.status_code == 406 and "chỉ trả JSON" in response.json()["detail"]
    assert client.get("/api/khong-co/", **helper.headers).json() == {"detail": "Không tìm thấy."}
