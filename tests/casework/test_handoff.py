"""Hand-off inside the system (issue 14, part 1): the services.

A letter transferred or guided to a unit in the system goes into that unit's register as a
linked letter; what the unit does with it comes back to the sender's letter, which a
settled recipient closes (link by link along a chain); the sender's follow-up clock stops.
"""
import datetime

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from casework.errors import ActionRefused
from casework.models import (
    Channel,
    EventType,
    OrgKind,
    OutsideBody,
    Petition,
    PetitionStatus,
)
from casework.services.petitions import (
    SenderData,
    petition_accept,
    petition_classify,
    petition_file,
    petition_follow_up,
    petition_guide,
    petition_receive,
    petition_resolve,
    petition_transfer,
    petition_withdraw,
)
from tests.factories import OrganisationFactory, user_with_role
from workflows.models import ClockStatus, DeadlineClock

TODAY = datetime.date.today


def _letter(clerk, office, *, kind="recommendation", senders=("Nguyễn Văn An",), **kwargs):
    letter = petition_receive(
        actor=clerk, organisation=office, received_on=TODAY(), channel="post", kind=kind,
        sender_type="named", senders=[SenderData(full_name=n, address="Thôn 3")
                                      for n in senders],
        summary="Kiến nghị xem xét việc lấn chiếm hành lang giao thông.", **kwargs)
    petition_classify(actor=clerk, petition_id=letter.pk, kind=kind, competence="other")
    return letter


def _transfer(clerk, letter, unit, number="71-CV/ĐU"):
    petition_transfer(actor=clerk, petition_id=letter.pk, recipient_organisation=unit,
                      doc_number=number, doc_date=TODAY())
    return Petition.objects.get(forwarded_from=letter)


@pytest.fixture
def secretary(tree):
    return user_with_role("branch_secretary", tree.branch_a, username="bithu")


def test_in_system_transfer_puts_a_linked_letter_in_the_recipient_register(tree, clerk):
    letter = _letter(clerk, tree.office, senders=("Phạm Văn Toàn", "Lê Thị Hồng"),
                     subject_name="Bà Trần Thị Hạnh")
    linked = _transfer(clerk, letter, tree.branch_a)
    letter.refresh_from_db()
    assert letter.status == PetitionStatus.TRANSFERRED
    assert letter.handed_to == tree.branch_a and letter.handled_by == tree.branch_a.name
    assert linked.organisation == tree.branch_a
    assert linked.receipt_seq == 1 and linked.receipt_year == TODAY().year
    assert linked.channel == Channel.FORWARDED and linked.forwarded_by == tree.office.name
    assert (linked.kind, linked.sender_type, linked.summary, linked.subject_name) == (
        letter.kind, letter.sender_type, letter.summary, letter.subject_name)
    assert [s.full_name for s in linked.senders.all()] == ["Phạm Văn Toàn", "Lê Thị Hồng"]
    assert linked.status == PetitionStatus.RECEIVED
    received = linked.events.get()
    assert received.event_type == EventType.RECEIVED
    assert received.details["forwarded_from"] == letter.pk
    assert received.details["forwarded_from_number"] == letter.receipt_number
    transfer = letter.events.get(event_type=EventType.TRANSFERRED)
    assert transfer.details == {"recipient": tree.branch_a.name,
                                "recipient_organisation": tree.branch_a.pk}
    # The recipient's receipt numbers stay gap-free: the next letter it logs is 002.
    second = _letter(clerk, tree.office)
    assert _transfer(clerk, second, tree.branch_a).receipt_seq == 2


def test_outside_body_and_free_text(tree, clerk):
    body = OutsideBody.objects.create(name="Công an xã Kè Sắt", kind="police",
                                      organisation=tree.commune)
    letter = _letter(clerk, tree.office)
    petition_transfer(actor=clerk, petition_id=letter.pk, outside_body=body,
                      doc_number="1-CV", doc_date=TODAY())
    letter.refresh_from_db()
    assert letter.handled_by == "Công an xã Kè Sắt" and letter.handed_to is None
    assert letter.events.get(event_type="transferred").details["outside_body"] == body.pk
    assert not Petition.objects.filter(forwarded_from=letter).exists()
    other = _letter(clerk, tree.office)
    petition_transfer(actor=clerk, petition_id=other.pk, recipient="  Tòa án nhân dân khu vực 7 ",
                      doc_number="2-CV", doc_date=TODAY())
    other.refresh_from_db()
    assert other.handled_by == "Tòa án nhân dân khu vực 7"


def test_destination_validation_names_the_field(tree, clerk):
    letter = _letter(clerk, tree.office)
    foreign = OrganisationFactory(name="Đảng bộ tỉnh khác", code="khac", kind=OrgKind.PROVINCE)
    elsewhere = OutsideBody.objects.create(name="UBND xã khác", organisation=foreign)
    retired = OutsideBody.objects.create(name="Thanh tra cũ", active=False)
    cases = [
        (dict(), "recipient", "Chưa chọn nơi nhận đơn chuyển"),
        (dict(recipient_organisation=tree.office), "recipient_organisation",
         "là chính nơi đang giữ đơn này"),
        (dict(recipient_organisation=foreign), "recipient_organisation",
         "không cùng Đảng bộ tỉnh, thành phố"),
        (dict(outside_body=elsewhere), "outside_body", "không thuộc danh mục"),
        (dict(outside_body=retired), "outside_body", "đã ngừng dùng"),
        (dict(recipient_organisation=tree.branch_a, recipient="UBND"),
         "recipient_organisation", "chỉ chọn một trong ba"),
    ]
    for kwargs, field, words in cases:
        with pytest.raises(ValidationError) as exc:
            petition_transfer(actor=clerk, petition_id=letter.pk, doc_number="1",
                              doc_date=TODAY(), **kwargs)
        assert words in " ".join(exc.value.message_dict[field]), kwargs
    letter.refresh_from_db()
    assert letter.status == PetitionStatus.CLASSIFIED
    assert Petition.objects.count() == 1


def test_all_or_nothing_when_a_later_field_fails(tree, clerk):
    letter = _letter(clerk, tree.office)
    with pytest.raises(ValidationError):
        petition_transfer(actor=clerk, petition_id=letter.pk, recipient_organisation=tree.branch_a,
                          doc_number="", doc_date=TODAY())
    assert Petition.objects.count() == 1
    assert not tree.branch_a.petitions.exists()


def test_rollback_of_the_sender_step_takes_the_recipient_letter_with_it(tree, clerk, monkeypatch):
    from casework.services import handoff

    letter = _letter(clerk, tree.office)

    def broken(*args, **kwargs):
        raise RuntimeError("đĩa đầy")

    monkeypatch.setattr(handoff.PetitionSender.objects, "bulk_create", broken)
    with pytest.raises(RuntimeError):
        petition_transfer(actor=clerk, petition_id=letter.pk,
                          recipient_organisation=tree.branch_a, doc_number="1",
                          doc_date=TODAY())
    letter.refresh_from_db()
    assert letter.status == PetitionStatus.CLASSIFIED and letter.handed_to is None
    assert not Petition.objects.filter(organisation=tree.branch_a).exists()
    assert letter.events.count() == 2


def test_resolved_by_the_recipient_closes_the_sender_letter(tree, clerk, secretary):
    letter = _letter(clerk, tree.office)
    linked = _transfer(clerk, letter, tree.branch_a)
    chase = DeadlineClock.objects.get(petition=letter, rule__step="chase")
    assert chase.status == ClockStatus.RUNNING
    petition_classify(actor=secretary, petition_id=linked.pk, kind="recommendation",
                      competence="here")
    petition_accept(actor=secretary, petition_id=linked.pk, doc_number="01-TB/CB",
                    doc_date=TODAY())
    chase.refresh_from_db()
    assert chase.status == ClockStatus.STOPPED  # the branch's acceptance is the answer
    acted = letter.events.get(event_type=EventType.RECIPIENT_ACTED)
    assert acted.actor == secretary and acted.doc_number == "01-TB/CB"
    assert acted.details["step"] == "accepted" and acted.details["recipient_petition"] == linked.pk
    letter.refresh_from_db()
    assert letter.status == PetitionStatus.TRANSFERRED
    petition_resolve(actor=secretary, petition_id=linked.pk, result="Đã yêu cầu tháo dỡ lều quán.",
                     doc_number="02-KL/CB", doc_date=TODAY())
    letter.refresh_from_db()
    assert letter.status == PetitionStatus.RESOLVED
    assert letter.result == "Chi bộ thôn Hòa Ché đã giải quyết: Đã yêu cầu tháo dỡ lều quán."
    assert letter.closed_on == TODAY()
    assert list(letter.events.values_list("event_type", flat=True)) == [
        "received", "classified", "transferred", "recipient_acted", "recipient_acted",
        "resolved"]
    closing = letter.events.get(event_type="resolved")
    assert closing.actor == secretary and closing.details["relayed_from"] == linked.pk
    assert (closing.doc_number, closing.doc_date) == ("02-KL/CB", TODAY())
    # The branch's report back to the office was carried by the relay: no clock runs.
    linked.refresh_from_db()
    assert linked.events.filter(event_type=EventType.REPORTED_BACK).count() == 1
    assert not DeadlineClock.objects.filter(petition=linked, status=ClockStatus.RUNNING).exists()
    assert not DeadlineClock.objects.filter(petition=letter, status=ClockStatus.RUNNING).exists()


def test_the_sender_may_not_close_through_the_recipient_nor_the_recipient_act_on_the_sender(
        tree, clerk, secretary):
    letter = _letter(clerk, tree.office)
    _transfer(clerk, letter, tree.branch_a)
    with pytest.raises(ActionRefused, match="không có quyền"):
        petition_resolve(actor=secretary, petition_id=letter.pk, result="x", doc_number="1",
                         doc_date=TODAY())


def test_withdrawn_and_filed_at_the_recipient(tree, clerk, secretary, leader):
    one = _letter(clerk, tree.office)
    linked = _transfer(clerk, one, tree.branch_a, "1-CV")
    petition_withdraw(actor=secretary, petition_id=linked.pk, doc_date=TODAY(),
                      reason="Người gửi xin rút.")
    one.refresh_from_db()
    assert one.status == PetitionStatus.WITHDRAWN
    two = _letter(clerk, tree.office)
    linked = _transfer(clerk, two, tree.branch_a, "2-CV")
    petition_classify(actor=secretary, petition_id=linked.pk, kind="recommendation",
                      competence="here")
    petition_file(actor=secretary, petition_id=linked.pk, filed_reason="duplicate")
    two.refresh_from_db()
    assert (two.status, two.filed_reason) == (PetitionStatus.FILED, "duplicate")


def test_a_chain_of_two_hand_offs_closes_link_by_link(tree, clerk, secretary):
    other = user_with_role("branch_secretary", tree.branch_b, username="bithu2")
    letter = _letter(clerk, tree.office)
    middle = _transfer(clerk, letter, tree.branch_a)
    petition_classify(actor=secretary, petition_id=middle.pk, kind="recommendation",
                      competence="other")
    petition_transfer(actor=secretary, petition_id=middle.pk,
                      recipient_organisation=tree.branch_b, doc_number="3-CV/CB",
                      doc_date=TODAY())
    last = Petition.objects.get(forwarded_from=middle)
    acted = letter.events.get(event_type="recipient_acted")
    assert acted.details["step"] == "transferred"
    assert acted.details["recipient"] == tree.branch_b.name
    petition_classify(actor=other, petition_id=last.pk, kind="recommendation", competence="here")
    petition_accept(actor=other, petition_id=last.pk, doc_number="8", doc_date=TODAY())
    petition_resolve(actor=other, petition_id=last.pk, result="Đã trả lời.", doc_number="9",
                     doc_date=TODAY())
    middle.refresh_from_db()
    letter.refresh_from_db()
    assert middle.status == letter.status == PetitionStatus.RESOLVED
    assert middle.result == "Chi bộ thôn Lại đã giải quyết: Đã trả lời."
    assert letter.result == ("Chi bộ thôn Hòa Ché đã giải quyết: Chi bộ thôn Lại đã giải "
                             "quyết: Đã trả lời.")
    assert middle.events.filter(event_type="reported_back").count() == 1
    # The office heard of the transfer on and of the resolution, not of the last branch's
    # acceptance (that one is the middle's news).
    assert letter.events.filter(event_type="recipient_acted").count() == 2
    assert middle.events.filter(event_type="recipient_acted").count() == 2


def test_a_follow_up_after_the_relay_closed_the_letter_is_refused_clearly(tree, clerk, secretary):
    letter = _letter(clerk, tree.office)
    linked = _transfer(clerk, letter, tree.branch_a)
    petition_withdraw(actor=secretary, petition_id=linked.pk, doc_date=TODAY())
    with pytest.raises(ActionRefused, match="vừa được người khác cập nhật"):
        petition_follow_up(actor=clerk, petition_id=letter.pk, reason="Gọi điện",
                           expected_status=PetitionStatus.TRANSFERRED)


def test_guide_to_a_unit_in_the_system(tree, clerk):
    letter = _letter(clerk, tree.office)
    petition_guide(actor=clerk, petition_id=letter.pk, reason="Hướng dẫn gửi chi bộ.",
                   recipient_organisation=tree.ubkt)
    letter.refresh_from_db()
    assert letter.status == PetitionStatus.GUIDED and letter.handed_to == tree.ubkt
    linked = Petition.objects.get(forwarded_from=letter)
    assert linked.organisation == tree.ubkt
    assert linked.events.get().details["step"] == "guided"


def test_denunciation_protection_and_scans_travel(tree, clerk, secretary):
    pdf = SimpleUploadedFile("to-cao.pdf", b"%PDF-1.4 secret", content_type="application/pdf")
    letter = petition_receive(
        actor=clerk, organisation=tree.office, received_on=TODAY(), channel="post",
        kind="denunciation", senders=[SenderData(full_name="Hoàng Thị Bímật")],
        summary="Tố cáo.", attachments=[pdf])
    petition_classify(actor=clerk, petition_id=letter.pk, kind="recommendation",
                      competence="other")  # re-classified: still protected
    linked = _transfer(clerk, letter, tree.branch_a)
    assert linked.identity_confidential and linked.kind == "recommendation"
    scan = linked.attachments.get()
    assert scan.file.name == letter.attachments.get().file.name
    from casework.permissions import may_see_identity
    assert not may_see_identity(secretary, linked)


def test_across_two_communes(tree, clerk):
    commune_b = OrganisationFactory(name="Đảng bộ xã Vĩnh Hưng", code="vinh-hung",
                                    kind=OrgKind.COMMUNE, parent=tree.city)
    office_b = OrganisationFactory(name="Văn phòng Đảng ủy Vĩnh Hưng", code="vp-vh",
                                   kind=OrgKind.AGENCY, parent=commune_b)
    letter = _letter(clerk, tree.office)
    linked = _transfer(clerk, letter, office_b)
    assert linked.organisation == office_b and linked.receipt_number.endswith("/VP-VH")
