"""`manage.py load_demo`: the demo data reproduce the 2025 report's petition figures, through
the services, with consistent histories, and a second run creates nothing."""
import datetime
from collections import Counter
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from casework.errors import ActionRefused
from casework.models import (
    CaseEvent,
    Channel,
    EventType,
    FiledReason,
    Member,
    Organisation,
    OrgKind,
    OutsideBody,
    Petition,
    PetitionSender,
    PetitionStatus,
    RoleAssignment,
    SenderType,
)
from casework.permissions import user_may
from casework.services import petitions as petition_services
from casework.services.duplicates import find_duplicates

User = get_user_model()

BRANCHES = [
    "Trường THCS Kè Sắt", "Trường Tiểu học Kè Sắt", "Trường Mầm non Kè Sắt", "thôn Hòa Ché",
    "Trường Tiểu học Vĩnh Hồng", "Trường Tiểu học Vĩnh Hưng", "Trường THCS Vĩnh Hồng",
    "Trường THPT Kè Sắt", "Me Vàng", "Trường Mầm non Vĩnh Hưng", "Vĩnh Lại", "thôn Lại",
    "các cơ quan Đảng", "thôn Hồ Liễu", "thôn Lý Đông", "thôn 3", "thôn Trung", "thôn Ngọc Mai",
]

EVENT_ACTION = {
    EventType.RECEIVED: "receive", EventType.CLASSIFIED: "classify",
    EventType.TRANSFERRED: "transfer", EventType.FOLLOWED_UP: "follow_up",
    EventType.RESOLVED: "resolve", EventType.WITHDRAWN: "withdraw", EventType.FILED: "file",
    EventType.ACCEPTED: "accept",
}


def load_demo():
    out = StringIO()
    call_command("load_demo", stdout=out, stderr=StringIO())
    return out.getvalue()


def office_letters():
    return Petition.objects.filter(organisation__code="van-phong", receipt_year=2025)


def ubkt_letters():
    return Petition.objects.filter(organisation__code="ubkt", receipt_year=2025)


def table_counts():
    return {model.__name__: model.objects.count()
            for model in (Organisation, Member, User, RoleAssignment, Petition,
                          PetitionSender, CaseEvent)}


@pytest.mark.django_db
def test_office_register_reproduces_the_report():
    output = load_demo()
    letters = office_letters()
    assert letters.count() == 17
    assert Counter(letters.values_list("kind", flat=True)) == {
        "denunciation": 1, "complaint": 5, "recommendation": 11}
    assert Counter(letters.values_list("status", flat=True)) == {
        PetitionStatus.WITHDRAWN: 3, PetitionStatus.FILED: 2, PetitionStatus.RESOLVED: 8,
        PetitionStatus.TRANSFERRED: 4}
    still_open = letters.filter(status=PetitionStatus.TRANSFERRED)
    assert set(still_open.values_list("kind", flat=True)) == {"recommendation"}
    # Closed letters carry their outcome; open ones don't.
    for p in letters.filter(status=PetitionStatus.RESOLVED):
        assert p.result and p.decision_number and p.decision_date and p.closed_on
    for p in letters.filter(status=PetitionStatus.FILED):
        assert p.filed_reason in (FiledReason.ANSWERED, FiledReason.DUPLICATE) and p.closed_on
    assert all(p.closed_on for p in letters.filter(status=PetitionStatus.WITHDRAWN))
    assert not any(p.closed_on for p in still_open)
    assert "Đã tạo 22 tổ chức" in output
    assert ("Văn phòng Đảng ủy: 17 đơn (01 tố cáo, 05 khiếu nại, 11 kiến nghị); đã chuyển 17, "
            "cho rút 03, lưu 02, giải quyết xong 08, đang xem xét, giải quyết 04.") in output


@pytest.mark.django_db
def test_every_office_letter_was_transferred_with_a_transmittal():
    load_demo()
    for p in office_letters():
        transfers = p.events.filter(event_type=EventType.TRANSFERRED)
        assert transfers.count() == 1, p.receipt_number
        transfer = transfers.get()
        assert transfer.doc_number.endswith("-CV/ĐU") and transfer.doc_date
        assert transfer.details["recipient"] == p.handled_by
        assert transfer.doc_date >= p.received_on
    # Some of the letters still under consideration have been chased.
    still_open = office_letters().filter(status=PetitionStatus.TRANSFERRED)
    assert still_open.filter(events__event_type=EventType.FOLLOWED_UP).distinct().count() >= 2


@pytest.mark.django_db
def test_ubkt_has_one_anonymous_recommendation_filed_for_monitoring():
    load_demo()
    letter = ubkt_letters().get()
    assert letter.kind == "recommendation"
    assert letter.sender_type == SenderType.ANONYMOUS
    assert not letter.senders.exists()
    assert letter.status == PetitionStatus.FILED
    assert letter.filed_reason == FiledReason.MONITORING
    filed = letter.events.get(event_type=EventType.FILED)
    assert "theo dõi, nắm tình hình" in filed.reason
    # 17 + 1, and the branch's copy of 016/2025 handed to it inside the system.
    assert Petition.objects.count() == 19
    assert Petition.objects.filter(forwarded_from__isnull=False).count() == 1


@pytest.mark.django_db
def test_receipt_numbers_follow_received_order_without_gaps():
    load_demo()
    letters = list(office_letters().order_by("receipt_seq"))
    assert [p.receipt_seq for p in letters] == list(range(1, 18))
    assert letters[0].receipt_number == "001/2025/VPĐU"
    assert letters[-1].receipt_number == "017/2025/VPĐU"
    received = [p.received_on for p in letters]
    assert received == sorted(received)
    assert received[0] >= datetime.date(2025, 7, 1) and received[-1] <= datetime.date(2025, 12, 31)
    assert {d.month for d in received} == {7, 8, 9, 10, 11, 12}
    assert [p.receipt_seq for p in ubkt_letters()] == [1]


@pytest.mark.django_db
def test_every_history_is_a_consistent_chain_dated_in_2025():
    load_demo()
    for p in Petition.objects.all():
        events = list(p.events.order_by("occurred_at", "id"))
        assert [e.id for e in events] == sorted(e.id for e in events), p.receipt_number
        assert events[0].event_type == EventType.RECEIVED and events[0].from_status == ""
        assert timezone.localdate(events[0].occurred_at) == p.received_on
        for before, after in zip(events, events[1:]):
            assert after.from_status == before.to_status, p.receipt_number
            # A step relayed from the branch closes the office's letter at the moment of
            # the branch's step its RECIPIENT_ACTED records.
            assert after.occurred_at > before.occurred_at or (
                after.occurred_at == before.occurred_at
                and before.event_type == EventType.RECIPIENT_ACTED)
        assert events[-1].to_status == p.status
        for e in events:
            day = timezone.localdate(e.occurred_at)
            assert datetime.date(2025, 7, 1) <= day <= datetime.date(2025, 12, 31)
            assert day.weekday() < 5, (p.receipt_number, e.event_type, day)
            assert e.doc_date is None or p.received_on <= e.doc_date <= day


@pytest.mark.django_db
def test_each_step_was_taken_by_a_role_the_matrix_allows():
    load_demo()
    for e in CaseEvent.objects.select_related("actor", "petition__organisation"):
        assert not e.actor.is_superuser
        if e.event_type == EventType.RECIPIENT_ACTED or "relayed_from" in e.details:
            # Written by the system along the hand-off: the actor acted at the branch.
            branch = Petition.objects.get(
                pk=e.details.get("relayed_from") or e.details["recipient_petition"])
            assert branch.forwarded_from_id == e.petition_id
            assert branch.events.filter(actor=e.actor).exists()
            continue
        if e.petition.forwarded_from_id and e.event_type == EventType.RECEIVED:
            # The branch's copy is logged by the office's transfer.
            assert user_may(e.actor, "transfer", e.petition.forwarded_from.organisation)
            continue
        assert user_may(e.actor, EVENT_ACTION[e.event_type], e.petition.organisation), (
            e.actor.username, e.event_type)
    assert set(CaseEvent.objects.filter(event_type=EventType.FILED, petition__organisation__code=
                                        "van-phong").values_list("actor__username", flat=True)
               ) == {"lanhdao"}


@pytest.mark.django_db
def test_the_letter_to_chi_bo_thon_3_is_handed_off_inside_the_system():
    load_demo()
    office_letter = office_letters().get(receipt_seq=16)
    branch_letter = Petition.objects.get(forwarded_from=office_letter)
    assert branch_letter.organisation.code == "thon-3"
    assert branch_letter.receipt_number == "001/2025/THON-3"
    assert office_letter.handed_to == branch_letter.organisation
    assert branch_letter.status == office_letter.status == PetitionStatus.WITHDRAWN
    assert list(office_letter.events.values_list("event_type", flat=True)) == [
        "received", "classified", "transferred", "recipient_acted", "recipient_acted",
        "withdrawn"]
    # The other transfers name a body of the directory of outside bodies, chosen not typed.
    to_ubnd = office_letters().get(receipt_seq=1).events.get(event_type="transferred")
    assert to_ubnd.details["outside_body"] == OutsideBody.objects.get(name="UBND xã Kè Sắt").pk
    assert OutsideBody.objects.filter(kind="court").exists()
    assert list(branch_letter.events.values_list("event_type", "actor__username")) == [
        ("received", "vanphong"), ("classified", "bithu.thon3"), ("accepted", "bithu.thon3"),
        ("withdrawn", "bithu.thon3")]


@pytest.mark.django_db
def test_letters_look_like_the_commune_s_register():
    load_demo()
    letters = office_letters()
    channels = set(letters.values_list("channel", flat=True))
    assert {Channel.DIRECT, Channel.POST, Channel.CITIZEN_RECEPTION, Channel.FORWARDED} <= channels
    assert all(p.forwarded_by for p in letters.filter(channel=Channel.FORWARDED))
    assert all(p.senders.exists() for p in letters)
    assert letters.filter(summary__icontains="đường sắt Lào Cai - Hà Nội - Hải Phòng").exists()
    denunciation = letters.get(kind="denunciation")
    assert denunciation.status == PetitionStatus.RESOLVED
    assert denunciation.subject_member.full_name == "Nguyễn Văn Bình"
    assert denunciation.subject_member.organisation.code == "hoa-che"


@pytest.mark.django_db
def test_a_repeat_letter_shows_the_duplicate_hint():
    load_demo()
    hinted = []
    for p in office_letters().order_by("receipt_seq"):
        hints = find_duplicates(visible=Petition.objects.all(), senders=list(p.senders.all()),
                                summary=p.summary, received_on=p.received_on, exclude_id=p.pk)
        if hints:
            hinted.append((p.receipt_number, [h.petition.receipt_number for h in hints]))
    assert ("009/2025/VPĐU", ["001/2025/VPĐU"]) in hinted


@pytest.mark.django_db
def test_organisation_tree_and_one_spelling_of_the_commune():
    load_demo()
    city = Organisation.objects.get(code="hai-phong")
    commune = Organisation.objects.get(code="ke-sat")
    assert (city.name, city.kind, city.parent) == ("Đảng bộ thành phố Hải Phòng",
                                                   OrgKind.PROVINCE, None)
    assert (commune.name, commune.kind, commune.parent) == ("Đảng bộ xã Kè Sắt",
                                                            OrgKind.COMMUNE, city)
    for code, name in [("van-phong", "Văn phòng Đảng ủy"), ("ubkt", "Ủy ban Kiểm tra Đảng ủy")]:
        org = Organisation.objects.get(code=code)
        assert (org.name, org.kind, org.parent) == (name, OrgKind.AGENCY, commune)
    branches = Organisation.objects.filter(kind=OrgKind.BRANCH)
    assert sorted(branches.values_list("name", flat=True)) == sorted(
        f"Chi bộ {name}" for name in BRANCHES)
    assert all(b.parent == commune and b.is_within(city) for b in branches)
    assert Organisation.objects.count() == 22
    assert Member.objects.filter(organisation__kind=OrgKind.BRANCH).count() >= 15

    texts = list(Organisation.objects.values_list("name", flat=True))
    for p in Petition.objects.prefetch_related("senders", "events"):
        texts += [p.summary, p.subject_name, p.handled_by, p.result, p.forwarded_by]
        texts += [s.address for s in p.senders.all()]
        texts += [e.reason for e in p.events.all()]
    for wrong in ("Kê Sắt", "Kẽ Sắt", "Ke Sat"):
        assert not [t for t in texts if wrong.lower() in t.lower()], wrong


@pytest.mark.django_db
def test_demo_users_and_their_roles():
    load_demo()
    expected = {
        "vanphong": ("clerk", "van-phong"),
        "ubkt": ("ubkt", "ubkt"),
        "bithu.hoache": ("branch_secretary", "hoa-che"),
        "bithu.thon3": ("branch_secretary", "thon-3"),
        "lanhdao": ("leader", "ke-sat"),
        "xem": ("viewer", "ke-sat"),
    }
    for username, (role, code) in expected.items():
        user = User.objects.get(username=username)
        assert list(user.role_assignments.values_list("role", "organisation__code")) == [
            (role, code)]
        assert user.check_password("KeSat@2025demo")
        assert user.get_full_name() and user.last_name == ""
        assert not user.is_superuser
    admin = User.objects.get(username="quantri")
    assert admin.is_staff and admin.is_superuser and admin.check_password("KeSat@2025demo")
    assert User.objects.get(username="vanphong").get_full_name() == "Nguyễn Thị Hoa"


@pytest.mark.django_db
def test_second_run_creates_nothing_and_keeps_passwords():
    load_demo()
    before = table_counts()
    clerk = User.objects.get(username="vanphong")
    clerk.set_password("Mat-khau-rieng-2026")
    clerk.save()

    output = load_demo()

    assert table_counts() == before
    assert "Dữ liệu mẫu đã có, không tạo thêm." in output
    assert User.objects.get(username="vanphong").check_password("Mat-khau-rieng-2026")
    assert office_letters().count() == 17 and ubkt_letters().count() == 1


@pytest.mark.django_db
def test_second_run_completes_what_is_missing():
    load_demo()
    RoleAssignment.objects.filter(user__username="xem").delete()

    output = load_demo()

    assert "Đã tạo 1 phân quyền." in output
    assert RoleAssignment.objects.filter(user__username="xem", role="viewer").exists()
    assert office_letters().count() == 17


@pytest.mark.django_db
def test_a_failure_half_way_leaves_nothing(monkeypatch):
    real_resolve = petition_services.petition_resolve
    calls = []

    def failing_resolve(**kwargs):
        calls.append(kwargs)
        if len(calls) == 3:
            raise ActionRefused("Lỗi giả lập.")
        return real_resolve(**kwargs)

    monkeypatch.setattr(petition_services, "petition_resolve", failing_resolve)
    with pytest.raises(CommandError, match="Lỗi giả lập"):
        load_demo()
    assert set(table_counts().values()) == {0}
