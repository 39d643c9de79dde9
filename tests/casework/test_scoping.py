"""A user of one branch cannot see or act on another branch's letters: pages, search,
receipt slip, scans and the admin."""
import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from casework.models import Petition
from tests.factories import receive_petition, user_with_role

PDF = b"%PDF-1.4\n%%EOF\n"


@pytest.fixture
def letters(tree, admin_user, django_capture_on_commit_callbacks):
    a = receive_petition(actor=admin_user, organisation=tree.branch_a,
                         summary="Kiến nghị của chi bộ Hòa Ché về nhà văn hóa.")
    with django_capture_on_commit_callbacks(execute=True):  # the scan is moved on commit
        b = receive_petition(actor=admin_user, organisation=tree.branch_b, sender="Đỗ Thị Mai",
                             summary="Khiếu nại của thôn Lại về bồi thường.",
                             attachments=[SimpleUploadedFile("scan.pdf", PDF)])
    return a, b


@pytest.fixture
def secretary_a(tree):
    return user_with_role("branch_secretary", tree.branch_a, username="bithu.a")


@pytest.mark.django_db
def test_queryset_scope_is_the_subtree(tree, letters, secretary_a, leader):
    a, b = letters
    assert list(Petition.objects.visible_to(secretary_a)) == [a]
    assert set(Petition.objects.visible_to(leader)) == {a, b}
    city_viewer = user_with_role("viewer", tree.city)
    assert set(Petition.objects.visible_to(city_viewer)) == {a, b}
    nobody = user_with_role("viewer", tree.office)
    assert list(Petition.objects.visible_to(nobody)) == []


@pytest.mark.django_db
def test_other_branch_letter_is_invisible_on_every_page(client, letters, secretary_a):
    a, b = letters
    client.force_login(secretary_a)
    listing = client.get(reverse("casework:petition-list")).content.decode()
    assert a.receipt_number in listing and "nhà văn hóa" in listing
    assert "thôn Lại về bồi thường" not in listing and "Đỗ Thị Mai" not in listing
    search = client.get(reverse("casework:petition-list"), {"tim": "Đỗ Thị Mai"}).content.decode()
    assert "bồi thường" not in search
    for name in ("petition-detail", "petition-receipt"):
        assert client.get(reverse(f"casework:{name}", args=[b.pk])).status_code == 404
    assert client.get(reverse("casework:petition-transition", args=[b.pk, "classify"])
                      ).status_code == 404
    response = client.post(reverse("casework:petition-transition", args=[b.pk, "classify"]),
                           {"expected_status": "received", "kind": "complaint",
                            "competence": "other"})
    assert response.status_code == 404
    attachment = b.attachments.get()
    assert client.get(reverse("casework:attachment-download", args=[attachment.pk])
                      ).status_code == 404
    b.refresh_from_db()
    assert b.status == "received" and b.events.count() == 1


@pytest.mark.django_db
def test_leader_sees_both_and_downloads_scan(client, letters, leader):
    a, b = letters
    client.force_login(leader)
    listing = client.get(reverse("casework:petition-list")).content.decode()
    assert a.receipt_number in listing and "bồi thường" in listing
    response = client.get(reverse("casework:attachment-download",
                                  args=[b.attachments.get().pk]))
    assert response.status_code == 200
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("attachment")
    assert b"".join(response.streaming_content) == PDF


@pytest.mark.django_db
def test_admin_is_scoped_for_staff_and_read_only_for_letters(client, tree, letters, secretary_a):
    a, b = letters
    secretary_a.is_staff = True
    secretary_a.save()
    secretary_a.user_permissions.add(*Permission.objects.filter(
        codename__in=["view_petition", "view_caseevent", "change_petition"]))
    client.force_login(secretary_a)
    changelist = client.get(reverse("admin:casework_petition_changelist")).content.decode()
    assert "nhà văn hóa" not in changelist  # summaries are not listed, but numbers are
    assert reverse("admin:casework_petition_change", args=[a.pk]) in changelist
    assert reverse("admin:casework_petition_change", args=[b.pk]) not in changelist
    other = client.get(reverse("admin:casework_petition_change", args=[b.pk]))
    assert other.status_code == 302  # "does not exist", back to the admin index
    events = client.get(reverse("admin:casework_caseevent_changelist")).content.decode()
    assert reverse("admin:casework_caseevent_change", args=[a.events.get().pk]) in events
    assert reverse("admin:casework_caseevent_change", args=[b.events.get().pk]) not in events
    # Even with change permission, a letter cannot be edited or deleted in the admin.
    response = client.post(reverse("admin:casework_petition_change", args=[a.pk]),
                           {"summary": "sửa"})
    assert response.status_code == 403
    a.refresh_from_db()
    assert a.summary.startswith("Kiến nghị")


@pytest.mark.django_db
def test_admin_superuser_cannot_delete_events(client, letters, admin_user):
    a, _ = letters
    client.force_login(admin_user)
    event = a.events.get()
    response = client.post(reverse("admin:casework_caseevent_delete", args=[event.pk]),
                           {"post": "yes"})
    assert response.status_code == 403
    assert a.events.count() == 1


@pytest.mark.django_db
def test_anonymous_visitor_is_sent_to_login(client, letters):
    response = client.get(reverse("casework:petition-list"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


@pytest.mark.django_db
def test_admin_pages_work_for_the_administrator(client, letters, admin_user):
    """Every registered model's list, and each object's page, opens for the administrator."""
    from django.contrib import admin

    client.force_login(admin_user)
    assert client.get(reverse("admin:index")).status_code == 200
    for model, model_admin in admin.site._registry.items():
        meta = model._meta
        changelist = reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")
        assert client.get(changelist).status_code == 200, changelist
        obj = model_admin.get_queryset(_request_for(admin_user)).first()
        if obj is not None:
            page = reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.pk])
            assert client.get(page).status_code == 200, page


def _request_for(user):
    from django.test import RequestFactory

    request = RequestFactory().get("/")
    request.user = user
    return request


@pytest.mark.django_db
def test_moving_a_branch_moves_its_subtree_and_its_letters_scope(tree, letters, admin_user):
    """Reorganisations happen (the 2025 merger of communes): moving a branch under another
    commune rewrites the paths below it, so scoping follows at once."""
    from casework.models import Organisation, OrgKind
    from tests.factories import OrganisationFactory

    a, _b = letters
    sub_branch = OrganisationFactory(name="Tổ đảng 1", code="to-1", parent=tree.branch_a)
    other = OrganisationFactory(name="Đảng bộ xã Vĩnh Hồng", code="vinh-hong",
                                kind=OrgKind.COMMUNE, parent=tree.city)
    old_leader = user_with_role("leader", tree.commune)
    new_leader = user_with_role("leader", other)
    branch = Organisation.objects.get(pk=tree.branch_a.pk)
    branch.parent = other
    branch.save()
    sub_branch.refresh_from_db()
    assert sub_branch.path == f"{other.path}{branch.pk}/{sub_branch.pk}/"
    assert list(Petition.objects.visible_to(new_leader)) == [a]
    assert a not in Petition.objects.visible_to(old_leader)
    # Under its own descendant: refused by the tree check (Organisation.clean, also run by
    # save), with the message a form shows.
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="cấp dưới của nó"):
        other.parent = sub_branch
        other.save()
