"""A form is acted on once: every rendering carries its own token, and a second post of
the same rendering (a double click, a reload, the back button, five tabs at once) is
answered with the first result instead of being done again."""
import datetime
import re
import threading

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.db import connections
from django.test import Client
from django.urls import reverse

from casework.models import CaseEvent, Petition
from casework.services.petitions import petition_accept, petition_classify, petition_transfer
from tests.casework.test_pages import intake_post
from tests.factories import receive_petition, user_with_role
from workflows.models import ClockEntryKind, DeadlineClock

ALREADY = "Biểu mẫu này đã được gửi"


def token_of(response):
    """The token of the form on the page, as the browser would post it back."""
    html = response.content.decode()
    found = re.search(r'name="form_token" value="([^"]+)"', html) or re.search(
        r'value="([^"]+)" name="form_token"', html)
    assert found, "the form carries no submission token"
    return found.group(1)


def said(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


@pytest.mark.django_db
def test_intake_posted_twice_from_one_page_logs_one_letter(client, tree, clerk):
    client.force_login(clerk)
    page = client.get(reverse("casework:petition-create"))
    data = intake_post(organisation=tree.office.pk, form_token=token_of(page),
                       confirm_duplicate="on")
    first = client.post(reverse("casework:petition-create"), data)
    petition = Petition.objects.get()
    assert first.status_code == 302 and first.url == reverse(
        "casework:petition-detail", args=[petition.pk])
    again = client.post(reverse("casework:petition-create"), data)
    assert again.status_code == 302 and again.url == first.url
    assert any(ALREADY in m for m in said(again))
    assert Petition.objects.count() == 1
    # A new rendering is a new form: the clerk may log the next letter.
    data["form_token"] = token_of(client.get(reverse("casework:petition-create")))
    assert client.post(reverse("casework:petition-create"), data).status_code == 302
    assert Petition.objects.count() == 2


@pytest.mark.django_db
def test_each_rendering_has_its_own_token_and_a_bad_post_keeps_it(client, tree, clerk):
    from casework.models import SubmissionToken

    client.force_login(clerk)
    url = reverse("casework:petition-create")
    first, second = token_of(client.get(url)), token_of(client.get(url))
    assert first != second and len(first) >= 32
    # Not saved (a field missing): nothing is spent, the page keeps the same token, so
    # the corrected form is still acted on once.
    bad = client.post(url, intake_post(organisation=tree.office.pk, summary="",
                                       form_token=first))
    assert bad.status_code == 200 and token_of(bad) == first
    assert not SubmissionToken.objects.exists()
    good = client.post(url, intake_post(organisation=tree.office.pk, form_token=first))
    assert good.status_code == 302 and SubmissionToken.objects.get().token == first


@pytest.mark.django_db
def test_intake_without_a_token_is_not_logged_and_keeps_what_was_typed(client, tree, clerk):
    client.force_login(clerk)
    data = intake_post(organisation=tree.office.pk)
    data.pop("form_token", None)
    response = client.post(reverse("casework:petition-create"), data)
    assert response.status_code == 200 and not Petition.objects.exists()
    html = response.content.decode()
    assert "Kiến nghị lắp đèn đường thôn Lại." in html and "Vũ Văn Hải" in html
    assert "gửi lại" in html
    token_of(response)  # a fresh one to send it with


@pytest.mark.django_db
def test_a_parallel_twin_that_commits_during_the_duplicate_search_is_a_repeat(
        client, tree, clerk, monkeypatch):
    """The twin post logs the letter (and its token) between this post's first look-up
    and its duplicate search: the letter found is this form's own, so the answer is the
    first result, not the "similar letter" warning."""
    from casework.models import SubmissionToken
    from casework.views import petitions as views

    client.force_login(clerk)
    data = intake_post(organisation=tree.office.pk,
                       form_token=token_of(client.get(reverse("casework:petition-create"))))
    real_search = views.find_duplicates

    def twin_commits_first(**kwargs):
        twin = receive_petition(actor=clerk, organisation=tree.office, sender="Vũ Văn Hải",
                                summary="Kiến nghị lắp đèn đường thôn Lại.")
        SubmissionToken.objects.create(token=data["form_token"], user=clerk,
                                       result_url=twin.get_absolute_url())
        return real_search(**kwargs)

    monkeypatch.setattr(views, "find_duplicates", twin_commits_first)
    response = client.post(reverse("casework:petition-create"), data)
    twin = Petition.objects.get()
    assert response.status_code == 302 and response.url == twin.get_absolute_url()
    assert any(ALREADY in m for m in said(response))


@pytest.mark.django_db
def test_another_users_token_is_not_theirs_to_reuse(client, tree, clerk):
    client.force_login(clerk)
    data = intake_post(organisation=tree.office.pk,
                       form_token=token_of(client.get(reverse("casework:petition-create"))))
    client.post(reverse("casework:petition-create"), data)
    other = user_with_role("clerk", tree.office)
    client.force_login(other)
    response = client.post(reverse("casework:petition-create"), data)
    # Not told where the first letter went, and nothing written twice.
    assert Petition.objects.count() == 1
    assert response.status_code == 302
    assert response.url == reverse("casework:petition-list")


@pytest.mark.django_db
def test_follow_up_posted_twice_records_one_follow_up(client, tree, clerk, leader):
    petition = receive_petition(actor=clerk, organisation=tree.office)
    petition_classify(actor=clerk, petition_id=petition.pk, kind="recommendation",
                      competence="other")
    petition_transfer(actor=clerk, petition_id=petition.pk, recipient="UBND xã",
                      doc_number="1/CV", doc_date=datetime.date(2025, 9, 4))
    client.force_login(leader)
    url = reverse("casework:petition-transition", args=[petition.pk, "follow_up"])
    data = {"expected_status": "transferred", "reason": "Đôn đốc qua điện thoại",
            "form_token": token_of(client.get(url))}
    first = client.post(url, data)
    again = client.post(url, data)
    assert first.status_code == again.status_code == 302 and again.url == first.url
    assert any(ALREADY in m for m in said(again))
    assert CaseEvent.objects.filter(petition=petition, event_type="followed_up").count() == 1


@pytest.mark.django_db
def test_classify_posted_twice_answers_with_the_first_result_not_a_refusal(client, tree, clerk):
    petition = receive_petition(actor=clerk, organisation=tree.office)
    client.force_login(clerk)
    url = reverse("casework:petition-transition", args=[petition.pk, "classify"])
    data = {"expected_status": "received", "kind": "complaint", "competence": "other",
            "form_token": token_of(client.get(url))}
    client.post(url, data)
    again = client.post(url, data)
    assert again.status_code == 302
    messages = said(again)
    assert any(ALREADY in m for m in messages)
    assert not any("người khác cập nhật" in m for m in messages)
    assert petition.events.count() == 2


D = datetime.date


def _at(day):
    return datetime.datetime.combine(day, datetime.time(9),
                                     tzinfo=datetime.timezone(datetime.timedelta(hours=7)))


@pytest.mark.django_db
def test_clock_pause_posted_twice_pauses_once(client, tree, clerk):
    ubkt = user_with_role("ubkt", tree.commune)
    with time_machine.travel(_at(D(2026, 3, 2)), tick=False):
        letter = receive_petition(actor=clerk, organisation=tree.office, kind="denunciation",
                                  received_on=D(2026, 3, 2))
    with time_machine.travel(_at(D(2026, 3, 5)), tick=False):
        petition_classify(actor=clerk, petition_id=letter.pk, kind="denunciation",
                          competence="here")
        petition_accept(actor=ubkt, petition_id=letter.pk, doc_number="01/TB",
                        doc_date=D(2026, 3, 5))
    clock = DeadlineClock.objects.get(petition=letter, rule__step="resolve")
    client.force_login(clerk)
    url = reverse("workflows:clock-pause", args=[clock.pk])
    with time_machine.travel(_at(D(2026, 3, 10)), tick=False):
        data = {"on": "10/03/2026", "reason": "Chờ bổ sung.",
                "form_token": token_of(client.get(url))}
        first = client.post(url, data)
        again = client.post(url, data)
    assert first.status_code == again.status_code == 302 and again.url == first.url
    assert any(ALREADY in m for m in said(again))
    assert clock.entries.filter(kind=ClockEntryKind.PAUSE).count() == 1


@pytest.mark.django_db
def test_case_task_posted_twice_answers_with_the_first_result(tree):
    from tests.workflows.test_case_flows import open_through_page
    from workflows.case_processes import open_task

    ubkt = user_with_role("ubkt", tree.commune)
    lead = user_with_role("viewer", tree.commune)
    other = user_with_role("viewer", tree.commune)

    def as_user(user):
        c = Client()
        c.force_login(user)
        return c

    case = open_through_page(as_user, tree, ubkt, (lead, other), kind="violation_signs",
                             organisation=tree.branch_a)
    task = open_task(case)
    url = reverse("workflows:case-task", args=[task.pk])
    client = as_user(lead)
    page = client.get(url)
    data = {"expected_status": page.context["form"].initial["expected_status"],
            "doc_date": "06/03/2026", "reason": "Đã công bố.", "form_token": token_of(page)}
    first = client.post(url, data)
    again = client.post(url, data)
    assert first.status_code == again.status_code == 302 and again.url == first.url
    assert any(ALREADY in m for m in said(again))
    assert not any("vừa được" in m for m in said(again))
    assert case.events.filter(event_type="announced").count() == 1


@pytest.mark.django_db
def test_tokens_older_than_two_days_are_pruned(client, tree, clerk):
    from casework.models import SubmissionToken

    client.force_login(clerk)
    url = reverse("casework:petition-create")
    with time_machine.travel(datetime.datetime(2025, 9, 3, 9, tzinfo=datetime.UTC)):
        client.post(url, intake_post(organisation=tree.office.pk,
                                     form_token=token_of(client.get(url))))
    assert SubmissionToken.objects.count() == 1
    with time_machine.travel(datetime.datetime(2025, 9, 6, 9, tzinfo=datetime.UTC)):
        client.force_login(clerk)
        client.post(url, intake_post(organisation=tree.office.pk, confirm_duplicate="on",
                                     form_token=token_of(client.get(url))))
    assert Petition.objects.count() == 2
    assert SubmissionToken.objects.count() == 1  # the first one is gone


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_five_parallel_posts_of_one_intake_log_one_letter(tree):
    clerk = user_with_role("clerk", tree.office)
    opener = Client()
    opener.force_login(clerk)
    data = intake_post(organisation=tree.office.pk,
                       form_token=token_of(opener.get(reverse("casework:petition-create"))))
    clients = []
    for _ in range(5):
        c = Client()
        c.force_login(clerk)
        clients.append(c)
    barrier = threading.Barrier(5)
    outcomes = [None] * 5

    def post(i):
        try:
            barrier.wait()
            response = clients[i].post(reverse("casework:petition-create"), data)
            outcomes[i] = (response.status_code, response.get("Location"))
        except Exception as exc:  # reported by the assertion below
            outcomes[i] = repr(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=post, args=(i,)) for i in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    petition = Petition.objects.get()
    url = reverse("casework:petition-detail", args=[petition.pk])
    assert outcomes == [(302, url)] * 5, outcomes
    assert petition.receipt_seq == 1
    assert CaseEvent.objects.filter(petition=petition).count() == 1


SQLITE_POSTER = """
import json, sys, time
from django.contrib.auth import get_user_model
from django.test import Client
client = Client(HTTP_HOST="127.0.0.1")
client.force_login(get_user_model().objects.get(username="vanphong"))
data = json.loads(sys.argv[1])
start = float(sys.argv[2])
while time.time() < start:
    time.sleep(0.005)
response = client.post("/don-thu/tiep-nhan/", data)
print(response.status_code, response.get("Location"))
"""


@pytest.mark.slow
@pytest.mark.skipif(__import__("os").environ.get("DATABASE_URL", "").startswith("postgres"),
                    reason="chạy trong lượt kiểm thử SQLite")
def test_five_parallel_posts_of_one_intake_on_the_sqlite_file_log_one_letter(tmp_path):
    """The embedded install: five processes on one SQLite file; BEGIN IMMEDIATE queues
    them and the token's unique index answers the four late ones."""
    import json
    import os
    import subprocess
    import time

    from tests.casework.test_sqlite_concurrency import ROOT, run_python

    # The test settings (plain static files storage: a page that is shown instead of
    # redirecting renders without collectstatic's manifest), on a real file.
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings_test",
           "DATABASE_URL": f"sqlite:///{tmp_path / 'office.sqlite3'}"}
    env.pop("CELERY_BROKER_URL", None)
    subprocess.run([__import__("sys").executable, "manage.py", "migrate", "-v0"], cwd=ROOT,
                   env=env, check=True)
    setup = run_python("""
from django.contrib.auth import get_user_model
from casework.models import Organisation, RoleAssignment
office = Organisation.objects.create(name="Văn phòng Đảng ủy", code="vp", kind="agency")
user = get_user_model().objects.create(username="vanphong")
RoleAssignment.objects.create(user=user, organisation=office, role="clerk")
print(office.pk)
""", env)
    data = intake_post(organisation=int(setup.stdout.split()[-1]))
    assert reverse("casework:petition-create") == "/don-thu/tiep-nhan/"
    start = str(time.time() + 3)
    posters = [run_python(SQLITE_POSTER, env, json.dumps(data), start, wait=False)
               for _ in range(5)]
    outputs = [p.communicate(timeout=300) for p in posters]
    for p, (_out, err) in zip(posters, outputs):
        assert p.returncode == 0, err[-2000:]
    answers = {out.strip() for out, _err in outputs}
    count = run_python("from casework.models import Petition\n"
                       "print(Petition.objects.count(), "
                       "Petition.objects.order_by('pk').first().pk)", env)
    letters, pk = count.stdout.split()
    assert letters == "1", f"{letters} letters from one form"
    assert answers == {f"302 /don-thu/{pk}/"}, answers


@pytest.mark.django_db
def test_a_programme_item_posted_twice_is_added_once(client, tree):
    from casework.services.programme import programme_save

    ubkt = user_with_role("ubkt", tree.commune)
    with time_machine.travel(_at(D(2026, 1, 10)), tick=False):
        programme = programme_save(actor=ubkt, programme_id=None, organisation=tree.ubkt,
                                   year=2026, body="ubkt", document="01-CTr/UBKT")
        client.force_login(ubkt)
        url = reverse("casework:programme-item-create", args=[programme.pk])
        data = {"kind": "party_finance", "quarter": "2", "planned_cases": "1",
                "content": "Tài chính đảng", "form_token": token_of(client.get(url))}
        first = client.post(url, data)
        again = client.post(url, data)
    assert first.status_code == again.status_code == 302 and again.url == first.url
    assert any(ALREADY in m for m in said(again))
    assert programme.items.count() == 1
