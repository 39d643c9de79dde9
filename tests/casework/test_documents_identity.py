"""Documents and a denouncer's identity, the admin's templates, and a case's documents.

- A phiếu chuyển đơn or a công văn đôn đốc of a tố cáo never carries the denouncer's name,
  address, phone or ID, whoever makes it: searched in every unzipped XML part.
- A notice addressed to the denouncer is made and downloaded only by users cleared for
  that letter's identity, and each time is logged.
- A template replaced in the admin is used for the next document; a bad one is refused
  with a message.
"""
import datetime
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from docx import Document

from casework.documents.context import DEFAULTS_DIR
from casework.models import DocumentTemplate, GeneratedDocument, IdentityAccess
from casework.services import inspections as case_svc
from casework.services import petitions as svc
from casework.services.documents import document_bytes
from tests.casework.test_confidentiality import ID_NUMBER, SECRETS, denounce, person
from tests.casework.test_documents import text_of, xml_of
from tests.factories import MemberFactory, receive_petition

pytestmark = pytest.mark.django_db

PHONE = "0987000111"
DAY = datetime.date(2026, 9, 5)


@pytest.fixture
def people(tree):
    return {
        "cleared_clerk": person("vp-duoc-xem", "clerk", tree.office, cleared=True),
        "clerk": person("vp-khong", "clerk", tree.office),
        "cleared_leader": person("lanhdao-duoc-xem", "leader", tree.commune, cleared=True),
        "leader": person("lanhdao-khong", "leader", tree.commune),
    }


def _classified_denunciation(people, tree):
    letter = denounce(people["cleared_clerk"], tree.office)
    svc.petition_classify(actor=people["clerk"], petition_id=letter.pk, kind="denunciation",
                          competence="other")
    return letter


@pytest.mark.parametrize("maker", ["clerk", "cleared_clerk"])
def test_third_party_documents_of_a_denunciation_carry_no_identity(
        tree, people, maker, django_capture_on_commit_callbacks, media_root):
    letter = _classified_denunciation(people, tree)
    with django_capture_on_commit_callbacks(execute=True):
        svc.petition_transfer(actor=people[maker], petition_id=letter.pk,
                              recipient="Công an xã Kè Sắt", doc_number="", doc_date=DAY,
                              issue_document=True)
        svc.petition_follow_up(actor=people[maker], petition_id=letter.pk,
                               reason="Đôn đốc lần 1", issue_document=True)
    documents = list(GeneratedDocument.objects.filter(petition=letter))
    assert [d.kind for d in documents] == ["transfer", "follow_up"]
    for document in documents:
        content = document_bytes(document)
        xml = xml_of(content)
        for secret in [*SECRETS, PHONE]:
            assert secret not in xml, (document.kind, secret)
        assert "danh tính người tố cáo được giữ bí mật" in text_of(content)
        assert not document.shows_identity
    # Making them showed nobody the identity.
    assert not IdentityAccess.objects.filter(purpose="document").exists()


def test_a_notice_to_the_denouncer_is_for_cleared_users_and_logged(
        client, tree, people, django_capture_on_commit_callbacks, media_root):
    letter = denounce(people["cleared_clerk"], tree.office)
    svc.petition_classify(actor=people["clerk"], petition_id=letter.pk, kind="denunciation",
                          competence="here")
    with pytest.raises(ValidationError) as caught:
        svc.petition_accept(actor=people["leader"], petition_id=letter.pk, doc_number="",
                            doc_date=DAY, issue_document=True)
    assert "chưa được phân quyền" in caught.value.message_dict["issue_document"][0]
    assert not GeneratedDocument.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        svc.petition_accept(actor=people["cleared_leader"], petition_id=letter.pk,
                            doc_number="", doc_date=DAY, issue_document=True)
    document = GeneratedDocument.objects.get()
    content = document_bytes(document)
    assert document.shows_identity and "Vũ Thị Kín Đáo" in text_of(content)
    assert list(IdentityAccess.objects.values_list("user__username", "purpose")) == [
        ("lanhdao-duoc-xem", "document")]
    url = reverse("casework:document-download", args=[document.pk])
    client.force_login(people["clerk"])
    assert client.get(url).status_code == 403
    page = client.get(reverse("casework:petition-detail", args=[letter.pk])).content.decode()
    assert url not in page and "bạn chưa được phân quyền xem" in page
    assert IdentityAccess.objects.count() == 1  # a refusal shows nothing and logs nothing
    client.force_login(people["cleared_clerk"])
    response = client.get(url)
    assert response.status_code == 200 and response.content == content
    assert IdentityAccess.objects.filter(user=people["cleared_clerk"],
                                         purpose="document").count() == 1


def test_a_receipt_for_a_denunciation_needs_clearance(client, tree, people, media_root):
    letter = denounce(people["cleared_clerk"], tree.office)
    received = letter.events.get(event_type="received")
    client.force_login(people["clerk"])
    response = client.post(reverse("casework:document-issue", args=[received.pk]), follow=True)
    assert "chưa được phân quyền" in response.content.decode()
    assert not GeneratedDocument.objects.exists()


# ---- templates in the admin --------------------------------------------------------------

def _template_with(extra):
    document = Document(str(DEFAULTS_DIR / "transfer.docx"))
    document.add_paragraph(extra)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def test_a_template_replaced_in_the_admin_makes_the_next_document(
        client, tree, admin_user, django_capture_on_commit_callbacks, media_root):
    client.force_login(admin_user)
    add = reverse("admin:casework_documenttemplate_add")
    response = client.post(add, {
        "kind": "transfer", "file": SimpleUploadedFile(
            "mau.docx", _template_with("Mẫu riêng của {{ ten_co_quan }} – {{ so_ky_hieu }}")),
        "signer_title": "PHÓ BÍ THƯ", "signer_name": "Lê Văn Ký", "active": "on"})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert DocumentTemplate.objects.get().uploaded_by == admin_user
    clerk = person("vp", "clerk", tree.office)
    letter = receive_petition(actor=clerk, organisation=tree.office)
    svc.petition_classify(actor=clerk, petition_id=letter.pk, kind=letter.kind,
                          competence="other")
    with django_capture_on_commit_callbacks(execute=True):
        svc.petition_transfer(actor=clerk, petition_id=letter.pk, recipient="Tòa án",
                              doc_number="", doc_date=DAY, issue_document=True)
    document = GeneratedDocument.objects.get()
    text = text_of(document_bytes(document))
    assert "Mẫu riêng của Đảng ủy xã Kè Sắt – 01-PC/KE-SAT" in text
    assert "PHÓ BÍ THƯ" in text and "Lê Văn Ký" in text
    assert document.template == DocumentTemplate.objects.get()


@pytest.mark.parametrize("upload, message", [
    (lambda: _template_with("{{ ho_ten_nguoi_to_cao }}"), "ô không được hỗ trợ"),
    (lambda: b"PK\x03\x04 not really a zip", "không phải văn bản Word"),
    (lambda: b"%PDF-1.4 a pdf", "không phải văn bản Word"),
    (lambda: _template_with("{{ so_ky_hieu }}" * 400), "nhiều hơn giới hạn 300"),
])
def test_a_bad_template_is_refused_with_a_message(client, admin_user, upload, message,
                                                  media_root):
    client.force_login(admin_user)
    response = client.post(reverse("admin:casework_documenttemplate_add"), {
        "kind": "transfer", "file": SimpleUploadedFile("mau.docx", upload()), "active": "on"})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not DocumentTemplate.objects.exists()


def test_a_value_that_looks_like_a_placeholder_is_written_as_typed(
        tree, django_capture_on_commit_callbacks, media_root):
    clerk = person("vp", "clerk", tree.office)
    letter = receive_petition(actor=clerk, organisation=tree.office,
                              summary="Đơn ghi {{ so_ky_hieu }} và {% lệnh %} nguyên văn.")
    svc.petition_classify(actor=clerk, petition_id=letter.pk, kind=letter.kind,
                          competence="other")
    with django_capture_on_commit_callbacks(execute=True):
        svc.petition_transfer(actor=clerk, petition_id=letter.pk, recipient="Tòa án",
                              doc_number="", doc_date=DAY, issue_document=True)
    text = text_of(document_bytes(GeneratedDocument.objects.get()))
    assert "Đơn ghi {{ so_ky_hieu }} và {% lệnh %} nguyên văn." in text


# ---- a case's documents -------------------------------------------------------------------

def test_a_case_decision_and_its_conclusion_notice(client, tree, media_root,
                                                   django_capture_on_commit_callbacks):
    ubkt = person("ubkt", "ubkt", tree.ubkt)
    member = MemberFactory(full_name="Trần Văn Bình", organisation=tree.branch_a)
    with django_capture_on_commit_callbacks(execute=True):
        case = case_svc.case_open(
            actor=ubkt, organisation=tree.ubkt, body="ubkt", kind="violation_signs",
            title="Kiểm tra đảng viên Trần Văn Bình khi có dấu hiệu vi phạm",
            decision_number="", decision_date=datetime.date(2025, 10, 1),
            starts_on=datetime.date(2025, 10, 2), ends_on=datetime.date(2025, 11, 30),
            team_leader=ubkt, subject_member=member, content="Việc chấp hành Điều lệ Đảng.",
            issue_document=True)
    decision = GeneratedDocument.objects.get(inspection=case)
    assert decision.number == "01-QĐ/UBKT" == case.decision_number
    assert decision.issuer == tree.ubkt and decision.kind == "case_decision"
    text = text_of(document_bytes(decision))
    for expected in ("QUYẾT ĐỊNH", "Số 01-QĐ/UBKT", "ỦY BAN KIỂM TRA ĐẢNG ỦY",
                     "ĐẢNG BỘ XÃ KÈ SẮT", "Kè Sắt, ngày 01 tháng 10 năm 2025",
                     "Trần Văn Bình", "từ ngày 02/10/2025 đến ngày 30/11/2025",
                     "T/M ỦY BAN KIỂM TRA", "CHỦ NHIỆM", "Việc chấp hành Điều lệ Đảng."):
        assert expected in text, expected
    for action in ("announce", "explain", "verify", "report", "meet"):
        case_svc.case_step(actor=ubkt, case_id=case.pk, action=action)
    case_svc.case_step(actor=ubkt, case_id=case.pk, action="conclude", doc_number="KL-1",
                       doc_date=datetime.date(2025, 11, 20), violation_found=False,
                       conclusion="Đồng chí Trần Văn Bình không vi phạm.")
    with django_capture_on_commit_callbacks(execute=True):
        case_svc.case_step(actor=ubkt, case_id=case.pk, action="notify",
                           doc_date=datetime.date(2025, 11, 25), issue_document=True)
    notice = GeneratedDocument.objects.get(kind="conclusion_notice")
    assert notice.number == "02-TB/UBKT" and notice.date == datetime.date(2025, 11, 25)
    text = text_of(document_bytes(notice))
    assert "Thực hiện Quyết định số 01-QĐ/UBKT ngày 01/10/2025" in text
    assert "Đồng chí Trần Văn Bình không vi phạm." in text and "Không có vi phạm." in text
    assert not any(ID_NUMBER in t for t in (text,))
    client.force_login(ubkt)
    page = client.get(reverse("casework:case-detail", args=[case.pk])).content.decode()
    assert "01-QĐ/UBKT" in page and "02-TB/UBKT" in page
    assert reverse("casework:document-download", args=[notice.pk]) in page
    # A step without a document says so instead of ignoring the box.
    with pytest.raises(ValidationError) as caught:
        case_svc.case_step(actor=ubkt, case_id=case.pk, action="archive",
                           on=datetime.date(2025, 11, 30), issue_document=True)
    assert "không có văn bản" in caught.value.message_dict["issue_document"][0]
