"""The leaders' overview (/tong-quan/) in a real (headless) Chromium, as the commune's leader
and as the city's leader, on a desktop screen (1366×768) and on a phone (390×844): a leader
lands on it after signing in, the chart is drawn by the vendored Chart.js under the page's
Content-Security-Policy (no violation reported), the page never grows wider than the screen
(tables scroll inside their frame), and the city's leader drills down into a commune.
Screenshots go to $SCREENSHOT_DIR (default: the test's tmp dir) as overview-<who>-<screen>.png,
to be looked at."""
import io
import os
from pathlib import Path

import pytest
from django.core.management import call_command

from casework.demo_data import DEMO_PASSWORD
from workflows.default_rules import install_default_rules
from workflows.models import DeadlineRule

pytestmark = [pytest.mark.browser]
SCREENS = {"desktop": (1366, 768), "phone": (390, 844)}


def sign_in(page, url, username):
    page.goto(url + "/dang-nhap/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.press("input[name=password]", "Enter")
    # Signed in: the sign-out form is on the page (folded in the menu on a phone).
    page.wait_for_selector("form[action='/dang-xuat/']", state="attached")


def check_overview(page, width, out, name):
    page.wait_for_load_state("load")
    assert page.url.split("?")[0].endswith("/tong-quan/")
    assert page.is_visible("#ov-chart")  # shown only once Chart.js has loaded
    drawn = page.evaluate("document.getElementById('ov-chart').width")
    assert drawn > 0
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.screenshot(path=str(out / f"overview-{name}.png"), full_page=True)
    page.screenshot(path=str(out / f"overview-{name}-screen.png"))  # what opens first


@pytest.mark.django_db(transaction=True)
def test_the_overview_as_commune_and_city_leader(page, live_server, tmp_path):
    install_default_rules(DeadlineRule)  # an earlier transactional test may have flushed them
    for command, args in [("load_demo", ()), ("load_demo_deadlines", ()),
                          ("load_demo_province", ("--communes", "3",
                                                  "--letters-per-commune", "15"))]:
        call_command(command, *args, stdout=io.StringIO(), stderr=io.StringIO())
    out = Path(os.environ.get("SCREENSHOT_DIR", tmp_path))
    problems = []
    # Script errors and CSP violations are console errors; a missing file is a 404 (the
    # browser's own /favicon.ico request aside).
    page.on("console", lambda msg: problems.append(msg.text)
            if msg.type == "error" and "Failed to load resource" not in msg.text else None)
    page.on("response", lambda r: problems.append(r.url)
            if r.status >= 400 and not r.url.endswith("/favicon.ico") else None)
    page.on("pageerror", lambda exc: problems.append(str(exc)))

    sign_in(page, live_server.url, "lanhdao")
    for screen, (width, height) in SCREENS.items():
        page.set_viewport_size({"width": width, "height": height})
        page.goto(live_server.url + "/tong-quan/")
        assert "Tổng quan: Đảng bộ xã Kè Sắt" in page.inner_text("h1")
        assert page.is_visible("text=Văn phòng Đảng ủy")
        assert "dữ liệu mẫu sinh tự động" not in page.inner_text("body")
        check_overview(page, width, out, f"xa-{screen}")
    # The next user signs in on a fresh session (signing out is not what is tested here, and
    # on a phone its button sits in the folded menu, mid-animation when clicked).
    page.context.clear_cookies()

    sign_in(page, live_server.url, "lanhdao.tinh")
    assert page.url.endswith("/tong-quan/")  # a leader lands on the overview
    for screen, (width, height) in SCREENS.items():
        page.set_viewport_size({"width": width, "height": height})
        page.goto(live_server.url + "/tong-quan/")
        rows = page.locator("#theo-don-vi ~ .table-wrap tbody tr")
        assert rows.count() == 4  # Kè Sắt and the three generated communes
        check_overview(page, width, out, f"tinh-{screen}")
    page.click("text=Đảng bộ xã Kè Sắt")
    assert "don-vi=ke-sat" in page.url
    assert "Tổng quan: Đảng bộ xã Kè Sắt" in page.inner_text("h1")
    check_overview(page, SCREENS["phone"][0], out, "tinh-xa-phone")
    assert not problems, problems
