"""A clerk in a real (headless) Chromium: log in, log a letter, classify and transfer it,
print the receipt. Needs Debian's chromium (see conftest.py)."""
import pytest

from casework.models import Petition

pytestmark = [pytest.mark.browser]


@pytest.mark.django_db(transaction=True)
def test_clerk_logs_classifies_and_transfers_a_letter(page, live_server, tree, clerk, tmp_path):
    page.goto(live_server.url + "/")
    page.fill("input[name=username]", "vanphong")
    page.fill("input[name=password]", "Mat-khau-thu-2025")
    page.click("button.btn-primary")
    page.wait_for_selector("text=Sổ tiếp nhận đơn thư")

    page.click("text=Tiếp nhận đơn mới")
    page.fill("input[name=received_on]", "03/09/2025")
    page.select_option("select[name=channel]", "post")
    page.select_option("select[name=kind]", "complaint")
    page.fill("input[name=senders-0-full_name]", "Trần Văn Bình")
    page.fill("input[name=senders-0-address]", "Thôn Lại")
    page.fill("textarea[name=summary]", "Khiếu nại việc thu hồi đất làm đường sắt.")
    scan = tmp_path / "don.pdf"
    scan.write_bytes(b"%PDF-1.4\n%%EOF\n")
    page.set_input_files("input[name=attachments]", str(scan))
    page.click("button.btn-primary")
    page.wait_for_selector("text=Đơn số 001/2025")
    assert "Đã tiếp nhận đơn, số biên nhận 001/2025" in page.content()

    page.click("text=Phân loại đơn")
    page.select_option("select[name=kind]", "complaint")
    page.select_option("select[name=competence]", "other")
    page.click("button.btn-primary")
    page.wait_for_selector("text=Đã ghi")

    page.click("text=Chuyển đơn")
    page.click("button.btn-primary")  # nothing filled in: errors, nothing written
    page.wait_for_selector("text=Chưa chọn nơi nhận đơn chuyển")
    page.fill("input[name=recipient]", "UBND xã Kè Sắt")
    page.fill("input[name=doc_number]", "12-CV/ĐU")
    page.fill("input[name=doc_date]", "05/09/2025")
    page.click("button.btn-primary")
    page.wait_for_selector("text=Đã ghi")
    timeline = page.inner_text("body")
    assert "UBND xã Kè Sắt" in timeline and "12-CV/ĐU" in timeline
    page.screenshot(path=str(tmp_path / "case.png"), full_page=True)

    petition = Petition.objects.get()
    assert petition.status == "transferred" and petition.attachments.count() == 1
    assert [e.event_type for e in petition.events.all()] == ["received", "classified",
                                                            "transferred"]

    page.goto(live_server.url + f"/don-thu/{petition.pk}/bien-nhan/")
    assert "GIẤY BIÊN NHẬN" in page.inner_text("body")
    page.emulate_media(media="print")
    pdf = page.pdf(format="A4")
    assert pdf.startswith(b"%PDF")
