"""Read-only API: the same scope, filters and identity masking as the pages. A letter outside
the user's subtree is a 404, a protected sender is masked in every list and in the detail
for uncleared users, each detail shown to a cleared user is logged, writes are refused."""
import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from casework.models import IdentityAccess, RoleAssignment
from casework.services.identity import MASK
from casework.services.petitions import SenderData, petition_receive
from tests.factories import UserFactory, receive_petition

pytestmark = pytest.mark.django_db

NAME, ADDRESS, PHONE, ID_NUMBER = ("Vũ Thị Kín Đáo", "Xóm Giữa, thôn Lại", "0987000111",
                                   "034188001234")
SECRETS = [NAME, ADDRESS, PHONE, ID_NUMBER, "don-to-cao.pdf"]
PDF = b"%PDF-1.4\n%%EOF\n"
LIST = "/api/don-thu/"


def person(username, role, organisation, *, cleared=False):
    user = UserFactory(username=username)
    RoleAssignment.objects.create(user=user, organisation=organisation, role=role,
                                  identity_clearance=cleared)
    return user


@pytest.fixture
def letters(tree, admin_user):
    protected = petition_receive(
        actor=admin_user, organisation=tree.office, received_on=datetime.date(2025, 9, 5),
        channel="direct", kind="denunciation",
        senders=[SenderData(full_name=NAME, address=ADDRESS, phone=PHONE, id_number=ID_NUMBER)],
        summary="Tố cáo việc lấn chiếm đất công.", subject_name="Đinh Văn Lấn",
        attachments=[SimpleUploadedFile("don-to-cao.pdf", PDF)])
    return dict(
        protected=protected,
        branch_a=receive_petition(actor=admin_user, organisation=tree.branch_a,
                                  sender="Trần Văn Thắng"),
        branch_b=receive_petition(actor=admin_user, organisation=tree.branch_b, kind="complaint",
                                  sender="Đỗ Thị Mai", summary="Khiếu nại về bồi thường."),
    )


def detail_url(petition):
    return reverse("api:petition-detail", args=[petition.pk])


def get(client, user, url, **params):
    client.force_login(user)
    response = client.get(url, params)
    assert response.status_code == 200, response.content
    return response


def test_urls():
    assert reverse("api:petition-list") == LIST
    assert reverse("api:petition-detail", args=[7]) == "/api/don-thu/7/"
    assert reverse("api:api-schema") == "/api/schema/"


def test_list_and_detail_are_scoped_to_the_users_subtree(client, tree, letters):
    secretary = person("bithu.a", "branch_secretary", tree.branch_a)
    data = get(client, secretary, LIST).json()
    assert data["count"] == 1
    [row] = data["results"]
    assert row["receipt_number"] == letters["branch_a"].receipt_number
    assert row["organisation_name"] == "Chi bộ thôn Hòa Ché"
    assert row["senders"] == [{"full_name": "Trần Văn Thắng", "masked": False}]
    for other in ("branch_b", "protected"):
        assert client.get(detail_url(letters[other])).status_code == 404
    assert client.get("/api/don-thu/999999/").status_code == 404

    leader = person("ld", "leader", tree.commune)
    assert get(client, leader, LIST).json()["count"] == 3
    nobody = UserFactory(username="khong-vai-tro")
    assert get(client, nobody, LIST).json() == {
        "count": 0, "next": None, "previous": None, "results": []}


def test_filters_are_the_registers(client, tree, letters):
    leader = person("ld", "leader", tree.commune)
    rows = get(client, leader, LIST, loai="complaint").json()["results"]
    assert [(r["kind"], r["kind_display"], r["status"], r["status_display"]) for r in rows] == [
        ("complaint", "Khiếu nại", "received", "Đã tiếp nhận")]
    assert rows[0]["received_on"] == "2025-09-03"  # ISO in JSON
    assert get(client, leader, LIST, **{"don-vi": tree.branch_a.pk}).json()["count"] == 1
    assert get(client, leader, LIST, tim="bồi thường").json()["count"] == 1
    # A denouncer's name finds nothing for a user who may not know it.
    assert get(client, leader, LIST, tim=NAME).json()["count"] == 0
    response = client.get(LIST, {"tu-ngay": "31/02/2025"})
    assert response.status_code == 400 and "tu-ngay" in response.json()


def test_list_masks_protected_senders_for_everyone(client, tree, letters):
    for user in (person("ld", "leader", tree.commune),
                 person("ld-duoc-xem", "ubkt", tree.commune, cleared=True)):
        response = get(client, user, LIST)
        for secret in SECRETS:
            assert secret.encode() not in response.content
        row = next(r for r in response.json()["results"] if r["kind"] == "denunciation")
        assert row["senders"] == [{"full_name": str(MASK), "masked": True}]
        assert row["identity_masked"] is True
    assert not IdentityAccess.objects.exists()


def test_detail_masks_protected_senders_and_files_for_uncleared_users(client, tree, letters):
    for user in (person("ld", "leader", tree.commune), person("vp", "clerk", tree.office)):
        response = get(client, user, detail_url(letters["protected"]))
        for secret in SECRETS:
            assert secret.encode() not in response.content
        data = response.json()
        assert data["senders"] == [{"full_name": str(MASK), "masked": True}]
        assert data["identity_masked"] is True and data["attachments"] == []
        assert data["subject_name"] == "Đinh Văn Lấn"
        assert [e["event_type"] for e in data["events"]] == ["received"]
    assert not IdentityAccess.objects.exists()


def test_detail_shows_a_cleared_user_the_identity_and_logs_each_response(client, tree, letters):
    cleared = person("vp-duoc-xem", "clerk", tree.office, cleared=True)
    data = get(client, cleared, detail_url(letters["protected"])).json()
    assert data["senders"] == [{"full_name": NAME, "address": ADDRESS, "phone": PHONE,
                                "id_number": ID_NUMBER, "masked": False}]
    assert data["identity_masked"] is False
    [attachment] = data["attachments"]
    assert attachment["name"] == "don-to-cao.pdf" and attachment["size"] == len(PDF)
    assert attachment["content_type"] == "application/pdf"
    file_url = reverse("casework:attachment-download",
                       args=[letters["protected"].attachments.get().pk])
    assert attachment["download_url"] == f"http://testserver{file_url}"
    assert list(IdentityAccess.objects.values_list("petition_id", "user_id", "purpose")) == [
        (letters["protected"].pk, cleared.pk, "api")]
    get(client, cleared, detail_url(letters["protected"]))
    assert IdentityAccess.objects.count() == 2
    # An unprotected letter is no identity access.
    get(client, cleared, LIST)
    assert IdentityAccess.objects.count() == 2


def test_a_letter_cannot_be_changed_or_deleted_through_the_api(client, tree, letters):
    client.force_login(person("vp", "clerk", tree.office))
    url = detail_url(letters["protected"])
    for method in (client.put, client.patch, client.delete):
        assert method(url, {}, content_type="application/json").status_code == 405
    assert letters["protected"].__class__.objects.count() == 3


def test_anonymous_requests_are_refused(client, letters):
    # The key's authentication comes first and sends its challenge: a 401, in Vietnamese.
    for url in (LIST, detail_url(letters["protected"]), reverse("api:api-schema")):
        response = client.get(url)
        assert response.status_code == 401
        assert response["WWW-Authenticate"] == 'Bearer realm="api"'
        assert "Chưa đăng nhập" in response.content.decode()  # the schema's is YAML
        assert NAME.encode() not in response.content


def test_schema_is_served(client, tree):
    response = get(client, person("xem", "viewer", tree.commune), reverse("api:api-schema"))
    assert b"/api/don-thu/{id}/" in response.content
    assert b"openapi: 3" in response.content
