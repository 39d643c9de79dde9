"""The back-filled demo case in a real (headless) Chromium, on a desktop screen and on a
phone (390×844): its page and its flow chart mark the steps taken before its process
started as done; the page never grows wider than the screen (the chart scrolls inside its
frame, and says so). Screenshots go to $SCREENSHOT_DIR (default: the test's tmp dir) as
steps-<page>-<screen>.png, to be looked at."""
import io
import os
from pathlib import Path

import pytest
from django.core.management import call_command

from casework.demo_data import DEMO_PASSWORD
from casework.demo_inspections import BACKFILLED_CASE_TITLE
from casework.models import InspectionCase

pytestmark = [pytest.mark.browser]
SCREENS = {"desktop": (1280, 900), "phone": (390, 844)}


@pytest.mark.django_db(transaction=True)
def test_the_backfilled_case_page_and_chart_on_desktop_and_phone(page, live_server, tmp_path):
    call_command("load_demo", stdout=io.StringIO())
    call_command("load_demo_inspections", stdout=io.StringIO())
    case = InspectionCase.objects.get(title=BACKFILLED_CASE_TITLE)
    out = Path(os.environ.get("SCREENSHOT_DIR", tmp_path))

    page.goto(live_server.url + "/")
    page.fill("input[name=username]", "bithu.thkesat")
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button.btn-primary")
    page.wait_for_selector("text=Đăng xuất")
    for screen, (width, height) in SCREENS.items():
        page.set_viewport_size({"width": width, "height": height})
        page.goto(live_server.url + case.get_absolute_url())
        assert page.locator("li.step-done").count() == 8
        assert page.locator("li.step-current").inner_text().startswith("Quyết định kỷ luật")
        assert _page_width(page) <= width
        page.screenshot(path=str(out / f"steps-case-{screen}.png"), full_page=True)
        page.locator("ol.step-marks").screenshot(path=str(out / f"steps-case-{screen}-list.png"))

        page.click("text=Xem sơ đồ quy trình")
        page.wait_for_selector("figure.flow-chart img")
        page.wait_for_load_state("load")  # images included (the page's CSP forbids
        # the string evaluation wait_for_function would poll with)
        assert page.evaluate("document.querySelector('figure.flow-chart img').naturalWidth") > 0
        assert page.locator("li.step-done").count() == 8
        assert "Đã thay thế" not in page.inner_text("body")
        assert _page_width(page) <= width  # the chart scrolls in its frame …
        assert page.is_visible("text=kéo thanh cuộn ngang")  # … and says so,
        # opened on the current step (the discipline decision, far right of the chart).
        left, shown = page.evaluate("[document.querySelector('figure.flow-chart').scrollLeft,"
                                    " document.querySelector('figure.flow-chart').clientWidth]")
        assert left < 1600 < left + shown
        page.screenshot(path=str(out / f"steps-chart-{screen}.png"), full_page=True)


def _page_width(page):
    return page.evaluate("document.documentElement.scrollWidth")
