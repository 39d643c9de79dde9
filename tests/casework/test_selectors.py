"""The read layer's scoping: the planned form (by the row's own organisation path) gives
exactly what the plain form (`id IN (visible ids)`) gives."""
import pytest
from django.db.models import Q

from casework.models import InspectionCase, Petition, RoleAssignment
from tests.factories import UserFactory, receive_petition
from tests.test_access_matrix import SCOPE_USERS, _scope_cases
from workflows.models import DeadlineClock
from workflows.selectors import clocks_visible

pytestmark = pytest.mark.django_db


def test_deadline_clocks_follow_the_letter_and_case_rules(tree):
    boss = UserFactory(username="quantri", is_superuser=True, is_staff=True)
    team_member = UserFactory(username="doan-vien")
    _scope_cases(tree, boss, team_member)
    for org in (tree.office, tree.ubkt, tree.branch_a, tree.branch_b):
        receive_petition(actor=boss, organisation=org, kind="complaint")
    assert DeadlineClock.objects.filter(inspection__isnull=False).exists()
    assert DeadlineClock.objects.filter(petition__isnull=False).exists()
    users = [boss, team_member]
    for role, org in SCOPE_USERS.values():
        if role is not None:
            user = UserFactory()
            RoleAssignment.objects.create(user=user, organisation=getattr(tree, org), role=role)
            users.append(user)
    for user in users:
        plain = DeadlineClock.objects.filter(
            Q(petition__in=Petition.objects.visible_to(user))
            | Q(inspection__in=InspectionCase.objects.visible_to(user)))
        assert set(clocks_visible(user=user)) == set(plain), user.username
