"""Logging a letter: receipt numbers, bad input (named field, nothing written),
attachments checked by content, and the đơn trùng hint."""
import datetime
import os

import pytest
import time_machine
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from casework.errors import ActionRefused
from casework.models import Attachment, CaseEvent, Petition, PetitionSender, ReceiptCounter
from casework.services import petitions as svc
from casework.services.duplicates import find_duplicates
from casework.services.petitions import SenderData, petition_receive
from tests.factories import receive_petition, user_with_role

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 64


def files_on_disk():
    found = []
    for root, _dirs, names in os.walk(settings.MEDIA_ROOT):
        found += [os.path.join(root, n) for n in names]
    return found


def nothing_written():
    return (Petition.objects.count(), PetitionSender.objects.count(), CaseEvent.objects.count(),
            Attachment.objects.count()) == (0, 0, 0, 0)


def intake(clerk, tree, **overrides):
    data = dict(actor=clerk, organisation=tree.office, received_on=datetime.date(2025, 9, 3),
                channel="post", kind="complaint",
                senders=[SenderData(full_name="Trần Văn Bình", address="Thôn Lại")],
                summary="Khiếu nại việc thu hồi đất làm đường sắt.")
    data.update(overrides)
    return petition_receive(**data)


@pytest.mark.django_db
def test_receipt_numbers_run_per_organisation_and_year(tree, clerk, admin_user):
    a = [intake(clerk, tree).receipt_number for _ in range(3)]
    b = intake(admin_user, tree, organisation=tree.ubkt).receipt_number
    c = intake(clerk, tree, received_on=datetime.date(2026, 1, 5)).receipt_number
    assert a == ["001/2025/VPĐU", "002/2025/VPĐU", "003/2025/VPĐU"]
    assert b == "001/2025/UBKT"
    assert c == "001/2026/VPĐU"


@pytest.mark.django_db
def test_intake_records_event_senders_and_attachment(tree, clerk,
                                                     django_capture_on_commit_callbacks):
    scan = SimpleUploadedFile("don khieu nai.pdf", PDF, content_type="application/pdf")
    with django_capture_on_commit_callbacks(execute=True):  # the scan is moved on commit
        petition = intake(clerk, tree, attachments=[scan],
                          senders=[SenderData("Trần Văn Bình"), SenderData("Lê Thị Cúc")])
    assert [s.full_name for s in petition.senders.all()] == ["Trần Văn Bình", "Lê Thị Cúc"]
    event = petition.events.get()
    assert (event.event_type, event.actor, event.to_status) == ("received", clerk, "received")
    attachment = petition.attachments.get()
    assert attachment.content_type == "application/pdf"
    assert attachment.original_name == "don khieu nai.pdf"
    # Stored under a random name, not the sender's file name.
    assert "khieu" not in attachment.file.name
    with attachment.file.open("rb") as f:
        assert f.read() == PDF


@pytest.mark.django_db
@pytest.mark.parametrize("overrides, field, words", [
    ({"received_on": datetime.date(2026, 11, 30)}, "received_on", "không được sau ngày hôm nay"),
    ({"received_on": None}, "received_on", "Chưa nhập ngày nhận đơn"),
    ({"kind": ""}, "kind", "Chưa chọn loại đơn"),
    ({"kind": "spam"}, "kind", "không hợp lệ"),
    ({"channel": ""}, "channel", "Chưa chọn nguồn đơn"),
    ({"summary": "  "}, "summary", "Chưa nhập tóm tắt"),
    ({"senders": []}, "senders", "ít nhất một người gửi"),
    ({"sender_type": "anonymous"}, "senders", "Đơn giấu tên không ghi người gửi"),
    ({"channel": "forwarded"}, "forwarded_by", "cơ quan chuyển"),
])
@time_machine.travel(datetime.datetime(2026, 11, 29, 9, 0, tzinfo=datetime.UTC), tick=False)
def test_bad_intake_names_the_field_and_writes_nothing(tree, clerk, overrides, field, words):
    with pytest.raises(ValidationError) as exc:
        intake(clerk, tree, **overrides)
    assert field in exc.value.message_dict
    assert any(words in m for m in exc.value.message_dict[field]), exc.value.message_dict
    assert nothing_written()
    assert not ReceiptCounter.objects.filter(last_value__gt=0).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("name, content, words", [
    ("don.pdf", EXE, "không phải PDF, JPEG hay PNG"),
    ("virus.exe", EXE, "không phải PDF, JPEG hay PNG"),
    ("anh.pdf", PNG, "không khớp"),
    ("to.pdf", PDF + b"0" * (300 * 1024), "vượt quá giới hạn"),
], ids=["exe-renamed-pdf", "exe", "png-named-pdf", "oversized"])
def test_bad_attachment_is_refused_by_content_and_nothing_is_stored(tree, clerk, name, content,
                                                                    words):
    good = SimpleUploadedFile("trang1.png", PNG)
    bad = SimpleUploadedFile(name, content, content_type="application/pdf")
    with pytest.raises(ValidationError) as exc:
        intake(clerk, tree, attachments=[good, bad])
    messages = exc.value.message_dict["attachments"]
    assert any(words in m and name in m for m in messages), messages
    assert nothing_written()
    assert files_on_disk() == []


@pytest.mark.django_db
def test_a_failure_after_numbering_rolls_the_number_back(tree, clerk, monkeypatch):
    """No gaps: if saving fails after the number was taken, the number is not used up,
    and the scans already written are removed."""
    intake(clerk, tree)
    calls = []
    real_store = svc.store_attachment

    def store_then_fail(**kwargs):
        if calls:
            raise OSError("ổ đĩa đầy")
        calls.append(1)
        return real_store(**kwargs)

    monkeypatch.setattr(svc, "store_attachment", store_then_fail)
    with pytest.raises(OSError):
        intake(clerk, tree, attachments=[SimpleUploadedFile("a.png", PNG),
                                         SimpleUploadedFile("b.png", PNG)])
    assert files_on_disk() == []
    monkeypatch.setattr(svc, "store_attachment", real_store)
    assert intake(clerk, tree).receipt_number == "002/2025/VPĐU"
    assert Petition.objects.count() == 2


@pytest.mark.django_db
def test_viewer_cannot_log_a_letter(tree):
    viewer = user_with_role("viewer", tree.commune)
    with pytest.raises(ActionRefused):
        intake(viewer, tree)
    assert nothing_written()


@pytest.mark.django_db
@pytest.mark.parametrize("kwargs, field, words", [
    ({"recipient": "", "doc_number": "12-CV/ĐU", "doc_date": datetime.date(2025, 9, 5)},
     "recipient", "Chưa chọn nơi nhận đơn chuyển"),
    ({"recipient": "UBND xã", "doc_number": "", "doc_date": datetime.date(2025, 9, 5)},
     "doc_number", "Chưa nhập số văn bản chuyển đơn"),
    ({"recipient": "UBND xã", "doc_number": "12", "doc_date": datetime.date(2025, 9, 1)},
     "doc_date", "không được trước ngày nhận đơn"),
    ({"recipient": "UBND xã", "doc_number": "12", "doc_date": None},
     "doc_date", "Chưa nhập ngày văn bản chuyển đơn"),
])
def test_transfer_without_required_data_writes_nothing(tree, clerk, kwargs, field, words):
    petition = intake(clerk, tree)
    svc.petition_classify(actor=clerk, petition_id=petition.pk, kind="complaint",
                          competence="other")
    with pytest.raises(ValidationError) as exc:
        svc.petition_transfer(actor=clerk, petition_id=petition.pk, **kwargs)
    assert any(words in m for m in exc.value.message_dict[field])
    petition.refresh_from_db()
    assert petition.status == "classified" and petition.handled_by == ""
    assert petition.events.count() == 2


@pytest.mark.django_db
def test_transition_from_wrong_state_is_refused(tree, clerk):
    petition = intake(clerk, tree)
    with pytest.raises(ActionRefused) as exc:
        svc.petition_transfer(actor=clerk, petition_id=petition.pk, recipient="UBND xã",
                              doc_number="1", doc_date=datetime.date(2025, 9, 4))
    assert exc.value.message == "Không thể chuyển đơn khi đơn đang ở trạng thái “Đã tiếp nhận”."
    assert petition.events.count() == 1


@pytest.mark.django_db
def test_duplicate_hint_same_sender_similar_letter_in_any_year(tree, clerk):
    """The hint looks back over every year (a letter about the same road 20 months ago is
    still the same complaint), most similar first, the more recent first among equals."""
    first = receive_petition(actor=clerk, organisation=tree.office, sender="Phạm Văn Đức",
                             received_on=datetime.date(2025, 3, 2),
                             summary="Kiến nghị sửa chữa đường liên thôn Hòa Ché bị sụt lún.")
    unrelated = receive_petition(actor=clerk, organisation=tree.office, sender="Phạm Văn Đức",
                                 received_on=datetime.date(2025, 4, 2),
                                 summary="Đề nghị hỗ trợ hộ nghèo dịp Tết.")
    old = receive_petition(actor=clerk, organisation=tree.office, sender="Phạm Văn Đức",
                           received_on=datetime.date(2024, 2, 1),
                           summary="Kiến nghị sửa chữa đường liên thôn Hòa Ché bị sụt lún.")
    hints = find_duplicates(
        visible=Petition.objects.visible_to(clerk),
        senders=[SenderData("pham van  duc")],  # typed without diacritics
        summary="Kiến nghị sửa đường liên thôn Hòa Ché bị sụt lún nặng",
        received_on=datetime.date(2025, 10, 1))
    assert [h.petition for h in hints] == [first, old]
    assert unrelated not in [h.petition for h in hints]
    assert 50 <= hints[0].percent <= 100


@pytest.mark.django_db
def test_letter_about_a_member_of_the_commune_but_not_of_another(tree, clerk):
    """The office logs letters about members of any branch of its own commune, but cannot
    attach a member of a commune it does not serve."""
    from casework.forms import member_choices
    from tests.factories import MemberFactory, OrganisationFactory

    ours = MemberFactory(full_name="Nguyễn Văn Bình", organisation=tree.branch_a)
    elsewhere = OrganisationFactory(name="Đảng bộ xã khác", code="xa-khac", kind="commune",
                                    parent=tree.city)
    theirs = MemberFactory(full_name="Lê Văn Cường", organisation=elsewhere)
    assert list(member_choices(clerk)) == [ours]
    petition = intake(clerk, tree, kind="denunciation", subject_member=ours,
                      subject_organisation=tree.branch_a)
    assert petition.subject_member == ours
    with pytest.raises(ValidationError) as exc:
        intake(clerk, tree, subject_member=theirs, subject_organisation=elsewhere)
    assert set(exc.value.message_dict) == {"subject_member", "subject_organisation"}
