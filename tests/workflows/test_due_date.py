"""`manage.py due_date` and the "Tính hạn" page: same calendar, same explanation."""
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from workflows.calendar import invalidate_calendar

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_calendar():
    invalidate_calendar()


def run(*args):
    out = StringIO()
    call_command("due_date", *args, stdout=out)
    return out.getvalue().splitlines()


# --------------------------------------------------------------------- the command

def test_first_line_is_the_due_date_alone_then_the_explanation():
    # Tue 10/02/2026 + 10 working days: 11, 12, 13/02, [14..22/02 Tết], 23..27/02, 02, 03/03.
    lines = run("2026-02-10", "10", "--unit", "working")
    assert lines[0] == "2026-03-03"
    text = "\n".join(lines[1:])
    assert "Thứ Ba, 03/03/2026" in text
    assert "Ngày nghỉ lễ, nghỉ bù, nghỉ hoán đổi không tính (05 ngày):" in text
    assert "  - 17/02/2026 (Thứ Ba): Tết Nguyên đán Bính Ngọ: mùng 1 Tết" in lines
    assert "Thứ Bảy, Chủ nhật không tính: 06 ngày." in text


def test_default_unit_is_working_days_and_dd_mm_yyyy_is_accepted():
    # Mon 05/01/2026 + 10 working days, Sat 10/01 (make-up) counted: Fri 16/01/2026.
    lines = run("05/01/2026", "10")
    assert lines[0] == "2026-01-16"
    assert any("10/01/2026 (Thứ Bảy): Làm bù cho ngày nghỉ thứ Sáu 02/01/2026" in x
               for x in lines)
    assert "Thứ Bảy làm bù được tính là ngày làm việc (01 ngày):" in lines


def test_calendar_days_rolled_forward_are_explained():
    # Mon 20/04/2026 + 10 days = Thu 30/04 (holiday) -> Fri 01/05 (holiday) -> Mon 04/05.
    lines = run("2026-04-20", "10", "--unit", "calendar")
    assert lines[0] == "2026-05-04"
    text = "\n".join(lines)
    assert "27/04/2026 (Thứ Hai): Nghỉ bù Giỗ Tổ Hùng Vương" in text
    assert ("Ngày cuối của thời hạn, 30/04/2026 (Thứ Năm), là ngày nghỉ (Ngày Chiến thắng) "
            "nên hạn chuyển sang ngày làm việc tiếp theo: Thứ Hai, 04/05/2026.") in text
    assert "  - 01/05/2026 (Thứ Sáu): Ngày Quốc tế Lao động" in lines


def test_calendar_days_ending_on_a_working_day_are_not_moved():
    # Mon 02/03/2026 + 4 days = Fri 06/03.
    lines = run("2026-03-02", "4", "--unit", "calendar")
    assert lines[0] == "2026-03-06"
    assert "Ngày cuối của thời hạn là ngày làm việc nên hạn giữ nguyên." in lines


@pytest.mark.parametrize("args, named", [
    (("2026-02-31", "3"), "START"),
    (("31/13/2026", "3"), "START"),
    (("hôm nay", "3"), "START"),
    (("2026-02-10", "mười"), "LENGTH"),
    (("2026-02-10", "0"), "LENGTH"),
    (("2026-02-10", "-5"), "LENGTH"),
    (("2026-02-10", "3", "--unit", "weeks"), "--unit"),
])
def test_bad_input_is_refused_in_vietnamese_naming_the_argument(args, named):
    with pytest.raises(CommandError) as caught:
        run(*args)
    message = str(caught.value)
    assert message.startswith(named)
    assert "không" in message  # "không hợp lệ" / "không phải"


# --------------------------------------------------------------------- the page

URL = "/thoi-han/tinh-han/"


def test_the_page_needs_a_login(client):
    assert reverse("workflows:due-date") == URL
    response = client.get(URL)
    assert response.status_code == 302 and "/dang-nhap/" in response["Location"]


def test_a_clerk_opens_the_empty_form_from_the_menu(client, clerk):
    client.force_login(clerk)
    page = client.get(reverse("casework:petition-list")).content.decode()
    assert f'href="{URL}">Tính hạn</a>' in page
    response = client.get(URL)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Ngày phát sinh" in body and 'placeholder="dd/mm/yyyy"' in body
    assert response.context["explanation"] is None and not response.context["form"].errors


def test_the_page_shows_the_due_date_and_how_it_was_counted(client, clerk):
    client.force_login(clerk)
    response = client.get(URL, {"ngay-phat-sinh": "10/02/2026", "so-ngay": "10",
                                "cach-tinh": "working"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "Thứ Ba, 03/03/2026" in body
    assert "<li>16/02/2026 (Thứ Hai): Tết Nguyên đán Bính Ngọ: 29 tháng Chạp</li>" in body
    assert "Thứ Bảy, Chủ nhật không tính: 06 ngày." in body


def test_the_page_rolls_a_calendar_deadline_forward(client, leader):
    client.force_login(leader)
    # Fri 13/02/2026 + 1 day = Sat 14/02 -> Mon 23/02 after Tết.
    response = client.get(URL, {"ngay-phat-sinh": "2026-02-13", "so-ngay": "1",
                                "cach-tinh": "calendar"})
    body = response.content.decode()
    assert "Thứ Hai, 23/02/2026" in body
    assert "là Thứ Bảy nên hạn chuyển sang ngày làm việc tiếp theo" in body


def test_the_page_reports_bad_input_in_vietnamese(client, clerk):
    client.force_login(clerk)
    response = client.get(URL, {"ngay-phat-sinh": "31/02/2026", "so-ngay": "0",
                                "cach-tinh": "tuần"})
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors["ngay-phat-sinh"] == ["Ngày phát sinh chưa đúng dạng dd/mm/yyyy."]
    assert errors["so-ngay"] == ["Số ngày phải từ 1 trở lên."]
    assert errors["cach-tinh"] == ["Cách tính không hợp lệ."]
    assert response.context["explanation"] is None


def test_an_unmigrated_database_gets_a_vietnamese_hint(monkeypatch):
    from django.db import OperationalError

    from workflows.management.commands import due_date

    def missing_table():
        raise OperationalError("no such table: workflows_calendaroverride")

    monkeypatch.setattr(due_date, "get_calendar", missing_table)
    with pytest.raises(CommandError, match="python manage.py migrate"):
        run("2026-02-10", "10")
