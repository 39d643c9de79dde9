"""Every list page issues the same number of queries with 5 rows as with 50: what a row
shows is read for all rows at once (select_related / prefetch in the read layer), never
once per row.

Each page is requested once to warm what a process keeps (the calendar, content types),
then measured with 5 rows and again with 50."""
import datetime

import pytest
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from casework.services.inspections import case_open
from casework.services.programme import programme_item_save, programme_save
from tests.factories import (
    MemberFactory,
    OrganisationFactory,
    UserFactory,
    receive_petition,
    user_with_role,
)
from workflows.sweep import sweep

pytestmark = pytest.mark.django_db
D = datetime.date
YEAR = 2026
SMALL, LARGE = 5, 50


class World:
    """Letters, cases, notices and programmes of one commune, grown on demand.

    - `clerk`: the office's role at the commune (every letter is theirs to classify) and
      a member of every case's team (so the cases are in their queue);
    - `lead`: every case's team leader (the first step is in their inbox);
    - `leader`: a leader at the commune (told of every complaint received)."""

    def __init__(self, tree):
        self.tree = tree
        self.boss = UserFactory(username="quantri", is_superuser=True, is_staff=True)
        self.clerk = user_with_role("clerk", tree.commune, username="vanphong")
        self.lead = UserFactory(username="truongdoan")
        self.leader = user_with_role("leader", tree.commune, username="lanhdao")
        self.counts = {"letters": 0, "cases": 0, "programmes": 0}

    def grow(self, what, n):
        while self.counts[what] < n:
            getattr(self, f"_add_{what}")(self.counts[what])
            self.counts[what] += 1
        # The letters' deadlines have passed: the sweep fires their rungs (escalations, and
        # notices of them to the handlers and the leader).
        sweep(today=D(2026, 11, 2))

    def _add_letters(self, i):
        # Complaints: each tells the leader (an event notice) and starts clocks.
        receive_petition(actor=self.boss, organisation=self.tree.office, kind="complaint",
                         sender=f"Người gửi {i}", received_on=D(2026, 9, 1))

    def _add_cases(self, i, programme_item=None, organisation=None, body="ubkt"):
        branch = organisation or self.tree.branch_a
        case_open(actor=self.boss, organisation=organisation or self.tree.ubkt, body=body,
                  kind="member_compliance", title=f"Kiểm tra đảng viên {i}",
                  decision_number=f"{i}-QĐ/UBKT", decision_date=D(YEAR, 3, 2),
                  starts_on=D(YEAR, 3, 5), ends_on=D(YEAR, 5, 5), team_leader=self.lead,
                  team=[self.lead, self.clerk], programme_item=programme_item,
                  subject_member=MemberFactory(organisation=branch))

    def _add_programmes(self, i):
        branch = OrganisationFactory(parent=self.tree.commune)
        programme = programme_save(actor=self.boss, organisation=branch, year=YEAR,
                                   body="branch")
        item = programme_item_save(actor=self.boss, programme_id=programme.pk,
                                   kind="member_compliance", quarter=1, planned_cases=2)
        self._add_cases(i, programme_item=item, organisation=branch, body="branch")

    def grow_all(self, n):
        for what in self.counts:
            self.grow(what, n)
        from workflows.models import Escalation
        assert Escalation.objects.count() >= n


@pytest.fixture
def world(tree):
    return World(tree)


def count_queries(client, url, params=None):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params or {})
    assert response.status_code == 200, url
    return len(captured.captured_queries)


# page → (URL name, query parameters, who looks, what grows)
PAGES = {
    "register": ("casework:petition-list", {}, "clerk", "letters"),
    "register-search": ("casework:petition-list", {"tim": "Người gửi"}, "clerk", "letters"),
    "register-api": ("api:petition-list", {}, "clerk", "letters"),
    "cases": ("casework:case-list", {}, "clerk", "cases"),
    "cases-api": ("api:case-list", {}, "clerk", "cases"),
    "task-inbox": ("workflows:task-inbox", {}, "lead", "cases"),
    "task-queue": ("workflows:task-queue", {}, "clerk", "cases"),
    "my-work-letters": ("workflows:my-work", {}, "clerk", "letters"),
    "my-work-cases": ("workflows:my-work", {}, "clerk", "cases"),
    "deadlines-letters": ("workflows:clock-overview", {}, "clerk", "letters"),
    "deadlines-cases": ("workflows:clock-overview", {}, "clerk", "cases"),
    "notices": ("notifications:inbox", {}, "leader", "letters"),
    "programme": ("casework:programme-list", {"nam": YEAR}, "leader", "programmes"),
}


@pytest.mark.parametrize("page", PAGES)
def test_list_page_queries_do_not_grow_with_rows(page, world, client):
    name, params, who, what = PAGES[page]
    client.force_login(getattr(world, who))
    url = reverse(name)
    counts = []
    for n in (SMALL, LARGE):
        world.grow(what, n)
        client.get(url, params)  # warm
        counts.append(count_queries(client, url, params))
    assert counts[0] == counts[1], f"{page}: {counts[0]} truy vấn với {SMALL} dòng, " \
                                   f"{counts[1]} với {LARGE}"


def our_admin_changelists():
    return sorted(f"admin:{m._meta.app_label}_{m._meta.model_name}_changelist"
                  for m in admin.site._registry
                  if m._meta.app_label in ("casework", "workflows", "notifications"))


def test_admin_changelists_of_our_models_do_not_grow_with_rows(world, client):
    client.force_login(world.boss)
    names = our_admin_changelists()
    assert "admin:casework_petition_changelist" in names
    counts = {}
    for n in (SMALL, LARGE):
        world.grow_all(n)
        for name in names:
            client.get(reverse(name))  # warm
            counts.setdefault(name, []).append(count_queries(client, reverse(name)))
    grown = {name: c for name, c in counts.items() if c[0] != c[1]}
    assert grown == {}, f"số truy vấn tăng theo số dòng ({SMALL} → {LARGE}): {grown}"


def test_a_page_with_panels_counts_unread_notices_once(world, client):
    """The letter page renders its panels with the request; the menu's unread count is
    still read once."""
    world.grow("letters", 1)
    from casework.models import Petition

    client.force_login(world.leader)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(Petition.objects.get().get_absolute_url())
    assert response.status_code == 200
    unread = [q for q in captured.captured_queries
              if "notifications_notice" in q["sql"] and "read_at" in q["sql"]
              and "COUNT" in q["sql"]]
    assert len(unread) == 1


def test_programme_page_queries_do_not_grow_with_its_cases(world, client):
    programme = programme_save(actor=world.boss, organisation=world.tree.ubkt, year=YEAR,
                               body="ubkt")
    item = programme_item_save(actor=world.boss, programme_id=programme.pk,
                               kind="member_compliance", quarter=1, planned_cases=LARGE)
    client.force_login(world.leader)
    url = reverse("casework:programme-detail", args=[programme.pk])
    counts, added = [], 0
    for n in (SMALL, LARGE):
        while added < n:
            world._add_cases(added, programme_item=item)
            added += 1
        client.get(url)  # warm
        counts.append(count_queries(client, url))
    assert counts[0] == counts[1], counts
