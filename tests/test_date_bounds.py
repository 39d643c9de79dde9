"""Every date the product accepts lies in a window around today (casework.dates), and the
working-day calendar costs the same whatever date it is asked about: the adversarial probe
grew the server to 24 GB with one GET of the due-date page for a start in 9999."""
import datetime
import tracemalloc
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.urls import reverse

from casework.dates import date_bounds
from casework.models import Petition
from casework.services.petitions import SenderData, petition_receive
from tests.casework.test_pages import intake_post
from tests.factories import MemberFactory, user_with_role
from workflows.calendar import (
    DateOutOfRange,
    WorkingCalendar,
    calendar_window,
    get_calendar,
    invalidate_calendar,
)
from workflows.clock_forms import PauseForm
from workflows.models import DeadlineRule

D = datetime.date
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_calendar():
    invalidate_calendar()
    yield
    invalidate_calendar()


def window_message(first, last):
    return f"nằm ngoài khoảng cho phép (từ {first:%d/%m/%Y} đến {last:%d/%m/%Y})"


# --------------------------------------------------------------------- the due-date page

@pytest.mark.parametrize("start, unit", [
    ("31/12/9999", "working"), ("31/12/9999", "calendar"), ("01/01/9998", "calendar"),
    ("01/01/0001", "working"), ("01/01/0001", "calendar"),
])
def test_the_calculator_refuses_a_far_start_with_a_message_and_builds_nothing(
        client, clerk, start, unit):
    client.force_login(clerk)
    span = get_calendar().span
    tracemalloc.start()
    try:
        response = client.get(reverse("workflows:due-date"),
                              {"ngay-phat-sinh": start, "so-ngay": "3650", "cach-tinh": unit})
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert response.status_code == 200
    page = response.content.decode()
    first, last = date_bounds()
    assert "Ngày phát sinh: ngày " in page and window_message(first, last) in page
    # The shared calendar did not grow, and the request stayed small.
    assert get_calendar().span == span == calendar_window()
    assert peak < 20 * 1024 * 1024


def test_the_calculator_still_answers_at_the_edges_of_the_window(client, clerk):
    client.force_login(clerk)
    first, last = date_bounds()
    for start in (first, last):
        for unit in ("working", "calendar"):
            response = client.get(reverse("workflows:due-date"), {
                "ngay-phat-sinh": f"{start:%d/%m/%Y}", "so-ngay": "3650", "cach-tinh": unit})
            assert response.status_code == 200
            assert "Hạn xử lý" in response.content.decode() or "hạn" in response.content.decode()
            assert response.context["explanation"] is not None
    assert get_calendar().span == calendar_window()


def test_the_command_refuses_a_far_start():
    for start in ("9999-12-31", "0001-01-01"):
        with pytest.raises(CommandError, match="nằm ngoài khoảng cho phép"):
            call_command("due_date", start, "10", "--unit", "calendar", stdout=StringIO())
    assert get_calendar().span == calendar_window()


# --------------------------------------------------------------------- the calendar itself

def test_the_calendar_refuses_dates_outside_its_window_without_growing():
    cal = WorkingCalendar(first_year=2025, last_year=2027, limits=(2020, 2040))
    for call in (lambda: cal.due_date(D(9999, 12, 31), 5, "calendar"),
                 lambda: cal.due_date(D(9999, 12, 31), 5, "working"),
                 lambda: cal.add_working_days(D(1, 1, 1), 1),
                 lambda: cal.next_working_day(D(2041, 1, 1)),
                 lambda: cal.subtract_working_days(D(2026, 1, 10), 10 ** 9),
                 lambda: cal.add_calendar_days(D(2026, 1, 1), 10 ** 9),
                 lambda: cal.add_working_days(D(2026, 1, 1), 10 ** 9),
                 lambda: cal.explain(D(2039, 12, 1), 3650, "working")):
        with pytest.raises(DateOutOfRange, match="nằm ngoài phạm vi của lịch làm việc"):
            call()
    assert cal.span == (2025, 2027)
    # Inside the limits it still grows, so a clock far in the window is computed.
    full = WorkingCalendar(first_year=2020, last_year=2040, limits=(2020, 2040))
    assert cal.add_working_days(D(2039, 1, 1), 5) == full.add_working_days(D(2039, 1, 1), 5)
    assert cal.span[0] >= 2020 and cal.span[1] <= 2040


def test_the_shared_calendar_covers_exactly_its_window():
    assert get_calendar().span == calendar_window()
    first, last = date_bounds()
    assert calendar_window() == (first.year - 1, last.year + 20)


# --------------------------------------------------------------------- intake and services

def test_intake_refuses_a_received_date_out_of_range_with_the_field_and_range(
        client, tree, clerk):
    client.force_login(clerk)
    first, last = date_bounds()
    for typed in ("01/01/1900", "01/01/0001", "31/12/9999"):
        response = client.post(reverse("casework:petition-create"),
                               intake_post(organisation=tree.office.pk, received_on=typed))
        assert response.status_code == 200
        errors = response.context["form"].errors["received_on"]
        assert errors == [f"Ngày nhận đơn: ngày {typed} " + window_message(first, last) + "."]
    assert not Petition.objects.exists()


def test_services_refuse_out_of_range_dates_whatever_calls_them(tree, clerk):
    first, last = date_bounds()
    with pytest.raises(ValidationError) as refused:
        petition_receive(actor=clerk, organisation=tree.office, received_on=D(1900, 1, 1),
                         channel="post", kind="complaint", senders=[SenderData("Trần Văn Bình")],
                         summary="Khiếu nại.")
    assert refused.value.message_dict["received_on"] == [
        "Ngày nhận đơn: ngày 01/01/1900 " + window_message(first, last) + "."]
    assert not Petition.objects.exists()


@pytest.mark.parametrize("dates, field", [
    ({"decision_date": D(1900, 1, 2), "starts_on": D(1900, 1, 3)}, "decision_date"),
    ({"ends_on": D(9999, 12, 31)}, "ends_on"),
])
def test_an_inspection_case_refuses_far_dates(tree, dates, field):
    from casework.services.inspections import case_open

    actor = user_with_role("ubkt", tree.commune, username="uv-ubkt")
    member = MemberFactory(organisation=tree.branch_a)
    data = {"decision_date": D(2026, 3, 2), "starts_on": D(2026, 3, 5), "ends_on": D(2026, 5, 5)}
    data.update(dates)
    with pytest.raises(ValidationError) as refused:
        case_open(actor=actor, organisation=tree.ubkt, body="ubkt", kind="violation_signs",
                  title="Kiểm tra", decision_number="05-QĐ/UBKT", team_leader=actor, team=(),
                  subject_member=member, subject_organisation=None, **data)
    assert "nằm ngoài khoảng cho phép" in " ".join(refused.value.message_dict[field])
    assert get_calendar().span == calendar_window()


def test_clock_and_transition_forms_refuse_far_dates():
    from casework.forms import TRANSITION_FORMS

    rule = DeadlineRule.objects.filter(length__gt=0).first()
    form = PauseForm({"on": "01/01/0001", "reason": "x"}, rule=rule)
    assert not form.is_valid() and "Ngày tạm dừng: ngày 01/01/0001" in form.errors["on"][0]
    form = TRANSITION_FORMS["resolve"]({"expected_status": "transferred", "result": "x",
                                        "doc_date": "31/12/9999"})
    assert not form.is_valid()
    assert form.errors["doc_date"][0].startswith("Ngày văn bản: ngày 31/12/9999 nằm ngoài")


def test_the_window_comes_from_the_settings(settings):
    today = D(2026, 6, 1)
    settings.CASEWORK_DATE_YEARS_BACK, settings.CASEWORK_DATE_YEARS_AHEAD = 2, 1
    assert date_bounds(today) == (D(2024, 1, 1), D(2027, 12, 31))
    settings.CASEWORK_DATE_YEARS_BACK, settings.CASEWORK_DATE_YEARS_AHEAD = 30, 5
    assert date_bounds(today) == (D(1996, 1, 1), D(2031, 12, 31))


def test_a_deadline_rule_longer_than_ten_years_is_refused():
    rule = DeadlineRule.objects.filter(length__gt=0).first()
    rule.length = 100_000
    with pytest.raises(ValidationError) as refused:
        rule.clean()
    assert "từ 0 đến 3650" in refused.value.message_dict["length"][0]
