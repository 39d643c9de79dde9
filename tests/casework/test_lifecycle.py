"""Every state × transition × role: allowed or refused, and a refusal writes nothing.

The expected tables below are written out by hand from the design (README, "Quyền theo
vai trò"), not imported from casework.permissions, so a change to the code's matrix that
the documentation does not share fails here.
"""
import datetime

import pytest
from django.db import transaction

from casework.errors import ActionRefused
from casework.models import CaseEvent, Petition, PetitionStatus
from casework.services import petitions as svc
from tests.factories import UserFactory, receive_petition, user_with_role

D = datetime.date(2025, 9, 10)

TARGET = {
    "classify": "classified", "accept": "accepted", "transfer": "transferred",
    "guide": "guided", "file": "filed", "follow_up": "transferred", "resolve": "resolved",
    "report_back": "resolved", "withdraw": "withdrawn",
}
SOURCES = {
    "classify": {"received"},
    "accept": {"classified"},
    "transfer": {"classified"},
    "guide": {"classified"},
    "file": {"classified", "transferred"},
    "follow_up": {"transferred"},
    "resolve": {"accepted", "transferred"},
    "report_back": {"resolved"},
    "withdraw": {"received", "classified", "accepted", "transferred"},
}
ALLOWED_ROLES = {
    "classify": {"clerk", "ubkt", "branch_secretary", "admin"},
    "accept": {"ubkt", "branch_secretary", "leader", "admin"},
    "transfer": {"clerk", "ubkt", "branch_secretary", "leader", "admin"},
    "guide": {"clerk", "ubkt", "branch_secretary", "leader", "admin"},
    "file": {"ubkt", "branch_secretary", "leader", "admin"},
    "follow_up": {"clerk", "ubkt", "branch_secretary", "leader", "admin"},
    "resolve": {"clerk", "ubkt", "branch_secretary", "leader", "admin"},
    "report_back": {"clerk", "ubkt", "branch_secretary", "leader", "admin"},
    "withdraw": {"clerk", "ubkt", "branch_secretary", "leader", "admin"},
}
ROLES = ["clerk", "ubkt", "branch_secretary", "leader", "viewer", "admin", "outsider"]

ARGS = {
    "classify": dict(kind="complaint", competence="other", reason="Khiếu nại việc đền bù"),
    "accept": dict(doc_number="01/TB-ĐU", doc_date=D),
    "transfer": dict(recipient="UBND xã Kè Sắt", doc_number="12-CV/ĐU", doc_date=D),
    "guide": dict(reason="Hướng dẫn gửi đơn đến Tòa án nhân dân khu vực"),
    "file": dict(filed_reason="duplicate", reason="Trùng đơn số 003/2025"),
    "follow_up": dict(reason="Gọi điện đôn đốc UBND xã"),
    "resolve": dict(result="Đã trả lời bằng văn bản", doc_number="45/UBND", doc_date=D),
    "report_back": dict(doc_number="46/BC-UBND", doc_date=D),
    "withdraw": dict(doc_date=D, reason="Người gửi xin rút đơn"),
}
# How to bring a fresh letter to each state, as the admin.
PATH_TO = {
    "received": [],
    "classified": ["classify"],
    "accepted": ["classify", "accept"],
    "transferred": ["classify", "transfer"],
    "guided": ["classify", "guide"],
    "filed": ["classify", "file"],
    "resolved": ["classify", "transfer", "resolve"],
    "withdrawn": ["withdraw"],
}


@pytest.fixture
def people(tree):
    """All roles over branch A (the leader and viewer from the commune above it) and an
    outsider holding every role in branch B."""
    users = {
        "clerk": user_with_role("clerk", tree.branch_a),
        "ubkt": user_with_role("ubkt", tree.branch_a),
        "branch_secretary": user_with_role("branch_secretary", tree.branch_a),
        "leader": user_with_role("leader", tree.commune),
        "viewer": user_with_role("viewer", tree.commune),
        "admin": UserFactory(is_superuser=True, is_staff=True),
        "outsider": user_with_role("clerk", tree.branch_b),
    }
    for role in ("ubkt", "branch_secretary", "leader"):
        users["outsider"].role_assignments.create(organisation=tree.branch_b, role=role)
    return users


def letter_in(state, tree, admin):
    petition = receive_petition(actor=admin, organisation=tree.branch_a)
    for action in PATH_TO[state]:
        svc.SERVICES[action](actor=admin, petition_id=petition.pk, **ARGS[action])
    petition.refresh_from_db()
    assert petition.status == state
    return petition


@pytest.mark.django_db
@pytest.mark.parametrize("state", [s.value for s in PetitionStatus])
@pytest.mark.parametrize("role", ROLES)
def test_every_transition_for_state_and_role(state, role, tree, people):
    user = people[role]
    petition = letter_in(state, tree, people["admin"])
    for action, target in TARGET.items():
        expected = state in SOURCES[action] and role in ALLOWED_ROLES[action]
        events_before = CaseEvent.objects.filter(petition=petition).count()
        with transaction.atomic():
            if expected:
                svc.SERVICES[action](actor=user, petition_id=petition.pk, **ARGS[action])
                after = Petition.objects.get(pk=petition.pk)
                assert after.status == target, (state, role, action)
                event = CaseEvent.objects.filter(petition=petition).latest("id")
                assert (event.from_status, event.to_status, event.actor) == (state, target, user)
                assert CaseEvent.objects.filter(petition=petition).count() == events_before + 1
            else:
                with pytest.raises(ActionRefused) as refused:
                    svc.SERVICES[action](actor=user, petition_id=petition.pk, **ARGS[action])
                message = refused.value.message
                if role == "outsider":
                    assert message == "Bạn không có quyền xử lý đơn này."
                elif state not in SOURCES[action]:
                    assert message.startswith("Không thể ") and "trạng thái" in message
                else:
                    assert "không được phép" in message
                assert Petition.objects.get(pk=petition.pk).status == state
                assert CaseEvent.objects.filter(petition=petition).count() == events_before
            transaction.set_rollback(True)

    # The case page's buttons come from the same rules: exactly the allowed actions.
    shown = {t.name for t in Petition.objects.get(pk=petition.pk)
             .get_available_user_status_transitions(user)}
    assert shown == {a for a in TARGET if state in SOURCES[a] and role in ALLOWED_ROLES[a]}


@pytest.mark.django_db
def test_status_cannot_be_set_directly(tree, clerk, admin_user):
    petition = receive_petition(actor=admin_user, organisation=tree.office)
    with pytest.raises(AttributeError):
        petition.status = "resolved"


@pytest.mark.django_db
def test_stale_form_is_refused_with_a_clear_message(tree, admin_user):
    """Two clerks opened the same letter; the first one classified it. The second one's
    submission carries the state they saw, and is refused rather than applied."""
    petition = receive_petition(actor=admin_user, organisation=tree.office)
    svc.petition_classify(actor=admin_user, petition_id=petition.pk, kind="complaint",
                          competence="other", expected_status="received")
    with pytest.raises(ActionRefused) as refused:
        svc.petition_withdraw(actor=admin_user, petition_id=petition.pk, doc_date=D,
                              expected_status="received")
    assert "vừa được người khác cập nhật" in refused.value.message
    assert "Đã phân loại" in refused.value.message
    assert Petition.objects.get(pk=petition.pk).status == "classified"
    assert petition.events.count() == 2


@pytest.mark.django_db
def test_events_are_append_only(tree, admin_user):
    petition = receive_petition(actor=admin_user, organisation=tree.office)
    event = petition.events.get()
    event.reason = "sửa lén"
    with pytest.raises(ValueError):
        event.save()
    with pytest.raises(ValueError):
        event.delete()


@pytest.mark.django_db
def test_backdated_history_must_run_forwards(tree, admin_user):
    """Transcribing a paper register (`at=`) cannot put an event in the future, before
    the letter arrived, or before the letter's previous event."""
    from django.core.exceptions import ValidationError
    from django.utils import timezone

    at = timezone.make_aware(datetime.datetime(2025, 9, 5, 9, 0))
    petition = receive_petition(actor=admin_user, organisation=tree.office, at=at)
    for bad in (at - datetime.timedelta(hours=1),
                timezone.now() + datetime.timedelta(days=1),
                timezone.make_aware(datetime.datetime(2025, 9, 1, 9, 0))):
        with pytest.raises(ValidationError) as exc:
            svc.petition_classify(actor=admin_user, petition_id=petition.pk, kind="complaint",
                                  competence="other", at=bad)
        assert "at" in exc.value.message_dict
    assert petition.events.count() == 1
    event = petition.events.get()
    assert event.is_backfilled and event.occurred_at == at
