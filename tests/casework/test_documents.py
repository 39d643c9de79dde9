"""The office's documents generated from templates: numbered from the unit's register,
filled with the right number, date, parties and text, stored with their step and served
back byte for byte; all-or-nothing with the step."""
import datetime
import hashlib
import io
import zipfile
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from docx import Document

from casework.documents.render import all_paragraphs
from casework.models import (
    CaseEvent,
    DocumentCounter,
    GeneratedDocument,
    IdentityAccess,
    SenderType,
)
from casework.services import petitions as svc
from casework.services.documents import document_bytes, document_for_event
from tests.factories import receive_petition, user_with_role

pytestmark = pytest.mark.django_db

DAY = datetime.date(2025, 9, 5)


def text_of(content):
    return "\n".join(p.text for p in all_paragraphs(Document(io.BytesIO(content))))


def xml_of(content):
    """Every part of the DOCX, unzipped: what a byte search must look through."""
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return "".join(archive.read(name).decode("utf-8", "replace")
                       for name in archive.namelist())


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run a service and its after-commit work (the document's file is written then)."""
    def run(service, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return service(**kwargs)
    return run


def classified(clerk, office, **kwargs):
    letter = receive_petition(actor=clerk, organisation=office, **kwargs)
    svc.petition_classify(actor=clerk, petition_id=letter.pk, kind=letter.kind,
                          competence="other")
    return letter


def test_transfer_issues_a_numbered_phieu_chuyen(tree, clerk, committed, media_root):
    letter = classified(clerk, tree.office)
    committed(svc.petition_transfer, actor=clerk, petition_id=letter.pk,
              recipient="UBND xã Kè Sắt", doc_number="", doc_date=DAY, issue_document=True)
    letter.refresh_from_db()
    document = GeneratedDocument.objects.get(petition=letter)
    event = CaseEvent.objects.get(petition=letter, event_type="transferred")
    # The number comes from the committee's register (the office works for it).
    assert document.number == "01-PC/KE-SAT" == event.doc_number == letter.decision_number
    assert document.issuer == tree.commune and document.date == DAY == event.doc_date
    assert document.event == event and document.kind == "transfer"
    text = text_of(document_bytes(document))
    for expected in ("PHIẾU CHUYỂN ĐƠN", "Số 01-PC/KE-SAT", "Kè Sắt, ngày 05 tháng 09 năm 2025",
                     "Kính gửi: UBND xã Kè Sắt", "ĐẢNG ỦY XÃ KÈ SẮT", "ĐẢNG BỘ THÀNH PHỐ",
                     "ĐẢNG CỘNG SẢN VIỆT NAM", "Nguyễn Văn An", letter.receipt_number,
                     "Kiến nghị về việc làm đường liên thôn.", "T/M ĐẢNG ỦY", "Nơi nhận:"):
        assert expected in text, expected
    assert "{{" not in text
    # Not a protected letter: its sender's name is on the transfer, which says so.
    assert document.shows_identity


def test_one_register_per_unit_and_year_across_document_types(tree, clerk, leader, committed,
                                                              media_root):
    first, second = classified(clerk, tree.office), classified(clerk, tree.office)
    committed(svc.petition_transfer, actor=clerk, petition_id=first.pk, recipient="Công an xã",
              doc_number="", doc_date=DAY, issue_document=True)
    committed(svc.petition_follow_up, actor=clerk, petition_id=first.pk,
              reason="Đôn đốc lần 1", issue_document=True, doc_date=DAY)
    committed(svc.petition_accept, actor=leader, petition_id=second.pk, doc_number="",
              doc_date=DAY, issue_document=True)
    numbers = list(GeneratedDocument.objects.order_by("id").values_list("number", flat=True))
    assert numbers == ["01-PC/KE-SAT", "02-CV/KE-SAT", "03-TB/KE-SAT"]
    follow_up = GeneratedDocument.objects.get(kind="follow_up")
    text = text_of(document_bytes(follow_up))
    assert "V/v đôn đốc giải quyết đơn" in text and "Kính gửi: Công an xã" in text
    assert "theo văn bản số 01-PC/KE-SAT" in text and "Đôn đốc lần 1" in text
    accepted = text_of(document_bytes(GeneratedDocument.objects.get(kind="acceptance")))
    assert "về việc thụ lý giải quyết đơn" in accepted
    assert "Kính gửi: ông (bà) Nguyễn Văn An" in accepted and "Thôn Hòa Ché" in accepted
    assert "kể từ ngày 05/09/2025" in accepted and "- Như trên;" in accepted
    # A new year starts a new sequence.
    third = classified(clerk, tree.office, received_on=datetime.date(2026, 1, 5))
    committed(svc.petition_accept, actor=leader, petition_id=third.pk, doc_number="",
              doc_date=datetime.date(2026, 1, 6), issue_document=True)
    assert GeneratedDocument.objects.latest("id").number == "01-TB/KE-SAT"


def test_typed_number_and_asked_document_conflict(tree, clerk, leader):
    letter = classified(clerk, tree.office)
    with pytest.raises(ValidationError) as caught:
        svc.petition_accept(actor=leader, petition_id=letter.pk, doc_number="12/TB",
                            doc_date=DAY, issue_document=True)
    assert "sổ văn bản cấp" in caught.value.message_dict["doc_number"][0]
    # Without the box, the number is still required as before.
    with pytest.raises(ValidationError) as caught:
        svc.petition_accept(actor=leader, petition_id=letter.pk, doc_number="", doc_date=DAY)
    assert "doc_number" in caught.value.message_dict
    assert not DocumentCounter.objects.exists()


def test_a_rollback_leaves_no_number_and_no_file(tree, clerk, committed, media_root):
    letter = classified(clerk, tree.office)
    with pytest.raises(RuntimeError):
        with transaction.atomic():
            svc.petition_transfer(actor=clerk, petition_id=letter.pk, recipient="Công an xã",
                                  doc_number="", doc_date=DAY, issue_document=True)
            raise RuntimeError("a later failure in the same transaction")
    assert not GeneratedDocument.objects.exists()
    assert not DocumentCounter.objects.filter(last_value__gt=0).exists()
    assert not list(Path(media_root).rglob("*.docx"))
    committed(svc.petition_transfer, actor=clerk, petition_id=letter.pk,
              recipient="Công an xã", doc_number="", doc_date=DAY, issue_document=True)
    assert GeneratedDocument.objects.get().number == "01-PC/KE-SAT"
    assert len(list(Path(media_root).rglob("*.docx"))) == 1


def test_filing_notifies_the_sender_but_not_an_anonymous_one(tree, clerk, leader, committed,
                                                             media_root):
    letter = classified(clerk, tree.office, kind="complaint")
    committed(svc.petition_file, actor=leader, petition_id=letter.pk, filed_reason="unclear",
              reason="Đơn không nêu rõ quyết định bị khiếu nại.", issue_document=True)
    document = GeneratedDocument.objects.get(kind="refusal")
    text = text_of(document_bytes(document))
    assert "về việc không thụ lý giải quyết đơn" in text and "01-TB/KE-SAT" in text
    assert "Nội dung không rõ ràng, không cụ thể; Đơn không nêu rõ quyết định" in text
    anonymous = classified(clerk, tree.office, sender=None,
                           sender_type=SenderType.ANONYMOUS)
    with pytest.raises(ValidationError) as caught:
        svc.petition_file(actor=leader, petition_id=anonymous.pk, filed_reason="anonymous",
                          issue_document=True)
    assert "không có người nhận" in caught.value.message_dict["issue_document"][0]


def test_download_is_byte_identical_and_verified(client, tree, clerk, committed, media_root):
    letter = classified(clerk, tree.office)
    committed(svc.petition_transfer, actor=clerk, petition_id=letter.pk, recipient="Tòa án",
              doc_number="", doc_date=DAY, issue_document=True)
    document = GeneratedDocument.objects.get()
    stored = Path(document.file.path).read_bytes()
    assert hashlib.sha256(stored).hexdigest() == document.sha256 and len(stored) == document.size
    client.force_login(clerk)
    url = reverse("casework:document-download", args=[document.pk])
    first, again = client.get(url), client.get(url)
    assert first.status_code == 200 and first.content == again.content == stored
    assert first["Content-Type"].startswith("application/vnd.openxmlformats")
    assert first["Content-Disposition"].startswith("attachment; filename")
    # A file changed on disk is refused, not served.
    Path(document.file.path).write_bytes(stored + b"x")
    response = client.get(url)
    assert response.status_code == 503 and "đã bị thay đổi" in response.content.decode()


def test_documents_are_listed_on_the_letter_page_and_out_of_scope_is_404(
        client, tree, clerk, committed, media_root):
    letter = classified(clerk, tree.office)
    committed(svc.petition_transfer, actor=clerk, petition_id=letter.pk, recipient="Tòa án",
              doc_number="", doc_date=DAY, issue_document=True)
    document = GeneratedDocument.objects.get()
    client.force_login(clerk)
    page = client.get(reverse("casework:petition-detail", args=[letter.pk])).content.decode()
    assert "01-PC/KE-SAT" in page
    assert reverse("casework:document-download", args=[document.pk]) in page
    # The receipt of the letter's received step can still be made.
    assert "Lập giấy biên nhận đơn" in page
    outsider = user_with_role("branch_secretary", tree.branch_a)
    client.force_login(outsider)
    assert client.get(reverse("casework:document-download",
                              args=[document.pk])).status_code == 404


def test_a_receipt_for_an_existing_letter_takes_its_receipt_number(client, tree, clerk,
                                                                   django_capture_on_commit_callbacks,
                                                                   media_root):
    letter = receive_petition(actor=clerk, organisation=tree.office)
    received = CaseEvent.objects.get(petition=letter, event_type="received")
    client.force_login(clerk)
    url = reverse("casework:document-issue", args=[received.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url)
    assert response.status_code == 302
    document = GeneratedDocument.objects.get(kind="receipt")
    assert document.number == letter.receipt_number and document.issuer == tree.office
    assert document.date == letter.received_on and document.register_seq is None
    text = text_of(document_bytes(document))
    assert "GIẤY BIÊN NHẬN ĐƠN" in text and "VĂN PHÒNG ĐẢNG ỦY" in text
    assert f"Số {letter.receipt_number}" in text and "Nguyễn Văn An" in text
    assert "- Người gửi đơn;" in text and "Như trên" not in text
    assert not DocumentCounter.objects.exists()
    # Once per step.
    client.post(url)
    assert GeneratedDocument.objects.count() == 1
    # A GET does nothing.
    assert client.get(url).status_code == 405


def test_an_older_step_keeps_its_typed_number_or_takes_one_today(tree, clerk, committed,
                                                                 media_root):
    letter = classified(clerk, tree.office)
    svc.petition_transfer(actor=clerk, petition_id=letter.pk, recipient="Công an xã",
                          doc_number="7/PC-VP", doc_date=DAY)
    svc.petition_follow_up(actor=clerk, petition_id=letter.pk, reason="Gọi điện thoại")
    transfer = CaseEvent.objects.get(petition=letter, event_type="transferred")
    follow_up = CaseEvent.objects.get(petition=letter, event_type="followed_up")
    assert committed(document_for_event, actor=clerk, event_id=transfer.pk).number == "7/PC-VP"
    later = committed(document_for_event, actor=clerk, event_id=follow_up.pk)
    assert later.number == "01-CV/KE-SAT" and later.register_seq == 1
    assert CaseEvent.objects.get(pk=follow_up.pk).doc_number == ""  # the ledger is unchanged


def test_generated_documents_are_append_only(tree, clerk, committed, media_root):
    letter = classified(clerk, tree.office)
    committed(svc.petition_transfer, actor=clerk, petition_id=letter.pk, recipient="Tòa án",
              doc_number="", doc_date=DAY, issue_document=True)
    document = GeneratedDocument.objects.get()
    with pytest.raises(ValueError):
        document.save()
    with pytest.raises(ValueError):
        GeneratedDocument.objects.all().delete()
    assert IdentityAccess.objects.count() == 0  # an unprotected letter logs nothing


def test_the_transfer_page_issues_the_document_and_the_letter_page_lists_it(
        client, tree, clerk, django_capture_on_commit_callbacks, media_root):
    import secrets

    letter = classified(clerk, tree.office)
    client.force_login(clerk)
    url = reverse("casework:petition-transition", args=[letter.pk, "transfer"])
    form = client.get(url).content.decode()
    assert 'name="issue_document"' in form and "Lập phiếu chuyển đơn từ mẫu" in form
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {
            "expected_status": "classified", "recipient": "UBND xã Kè Sắt", "doc_number": "",
            "doc_date": "05/09/2025", "issue_document": "on", "reason": "",
            "form_token": secrets.token_urlsafe(32)})
    assert response.status_code == 302, response.content.decode()[:3000]
    document = GeneratedDocument.objects.get()
    assert document.number == "01-PC/KE-SAT"
    page = client.get(reverse("casework:petition-detail", args=[letter.pk])).content.decode()
    assert "Phiếu chuyển đơn" in page and "01-PC/KE-SAT" in page
    download = client.get(reverse("casework:document-download", args=[document.pk]))
    assert download.status_code == 200 and download.content == document_bytes(document)
