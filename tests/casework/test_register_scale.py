"""The register's reads rewritten for a province's scale (issue 18) give what the simple
queries give, on generated letters over two communes and the city above them: one grouped
COUNT for the total, the totals and the paginator; the provincial register grouped by
commune; pages read in the register's order; ?nam=; the search as a UNION of what each
index finds. Each is compared with the plain ORM query or plain Python over the rows, on
SQLite and on PostgreSQL alike (the PostgreSQL run uses the trigram indexes)."""
import datetime
import itertools
from collections import Counter

import pytest
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from casework.models import OrgKind, Petition, PetitionKind, PetitionStatus
from casework.models.petitions import OPEN_STATUSES
from casework.search_keys import search_key
from casework.selectors.letters import (
    REGISTER_ORDER,
    letter_register,
    register_counts,
    register_groups,
    register_page,
)
from casework.services.petitions import SenderData, petition_receive
from tests.factories import OrganisationFactory, UserFactory, user_with_role

pytestmark = pytest.mark.django_db

NAMES = ["Nguyễn Thị Lan", "Lê Lan Anh", "Trần Văn Bình", "Phạm Thị Hoa", "Đỗ Văn Lân"]
SUMMARIES = ["Kiến nghị về đường liên thôn.", "Phản ánh việc cấp đất ở Lan Châu.",
             "Đề nghị xem xét việc thu quỹ.", "Tố cáo việc lấn chiếm đất công."]
STATUSES = [PetitionStatus.RECEIVED, PetitionStatus.ACCEPTED, PetitionStatus.RESOLVED,
            PetitionStatus.FILED, PetitionStatus.TRANSFERRED]


@pytest.fixture
def second(tree):
    commune = OrganisationFactory(name="Đảng bộ xã Lại Sơn", code="lai-son",
                                  kind=OrgKind.COMMUNE, parent=tree.city)
    office = OrganisationFactory(name="Văn phòng Đảng ủy Lại Sơn", code="vp-lai-son",
                                 kind=OrgKind.AGENCY, parent=commune, symbol="VPLS")
    return type("Second", (), dict(commune=commune, office=office))


@pytest.fixture
def letters(tree, second):
    """60 letters at five units of two communes and at the city, over 2025 and 2026 on
    few dates (ties in the order broken by number and id), every kind, five statuses,
    one to two senders each, one in seven protected."""
    boss = UserFactory(username="quantri", is_superuser=True, is_staff=True)
    units = [tree.office, tree.branch_a, second.office, tree.city, second.commune]
    names = itertools.cycle(NAMES)
    made = []
    for i in range(60):
        made.append(petition_receive(
            actor=boss, organisation=units[i % 5], kind=list(PetitionKind)[(i // 5) % 4],
            received_on=datetime.date(2025 + i % 2, 3 + i % 4, 1 + i % 3), channel="post",
            senders=[SenderData(full_name=next(names), address=f"Thôn {k}")
                     for k in range(1 + i % 2)],
            summary=SUMMARIES[i % 4]))
    for i, letter in enumerate(made):  # set directly: the transitions are not tested here
        Petition.objects.filter(pk=letter.pk).update(status=STATUSES[i % 5],
                                                     identity_confidential=i % 7 == 0)
    return made


@pytest.fixture
def province_leader(tree):
    return user_with_role("leader", tree.city, username="lanhdao-tinh")


def _params(**values):
    query = QueryDict(mutable=True)
    query.update(values)
    return query


def _plain(user, **filters):
    """The simple query: the visible letters, filtered, in the register's order."""
    return list(Petition.objects.visible_to(user).filter(**filters).order_by(*REGISTER_ORDER))


def test_one_grouped_count_gives_the_total_the_totals_and_each_unit(province_leader, letters):
    _filterset, found = letter_register(user=province_leader, params=_params())
    with CaptureQueriesContext(connection) as captured:
        counts = register_counts(found)
    assert len(captured.captured_queries) == 1
    plain = _plain(province_leader)
    assert counts.total == found.count() == len(plain) == 60
    by_status, by_kind = counts.totals()
    statuses, kinds = Counter(p.status for p in plain), Counter(p.kind for p in plain)
    assert by_status == [(s.label, statuses[s.value]) for s in PetitionStatus]
    assert by_kind == [(k.label, kinds[k.value]) for k in PetitionKind]
    assert counts.by_unit() == {
        unit: (sum(p.organisation_id == unit for p in plain),
               sum(p.organisation_id == unit and p.status in OPEN_STATUSES for p in plain))
        for unit in {p.organisation_id for p in plain}}


def test_province_register_is_grouped_by_commune(tree, second, province_leader, letters):
    _filterset, found = letter_register(user=province_leader, params=_params())
    groups = register_groups(user=province_leader, counts=register_counts(found))
    plain = _plain(province_leader)

    def under(org):
        inside = [p for p in plain if p.organisation.path.startswith(org.path)]
        return len(inside), sum(p.status in OPEN_STATUSES for p in inside)

    expected = {tree.commune: under(tree.commune), second.commune: under(second.commune),
                tree.city: (sum(p.organisation_id == tree.city.pk for p in plain),
                            sum(p.organisation_id == tree.city.pk
                                and p.status in OPEN_STATUSES for p in plain))}
    assert {g.organisation: (g.letters, g.open) for g in groups} == expected
    assert sum(g.letters for g in groups) == len(plain)
    assert [g.organisation.path for g in groups] == sorted(g.organisation.path for g in groups)


def test_one_commune_is_not_grouped(leader, letters):
    _filterset, found = letter_register(user=leader, params=_params())
    assert register_groups(user=leader, counts=register_counts(found)) is None


def test_every_page_is_the_plain_order_sliced_in_as_many_queries(province_leader, letters):
    _filterset, found = letter_register(user=province_leader, params=_params())
    counts = register_counts(found)
    plain = [p.pk for p in _plain(province_leader)]
    seen, queries = [], set()
    for number in range(1, 10):
        with CaptureQueriesContext(connection) as captured:
            page = register_page(found, number, counts=counts, per_page=7)
            rows = [p.pk for p in page.object_list]
        queries.add(len(captured.captured_queries))
        assert rows == plain[(number - 1) * 7:number * 7]
        seen += rows
    assert seen == plain and page.paginator.num_pages == 9
    assert queries == {2}  # the rows and their senders; the count is never asked


@pytest.mark.parametrize("year", [2025, 2026])
def test_year_gives_the_letters_received_that_year(province_leader, letters, year):
    filterset, found = letter_register(user=province_leader, params=_params(nam=str(year)))
    assert filterset.is_valid()
    expected = _plain(province_leader, received_on__year=year)
    assert [p.pk for p in found.order_by(*REGISTER_ORDER)] == [p.pk for p in expected]
    assert 0 < len(expected) < 60


@pytest.mark.parametrize("year", ["1999", "2101", "hai nghìn"])
def test_a_year_out_of_bounds_is_named(client, province_leader, letters, year):
    client.force_login(province_leader)
    response = client.get(reverse("casework:petition-list"), {"nam": year})
    assert response.status_code == 200
    assert "nam" in response.context["filter"].form.errors


def test_english_year_is_renamed_and_honoured(client, province_leader, letters):
    client.force_login(province_leader)
    response = client.get(reverse("casework:petition-list"), {"year": "2025"})
    assert response.status_code == 301 and response["Location"].endswith("?nam=2025")
    response = client.get(response["Location"])
    assert response.context["total"] == len(_plain(province_leader, received_on__year=2025))


@pytest.mark.parametrize("text", ["lan", "Lân", "dat", "thon 1", "không ai"])
def test_search_union_equals_the_plain_or(province_leader, letters, text):
    key = search_key(text)
    plain = [p for p in _plain(province_leader)
             if key in p.summary_key or key in p.subject_key or key in p.handled_by_key
             or (not p.identity_confidential
                 and any(key in s.name_key or key in s.address_key for s in p.senders.all()))]
    _filterset, found = letter_register(user=province_leader, params=_params(tim=text))
    counts = register_counts(found)
    assert [p.pk for p in found.order_by(*REGISTER_ORDER)] == [p.pk for p in plain]
    assert counts.total == len(plain)
    assert counts.totals()[0] == [(s.label, sum(p.status == s for p in plain))
                                  for s in PetitionStatus]


def test_province_page_shows_communes_then_drills_down(client, tree, second, province_leader,
                                                       letters):
    client.force_login(province_leader)
    url = reverse("casework:petition-list")
    client.get(url)  # warm the session
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    page = response.content.decode()
    assert response.context["page"] is None
    assert [g.organisation for g in response.context["groups"]] == sorted(
        [tree.city, tree.commune, second.commune], key=lambda o: o.path)
    assert f"?don-vi={second.commune.pk}" in page and "Đảng bộ xã Lại Sơn" in page
    assert sum("casework_petition" in q["sql"] for q in captured.captured_queries) == 1
    inside = client.get(url, {"don-vi": second.commune.pk})
    assert inside.context["groups"] is None
    expected = [p.pk for p in _plain(province_leader)
                if p.organisation.path.startswith(second.commune.path)]
    assert [p.pk for p in inside.context["page"].object_list] == expected[:50]
    assert inside.context["total"] == len(expected)
    # A search lists its letters, whatever the scope.
    found = client.get(url, {"tim": "lan"})
    assert found.context["groups"] is None and found.context["page"].object_list



def test_export_past_the_limit_asks_for_a_year_or_a_unit(client, settings, province_leader,
                                                         letters):
    settings.EXPORT_MAX_ROWS = 40
    client.force_login(province_leader)
    response = client.get(reverse("casework:petition-export"), follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("casework:petition-list"))
    assert "Sổ đang chọn có 60 đơn, quá 40 đơn mỗi lần xuất" in response.content.decode()
    year = client.get(reverse("casework:petition-export"), {"nam": "2025"})
    assert year.status_code == 200 and year["Content-Type"].startswith("application/vnd")
