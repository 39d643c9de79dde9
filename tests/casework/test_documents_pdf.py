"""A generated document as LibreOffice renders it: one A4 page holding the number, the
date line and the title (skipped where LibreOffice is not installed; bin/test installs
libreoffice-writer-nogui)."""
import shutil
import subprocess

import pytest

from casework.models import GeneratedDocument
from casework.services import petitions as svc
from casework.services.documents import document_bytes
from tests.casework.test_documents import DAY, classified


def _writer_installed():
    """soffice with Calc alone cannot open a Word file: ask for Writer's package."""
    if shutil.which("soffice") is None:
        return False
    if shutil.which("dpkg-query") is None:
        return True  # not Debian: trust soffice
    status = subprocess.run(
        ["dpkg-query", "-W", "-f=${Status}\n", "libreoffice-writer-nogui", "libreoffice-writer"],
        capture_output=True, text=True).stdout
    return "install ok installed" in status


pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not _writer_installed(), reason="cần LibreOffice Writer (soffice)"),
]


def test_a_phieu_chuyen_renders_to_one_a4_page(tree, clerk, tmp_path, media_root,
                                               django_capture_on_commit_callbacks):
    letter = classified(clerk, tree.office)
    with django_capture_on_commit_callbacks(execute=True):
        svc.petition_transfer(actor=clerk, petition_id=letter.pk, recipient="UBND xã Kè Sắt",
                              doc_number="", doc_date=DAY, issue_document=True)
    source = tmp_path / "phieu-chuyen.docx"
    source.write_bytes(document_bytes(GeneratedDocument.objects.get()))
    # A profile of its own: a LibreOffice already running for the user would take the job.
    subprocess.run(["soffice", f"-env:UserInstallation=file://{tmp_path}/profile", "--headless",
                    "--convert-to", "pdf", "--outdir", str(tmp_path), str(source)],
                   check=True, capture_output=True, timeout=180)
    pdf = (tmp_path / "phieu-chuyen.pdf").read_bytes()
    assert pdf.startswith(b"%PDF")
    if shutil.which("pdftotext") and shutil.which("pdfinfo"):
        info = subprocess.run(["pdfinfo", str(tmp_path / "phieu-chuyen.pdf")], check=True,
                              capture_output=True, text=True).stdout
        assert "Pages:           1" in info and "(A4)" in info
        text = subprocess.run(["pdftotext", "-layout", str(tmp_path / "phieu-chuyen.pdf"), "-"],
                              check=True, capture_output=True, text=True).stdout
        for expected in ("PHIẾU CHUYỂN ĐƠN", "Số 01-PC/KE-SAT", "ngày 05 tháng 09 năm 2025",
                         "ĐẢNG CỘNG SẢN VIỆT NAM", "T/M ĐẢNG ỦY"):
            assert expected in text, expected
