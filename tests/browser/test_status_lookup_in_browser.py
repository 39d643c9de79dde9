"""The public status lookup (/tra-cuu/) in a real Chromium without JavaScript, on a phone
(390×844) and an office screen (1366×900): the form posts (Django's CSRF cookie, no
script), the answer shows the step and the unit, and every state of the page (empty, found,
not found, badly typed, refused) fits the window, cuts off no control and passes axe-core
(tests/browser/test_layout_in_browser.check)."""
import pytest

from casework.services.petitions import SenderData, petition_receive
from tests.browser.test_layout_in_browser import check

pytestmark = [pytest.mark.browser]


@pytest.mark.django_db(transaction=True)
def test_the_lookup_page_works_without_script_on_a_phone_and_a_desktop(page, live_server,
                                                                        tree, clerk, settings):
    settings.LOOKUP_LIMIT_PER_CLIENT = 7
    import datetime

    letter = petition_receive(
        actor=clerk, organisation=tree.office, received_on=datetime.date.today(),
        channel="post", kind="denunciation", sender_type="named",
        senders=[SenderData(full_name="Đinh Thị Bímật", address="Xóm Kín")],
        summary="Tố cáo việc thu tiền làm đường.")
    url = live_server.url + "/tra-cuu/"
    problems = []
    # Without script: the form posts and answers (the page has none of its own).
    bare = page.context.browser.new_context(java_script_enabled=False, locale="vi-VN")
    tab = bare.new_page()
    tab.goto(url)
    tab.fill("#id_so_bien_nhan", letter.receipt_number)
    tab.fill("#id_ma_tra_cuu", letter.lookup_code)
    tab.click("form.lookup button")
    assert "Đã tiếp nhận" in tab.inner_text("main")
    bare.close()
    # With script only so that axe-core can run in the page.
    context = page.context.browser.new_context(bypass_csp=True, locale="vi-VN")
    tab = context.new_page()
    tab.set_default_timeout(15000)
    states = [("found", letter.receipt_number, letter.lookup_code.lower()),
              ("not found", letter.receipt_number, "2222-2222"),
              ("badly typed", "12", "0O1I")]
    for width, height in ((390, 844), (1366, 900)):
        tab.set_viewport_size({"width": width, "height": height})
        tab.goto(url)
        problems += check(tab, f"empty at {width}", width)
        for name, number, code in states:
            tab.goto(url)
            tab.fill("#id_so_bien_nhan", number)
            tab.fill("#id_ma_tra_cuu", code)
            tab.click("form.lookup button")
            text = tab.inner_text("main")
            if name == "found":
                assert "Đã tiếp nhận" in text and "Văn phòng Đảng ủy" in text
            assert "Bímật" not in text and "Tố cáo" not in text
            problems += check(tab, f"{name} at {width}", width)
    # Five lookups were made (one without script, two per size: the badly typed ones are
    # not looked up): the eighth is refused, and that page is checked too.
    for _ in range(3):
        tab.goto(url)
        tab.fill("#id_so_bien_nhan", letter.receipt_number)
        tab.fill("#id_ma_tra_cuu", "2222-2222")
        response = None
        with tab.expect_navigation() as nav:
            tab.click("form.lookup button")
        response = nav.value
    assert response.status == 429 and "Đã tra cứu quá nhiều lần" in tab.inner_text("main")
    problems += check(tab, "refused at 1366", 1366)
    context.close()
    assert not problems, "\n".join(problems)
