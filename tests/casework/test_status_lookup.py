"""The sender's status lookup (issue 16 item 3): the code on the receipt, the public page
(/tra-cuu/) that shows only the step, its date and the unit, the rate limit counted in the
database, and the log of every lookup."""
import datetime
import importlib
import re
from io import StringIO

import pytest
from django.apps import apps as global_apps
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from casework.models import Petition, PetitionSender, StatusLookup
from casework.models.lookup import LOOKUP_ALPHABET, grouped_code
from casework.services.documents import document_bytes, document_for_event
from casework.services.petitions import (
    SenderData,
    petition_classify,
    petition_receive,
    petition_transfer,
)
from casework.services.status_lookup import client_hash, prune_lookups
from tests.casework.test_documents import text_of

pytestmark = pytest.mark.django_db
URL = "/tra-cuu/"
TODAY = datetime.date.today


def _letter(clerk, office, **kwargs):
    return petition_receive(
        actor=clerk, organisation=office, received_on=TODAY(), channel="post",
        kind=kwargs.pop("kind", "recommendation"), sender_type="named",
        senders=[SenderData(full_name="Phạm Thị Tracứu", address="Số 9 xóm Kín",
                            id_number="034199000888")],
        summary="Kiến nghị sửa cống thoát nước xóm Kín.", **kwargs)


def _post(client, number, code, ip="203.0.113.7"):
    return client.post(URL, {"so_bien_nhan": number, "ma_tra_cuu": code}, REMOTE_ADDR=ip)


def _visible_text(response):
    """The page without its CSRF tokens, which differ on every response, and without the
    number typed, which the form keeps."""
    body = re.sub(rb'name="csrfmiddlewaretoken" value="[^"]*"', b"", response.content)
    return re.sub(rb'(name="so_bien_nhan"[^>]*?) value="[^"]*"', rb"\1", body)


@pytest.fixture
def lookup_client():
    # enforce_csrf_checks: the page works with Django's CSRF cookie, as a browser posts it.
    client = Client(enforce_csrf_checks=True)
    client.get(URL)
    original = client.post

    def post(path, data, **extra):
        data = {**data, "csrfmiddlewaretoken": client.cookies["csrftoken"].value}
        return original(path, data, **extra)

    client.post = post
    return client


# ---- the code ---------------------------------------------------------------------------

def test_every_letter_gets_its_own_readable_code(tree, clerk):
    letters = [_letter(clerk, tree.office) for _ in range(20)]
    codes = [p.lookup_code for p in letters]
    assert len(set(codes)) == 20
    for code in codes:
        assert len(code) == 8 and set(code) <= set(LOOKUP_ALPHABET)
        assert not set(code) & set("0O1I")
    assert grouped_code("K7M29QXA") == "K7M2-9QXA"


def test_a_handed_off_letter_gets_a_code_of_its_own(tree, clerk):
    letter = _letter(clerk, tree.office)
    petition_classify(actor=clerk, petition_id=letter.pk, kind="recommendation",
                      competence="other")
    petition_transfer(actor=clerk, petition_id=letter.pk, recipient_organisation=tree.branch_a,
                      doc_number="71-CV/ĐU", doc_date=TODAY())
    recipient = Petition.objects.get(forwarded_from=letter)
    assert len(recipient.lookup_code) == 8 and recipient.lookup_code != letter.lookup_code


def test_the_migration_gives_each_existing_letter_its_own_code(tree, clerk):
    for _ in range(30):
        _letter(clerk, tree.office)
    Petition.objects.update(lookup_code="")
    fill = importlib.import_module("casework.migrations.0029_status_lookup").fill_codes
    # The fill reads only the editor's connection (SQLite's schema editor cannot open
    # inside the test's transaction).
    editor = type("Editor", (), {"connection": connection})()
    fill(global_apps, editor)
    codes = list(Petition.objects.values_list("lookup_code", flat=True))
    assert len(codes) == 30 and len(set(codes)) == 30
    assert all(len(c) == 8 and set(c) <= set(LOOKUP_ALPHABET) for c in codes)
    # A second run leaves the codes already given alone.
    fill(global_apps, editor)
    assert sorted(Petition.objects.values_list("lookup_code", flat=True)) == sorted(codes)


def test_the_receipt_page_and_its_docx_carry_the_code_and_the_address(
        tree, clerk, client, django_capture_on_commit_callbacks):
    letter = _letter(clerk, tree.office)
    client.force_login(clerk)
    body = client.get(reverse("casework:petition-receipt", args=[letter.pk])).content.decode()
    assert letter.lookup_code_display in body and "http://127.0.0.1:8000/tra-cuu/" in body
    with django_capture_on_commit_callbacks(execute=True):
        document = document_for_event(
            actor=clerk, event_id=letter.events.get(event_type="received").pk)
    text = text_of(document_bytes(document))
    assert f"Mã tra cứu: {letter.lookup_code_display}." in text
    assert "http://127.0.0.1:8000/tra-cuu/" in text and "{{" not in text


def test_a_third_party_document_does_not_carry_the_code(tree, clerk):
    from casework.documents.context import letter_values

    letter = _letter(clerk, tree.office)
    values = letter_values(letter, None, to_sender=False)
    assert values["ma_tra_cuu"] == "" and values["dia_chi_tra_cuu"] == ""
    assert letter_values(letter, None, to_sender=True)["ma_tra_cuu"] == letter.lookup_code_display


def test_only_who_may_see_the_letter_sees_its_code(tree, clerk, client):
    from tests.factories import user_with_role

    letter = _letter(clerk, tree.office)
    outsider = user_with_role("branch_secretary", tree.branch_b, username="bithu-lai")
    client.force_login(outsider)
    response = client.get(reverse("casework:petition-receipt", args=[letter.pk]))
    assert response.status_code == 404
    assert letter.lookup_code.encode() not in response.content


# ---- the page -----------------------------------------------------------------------------

def test_the_page_answers_without_login_and_shows_the_step(tree, clerk, lookup_client):
    letter = _letter(clerk, tree.office)
    assert lookup_client.get(URL).status_code == 200
    # Typed as people type it: lower case, spaces, the number's short symbol folded.
    typed = f" {letter.receipt_seq}/{TODAY().year}/vpdu "
    response = _post(lookup_client, typed, grouped_code(letter.lookup_code).lower())
    body = response.content.decode()
    assert response.status_code == 200
    assert "Đã tiếp nhận" in body and "Văn phòng Đảng ủy" in body
    assert TODAY().strftime("%d/%m/%Y") in body
    for secret in ("Phạm Thị Tracứu", "Số 9 xóm Kín", "034199000888", "cống thoát nước",
                   letter.lookup_code, "Kiến nghị"):
        assert secret not in body, secret
    row = StatusLookup.objects.get()
    assert (row.outcome, row.petition_id, row.number_key) == ("found", letter.pk,
                                                              f"{letter.receipt_seq}/{TODAY().year}/vpdu")
    assert "203.0.113.7" not in row.client_hash and len(row.client_hash) == 32


def test_a_wrong_number_and_a_wrong_code_look_the_same(tree, clerk, lookup_client):
    letter = _letter(clerk, tree.office)
    other = "".join(reversed(letter.lookup_code))
    if other == letter.lookup_code:
        other = "22222222" if letter.lookup_code != "22222222" else "33333333"
    wrong_code = _post(lookup_client, letter.receipt_number, other)
    year = TODAY().year
    wrong_number = _post(lookup_client, f"999/{year}/VPĐU", letter.lookup_code)
    no_unit = _post(lookup_client, f"001/{year}/KHONGCO", letter.lookup_code)
    assert wrong_code.status_code == wrong_number.status_code == no_unit.status_code == 200
    assert _visible_text(wrong_code) == _visible_text(wrong_number) == _visible_text(no_unit)
    assert "Không tìm thấy đơn".encode() in wrong_code.content
    assert list(StatusLookup.objects.values_list("outcome", flat=True)) == ["not_found"] * 3


def test_a_badly_formed_entry_is_named_and_not_looked_up(tree, lookup_client):
    response = _post(lookup_client, "001/2026", "ABC")
    body = response.content.decode()
    assert response.status_code == 200
    assert "ghi đủ số, năm và ký hiệu" in body and "Mã tra cứu gồm 8 ký tự" in body
    assert not StatusLookup.objects.exists()


def test_a_handed_off_letter_shows_the_unit_that_has_it(tree, clerk, lookup_client):
    letter = _letter(clerk, tree.office)
    petition_classify(actor=clerk, petition_id=letter.pk, kind="recommendation",
                      competence="other")
    petition_transfer(actor=clerk, petition_id=letter.pk, recipient_organisation=tree.branch_a,
                      doc_number="71-CV/ĐU", doc_date=TODAY())
    body = _post(lookup_client, letter.receipt_number, letter.lookup_code).content.decode()
    assert "Đã chuyển đến Chi bộ thôn Hòa Ché — đang giải quyết" in body
    assert "Đã tiếp nhận" in body  # the recipient's step: received into its register
    assert "71-CV" not in body


def test_a_transfer_outside_the_system_names_no_body(tree, clerk, lookup_client):
    letter = _letter(clerk, tree.office)
    petition_classify(actor=clerk, petition_id=letter.pk, kind="recommendation",
                      competence="other")
    petition_transfer(actor=clerk, petition_id=letter.pk, recipient="Công an xã Kè Sắt",
                      doc_number="72-CV/ĐU", doc_date=TODAY())
    body = _post(lookup_client, letter.receipt_number, letter.lookup_code).content.decode()
    assert "Đã chuyển đơn" in body and "cơ quan có thẩm quyền" in body
    assert "Công an" not in body


def test_every_demo_letter_shows_no_identity(db, lookup_client, settings):
    """The issue's byte search: for each demo letter (tố cáo included), its page holds no
    sender's name, address or ID number of any letter, nor its subject or summary."""
    settings.LOOKUP_LIMIT_PER_CLIENT = 10_000
    call_command("load_demo", stdout=StringIO(), stderr=StringIO())
    letters = list(Petition.objects.select_related("organisation"))
    assert len(letters) > 10 and any(p.kind == "denunciation" for p in letters)
    secrets = set()
    for sender in PetitionSender.objects.all():
        secrets |= {v for v in (sender.full_name, sender.address, sender.id_number,
                                sender.phone) if v and len(v) > 4}
    assert secrets
    found = 0
    for letter in letters:
        response = _post(lookup_client, letter.receipt_number, letter.lookup_code)
        assert response.status_code == 200
        body = response.content
        assert "Không tìm thấy".encode() not in body, letter.receipt_number
        found += 1
        own = {letter.summary, letter.subject_name} - {""}
        if letter.subject_member_id:
            own.add(letter.subject_member.full_name)
        leaked = [s for s in secrets | own if s.encode() in body]
        assert leaked == [], (letter.receipt_number, leaked)
        assert "tố cáo".encode() not in body.lower() and "Tố cáo".encode() not in body
    assert StatusLookup.objects.filter(outcome="found").count() == found == len(letters)


# ---- the limit and the log ----------------------------------------------------------------

def test_one_client_is_refused_after_the_limit(tree, clerk, lookup_client, settings):
    settings.LOOKUP_LIMIT_PER_CLIENT, settings.LOOKUP_LIMIT_PER_NUMBER = 3, 100
    letter = _letter(clerk, tree.office)
    for _ in range(3):
        assert _post(lookup_client, letter.receipt_number, "22222222").status_code == 200
    refused = _post(lookup_client, letter.receipt_number, letter.lookup_code)
    assert refused.status_code == 429
    body = refused.content.decode()
    assert "Đã tra cứu quá nhiều lần" in body and "60 phút" in body
    assert "Đã tiếp nhận" not in body  # even the right code is not looked up
    # Another client is not refused.
    assert _post(lookup_client, letter.receipt_number, letter.lookup_code,
                 ip="198.51.100.9").status_code == 200
    outcomes = list(StatusLookup.objects.order_by("pk").values_list("outcome", flat=True))
    assert outcomes == ["not_found"] * 3 + ["refused", "found"]


def test_one_number_is_refused_across_many_clients(tree, clerk, lookup_client, settings):
    settings.LOOKUP_LIMIT_PER_CLIENT, settings.LOOKUP_LIMIT_PER_NUMBER = 100, 4
    letter = _letter(clerk, tree.office)
    short = f"{letter.receipt_seq}/{letter.receipt_year}/vpdu"  # the same number, typed otherwise
    for i in range(4):
        number = short if i % 2 else letter.receipt_number
        assert _post(lookup_client, number, "22222222", ip=f"192.0.2.{i}").status_code == 200
    refused = _post(lookup_client, letter.receipt_number, letter.lookup_code, ip="192.0.2.99")
    assert refused.status_code == 429
    # Another number is still answered.
    other = _letter(clerk, tree.office)
    assert _post(lookup_client, other.receipt_number, other.lookup_code,
                 ip="192.0.2.99").status_code == 200
    assert StatusLookup.objects.filter(outcome="refused").count() == 1
    assert StatusLookup.objects.count() == 6


def test_the_window_passes(tree, clerk, lookup_client, settings):
    import time_machine

    settings.LOOKUP_LIMIT_PER_CLIENT = 2
    letter = _letter(clerk, tree.office)
    with time_machine.travel(datetime.datetime(2026, 12, 2, 8, 0, tzinfo=datetime.UTC)) as t:
        for _ in range(2):
            _post(lookup_client, letter.receipt_number, "22222222")
        assert _post(lookup_client, letter.receipt_number, letter.lookup_code).status_code == 429
        t.shift(datetime.timedelta(minutes=61))
        assert _post(lookup_client, letter.receipt_number, letter.lookup_code).status_code == 200


def test_the_client_behind_a_trusted_proxy_is_counted(tree, clerk, lookup_client, settings):
    settings.LOOKUP_LIMIT_PER_CLIENT, settings.TRUSTED_PROXY_COUNT = 1, 1
    letter = _letter(clerk, tree.office)
    proxy = {"HTTP_X_FORWARDED_FOR": "203.0.113.50"}
    lookup_client.post(URL, {"so_bien_nhan": letter.receipt_number, "ma_tra_cuu": "22222222"},
                       REMOTE_ADDR="10.0.0.1", **proxy)
    other = {"HTTP_X_FORWARDED_FOR": "203.0.113.51"}
    assert lookup_client.post(URL, {"so_bien_nhan": letter.receipt_number,
                                    "ma_tra_cuu": letter.lookup_code},
                              REMOTE_ADDR="10.0.0.1", **other).status_code == 200
    assert lookup_client.post(URL, {"so_bien_nhan": letter.receipt_number,
                                    "ma_tra_cuu": letter.lookup_code},
                              REMOTE_ADDR="10.0.0.1", **proxy).status_code == 429


def test_old_rows_are_pruned(tree, settings):
    settings.LOOKUP_LOG_KEEP_DAYS = 30
    now = datetime.datetime(2026, 12, 2, tzinfo=datetime.UTC)
    for days in (40, 31, 29, 1):
        StatusLookup.objects.create(at=now - datetime.timedelta(days=days), client_hash="x",
                                    number_typed="1/2026/VPĐU", outcome="not_found")
    assert prune_lookups(now=now, batch=1) == 1
    assert prune_lookups(now=now) == 1
    assert StatusLookup.objects.count() == 2


def test_the_log_is_read_only_in_the_admin(admin_user, client, tree, clerk, lookup_client):
    letter = _letter(clerk, tree.office)
    _post(lookup_client, letter.receipt_number, letter.lookup_code)
    client.force_login(admin_user)
    assert client.get(reverse("admin:casework_statuslookup_changelist")).status_code == 200
    row = StatusLookup.objects.get()
    assert client.get(reverse("admin:casework_statuslookup_add")).status_code == 403
    response = client.post(reverse("admin:casework_statuslookup_delete", args=[row.pk]),
                           {"post": "yes"})
    assert response.status_code == 403 and StatusLookup.objects.count() == 1


def test_the_page_sends_the_security_headers_and_is_never_cached(client, db):
    from tests.test_security import assert_security_headers

    response = client.get(URL)
    assert_security_headers(response)
    assert "no-cache" in response["Cache-Control"] or "no-store" in response["Cache-Control"]
    assert b"<script" not in response.content  # light: no script, no Bootstrap
    assert b"bootstrap" not in response.content


def test_the_prune_is_a_daily_beat_task(settings):
    from casework.tasks import prune_status_lookups

    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "casework.tasks.prune_status_lookups" in tasks
    StatusLookup.objects.create(at=datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC),
                                client_hash="x", outcome="not_found")
    assert prune_status_lookups() == 1


def test_a_flood_of_refused_rows_costs_a_count_of_at_most_the_limit(
        tree, clerk, lookup_client, settings):
    """The limit's counts read at most the limit's rows of the client's and of the number's
    counted ones, however many refused rows an attacker left (the index has the outcome)."""
    settings.LOOKUP_LIMIT_PER_CLIENT = 3
    letter = _letter(clerk, tree.office)
    StatusLookup.objects.bulk_create(
        [StatusLookup(at=timezone.now(), client_hash=client_hash("203.0.113.7"),
                      number_key="x", outcome="refused") for _ in range(2000)])
    with CaptureQueriesContext(connection) as queries:
        assert _post(lookup_client, letter.receipt_number, letter.lookup_code).status_code == 200
    counts = [q["sql"] for q in queries.captured_queries
              if "casework_statuslookup" in q["sql"] and q["sql"].startswith("SELECT")]
    assert counts and all("LIMIT 3" in sql or "LIMIT 10" in sql for sql in counts)
