"""A second-instance complaint end to end through the pages (Luật Khiếu nại Điều 33, 36, 37),
and the window to file it lapsing when unused. Due dates computed by hand in comments."""
import datetime as dt
import secrets

import pytest
import time_machine
from django.urls import reverse

from casework.models import Petition
from tests.factories import user_with_role
from workflows.models import DeadlineClock
from workflows.sweep import sweep

D = dt.date


def at(day, hour=9):
    return dt.datetime.combine(day, dt.time(hour), tzinfo=dt.timezone(dt.timedelta(hours=7)))


def intake(tree, received_on, **overrides):
    data = {
        "organisation": tree.office.pk, "received_on": received_on, "channel": "direct",
        "forwarded_by": "", "kind": "complaint", "sender_type": "named", "subject_name": "",
        "subject_member": "", "summary": "Khiếu nại quyết định thu hồi đất.",
        "instance": "1", "first_petition": "",
        "form_token": secrets.token_urlsafe(32),  # one per intake page shown
        "senders-TOTAL_FORMS": "3", "senders-INITIAL_FORMS": "0",
        "senders-MIN_NUM_FORMS": "0", "senders-MAX_NUM_FORMS": "20",
        "senders-0-full_name": "Đỗ Văn Khải", "senders-0-address": "Thôn Lại",
        "senders-0-phone": "", "senders-0-id_number": "",
    }
    data.update(overrides)
    return data


@pytest.fixture
def ubkt(tree):
    return user_with_role("ubkt", tree.commune, username="ubkt")


def act(client, user, petition, action, day, **data):
    client.force_login(user)
    petition.refresh_from_db()
    url = reverse("casework:petition-transition", args=[petition.pk, action])
    with time_machine.travel(at(day), tick=False):
        assert client.get(url).status_code == 200
        response = client.post(url, {"expected_status": petition.status, **data})
    assert response.status_code == 302, response.content.decode()[:3000]


def receive(client, clerk, tree, day, **overrides):
    client.force_login(clerk)
    with time_machine.travel(at(day), tick=False):
        response = client.post(reverse("casework:petition-create"),
                               intake(tree, day.strftime("%d/%m/%Y"), **overrides))
    assert response.status_code == 302, response.content.decode()[:3000]
    return Petition.objects.get(pk=response["Location"].rstrip("/").split("/")[-1])


def first_decision(client, clerk, ubkt, tree):
    """A first complaint received Mon 03/08/2026, accepted Tue 04/08, decided Thu 20/08,
    the decision received by the complainant Fri 21/08/2026."""
    letter = receive(client, clerk, tree, D(2026, 8, 3))
    act(client, clerk, letter, "classify", D(2026, 8, 4), kind="complaint", competence="here")
    act(client, ubkt, letter, "accept", D(2026, 8, 4), doc_number="01/TB-UBKT",
        doc_date="04/08/2026")
    act(client, ubkt, letter, "resolve", D(2026, 8, 21), result="Không chấp nhận khiếu nại",
        doc_number="07/QĐ-UBKT", doc_date="20/08/2026", delivered_on="21/08/2026")
    return letter


def page(client, user, petition, day):
    client.force_login(user)
    with time_machine.travel(at(day), tick=False):
        response = client.get(reverse("casework:petition-detail", args=[petition.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_second_complaint_end_to_end(client, tree, clerk, ubkt):
    first = first_decision(client, clerk, ubkt, tree)
    # The window: 30 days from Fri 21/08/2026 -> Sun 20/09 -> Mon 21/09/2026.
    html = page(client, ubkt, first, D(2026, 9, 1))
    assert "Thời hạn khiếu nại lần hai" in html and "21/09/2026" in html
    assert "Luật Khiếu nại 2011, Điều 33 khoản 1" in html

    # The second complaint, received Thu 10/09/2026, names the first one.
    form = page(client, clerk, first, D(2026, 9, 10))  # the clerk can see it
    client.force_login(clerk)
    with time_machine.travel(at(D(2026, 9, 10)), tick=False):
        form = client.get(reverse("casework:petition-create")).content.decode()
    assert "Lần khiếu nại" in form and f'value="{first.pk}"' in form
    # Same sender, same matter: the duplicate warning is acknowledged, as a clerk would.
    second = receive(client, clerk, tree, D(2026, 9, 10), instance="2",
                     first_petition=str(first.pk), confirm_duplicate="on",
                     summary="Khiếu nại lần hai đối với quyết định 07/QĐ-UBKT.")
    assert (second.instance, second.first_petition_id) == (2, first.pk)
    window = DeadlineClock.objects.get(petition=first, rule__step="second_window")
    assert (window.status, window.stopped_on) == ("stopped", D(2026, 9, 10))
    html = page(client, ubkt, first, D(2026, 9, 10))
    assert "Đơn khiếu nại lần hai" in html and second.receipt_number in html
    html = page(client, ubkt, second, D(2026, 9, 10))
    assert "khiếu nại lần hai" in html and first.receipt_number in html
    # Thụ lý of a second complaint: 07 working days from Thu 10/09/2026: 11, 14, 15, 16, 17,
    # 18, 21 -> Mon 21/09/2026 (Luật Khiếu nại Điều 36; NĐ 155/2026).
    accept = DeadlineClock.objects.get(petition=second, rule__step="accept")
    assert (accept.rule.code, accept.due_on) == ("khieu-nai-lan-hai-thu-ly", D(2026, 9, 21))
    assert "21/09/2026" in html and "Luật Khiếu nại 2011, Điều 36" in html

    act(client, clerk, second, "classify", D(2026, 9, 11), kind="complaint", competence="here")
    act(client, ubkt, second, "accept", D(2026, 9, 14), doc_number="02/TB-UBKT",
        doc_date="14/09/2026")
    # Resolution of a second complaint: 45 days from Mon 14/09/2026 -> Thu 29/10/2026.
    resolve = DeadlineClock.objects.get(petition=second, rule__step="resolve")
    assert (resolve.rule.code, resolve.due_on) == ("khieu-nai-giai-quyet-lan-hai",
                                                   D(2026, 10, 29))
    act(client, ubkt, second, "resolve", D(2026, 10, 20), result="Giữ nguyên quyết định",
        doc_number="09/QĐ-UBKT", doc_date="20/10/2026")
    resolve.refresh_from_db()
    assert (resolve.status, resolve.stopped_on) == ("stopped", D(2026, 10, 20))
    # After the second decision there is no third complaint to wait for.
    assert not DeadlineClock.objects.filter(petition=second, rule__step="second_window").exists()
    html = page(client, ubkt, second, D(2026, 10, 20))
    assert "chưa xác nhận" not in html


def test_the_window_lapses_when_no_second_complaint_comes(client, tree, clerk, ubkt):
    first = first_decision(client, clerk, ubkt, tree)
    sweep(today=D(2026, 9, 21))  # the last day: still open, and nobody is chased
    window = DeadlineClock.objects.get(petition=first, rule__step="second_window")
    assert window.status == "running" and not window.escalations.exists()
    sweep(today=D(2026, 9, 22))
    window.refresh_from_db()
    assert (window.status, window.stopped_on) == ("lapsed", D(2026, 9, 21))
    html = page(client, ubkt, first, D(2026, 9, 22))
    assert "Hết thời hạn" in html
    assert "không có đơn khiếu nại lần hai trong thời hạn" in html
    assert "Quá hạn" not in html


def accepted_complaint(client, clerk, ubkt, tree):
    """A first complaint received Mon 03/08/2026 and accepted Tue 04/08/2026. Its resolution
    period: 30 days from Tue 04/08/2026 -> Thu 03/09/2026 (a working day: the National Day
    holidays are Mon 31/08 to Wed 02/09)."""
    letter = receive(client, clerk, tree, D(2026, 8, 3))
    act(client, clerk, letter, "classify", D(2026, 8, 4), kind="complaint", competence="here")
    act(client, ubkt, letter, "accept", D(2026, 8, 4), doc_number="01/TB-UBKT",
        doc_date="04/08/2026")
    resolve = DeadlineClock.objects.get(petition=letter, rule__step="resolve")
    assert resolve.due_on == D(2026, 9, 3)
    return letter


def test_the_window_starts_when_the_first_period_passes_without_decision_and_lapses(
        client, tree, clerk, ubkt):
    letter = accepted_complaint(client, clerk, ubkt, tree)
    sweep(today=D(2026, 9, 3))  # the period's last day: no window yet
    assert not DeadlineClock.objects.filter(petition=letter, rule__step="second_window").exists()
    # Fri 04/09/2026: the period ended on Thu 03/09 with no decision. Luật Khiếu nại Điều
    # 33(1): 30 days from the end of the period: Thu 03/09 + 30 -> Sat 03/10 -> Mon 05/10/2026.
    sweep(today=D(2026, 9, 4))
    sweep(today=D(2026, 9, 4))  # exactly once, however often the sweep runs
    window = DeadlineClock.objects.get(petition=letter, rule__step="second_window")
    assert (window.rule.code, window.started_on, window.due_on, window.status) == (
        "khieu-nai-thoi-han-lan-hai-het-han", D(2026, 9, 3), D(2026, 10, 5), "running")
    start = window.entries.get()
    assert start.kind == "start" and "03/09/2026" in start.reason
    html = page(client, ubkt, letter, D(2026, 9, 4))
    assert "Thời hạn khiếu nại lần hai" in html and "05/10/2026" in html
    assert "mà chưa có kết quả giải quyết" in html
    # The resolution clock stays what it is: a duty now overdue.
    assert DeadlineClock.objects.get(petition=letter, rule__step="resolve").status == "running"

    sweep(today=D(2026, 10, 5))  # the window's last day: still open, nobody chased
    window.refresh_from_db()
    assert window.status == "running" and not window.escalations.exists()
    sweep(today=D(2026, 10, 6))
    window.refresh_from_db()
    assert (window.status, window.stopped_on) == ("lapsed", D(2026, 10, 5))
    html = page(client, ubkt, letter, D(2026, 10, 6))
    assert "Hết thời hạn" in html
    assert "không có đơn khiếu nại lần hai trong thời hạn" in html

    # A decision after all, on Thu 08/10/2026, received Fri 09/10: the lapsed window stays
    # lapsed (not "late"); the new one runs 30 days from Fri 09/10 -> Sun 08/11 -> Mon 09/11.
    act(client, ubkt, letter, "resolve", D(2026, 10, 9), result="Không chấp nhận khiếu nại",
        doc_number="11/QĐ-UBKT", doc_date="08/10/2026", delivered_on="09/10/2026")
    window.refresh_from_db()
    assert (window.status, window.stopped_on) == ("lapsed", D(2026, 10, 5))
    after = DeadlineClock.objects.get(petition=letter, rule__code="khieu-nai-thoi-han-lan-hai")
    assert (after.started_on, after.due_on, after.status) == (
        D(2026, 10, 9), D(2026, 11, 9), "running")


def test_a_late_decision_replaces_the_running_window(client, tree, clerk, ubkt):
    letter = accepted_complaint(client, clerk, ubkt, tree)
    sweep(today=D(2026, 9, 4))
    window = DeadlineClock.objects.get(petition=letter, rule__step="second_window")
    assert window.due_on == D(2026, 10, 5)
    # The decision of Mon 14/09/2026, received Tue 15/09: the window from its receipt (the
    # start the law names first) replaces the running one: 30 days from Tue 15/09 -> Thu
    # 15/10/2026, later than Mon 05/10.
    act(client, ubkt, letter, "resolve", D(2026, 9, 15), result="Không chấp nhận khiếu nại",
        doc_number="08/QĐ-UBKT", doc_date="14/09/2026", delivered_on="15/09/2026")
    window.refresh_from_db()
    assert (window.status, window.stopped_on) == ("stopped", D(2026, 9, 14))
    assert "thay bằng thời hạn mới" in window.entries.get(kind="stop").reason
    after = DeadlineClock.objects.get(petition=letter, rule__code="khieu-nai-thoi-han-lan-hai")
    assert (after.started_on, after.due_on, after.status) == (
        D(2026, 9, 15), D(2026, 10, 15), "running")
    # Later sweeps start nothing again for the period that ended (its clock is stopped).
    sweep(today=D(2026, 9, 16))
    assert DeadlineClock.objects.filter(petition=letter, rule__step="second_window").count() == 2


def test_a_remote_area_window_from_the_end_of_the_period_is_45_days(client, tree, clerk, ubkt):
    tree.office.remote_area = True
    tree.office.save()
    letter = receive(client, clerk, tree, D(2026, 8, 3))
    act(client, clerk, letter, "classify", D(2026, 8, 4), kind="complaint", competence="here")
    act(client, ubkt, letter, "accept", D(2026, 8, 4), doc_number="01/TB-UBKT",
        doc_date="04/08/2026")
    # Remote area (Điều 28): 45 days from Tue 04/08/2026 -> Fri 18/09/2026.
    resolve = DeadlineClock.objects.get(petition=letter, rule__step="resolve")
    assert resolve.due_on == D(2026, 9, 18)
    # Điều 33(1): 45 days from Fri 18/09/2026 -> Mon 02/11/2026.
    sweep(today=D(2026, 9, 19))
    window = DeadlineClock.objects.get(petition=letter, rule__step="second_window")
    assert (window.rule.code, window.due_on) == ("khieu-nai-thoi-han-lan-hai-het-han-vung-xa",
                                                 D(2026, 11, 2))
