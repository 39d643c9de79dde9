"""A denouncer's identity: masked for uncleared users everywhere, shown to cleared users
only one letter at a time, and every showing logged (who, when, which letter, how)."""
import datetime

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from casework.models import IdentityAccess, RoleAssignment
from casework.services.petitions import SenderData, petition_classify, petition_receive
from notifications.models import Notice
from notifications.rendering import render_notice
from notifications.tasks import dispatch_pending
from tests.factories import UserFactory
from workflows.sweep import sweep

pytestmark = pytest.mark.django_db

NAME, ADDRESS, ID_NUMBER = "Vũ Thị Kín Đáo", "Xóm Giữa, thôn Lại", "034188001234"
SECRETS = [NAME, ADDRESS, ID_NUMBER]


def person(username, role, organisation, *, cleared=False):
    user = UserFactory(username=username, email=f"{username}@example.vn")
    RoleAssignment.objects.create(user=user, organisation=organisation, role=role,
                                  identity_clearance=cleared)
    return user


@pytest.fixture
def people(tree):
    return {
        "cleared_clerk": person("vp-duoc-xem", "clerk", tree.office, cleared=True),
        "clerk": person("vp-khong", "clerk", tree.office),
        "leader": person("lanhdao-duoc-xem", "leader", tree.commune, cleared=True),
        "secretary": person("bithu", "branch_secretary", tree.commune),
        "viewer": person("xem", "viewer", tree.commune),
    }


def denounce(actor, organisation, **kwargs):
    return petition_receive(
        actor=actor, organisation=organisation, received_on=datetime.date(2026, 9, 1),
        channel="direct", kind=kwargs.pop("kind", "denunciation"),
        senders=[SenderData(full_name=NAME, address=ADDRESS, phone="0987000111",
                            id_number=ID_NUMBER)],
        summary="Tố cáo việc lấn chiếm đất công của đảng viên thôn Lại.",
        subject_name="Đinh Văn Lấn", **kwargs)


def body(client, url):
    return client.get(url).content.decode()


def test_clearance_shows_the_identity_and_logs_each_showing(client, tree, people):
    letter = denounce(people["cleared_clerk"], tree.office)
    client.force_login(people["cleared_clerk"])
    detail = body(client, reverse("casework:petition-detail", args=[letter.pk]))
    assert NAME in detail and ID_NUMBER in detail
    assert "Lượt xem này đã được ghi nhật ký" in detail
    body(client, reverse("casework:petition-receipt", args=[letter.pk]))
    body(client, reverse("casework:petition-detail", args=[letter.pk]))
    log = list(IdentityAccess.objects.filter(petition=letter).order_by("id")
               .values_list("user__username", "purpose"))
    assert log == [("vp-duoc-xem", "case_page"), ("vp-duoc-xem", "receipt"),
                   ("vp-duoc-xem", "case_page")]


def test_the_scan_of_a_denunciation_is_only_for_cleared_users_and_logged(
        client, tree, people, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):  # the scan is moved on commit
        letter = denounce(people["cleared_clerk"], tree.office, attachments=[
            SimpleUploadedFile("to-cao.pdf", b"%PDF-1.4\n%%EOF\n",
                               content_type="application/pdf")])
    url = reverse("casework:attachment-download", args=[letter.attachments.get().pk])
    client.force_login(people["clerk"])
    assert client.get(url).status_code == 403
    page = body(client, reverse("casework:petition-detail", args=[letter.pk]))
    assert "to-cao.pdf" not in page and "được bảo mật cùng danh tính người tố cáo" in page
    client.force_login(people["leader"])
    assert client.get(url).status_code == 200
    assert IdentityAccess.objects.filter(petition=letter, purpose="attachment").count() == 1


def test_uncleared_users_see_the_mask_and_nothing_is_logged(client, tree, people):
    letter = denounce(people["cleared_clerk"], tree.office)
    for who in ("clerk", "secretary", "viewer"):
        client.force_login(people[who])
        for url in (reverse("casework:petition-detail", args=[letter.pk]),
                    reverse("casework:petition-receipt", args=[letter.pk]),
                    reverse("casework:petition-list")):
            page = body(client, url)
            assert not any(s in page for s in SECRETS), (who, url)
    assert not IdentityAccess.objects.exists()


def test_lists_mask_a_denouncer_even_for_cleared_users(client, tree, people):
    denounce(people["cleared_clerk"], tree.office)
    client.force_login(people["leader"])
    page = body(client, reverse("casework:petition-list"))
    assert NAME not in page and "Đã bảo mật" in page
    assert "Kèm danh tính người tố cáo" in page  # the export may include it, on request
    assert not IdentityAccess.objects.exists()
    client.force_login(people["viewer"])
    assert "Kèm danh tính người tố cáo" not in body(client, reverse("casework:petition-list"))


def test_searching_a_denouncer_by_name_finds_nothing_without_clearance(client, tree, people):
    letter = denounce(people["cleared_clerk"], tree.office)
    search = reverse("casework:petition-list") + "?tim=Kín Đáo"
    client.force_login(people["viewer"])
    assert letter.receipt_number not in body(client, search)
    client.force_login(people["leader"])
    assert letter.receipt_number in body(client, search)


def test_duplicate_hints_do_not_link_a_new_letter_to_a_protected_one(client, tree, people):
    """The uncleared clerk types the same name for a new letter: being told that this
    person also sent letter 001 would reveal who denounced whom."""
    denounce(people["cleared_clerk"], tree.office)
    second = denounce(people["cleared_clerk"], tree.office, kind="recommendation")
    client.force_login(people["clerk"])
    page = body(client, reverse("casework:petition-detail", args=[second.pk]))
    # The second letter is a kiến nghị (not protected), so its sender is shown...
    assert NAME in page
    # ...but not the hint pointing at the protected tố cáo from the same person.
    assert "001/2026" not in page
    client.force_login(people["cleared_clerk"])
    assert "001/2026" in body(client, reverse("casework:petition-detail", args=[second.pk]))


def test_a_letter_once_a_denunciation_stays_protected(tree, people):
    letter = denounce(people["cleared_clerk"], tree.office)
    petition_classify(actor=people["cleared_clerk"], petition_id=letter.pk, kind="complaint",
                      competence="here")
    letter.refresh_from_db()
    assert letter.kind == "complaint" and letter.identity_confidential


def test_clearance_cannot_be_given_to_a_branch_secretary_or_viewer(tree):
    for role in ("branch_secretary", "viewer"):
        grant = RoleAssignment(user=UserFactory(), organisation=tree.commune, role=role,
                               identity_clearance=True)
        with pytest.raises(ValidationError) as refused:
            grant.full_clean()
        assert "không được cấp quyền xem danh tính" in str(refused.value)


def test_admin_hides_the_senders_from_an_administrator_without_clearance(client, tree, people):
    admin = UserFactory(username="quantri", is_staff=True, is_superuser=True)
    letter = denounce(people["cleared_clerk"], tree.office)
    client.force_login(admin)
    page = body(client, reverse("admin:casework_petition_change", args=[letter.pk]))
    assert letter.summary in page and not any(s in page for s in SECRETS)
    found = body(client, reverse("admin:casework_petition_changelist") + "?q=Kín")
    assert "0 đơn thư" in found or reverse("admin:casework_petition_change",
                                            args=[letter.pk]) not in found
    assert not IdentityAccess.objects.exists()


def test_staff_cannot_grant_clearance_in_the_admin(client, tree, people):
    from django.contrib.auth.models import Permission

    staff = UserFactory(username="nhanvien", is_staff=True)
    RoleAssignment.objects.create(user=staff, organisation=tree.commune, role="clerk")
    staff.user_permissions.add(*Permission.objects.filter(
        codename__in=["view_roleassignment", "change_roleassignment"]))
    mine = RoleAssignment.objects.get(user=staff)
    client.force_login(staff)
    client.post(reverse("admin:casework_roleassignment_change", args=[mine.pk]), {
        "user": staff.pk, "organisation": tree.commune.pk, "role": "clerk",
        "identity_clearance": "on"})
    mine.refresh_from_db()
    assert not mine.identity_clearance


def test_notices_and_emails_never_carry_the_identity(tree, people, settings):
    """Escalations and event notices go to every audience (leaders, heads, the clerk):
    none of their words, in the inbox or by e-mail, name the denouncer."""
    denounce(people["clerk"], tree.office)
    sweep(today=datetime.date(2026, 11, 30))  # long overdue: every rung's audience
    dispatch_pending()
    notices = list(Notice.objects.all())
    assert notices and mail.outbox
    for notice in notices:
        rendered = render_notice(notice)
        words = rendered.subject + rendered.text
        assert not any(s in words for s in SECRETS)
    for message in mail.outbox:
        raw = message.message().as_bytes()
        assert not any(s.encode() in raw for s in SECRETS)
        assert not any(s in message.body + message.subject for s in SECRETS)
