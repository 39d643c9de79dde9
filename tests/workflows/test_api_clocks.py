"""Workflows' API: the clocks of a letter and of a case, scoped as their pages (404 outside
the user's reach), with the rule, the legal basis, the dates, the ledger and the state in
the page's words; and the due-date calculator against hand-computed dates across Tết 2026
(off Sat 14/02 .. Sun 22/02/2026), refusing bad input in Vietnamese naming the parameter."""
import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.casework.test_inspections import open_case
from tests.factories import UserFactory, receive_petition, user_with_role
from workflows.models import DeadlineClock
from workflows.services.clocks import clock_pause

pytestmark = pytest.mark.django_db
D = datetime.date
DUE = "/api/tinh-han/"


def test_urls():
    assert reverse("workflows-api:letter-clocks", args=[4]) == "/api/don-thu/4/thoi-han/"
    assert reverse("workflows-api:case-clocks", args=[4]) == "/api/kiem-tra/4/thoi-han/"
    assert reverse("workflows-api:due-date") == DUE


def test_a_letters_clocks_with_their_ledger_and_scope(client, tree, clerk):
    letter = receive_petition(actor=clerk, organisation=tree.office, kind="complaint")
    clock = DeadlineClock.objects.filter(petition=letter).first()
    assert clock is not None
    clock_pause(actor=clerk, clock_id=clock.pk, on=clock.started_on, reason="Chờ bổ sung hồ sơ")
    url = reverse("workflows-api:letter-clocks", args=[letter.pk])
    client.force_login(clerk)
    rows = client.get(url).json()
    row = next(r for r in rows if r["id"] == clock.pk)
    clock.refresh_from_db()
    assert row["rule"] == clock.rule.code and row["rule_name"] == str(clock.rule)
    assert row["legal_basis"] == clock.rule.legal_basis and row["legal_basis"]
    assert row["started_on"] == clock.started_on.isoformat()
    assert row["status"] == "paused" and row["paused_on"] == clock.started_on.isoformat()
    assert row["state"]["level"] == "paused" and row["state"]["flag"]
    assert [e["kind"] for e in row["entries"]][-1] == "pause"
    assert row["entries"][-1]["reason"] == "Chờ bổ sung hồ sơ"
    assert len(rows) == DeadlineClock.objects.filter(petition=letter).count()

    secretary_b = user_with_role("branch_secretary", tree.branch_b, username="bt-b")
    for outsider in (secretary_b, UserFactory(username="khong-vai-tro")):
        client.force_login(outsider)
        assert client.get(url).status_code == 404
    client.logout()
    assert client.get(url).status_code == 401  # no session, no key


def test_a_cases_clocks_and_queries_do_not_grow_with_clocks(client, tree):
    ubkt = user_with_role("ubkt", tree.commune, username="uv-ubkt")
    case = open_case(tree, ubkt)
    url = reverse("workflows-api:case-clocks", args=[case.pk])
    client.force_login(ubkt)
    rows = client.get(url).json()
    assert rows and all(r["legal_basis"] for r in rows)
    ends = [r for r in rows if r["due_on"] == "2026-05-05"]
    assert ends, rows  # the decision's own end date is a clock of the case
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    letter = receive_petition(actor=ubkt, organisation=tree.commune)
    for clock in DeadlineClock.objects.filter(petition=letter):
        clock_pause(actor=ubkt, clock_id=clock.pk, on=clock.started_on, reason="x")
    with CaptureQueriesContext(connection) as again:
        client.get(reverse("workflows-api:letter-clocks", args=[letter.pk]))
    assert len(again) <= len(few) + 1  # the letter's own look-up beside the case's


@pytest.mark.parametrize("query, due, rolled", [
    # Tue 10/02 + 10 working days: 11, 12, 13/02, then 23..27/02, 02, 03/03.
    ({"ngay-phat-sinh": "10/02/2026", "so-ngay": "10"}, "2026-03-03", False),
    ({"ngay-phat-sinh": "12/02/2026", "so-ngay": "1", "cach-tinh": "working"}, "2026-02-13",
     False),
    ({"ngay-phat-sinh": "13/02/2026", "so-ngay": "1", "cach-tinh": "working"}, "2026-02-23",
     False),
    # Fri 13/02 + 1 day = Sat 14/02, + 5 days = Wed 18/02 (Tết): both to Mon 23/02.
    ({"ngay-phat-sinh": "2026-02-13", "so-ngay": "1", "cach-tinh": "calendar"}, "2026-02-23",
     True),
    ({"ngay-phat-sinh": "13/02/2026", "so-ngay": "5", "cach-tinh": "calendar"}, "2026-02-23",
     True),
    # Mon 09/02 + 3 days = Thu 12/02, a working day: kept.
    ({"ngay-phat-sinh": "09/02/2026", "so-ngay": "3", "cach-tinh": "calendar"}, "2026-02-12",
     False),
])
def test_due_dates_across_tet_2026(client, clerk, query, due, rolled):
    client.force_login(clerk)
    response = client.get(DUE, query)
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["due"] == due and data["rolled_forward"] is rolled
    assert data["due_text"] == "/".join(reversed(due.split("-")))
    assert data["explanation"][0]["text"].startswith("Thời hạn")


def test_the_explanation_lists_the_days_of_tet(client, clerk):
    client.force_login(clerk)
    data = client.get(DUE, {"ngay-phat-sinh": "10/02/2026", "so-ngay": "10"}).json()
    assert data["due_weekday"] == "Thứ Ba" and data["unit"] == "working"
    assert {d["day"] for d in data["days_off"]} == {
        "2026-02-16", "2026-02-17", "2026-02-18", "2026-02-19", "2026-02-20"}
    assert data["weekend_days"] == 6 and data["working_days"] == 10
    assert any("16/02/2026 (Thứ Hai): Tết Nguyên đán" in item
               for line in data["explanation"] for item in line["items"])


@pytest.mark.parametrize("query, named", [
    ({"ngay-phat-sinh": "31/02/2026", "so-ngay": "1"}, "ngay-phat-sinh"),
    ({"ngay-phat-sinh": "01/01/9999", "so-ngay": "1"}, "ngay-phat-sinh"),
    ({"ngay-phat-sinh": "0\x00/01/2026", "so-ngay": "1"}, "ngay-phat-sinh"),
    ({"so-ngay": "1"}, "ngay-phat-sinh"),
    ({"ngay-phat-sinh": "01/02/2026", "so-ngay": "0"}, "so-ngay"),
    ({"ngay-phat-sinh": "01/02/2026", "so-ngay": "3651"}, "so-ngay"),
    ({"ngay-phat-sinh": "01/02/2026", "so-ngay": "9" * 400}, "so-ngay"),
    ({"ngay-phat-sinh": "01/02/2026", "so-ngay": "1", "cach-tinh": "tuần"}, "cach-tinh"),
    ({"ngay-phat-sinh": "01/02/2026", "so-ngay": "1", "ngay": "x"}, "ngay"),
])
def test_bad_input_is_a_400_naming_the_parameter(client, clerk, query, named):
    client.force_login(clerk)
    response = client.get(DUE, query)
    assert response.status_code == 400
    assert named in response.json() and response.json()[named][0]


def test_the_longest_count_from_the_last_accepted_date_is_answered(client, clerk):
    from casework.dates import MAX_DAYS, date_bounds
    client.force_login(clerk)
    last = date_bounds()[1]
    for unit in ("working", "calendar"):
        response = client.get(DUE, {"ngay-phat-sinh": last.strftime("%d/%m/%Y"),
                                    "so-ngay": MAX_DAYS, "cach-tinh": unit})
        assert response.status_code == 200, response.content


def test_anyone_signed_in_may_ask_nobody_else(client, tree):
    query = {"ngay-phat-sinh": "10/02/2026", "so-ngay": "10"}
    assert client.get(DUE, query).status_code == 401  # no session, no key
    client.force_login(UserFactory(username="khong-vai-tro"))
    assert client.get(DUE, query).json()["due"] == "2026-03-03"
