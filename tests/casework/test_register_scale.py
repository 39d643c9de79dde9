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
from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Q
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
    """The simple query: the letters the path rule (`scope.letters_q`) shows, filtered,
    in the register's order."""
    from casework.selectors.scope import letters_q

    return list(Petition.objects.filter(letters_q(user)).filter(**filters)
                .order_by(*REGISTER_ORDER))


def test_letter_scope_on_the_row_equals_the_path_rule(tree, second, letters):
    """`letter_rows_q` (Petition.objects.visible_to) shows what `letters_q` shows; for a
    user whose paths hold the tree's root it is no condition at all."""
    from casework.selectors.scope import forget, letter_rows_q, letters_q

    users = [user_with_role("leader", tree.city, username="d-tinh"),
             user_with_role("leader", tree.commune, username="d-xa"),
             user_with_role("clerk", second.office, username="d-vp2"),
             user_with_role("branch_secretary", tree.branch_a, username="d-cb"),
             UserFactory(username="d-khong")]
    sizes = []
    for user in users:
        plain = _plain(user)
        assert list(Petition.objects.visible_to(user).order_by(*REGISTER_ORDER)) == plain
        sizes.append(len(plain))
    assert sizes == [60, 24, 12, 12, 0]  # the city, a commune, an office, a branch, nobody
    assert letter_rows_q(users[0]) == Q() and letters_q(users[0]) != Q()
    # A second root the city's leader holds no role at: the condition is back.
    OrganisationFactory(name="Đảng bộ khác", code="khac", kind=OrgKind.PROVINCE)
    # Whether the paths hold every root is kept on the user object, like its roles, for
    # the request (one query, not one per list statement): until it is forgotten.
    assert letter_rows_q(users[0]) == Q()
    forget(users[0])
    assert letter_rows_q(users[0]) != Q()
    assert list(Petition.objects.visible_to(users[0]).order_by(*REGISTER_ORDER)) == _plain(
        users[0])


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


@pytest.mark.parametrize("per_page", [7, 10, 60])
def test_every_page_is_the_plain_order_sliced_in_as_many_queries(province_leader, letters,
                                                                 per_page):
    """Pages read by key (next and previous links) and by number alone (typed: OFFSET
    from the nearer end) are the plain order's slices, two queries each whatever the
    depth (the rows and their senders; the count is never asked)."""
    _filterset, found = letter_register(user=province_leader, params=_params())
    counts = register_counts(found)
    plain = [p.pk for p in _plain(province_leader)]
    pages = -(-len(plain) // per_page)

    def read(**params):
        with CaptureQueriesContext(connection) as captured:
            page, error = register_page(found, _params(**params), counts=counts,
                                        per_page=per_page)
            rows = [p.pk for p in page.object_list]
        assert not error
        queries.add(len(captured.captured_queries))
        assert rows == plain[(page.number - 1) * per_page:page.number * per_page]
        return page

    queries = set()
    forward, page = [], read()
    while True:  # first to last by the "next" links
        forward.append(page.number)
        if not page.has_next():
            break
        page = read(trang=str(page.number + 1), sau=page.next_key)
    assert forward == list(range(1, pages + 1)) and page.num_pages == pages
    backward = []
    while True:  # and back by the "previous" links
        backward.append(page.number)
        if not page.has_previous():
            break
        page = read(trang=str(page.number - 1), truoc=page.previous_key)
    assert backward == forward[::-1]
    for number in range(1, pages + 1):  # each page by its number alone
        assert read(trang=str(number)).number == number
    assert read(trang="999").number == pages and read(trang="x").number == 1
    assert queries == {2}


def test_a_key_that_is_not_one_shows_the_first_page(province_leader, letters):
    _filterset, found = letter_register(user=province_leader, params=_params())
    counts = register_counts(found)
    for bad in ("2025-13-01_1_1", "abc", "2025-03-01_1", "2025-03-01_x_1"):
        page, error = register_page(found, _params(trang="3", sau=bad), counts=counts)
        assert error and page.number == 1
        assert [p.pk for p in page.object_list] == [p.pk for p in _plain(province_leader)][:50]


def test_register_page_links_walk_the_filtered_list(client, monkeypatch, tree, second,
                                                    province_leader, letters):
    """The page's own links: they keep the filter, say where they are, and lead through
    the commune's letters in the plain order."""
    client.force_login(province_leader)
    url = reverse("casework:petition-list")
    expected = [p.pk for p in _plain(province_leader)
                if p.organisation.path.startswith(tree.commune.path)]
    response = client.get(url, {"don-vi": tree.commune.pk})
    page = response.context["page"]
    assert [p.pk for p in page.object_list] == expected[:50] and page.num_pages == 1
    monkeypatch.setattr("casework.selectors.letters.REGISTER_PER_PAGE", 5)  # several pages
    response = client.get(url, {"don-vi": tree.commune.pk})
    seen = []
    while True:
        page = response.context["page"]
        seen += [p.pk for p in page.object_list]
        html = response.content.decode()
        assert f"Trang {page.number}/{page.num_pages}" in html
        if not page.has_next():
            break
        link = f"?don-vi={tree.commune.pk}&{page.next_query}"
        assert link.replace("&", "&amp;") in html
        response = client.get(url + link)
    assert seen == expected


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


@pytest.mark.parametrize("cap", [2000, 1])
@pytest.mark.parametrize("text", ["lan", "Lân", "thon 1", "không ai"])
def test_search_read_first_equals_the_plain_or(tree, second, letters, text, cap, monkeypatch):
    """For a user over a part of the tree the search's hits are read as ids once
    (`PetitionFilter._read_first`) and the counts and the page use those ids; past the
    cap (here 1) the union stays a subquery. Both give what the plain rule gives."""
    from casework import filters

    monkeypatch.setattr(filters, "SEARCH_IDS", cap)
    key = search_key(text)
    for user in (user_with_role("leader", tree.commune, username=f"t-xa-{cap}"),
                 user_with_role("clerk", second.office, username=f"t-vp2-{cap}")):
        plain = [p for p in _plain(user)
                 if key in p.summary_key or key in p.subject_key or key in p.handled_by_key
                 or (not p.identity_confidential
                     and any(key in s.name_key or key in s.address_key
                             for s in p.senders.all()))]
        _filterset, found = letter_register(user=user, params=_params(tim=text))
        with CaptureQueriesContext(connection) as captured:
            counts = register_counts(found)
            rows = [p.pk for p in found.order_by(*REGISTER_ORDER)]
        assert rows == [p.pk for p in plain]
        assert counts.total == len(plain)
        assert counts.totals()[0] == [(s.label, sum(p.status == s for p in plain))
                                      for s in PetitionStatus]
        again = sum("UNION" in q["sql"].upper() for q in captured.captured_queries)
        assert again == (2 if len(plain) > cap else 0)


def test_province_page_shows_communes_then_drills_down(client, tree, second, province_leader,
                                                       letters):
    client.force_login(province_leader)
    url = reverse("casework:petition-list")
    client.get(url)  # warm the session (and count: the counts are then reused)
    from django.core.cache import cache
    cache.clear()
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    with CaptureQueriesContext(connection) as reused:
        assert client.get(url).context["total"] == response.context["total"] == 60
    assert sum("casework_petition" in q["sql"] for q in reused.captured_queries) == 0
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


@pytest.fixture
def cases(tree, second):
    """48 cases run at every unit of two communes and the city, each about a member of a
    branch or about a unit, a few with a team member from outside (the branch secretary
    of the second commune's office)."""
    from casework.models import CaseStatus, InspectionCase, InspectionKind
    from tests.factories import MemberFactory

    boss = UserFactory(username="quantri-ca", is_superuser=True, is_staff=True)
    outsider = user_with_role("branch_secretary", tree.branch_b, username="bithu-b")
    units = [tree.ubkt, tree.office, tree.branch_a, tree.branch_b, tree.city, second.office,
             second.commune, tree.commune]
    members = [MemberFactory(organisation=unit) for unit in
               (tree.branch_a, tree.branch_b, second.office, tree.city)]
    made = []
    for i in range(48):
        about_member = i % 3 != 0
        made.append(InspectionCase(
            organisation=units[i % len(units)], body="ubkt",
            kind=list(InspectionKind)[i % len(InspectionKind)], year=2025 + i % 2, seq=i + 1,
            title=f"Cuộc {i}", decision_number=f"{i}-QĐ", decision_date=datetime.date(2025, 1, 2),
            starts_on=datetime.date(2025, 1, 3), ends_on=datetime.date(2025, 2, 3),
            team_leader=boss, status=list(CaseStatus)[i % 3],
            subject_member=members[i % 4] if about_member else None,
            subject_organisation=None if about_member else units[(i + 3) % len(units)]))
    made = InspectionCase.objects.bulk_create(made)
    for case in made[::7]:
        case.team.add(outsider)
    return made


def _case_users(tree, second):
    return [user_with_role("leader", tree.city, username="ca-tinh"),
            user_with_role("leader", tree.commune, username="ca-xa"),
            user_with_role("ubkt", tree.ubkt, username="ca-ubkt"),
            user_with_role("clerk", second.office, username="ca-vp2"),
            user_with_role("branch_secretary", tree.branch_a, username="ca-cb"),
            get_user_model().objects.get(username="bithu-b"),
            UserFactory(username="ca-khong")]


def test_case_scope_on_the_rows_own_columns_equals_the_path_rule(tree, second, cases):
    """`case_rows_q` (ids read first, `column IN (ids)`) selects exactly what the path
    rule `cases_q` selects, for users at the city, a commune, its UBKT, an office, a
    branch, a team member from outside and nobody; the list's order, totals and pages
    follow."""
    from casework.models import CaseStatus, InspectionCase
    from casework.models.inspections import OPEN_CASE_STATUSES
    from casework.selectors.cases import case_counts, case_list
    from casework.selectors.scope import case_rows_q, cases_q

    users, sizes = _case_users(tree, second), []
    for user in users:
        plain = list(InspectionCase.objects.filter(cases_q(user))
                     .order_by("-year", "organisation__path", "-seq"))
        rows = list(InspectionCase.objects.filter(case_rows_q(user))
                    .order_by("-year", "organisation__path", "-seq"))
        assert rows == plain, user.username
        listed = case_list(user=user)
        assert list(listed) == plain
        counts = case_counts(listed)
        assert counts.total == len(plain)
        assert counts.totals()[0] == [(s.label, sum(c.status == s for c in plain))
                                      for s in CaseStatus]
        assert counts.by_unit() == {
            unit: (sum(c.organisation_id == unit for c in plain),
                   sum(c.organisation_id == unit and c.status in OPEN_CASE_STATUSES
                       for c in plain))
            for unit in {c.organisation_id for c in plain}}
        sizes.append(len(plain))
    assert len(set(sizes)) >= 5, sizes  # the users see different parts
    city, nobody = users[0], users[-1]
    assert case_rows_q(city) == Q()  # every root is theirs: no condition at all
    assert InspectionCase.objects.filter(case_rows_q(city)).count() == 48
    assert not InspectionCase.objects.filter(case_rows_q(nobody)).exists()


def test_reused_counts_follow_every_change_made_through_the_services(province_leader, letters):
    """A province's counts are kept under the last event's id: reused while nothing
    changed (one small query instead of the count), counted again after a step."""
    from casework.services.petitions import petition_classify

    _filterset, found = letter_register(user=province_leader, params=_params())
    first = register_counts(found, reuse=True)
    with CaptureQueriesContext(connection) as captured:
        again = register_counts(found, reuse=True)
    assert again.rows == first.rows and len(captured.captured_queries) == 1
    assert "COUNT(" not in captured.captured_queries[0]["sql"].upper()
    received = next(p for p in letters if Petition.objects.get(pk=p.pk).status == "received")
    boss = get_user_model().objects.get(username="quantri")
    petition_classify(actor=boss, petition_id=received.pk, kind=PetitionKind.DENUNCIATION,
                      competence="here")
    after = register_counts(found, reuse=True)
    plain = _plain(province_leader)
    assert after.total == len(plain)
    assert after.totals()[0] == [(s.label, sum(p.status == s for p in plain))
                                 for s in PetitionStatus]
    assert after.totals() != first.totals()


def test_province_case_list_shows_communes_then_drills_down(client, tree, second, cases):
    """Like the register: one line per commune with its cases and those running, each a
    link; the commune's own list then has the plain rows."""
    from casework.models import InspectionCase
    from casework.models.inspections import OPEN_CASE_STATUSES
    from casework.selectors.scope import cases_q

    city = user_with_role("leader", tree.city, username="ca-tinh-2")
    client.force_login(city)
    url = reverse("casework:case-list")
    response = client.get(url)
    assert response.context["page"] is None
    plain = list(InspectionCase.objects.filter(cases_q(city)))

    def under(org):
        inside = [c for c in plain if c.organisation.path.startswith(org.path)]
        return len(inside), sum(c.status in OPEN_CASE_STATUSES for c in inside)

    groups = {g.organisation: (g.letters, g.open) for g in response.context["groups"]}
    assert groups[tree.commune] == under(tree.commune)
    assert groups[second.commune] == under(second.commune)
    assert sum(n for n, _open in groups.values()) == len(plain) == 48
    assert f"?don-vi={second.commune.pk}" in response.content.decode()
    inside = client.get(url, {"don-vi": second.commune.pk})
    assert inside.context["groups"] is None
    expected = (InspectionCase.objects.filter(cases_q(city))
                .filter(organisation__path__startswith=second.commune.path)
                .order_by("-year", "organisation__path", "-seq"))
    assert list(inside.context["page"].object_list) == list(expected)


@pytest.mark.parametrize("text", ["", "lan"])
def test_kept_counts_are_brought_up_to_date_by_the_units_that_changed(
        tree, second, province_leader, letters, text):
    """After steps and a receipt, a province's kept counts are counted again only for
    the units whose letters have new events, and equal the plain grouped count (the
    whole register and a search alike)."""
    from casework.services.petitions import petition_classify

    params = _params(tim=text) if text else _params()
    _filterset, found = letter_register(user=province_leader, params=params)
    register_counts(found, reuse=True)
    boss = get_user_model().objects.get(username="quantri")
    received = [p for p in letters if Petition.objects.get(pk=p.pk).status == "received"]
    for letter in received[:2]:
        petition_classify(actor=boss, petition_id=letter.pk, kind=PetitionKind.DENUNCIATION,
                          competence="here")
    petition_receive(actor=boss, organisation=tree.branch_a, kind=list(PetitionKind)[0],
                     received_on=datetime.date(2026, 5, 2), channel="post",
                     senders=[SenderData(full_name="Lan Hương", address="Thôn 9")],
                     summary="Kiến nghị về đèn đường.")
    touched = {p.organisation_id for p in received[:2]} | {tree.branch_a.pk}
    _filterset, found = letter_register(user=province_leader, params=params)
    with CaptureQueriesContext(connection) as captured:
        after = register_counts(found, reuse=True)
    recounts = [q["sql"] for q in captured.captured_queries if "COUNT(*)" in q["sql"]]
    assert len(recounts) == 1 and len(captured.captured_queries) == 3
    assert all(str(pk) in recounts[0] for pk in touched)
    plain = Counter((p.organisation_id, p.status, p.kind) for p in found)
    assert sorted(after.rows) == sorted((*key, n) for key, n in plain.items())
    if not text:
        assert after.total == len(_plain(province_leader)) == 61
    unchanged = register_counts(found, reuse=True)
    assert unchanged.rows == after.rows


def test_kept_counts_are_counted_in_full_again_after_their_time(
        tree, province_leader, letters, monkeypatch):
    """An edit made around the services (no event) is in the counts once the last full
    count is COUNTS_SECONDS old, however often steps brought them up to date meanwhile."""
    import time

    from casework.selectors import letters as letter_reads
    from casework.services.petitions import petition_classify

    _filterset, found = letter_register(user=province_leader, params=_params())
    register_counts(found, reuse=True)
    boss = get_user_model().objects.get(username="quantri")
    edited = next(p for p in letters if p.organisation_id == tree.city.pk)
    Petition.objects.filter(pk=edited.pk).update(status=PetitionStatus.WITHDRAWN)
    received = [p for p in letters if Petition.objects.get(pk=p.pk).status == "received"
                and p.organisation_id != tree.city.pk]

    def plain():
        return sorted((*key, n) for key, n in Counter(
            (p.organisation_id, p.status, p.kind) for p in found.all()).items())

    petition_classify(actor=boss, petition_id=received[0].pk,
                      kind=PetitionKind.DENUNCIATION, competence="here")
    assert sorted(register_counts(found, reuse=True).rows) != plain()  # the city's kept
    later = time.time() + letter_reads.COUNTS_SECONDS + 1
    monkeypatch.setattr(letter_reads.time, "time", lambda: later)
    petition_classify(actor=boss, petition_id=received[1].pk,
                      kind=PetitionKind.DENUNCIATION, competence="here")
    assert sorted(register_counts(found, reuse=True).rows) == plain()
