"""The register's rewritten queries (issue 18): the search joins a UNION of letter ids, so the list
needs no DISTINCT and the totals are plain grouped COUNTs. On generated letters with
several senders each, they give the rows, the order and the totals worked out here in
plain Python; and a misspelt filter parameter is named, not silently dropped."""
import datetime
import itertools
from collections import Counter

import pytest
from django.db import connection
from django.db.models import Count
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from casework.models import Petition, PetitionKind, PetitionStatus
from casework.permissions import clearance_paths
from casework.search_keys import search_key
from casework.selectors.letters import letter_register, letter_totals, register_rows
from casework.services.petitions import SenderData, petition_receive
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

NAMES = ["Nguyễn Thị Lan", "Lê Lan Anh", "Trần Văn Bình", "Phạm Thị Hoa"]
ADDRESSES = ["Thôn Lan Châu", "Thôn Hòa Ché", "Xóm Đồng"]
SUMMARIES = ["Kiến nghị về đường liên thôn.", "Phản ánh việc cấp đất ở Lan Châu.",
             "Đề nghị xem xét việc thu quỹ."]
KINDS = [PetitionKind.RECOMMENDATION, PetitionKind.COMPLAINT, PetitionKind.FEEDBACK,
         PetitionKind.DENUNCIATION]
STATUSES = [PetitionStatus.RECEIVED, PetitionStatus.CLASSIFIED, PetitionStatus.ACCEPTED]


@pytest.fixture
def letters(tree):
    """48 letters over the commune's units and the city above it: 1 to 3 senders each
    (often two who both match a search), received on few dates (so the order's ties are
    broken by number and id), of every kind, in three statuses."""
    boss = UserFactory(username="quantri", is_superuser=True, is_staff=True)
    units = [tree.office, tree.ubkt, tree.branch_a, tree.city]
    sender_cycle = itertools.cycle(NAMES)
    made = []
    for i in range(48):
        senders = [SenderData(full_name=next(sender_cycle), address=ADDRESSES[(i + k) % 3])
                   for k in range(1 + i % 3)]
        made.append(petition_receive(
            actor=boss, organisation=units[i % 4], kind=KINDS[(i // 4) % 4],
            received_on=datetime.date(2026, 3, 1 + i % 5), channel="post", senders=senders,
            summary=SUMMARIES[i % 3]))
    for i, letter in enumerate(made):  # statuses set directly: the transitions are not tested
        Petition.objects.filter(pk=letter.pk).update(status=STATUSES[i % 3])
    return made


def _expected(user, tree, key):
    """The register's rows for a commune leader (no clearance) searching `key`, in plain
    Python: in the commune's subtree; the key in the summary, or in a sender's name or
    address on a letter whose senders are not protected; newest first."""
    assert not clearance_paths(user)
    rows = []
    for letter in Petition.objects.select_related("organisation").prefetch_related("senders"):
        if not letter.organisation.path.startswith(tree.commune.path):
            continue
        in_text = key in search_key(letter.summary)
        in_senders = any(key in search_key(s.full_name) or key in search_key(s.address)
                         for s in letter.senders.all())
        if in_text or (in_senders and not letter.identity_confidential):
            rows.append(letter)
    rows.sort(key=lambda p: (p.received_on, p.receipt_seq, p.pk), reverse=True)
    return rows


def _query(**params):
    from django.http import QueryDict

    query = QueryDict(mutable=True)
    query.update(params)
    return query


@pytest.mark.parametrize("text", ["lan", "Lan Châu", "bình", "không ai"])
def test_search_gives_the_plain_rows_order_and_totals(tree, leader, letters, text):
    expected = _expected(leader, tree, search_key(text))
    filterset, found = letter_register(user=leader, params=_query(tim=text))
    assert filterset.is_valid()
    rows = list(register_rows(found))
    assert [p.pk for p in rows] == [p.pk for p in expected]
    assert found.count() == len(expected)
    by_status, by_kind = letter_totals(found)
    statuses, kinds = Counter(p.status for p in expected), Counter(p.kind for p in expected)
    assert by_status == [(s.label, statuses[s.value]) for s in PetitionStatus]
    assert by_kind == [(k.label, kinds[k.value]) for k in PetitionKind]


def test_several_matching_senders_do_not_repeat_a_letter(tree, leader, letters):
    # The search the duplicates came from: two senders called Lan on one letter.
    doubled = [p for p in letters if sum("Lan" in s.full_name for s in p.senders.all()) > 1]
    assert doubled
    _filterset, found = letter_register(user=leader, params=_query(tim="lan"))
    pks = list(found.values_list("pk", flat=True))
    assert len(pks) == len(set(pks))
    assert "DISTINCT" not in str(found.query).upper()


def test_totals_are_one_grouped_count_without_distinct(tree, leader, letters):
    _filterset, found = letter_register(user=leader, params=_query(tim="lan"))
    with CaptureQueriesContext(connection) as captured:
        letter_totals(found)
    assert len(captured.captured_queries) == 1
    assert "DISTINCT" not in captured.captured_queries[0]["sql"].upper()


def test_register_names_an_unknown_parameter_and_still_answers(client, tree, leader, letters):
    client.force_login(leader)
    response = client.get(reverse("casework:petition-list"), {"nam-nhan": "2025", "tim": "lan"})
    assert response.status_code == 200
    assert "Không hiểu tham số lọc “nam-nhan”: đã bỏ qua." in response.content.decode()
    # The known ones are still applied, and say nothing.
    assert response.context["total"] == len(_expected(leader, tree, "lan"))
    quiet = client.get(reverse("casework:petition-list"), {"tim": "lan", "trang": "1"})
    assert "Không hiểu tham số lọc" not in quiet.content.decode()


def test_english_names_are_still_redirected_not_refused(client, leader):
    client.force_login(leader)
    response = client.get(reverse("casework:petition-list"), {"status": "received"})
    assert response.status_code == 301
    assert response["Location"].endswith("?trang-thai=received")


def test_case_list_names_an_unknown_parameter(client, leader):
    client.force_login(leader)
    response = client.get(reverse("casework:case-list"), {"nam": "2026", "trangthai": "x"})
    assert response.status_code == 200
    assert "Không hiểu tham số lọc “trangthai”: đã bỏ qua." in response.content.decode()


def test_api_refuses_an_unknown_parameter(client, leader):
    client.force_login(leader)
    response = client.get("/api/don-thu/", {"nam-nhan": "2025"})
    assert response.status_code == 400
    assert "Không hiểu tham số lọc “nam-nhan”: đã bỏ qua." in response.content.decode()
    assert client.get("/api/don-thu/", {"tim": "lan", "trang": "1"}).status_code == 200


@pytest.mark.postgres
def test_register_page_one_is_read_from_the_order_index(tree, leader, capsys):
    """With a few thousand letters, PostgreSQL reads page 1 of the register from the head
    of `petition_register_order` (no sort of every visible letter), for the commune's
    leader and for an administrator. The plans are printed (pytest -s) for the record."""
    units = [tree.office, tree.ubkt, tree.branch_a, tree.branch_b, tree.city]
    Petition.objects.bulk_create(
        Petition(organisation=units[i % 5], receipt_year=2025 + i % 2, receipt_seq=i + 1,
                 received_on=datetime.date(2025, 1, 1) + datetime.timedelta(days=i % 700),
                 channel="post", kind=KINDS[i % 4], summary=f"Đơn {i}", status=STATUSES[i % 3])
        for i in range(6000))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE casework_petition")
        cursor.execute("ANALYZE casework_organisation")
    boss = UserFactory(username="quantri", is_superuser=True, is_staff=True)
    for user in (leader, boss):
        _filterset, letters = letter_register(user=user, params=_query())
        page_one = register_rows(letters)[:50]
        plan = page_one.explain()
        print(f"--- {user.username}\n{plan}")
        assert "petition_register_order" in plan, plan
        assert "Sort" not in plan.split("Index Scan")[0], plan
    # A search: the ids each key's index finds (and the senders') in one UNION, joined to
    # the scoped list by id; the letters themselves are never made DISTINCT. Asked as the
    # administrator: a commune's leader reads the UNION's ids first and the page and the
    # counts use those (PetitionFilter._read_first; test_register_scale holds it).
    _filterset, found = letter_register(user=boss, params=_query(tim="lan"))
    for query in (register_rows(found)[:50], found.order_by().values_list("status", "kind")
                  .annotate(n=Count("pk"))):
        plan = query.explain()
        print(f"--- tim=lan\n{plan}")
        assert "SELECT DISTINCT" not in str(query.query).upper()
        assert "casework_petitionsender" in str(query.query)
