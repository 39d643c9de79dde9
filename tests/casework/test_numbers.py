"""Numbers that identify: every unit numbers its letters and cases from 001 each year, so
the number shown carries the unit's symbol (001/2026/VPĐU, 001/2026/KT-UBKT) and names one
record among everything a user sees; search takes the short and the full form. Also the
formats the numbers sit among (dates, counts, rates) and the Vietnamese query names."""
import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from casework.formatting import count_text, date_text, datetime_text, rate_text
from casework.models import Organisation
from casework.numbers import display_number, parse_number
from casework.services.inspections import case_open
from casework.services.petitions import petition_classify
from notifications.rendering import clock_label
from tests.factories import MemberFactory, UserFactory, receive_petition, user_with_role
from workflows.calendar import get_calendar
from workflows.models import DeadlineClock
from workflows.my_work import case_items, letter_items

pytestmark = pytest.mark.django_db
D = dt.date
TODAY = D(2026, 3, 20)


def at(day):
    return dt.datetime.combine(day, dt.time(9), tzinfo=dt.timezone(dt.timedelta(hours=7)))


@pytest.fixture
def parallel(tree, clerk, leader):
    """The office and the UBKT each receive their tố cáo 001/2026; the UBKT and two branches
    each open their case 001/2026, all with the leader as team leader."""
    ubkt_member = user_with_role("ubkt", tree.ubkt, username="uv-ubkt")
    letters, cases = [], []
    with time_machine.travel(at(D(2026, 3, 16)), tick=False):
        for unit, actor in ((tree.office, clerk), (tree.ubkt, ubkt_member)):
            letter = receive_petition(actor=actor, organisation=unit, kind="denunciation",
                                      received_on=D(2026, 3, 16))
            petition_classify(actor=actor, petition_id=letter.pk, kind="denunciation",
                              competence="here")
            letters.append(letter)
        for unit, body in ((tree.ubkt, "ubkt"), (tree.branch_a, "branch"),
                           (tree.branch_b, "branch")):
            decider = (ubkt_member if body == "ubkt" else
                       user_with_role("branch_secretary", unit, username=f"bt-{unit.code}"))
            cases.append(case_open(
                actor=decider, organisation=unit, body=body, kind="violation_signs",
                title=f"Cuộc của {unit.name}", decision_number="01-QĐ",
                decision_date=D(2026, 3, 16), starts_on=D(2026, 3, 16), ends_on=D(2026, 5, 29),
                team_leader=leader,
                subject_member=MemberFactory(organisation=unit if body == "branch"
                                             else tree.branch_a)))
    return letters, cases


def test_a_leaders_my_work_shows_no_number_twice(client, tree, leader, parallel):
    letters, cases = parallel
    # Numbered in parallel: the short forms collide, which is the point.
    assert {(p.receipt_seq, p.receipt_year) for p in letters} == {(1, 2026)}
    assert {(c.seq, c.year) for c in cases} == {(1, 2026)}
    with time_machine.travel(at(TODAY), tick=False):
        letter_rows, _ = letter_items(leader, TODAY, get_calendar())
        case_rows, _ = case_items(leader, TODAY, get_calendar())
        client.force_login(leader)
        html = client.get(reverse("workflows:my-work")).content.decode()
    numbers = [row.number for row in letter_rows + case_rows]
    assert sorted(numbers) == sorted([
        "001/2026/VPĐU", "001/2026/UBKT",
        "001/2026/KT-UBKT", "001/2026/KT-HOA-CHE", "001/2026/KT-THON-LAI"])
    assert len(set(numbers)) == len(numbers)
    for number in numbers:
        assert html.count(f">{number}</a>") == 1, number


def test_a_case_notice_and_a_letter_notice_carry_the_full_number(parallel):
    letters, cases = parallel
    case_clock = DeadlineClock.objects.filter(inspection=cases[1]).first()
    letter_clock = DeadlineClock.objects.filter(petition=letters[1]).first()
    assert clock_label(case_clock) == "Cuộc kiểm tra, giám sát số 001/2026/KT-HOA-CHE"
    assert clock_label(letter_clock) == "Đơn số 001/2026/UBKT"


def test_the_register_and_the_api_find_a_letter_by_its_short_and_its_full_form(
        client, tree, leader, parallel):
    office, ubkt = parallel[0]
    client.force_login(leader)

    def found(typed):
        response = client.get("/api/don-thu/", {"tim": typed})
        assert response.status_code == 200
        return {row["id"] for row in response.json()["results"]}

    assert found("001/2026") == found("1/2026") == {office.pk, ubkt.pk}
    assert found("001/2026/VPĐU") == found("1/2026/vpdu") == {office.pk}
    assert found("001/2026/UBKT") == {ubkt.pk}
    assert found("001/2026/KHAC") == set()
    rows = client.get("/api/don-thu/").json()["results"]
    assert {row["receipt_number"] for row in rows} == {"001/2026/VPĐU", "001/2026/UBKT"}


def test_a_number_typed_in_any_of_its_forms():
    assert parse_number("001/2026/VPĐU").symbol_key == "vpdu"
    assert parse_number(" 1 / 2026 ") == parse_number("001/2026")
    assert parse_number("001/2026").symbol_key is None
    assert parse_number("5").year is None
    # A case: the old "…/KT" form is the short one, "KT-" before the unit is optional.
    assert parse_number("002/2026/KT", series="KT").symbol_key is None
    assert parse_number("002/2026/KT-UBKT", series="KT").symbol_key == "ubkt"
    assert parse_number("002/2026/UBKT", series="KT").symbol_key == "ubkt"
    assert parse_number("Nguyễn Văn A") is None and parse_number("2026/") is None
    assert display_number(2, 2026, "UBKT", "KT") == "002/2026/KT-UBKT"


def test_a_symbol_is_unique_once_folded_and_has_no_slash(tree):
    twin = Organisation(name="Văn phòng khác", code="vp-khac", kind="agency",
                        parent=tree.commune, symbol="vpdu")
    with pytest.raises(ValidationError) as refused:
        twin.full_clean()
    assert "trùng với ký hiệu “VPĐU”" in str(refused.value.message_dict["symbol"])
    twin.symbol = "VP/ĐU"
    with pytest.raises(ValidationError) as refused:
        twin.full_clean()
    assert "dấu “/”" in str(refused.value.message_dict["symbol"])
    # Made outside the admin, a unit takes its code in capitals.
    assert Organisation.objects.create(name="Chi bộ mới", code="moi", kind="branch",
                                       parent=tree.commune).symbol == "MOI"


@pytest.mark.parametrize("language", ["vi", "en"])
def test_dates_counts_and_rates_in_the_offices_conventions(language):
    with translation.override(language):
        assert date_text(D(2025, 7, 1)) == "01/07/2025"
        assert date_text(D(1, 1, 1)) == "01/01/0001"
        assert date_text(None) == ""
        assert datetime_text(dt.datetime(2025, 7, 1, 14, 5, 9)) == "14:05 01/07/2025"
        assert datetime_text(dt.datetime(2025, 7, 1, 14, 5, 9), seconds=True) == (
            "14:05:09 01/07/2025")
        assert [count_text(n) for n in (3, 17, 1822)] == ["03", "17", "1.822"]
        assert rate_text(Decimal("55.8")) == "55,8%" and rate_text(Decimal("100.0")) == "100%"
        assert rate_text(None) == "–"


def test_an_old_english_parameter_is_sent_to_its_vietnamese_name(client, tree, leader):
    client.force_login(leader)
    url = reverse("casework:petition-list")
    response = client.get(url, {"status": "received", "q": "001/2026", "page": "2"})
    assert response.status_code == 301
    assert response["Location"] == f"{url}?trang-thai=received&tim=001%2F2026&trang=2"
    # Names the table does not know, and the admin's own ?q=, pass as they are.
    assert client.get(url, {"trang-thai": "received"}).status_code == 200
    admin = UserFactory(username="qt", is_staff=True, is_superuser=True)
    client.force_login(admin)
    assert client.get(reverse("admin:casework_petition_changelist"), {"q": "x"}).status_code == 200


def test_the_case_list_finds_a_case_by_its_short_and_its_full_form(client, leader, parallel):
    _letters, (ubkt_case, hoa_che, thon_lai) = parallel
    client.force_login(leader)

    def found(typed):
        page = client.get(reverse("casework:case-list"), {"tim": typed}).context["page"]
        return {case.pk for case in page}

    assert found("001/2026") == found("001/2026/KT") == {ubkt_case.pk, hoa_che.pk, thon_lai.pk}
    assert found("001/2026/KT-UBKT") == found("1/2026/ubkt") == {ubkt_case.pk}
    assert found("001/2026/KT-HOA-CHE") == {hoa_che.pk}
    assert found("Cuộc của Chi bộ thôn Lại") == {thon_lai.pk}
