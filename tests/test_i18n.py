"""English as the second language: the catalogue is complete, a user who picks English gets
English pages and English service messages, and everyone else gets Vietnamese whatever
their browser asks for (config/middleware.py)."""
import ast
import gettext
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import translation

from casework.services.petitions import petition_classify
from tests.factories import receive_petition

LOCALE = Path(__file__).resolve().parent.parent / "locale" / "en" / "LC_MESSAGES"
PO = LOCALE / "django.po"
MO = LOCALE / "django.mo"
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


@pytest.fixture(autouse=True)
def keep_language():
    """LocaleMiddleware activates the request's language for the whole thread and never
    deactivates it; put back what was active so later tests are not run in English."""
    before = translation.get_language()
    yield
    translation.activate(before)


def parse_po(path):
    """A minimal .po reader: one dict per entry with its flags, msgctxt, msgid,
    msgid_plural and msgstr (a list: one item, or one per plural form)."""
    entries = []
    for block in path.read_text(encoding="utf-8").strip().split("\n\n"):
        entry = {"flags": set(), "msgctxt": None, "msgid_plural": None, "msgstr": []}
        field = None
        for line in block.splitlines():
            if line.startswith("#,"):
                entry["flags"].update(f.strip() for f in line[2:].split(","))
            elif line.startswith("#"):
                continue
            elif line.startswith('"'):
                value = ast.literal_eval(line)
                if field.startswith("msgstr"):
                    entry["msgstr"][-1] += value
                else:
                    entry[field] += value
            else:
                field, _sep, rest = line.partition(" ")
                value = ast.literal_eval(rest)
                if field.startswith("msgstr"):
                    entry["msgstr"].append(value)
                    field = "msgstr"
                else:
                    entry[field] = value
        entries.append(entry)
    header, *messages = entries
    assert header["msgid"] == "", "the catalogue must start with its header"
    return header, messages


def test_every_entry_of_the_english_catalogue_is_translated_and_not_fuzzy():
    header, messages = parse_po(PO)
    assert "fuzzy" not in header["flags"]
    assert "Language: en\n" in header["msgstr"][0]
    assert len(messages) > 250
    untranslated = [m["msgid"] for m in messages if not all(s.strip() for s in m["msgstr"])]
    fuzzy = [m["msgid"] for m in messages if "fuzzy" in m["flags"]]
    assert untranslated == [] and fuzzy == []
    for m in messages:
        wanted = set(PLACEHOLDER.findall(m["msgid"]))
        for msgstr in m["msgstr"]:
            assert set(PLACEHOLDER.findall(msgstr)) == wanted, m["msgid"]


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="GNU gettext (msgfmt) not installed")
def test_msgfmt_counts_no_fuzzy_or_untranslated_entry():
    result = subprocess.run(["msgfmt", "--check", "--statistics", "-o", "/dev/null", str(PO)],
                            capture_output=True, text=True, check=True)
    report = result.stderr.strip()
    assert re.fullmatch(r"\d+ translated messages\.", report), report


ROOT = LOCALE.parents[2]
# Not copied for extraction: the venv, VCS data, build output, caches, and benchmarks (which
# `makemessages` is told to ignore, like .venv and staticfiles).
NOT_SCANNED = {".venv", ".git", "staticfiles", "benchmarks", "var", "__pycache__",
               ".pytest_cache", ".hypothesis"}


@pytest.mark.skipif(shutil.which("xgettext") is None or shutil.which("msgmerge") is None,
                    reason="GNU gettext (xgettext, msgmerge) not installed")
def test_the_catalogue_holds_every_message_of_the_source_code(tmp_path):
    """A complete catalogue is not enough: a string added to the code and never extracted is
    shown in Vietnamese to an English user and no check above notices. Extract the messages
    of a copy of the tree into a copy of the catalogue, as a maintainer would, and require
    that nothing comes out new (untranslated), changed (fuzzy) or gone."""
    copy = tmp_path / "tree"
    shutil.copytree(ROOT, copy, symlinks=True,
                    ignore=lambda _dir, names: [n for n in names if n in NOT_SCANNED])
    _header, committed = parse_po(PO)
    subprocess.run([sys.executable, "manage.py", "makemessages", "-l", "en",
                    "--ignore=.venv", "--ignore=staticfiles", "--ignore=benchmarks"],
                   cwd=copy, capture_output=True, text=True, check=True)
    _header, extracted = parse_po(copy / "locale" / "en" / "LC_MESSAGES" / "django.po")

    def key(m):
        return (m["msgctxt"], m["msgid"])
    new = [m["msgid"] for m in extracted if not all(s.strip() for s in m["msgstr"])]
    changed = [m["msgid"] for m in extracted if "fuzzy" in m["flags"]]
    gone = sorted({key(m) for m in committed} - {key(m) for m in extracted}, key=str)
    assert (new, changed, gone) == ([], [], []), (
        "locale/en/LC_MESSAGES/django.po is behind the code: run `manage.py makemessages -l en "
        "--ignore=.venv --ignore=staticfiles --ignore=benchmarks`, translate, then `msgfmt "
        "--check -o locale/en/LC_MESSAGES/django.mo locale/en/LC_MESSAGES/django.po`")


def test_the_committed_mo_file_matches_the_po_file():
    """CI does not compile messages: the .mo in the repository is what runs."""
    _header, messages = parse_po(PO)
    with MO.open("rb") as f:
        compiled = gettext.GNUTranslations(f)
    for m in messages:
        if m["msgid_plural"]:
            got = [compiled.ngettext(m["msgid"], m["msgid_plural"], n) for n in (1, 2)]
        elif m["msgctxt"] is not None:
            got = [compiled.pgettext(m["msgctxt"], m["msgid"])]
        else:
            got = [compiled.gettext(m["msgid"])]
        assert got == m["msgstr"], f"django.mo is stale for {m['msgid']!r}: run compilemessages"


def _classified_petition(clerk, tree):
    petition = receive_petition(actor=clerk, organisation=tree.office)
    with translation.override("vi"):
        petition_classify(actor=clerk, petition_id=petition.pk, kind="complaint",
                          competence="other")
    return petition


def _post_transfer_without_recipient(client, petition):
    url = reverse("casework:petition-transition", args=[petition.pk, "transfer"])
    return client.post(url, {"expected_status": "classified", "recipient": "",
                             "doc_number": "", "doc_date": ""})


@pytest.mark.django_db
def test_a_user_who_picks_english_gets_english_pages_and_messages(client, tree, clerk):
    petition = _classified_petition(clerk, tree)
    receive_petition(actor=clerk, organisation=tree.office, sender="Trần Thị Bình")
    client.force_login(clerk)
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert response.status_code == 302

    page = client.get(reverse("casework:petition-list")).content.decode()
    assert 'lang="en"' in page
    assert "<h1>Petition intake register</h1>" in page
    assert '<span class="badge st-received">Received</span>' in page
    assert '<span class="badge st-classified">Classified</span>' in page
    assert "Total: 2 petitions" in page
    assert "Sổ tiếp nhận đơn thư" not in page and "Đã tiếp nhận" not in page

    # Field errors raised by the service, in English, with translated labels.
    response = _post_transfer_without_recipient(client, petition)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors["recipient"] == [
        "No recipient chosen for the transfer: choose a unit in the system or an outside "
        "body; type another body's name only when it is not in the list."]
    assert errors["doc_number"] == ["Please enter the number of the transfer letter."]
    assert errors["doc_date"] == ["Please enter the date of the transfer letter."]
    body = response.content.decode()
    assert "No recipient chosen for the transfer" in body
    assert "Not recorded. Please correct the marked fields." in body

    # A refused action comes back as a flash message, also in English.
    response = client.post(
        reverse("casework:petition-transition", args=[petition.pk, "withdraw"]),
        {"expected_status": "received", "doc_date": "10/09/2025"}, follow=True)
    assert ("has just been updated by someone else and is now “Classified”. "
            "Your action “withdraw petition” was not recorded") in response.content.decode()

    receipt = client.get(reverse("casework:petition-receipt", args=[petition.pk]))
    assert "COMMUNIST PARTY OF VIETNAM" in receipt.content.decode()

    # And back to Vietnamese.
    client.post(reverse("set_language"), {"language": "vi", "next": "/"})
    page = client.get(reverse("casework:petition-list")).content.decode()
    assert "<h1>Sổ tiếp nhận đơn thư</h1>" in page


@pytest.mark.django_db
def test_an_english_browser_alone_still_gets_vietnamese(client, tree, clerk):
    petition = _classified_petition(clerk, tree)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en-US,en;q=0.9"
    client.force_login(clerk)

    page = client.get(reverse("casework:petition-list")).content.decode()
    assert 'lang="vi"' in page
    assert "<h1>Sổ tiếp nhận đơn thư</h1>" in page
    assert '<span class="badge st-classified">Đã phân loại</span>' in page
    assert "Petition intake register" not in page

    response = _post_transfer_without_recipient(client, petition)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors["recipient"] == [
        "Chưa chọn nơi nhận đơn chuyển: chọn đơn vị trong hệ thống hoặc cơ quan ngoài hệ "
        "thống; chỉ nhập tên cơ quan khác khi không có trong danh sách."]
    assert errors["doc_date"] == ["Chưa nhập ngày văn bản chuyển đơn."]
    assert "Please enter" not in response.content.decode()
