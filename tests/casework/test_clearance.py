"""Clearance to see denouncers takes two administrators: one asks, another approves;
nobody approves his own request or his own clearance; every step is in the chained
clearance history, and `verify_audit` names any clearance that history does not explain."""
from io import StringIO

import pytest
from django.contrib.admin.models import LogEntry
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from casework.errors import ActionRefused
from casework.models import (
    ClearanceEvent,
    ClearanceRequest,
    ClearanceStatus,
    RoleAssignment,
)
from casework.models.clearance import ClearanceEventRefused
from casework.permissions import may_see_identity
from casework.services import audit
from casework.services.clearance import clearance_approve, clearance_refuse, clearance_request
from tests.factories import UserFactory, receive_petition

pytestmark = pytest.mark.django_db


def _verify():
    out = StringIO()
    try:
        call_command("verify_audit", stdout=out)
    except CommandError as exc:
        return out.getvalue(), str(exc)
    return out.getvalue(), None


@pytest.fixture
def admins(db):
    return (UserFactory(username="quantri", is_staff=True, is_superuser=True),
            UserFactory(username="quantri2", is_staff=True, is_superuser=True))


@pytest.fixture
def clerk_role(tree):
    user = UserFactory(username="vanphong")
    return RoleAssignment.objects.create(user=user, organisation=tree.office, role="clerk")


def _denunciation(tree):
    author = UserFactory(username="nguoi-nhap", is_superuser=True)
    return receive_petition(actor=author, organisation=tree.office, kind="denunciation",
                            sender="Vũ Thị Kín Đáo")


def _flag(assignment):
    return RoleAssignment.objects.get(pk=assignment.pk).identity_clearance


# ---- the probe: a superuser clearing himself in one admin step -------------------------

def test_a_superuser_cannot_clear_himself_in_one_admin_step(client, tree, admins):
    """Probe item 4: adding or editing a role assignment with the clearance ticked, for
    oneself, used to clear the administrator at once."""
    boss, _ = admins
    letter = _denunciation(tree)
    client.force_login(boss)
    client.post(reverse("admin:casework_roleassignment_add"), {
        "user": boss.pk, "organisation": tree.office.pk, "role": "clerk",
        "identity_clearance": "on"})
    mine = RoleAssignment.objects.get(user=boss)
    client.post(reverse("admin:casework_roleassignment_change", args=[mine.pk]), {
        "user": boss.pk, "organisation": tree.office.pk, "role": "clerk",
        "identity_clearance": "on"})
    boss.__dict__.pop("_casework_clearance_paths", None)
    assert not _flag(mine) and not may_see_identity(boss, letter)
    # The same through the user page's inline.
    client.post(reverse("admin:auth_user_change", args=[boss.pk]), {
        "username": boss.username, "is_active": "on", "is_staff": "on", "is_superuser": "on",
        "date_joined_0": "01/01/2026", "date_joined_1": "00:00:00",
        "role_assignments-TOTAL_FORMS": "1", "role_assignments-INITIAL_FORMS": "1",
        "role_assignments-0-id": mine.pk, "role_assignments-0-user": boss.pk,
        "role_assignments-0-organisation": tree.office.pk, "role_assignments-0-role": "clerk",
        "role_assignments-0-identity_clearance": "on"})
    assert not _flag(mine)


# ---- the two-person rule ---------------------------------------------------------------

def test_a_grant_waits_for_another_administrator_and_is_chained(tree, admins, clerk_role):
    first, second = admins
    letter = _denunciation(tree)
    request = clearance_request(requester=first, assignment=clerk_role, grant=True,
                                reason="Được giao giải quyết tố cáo số 01.")
    assert request.status == ClearanceStatus.PENDING and not _flag(clerk_role)
    assert not may_see_identity(clerk_role.user, letter)

    clearance_approve(approver=second, request=request, note="Đồng ý.")
    assert _flag(clerk_role)
    clerk = RoleAssignment.objects.get(pk=clerk_role.pk).user
    assert may_see_identity(clerk, letter)
    history = list(ClearanceEvent.objects.order_by("id").values_list(
        "event_type", "actor__username", "user__username", "role", "organisation__code"))
    assert history == [("requested", "quantri", "vanphong", "clerk", "vp"),
                       ("approved", "quantri2", "vanphong", "clerk", "vp")]
    first_row, second_row = ClearanceEvent.objects.order_by("id")
    assert first_row.prev_hash == audit.GENESIS and second_row.prev_hash == first_row.hash
    assert _verify()[1] is None


def test_nobody_approves_his_own_request_or_his_own_clearance(tree, admins):
    first, second = admins
    own = RoleAssignment.objects.create(user=second, organisation=tree.ubkt, role="ubkt")
    request = clearance_request(requester=first, assignment=own, grant=True, reason="Thử.")
    with pytest.raises(ActionRefused, match="cho chính mình"):
        clearance_approve(approver=second, request=request)
    with pytest.raises(ActionRefused, match="không được tự phê duyệt"):
        clearance_approve(approver=first, request=request)
    # Nor can someone who is not an administrator approve, or ask.
    clerk = UserFactory(username="vp2", is_staff=True)
    with pytest.raises(ActionRefused, match="Chỉ quản trị hệ thống"):
        clearance_approve(approver=clerk, request=request)
    with pytest.raises(ActionRefused, match="Chỉ quản trị hệ thống"):
        clearance_request(requester=clerk, assignment=own, grant=True, reason="Thử.")
    assert not _flag(own)
    assert ClearanceRequest.objects.get().status == ClearanceStatus.PENDING


def test_an_assignment_edited_after_the_request_is_not_approved(tree, admins, clerk_role):
    """Asking for the clerk, then moving the assignment to oneself before a colleague
    approves, would clear the requester."""
    first, second = admins
    request = clearance_request(requester=first, assignment=clerk_role, grant=True,
                                reason="Được giao.")
    RoleAssignment.objects.filter(pk=clerk_role.pk).update(user=first)
    with pytest.raises(ActionRefused, match="đã bị sửa"):
        clearance_approve(approver=second, request=request)
    assert not _flag(clerk_role)


def test_grants_need_a_reason_and_a_clearable_role(tree, admins):
    first, _ = admins
    secretary = RoleAssignment.objects.create(user=UserFactory(), organisation=tree.branch_a,
                                              role="branch_secretary")
    with pytest.raises(ValidationError, match="không được cấp quyền xem danh tính"):
        clearance_request(requester=first, assignment=secretary, grant=True, reason="Thử.")
    with pytest.raises(ValidationError, match="Lý do: chưa nhập"):
        clearance_request(requester=first, assignment=secretary, grant=True, reason="  ")
    assert not ClearanceRequest.objects.exists() and not ClearanceEvent.objects.exists()


def test_a_refused_request_grants_nothing_and_is_recorded(tree, admins, clerk_role):
    first, second = admins
    request = clearance_request(requester=first, assignment=clerk_role, grant=True,
                                reason="Thử.")
    clearance_refuse(approver=second, request=request, note="Không được giao việc này.")
    with pytest.raises(ActionRefused, match="đã được quyết định"):
        clearance_approve(approver=second, request=request)
    assert not _flag(clerk_role)
    assert list(ClearanceEvent.objects.order_by("id").values_list("event_type", flat=True)) == [
        "requested", "refused"]


def test_one_administrator_revokes_at_once_and_it_is_recorded(tree, admins, clerk_role):
    """Revoking can only narrow who sees a denouncer, so it does not wait for a second
    person (docs/permissions.md)."""
    first, second = admins
    clearance_approve(approver=second, request=clearance_request(
        requester=first, assignment=clerk_role, grant=True, reason="Được giao."))
    revoked = clearance_request(requester=second, assignment=clerk_role, grant=False,
                                reason="Chuyển công tác.")
    assert revoked.status == ClearanceStatus.APPROVED and revoked.decided_by == second
    assert not _flag(clerk_role)
    last = ClearanceEvent.objects.order_by("-id").first()
    assert (last.event_type, last.actor, last.grant) == ("revoked", second, False)
    assert _verify()[1] is None
    with pytest.raises(ActionRefused, match="không có quyền xem danh tính để thu hồi"):
        clearance_request(requester=first, assignment=clerk_role, grant=False, reason="Lại.")


def test_a_cleared_assignment_cannot_be_handed_to_someone_else(tree, admins, clerk_role):
    first, second = admins
    clearance_approve(approver=second, request=clearance_request(
        requester=first, assignment=clerk_role, grant=True, reason="Được giao."))
    moved = RoleAssignment.objects.get(pk=clerk_role.pk)
    moved.user = first
    with pytest.raises(ValidationError, match="thu hồi quyền đó trước khi đổi người dùng"):
        moved.full_clean()


# ---- in the admin ---------------------------------------------------------------------

def test_the_admin_asks_then_another_administrator_approves(client, tree, admins, clerk_role):
    first, second = admins
    client.force_login(first)
    response = client.post(reverse("admin:casework_clearancerequest_add"), {
        "assignment": clerk_role.pk, "grant": "on", "reason": "Được giao giải quyết tố cáo."})
    assert response.status_code == 302, response.content.decode()[:2000]
    request = ClearanceRequest.objects.get()
    assert request.requested_by == first and not _flag(clerk_role)
    # The admin's own log says who asked what, for whom (it used to say only "added").
    entry = LogEntry.objects.get(object_id=str(request.pk))
    assert "Đề nghị cấp quyền xem danh tính" in entry.get_change_message()
    assert "vanphong" in entry.get_change_message()

    changelist = reverse("admin:casework_clearancerequest_changelist")
    client.post(changelist, {"action": "approve", "_selected_action": [request.pk]})
    assert not _flag(clerk_role)  # the requester cannot approve his own request

    client.force_login(second)
    client.post(changelist, {"action": "approve", "_selected_action": [request.pk]})
    assert _flag(clerk_role)
    page = client.get(reverse("admin:casework_clearanceevent_changelist")).content.decode()
    assert "Phê duyệt, cấp quyền" in page and "quantri2" in page
    # The flag is shown on the assignment, not editable there.
    page = client.get(reverse("admin:casework_roleassignment_change",
                              args=[clerk_role.pk])).content.decode()
    assert 'name="identity_clearance"' not in page


def test_the_admin_form_names_what_stops_a_request(client, tree, admins, clerk_role):
    first, _ = admins
    client.force_login(first)
    url = reverse("admin:casework_clearancerequest_add")
    client.post(url, {"assignment": clerk_role.pk, "grant": "on", "reason": "Lần 1."})
    response = client.post(url, {"assignment": clerk_role.pk, "grant": "on",
                                 "reason": "Lần 2."})
    assert response.status_code == 200
    assert "đã có một đề nghị cấp quyền đang chờ phê duyệt" in response.content.decode()
    assert ClearanceRequest.objects.count() == 1


# ---- verify_audit ---------------------------------------------------------------------

def test_a_clearance_set_behind_the_history_is_named(tree, admins, clerk_role):
    first, second = admins
    clearance_approve(approver=second, request=clearance_request(
        requester=first, assignment=clerk_role, grant=True, reason="Được giao."))
    sneaky = RoleAssignment.objects.create(user=first, organisation=tree.commune,
                                           role="leader")
    RoleAssignment.objects.filter(pk=sneaky.pk).update(identity_clearance=True)

    out, error = _verify()
    assert out == (f"Phân quyền “{sneaky}” (id {sneaky.pk}): đang được xem danh tính người "
                   "tố cáo nhưng lịch sử cấp quyền không có phê duyệt nào của quản trị viên "
                   "thứ hai cho đúng người, tổ chức và vai trò này.\n")
    assert error.endswith("phát hiện 1 sai lệch.")

    # Handing the approved assignment to someone else in the database is named too.
    RoleAssignment.objects.filter(pk=sneaky.pk).update(identity_clearance=False)
    RoleAssignment.objects.filter(pk=clerk_role.pk).update(user=first)
    [found] = audit.verify().breaks
    assert (found.kind, found.case_id) == (audit.UNRECORDED, clerk_role.pk)

    # A flag set before the rule existed is confirmed by the two-person path.
    RoleAssignment.objects.filter(pk=clerk_role.pk).update(user=clerk_role.user)
    RoleAssignment.objects.filter(pk=sneaky.pk).update(identity_clearance=True)
    clearance_approve(approver=second, request=clearance_request(
        requester=first, assignment=sneaky, grant=True, reason="Xác nhận quyền cấp trước."))
    assert audit.verify().breaks == []


def test_the_clearance_history_is_append_only_and_chained(tree, admins, clerk_role):
    first, second = admins
    clearance_approve(approver=second, request=clearance_request(
        requester=first, assignment=clerk_role, grant=True, reason="Được giao."))
    requested, approved = ClearanceEvent.objects.order_by("id")
    for attempt in (requested.delete, lambda: ClearanceEvent.objects.update(reason="x"),
                    lambda: ClearanceEvent.objects.all().delete()):
        with pytest.raises(ClearanceEventRefused):
            attempt()

    from tests.casework.test_audit import _tamper
    _tamper("UPDATE casework_clearanceevent SET actor_id = %s WHERE id = %s",
            first.pk, approved.pk)
    out, error = _verify()
    assert out == (f"Lịch sử quyền xem danh tính, bước #{approved.pk} “Phê duyệt, cấp quyền” "
                   f"(phân quyền id {clerk_role.pk}): nội dung đã bị sửa sau khi ghi (mã băm "
                   "không khớp nội dung).\n")
    assert error.endswith("phát hiện 1 sai lệch.")


def test_demo_clearances_come_from_two_administrators(db):
    call_command("load_demo", stdout=StringIO())
    cleared = set(RoleAssignment.objects.filter(identity_clearance=True)
                  .values_list("user__username", flat=True))
    assert cleared == {"vanphong", "ubkt", "lanhdao"}
    approvals = ClearanceEvent.objects.filter(event_type="approved")
    assert set(approvals.values_list("actor__username", flat=True)) == {"quantri2"}
    assert set(ClearanceRequest.objects.values_list("requested_by__username",
                                                    flat=True)) == {"quantri"}
    assert _verify()[1] is None
