"""The headless Chromium every browser test drives: Debian's chromium (bin/test installs it
when run as root), through Playwright; the tests are skipped where it is missing."""
import os
import shutil

import pytest
from django.db import connections

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")


@pytest.fixture
def page(live_server):
    if not shutil.which(CHROMIUM):
        pytest.skip("chưa cài chromium")
    sync_api = pytest.importorskip("playwright.sync_api")
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # playwright runs a loop
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync"])
        page = browser.new_page(locale="en-US")  # an English browser still gets Vietnamese
        page.set_default_timeout(15000)
        yield page
        browser.close()
        # Playwright's sync API runs the test in its own context, where Django opened
        # separate connections; close them here, or PostgreSQL cannot drop the test DB.
        connections.close_all()
