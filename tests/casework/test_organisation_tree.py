"""The organisation tree stays a tree: an organisation cannot be put under itself or under
one of its own descendants. The check lives in Organisation.clean(), so the admin's form
names the field with a message instead of answering 500, and save() runs the same check
for code that bypasses forms."""
import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from casework.models import Organisation

CYCLE = "Không thể đặt một tổ chức trực thuộc chính nó hoặc một tổ chức cấp dưới của nó."


def _form(org, parent):
    return {"name": org.name, "code": org.code, "symbol": org.symbol, "kind": org.kind,
            "parent": parent.pk if parent else "", "remote_area": ""}


@pytest.mark.django_db
@pytest.mark.parametrize("new_parent", ["branch_a", "commune"])
def test_the_admin_refuses_a_move_under_its_own_subtree_with_a_message(
        client, tree, admin_user, new_parent):
    """The commune moved under one of its branches (or under itself): the form says why,
    on the "trực thuộc" field, and nothing changes."""
    client.force_login(admin_user)
    paths = dict(Organisation.objects.values_list("pk", "path"))
    response = client.post(reverse("admin:casework_organisation_change", args=[tree.commune.pk]),
                           _form(tree.commune, getattr(tree, new_parent)))
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["parent"] == [CYCLE]
    assert CYCLE in response.content.decode()
    assert dict(Organisation.objects.values_list("pk", "path")) == paths


@pytest.mark.django_db
def test_the_admin_still_moves_a_subtree(client, tree, admin_user):
    client.force_login(admin_user)
    response = client.post(reverse("admin:casework_organisation_change", args=[tree.branch_a.pk]),
                           _form(tree.branch_a, tree.office))
    assert response.status_code == 302
    tree.branch_a.refresh_from_db()
    assert tree.branch_a.path == f"{tree.office.path}{tree.branch_a.pk}/"


@pytest.mark.django_db
def test_save_refuses_the_same_move_with_the_same_message(tree):
    tree.commune.parent = tree.branch_b
    with pytest.raises(ValidationError, match=CYCLE):
        tree.commune.save()
    tree.commune.refresh_from_db()
    assert tree.commune.parent_id == tree.city.pk
