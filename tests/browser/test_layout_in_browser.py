"""Every page of the access-matrix walk (tests/test_access_matrix.py), as a leader (and,
for the pages a leader does not get, intake and classifying, as the office clerk), in a
real Chromium on a phone (390×844) and on an office screen (1366×768): the document is
never wider than the window, no visible control (link, button, field) is cut off by the
window's edge or by a scrolling box around it, the menu keeps to one row on the office
screen, and axe-core finds no serious or critical
accessibility problem.

axe-core comes from the npm registry (tests/browser/package.json, pinned by its
package-lock.json, installed by `bin/setup --test`) and is handed to the test page only,
with the page's CSP bypassed for that context (Playwright injects it as an inline
script); the site itself never serves it. Without it (no npm) only the accessibility
half is skipped. tests/test_security.py checks the CSP in a browser that does not bypass it.

LAYOUT_SHOTS=/some/folder saves a full-page screenshot of each page at each size.
"""
import os
from pathlib import Path

import pytest
from django.test import Client

from tests.test_access_matrix import all_url_patterns, requests_for, world  # noqa: F401

pytestmark = [pytest.mark.browser]


@pytest.fixture(autouse=True)
def deadline_rules(transactional_db):
    """The shipped deadline rules, which a transactional test run before may have flushed
    (the walk's world needs their clocks)."""
    from workflows.default_rules import install_default_rules
    from workflows.models import DeadlineRule

    install_default_rules(DeadlineRule)

AXE = Path(__file__).parent / "node_modules" / "axe-core" / "axe.min.js"
SIZES = [(390, 844), (1366, 768)]
# The clerk for what the leader is not given; a visitor for the login page.
ROLES = ("leader", "clerk", "khách")
# Not pages: the API, downloads, the admin (a leader is not staff), addresses that act.
SKIPPED = ("api:", "admin:", "(không tên)", "logout", "set_language", "healthz",
           "casework:attachment-download", "casework:petition-export")

# A control is cut off when it sticks out of the window or out of a box that clips or
# scrolls it (a table too wide for its .table-wrap). Returns a description of each.
CUT_OFF = """() => {
  const width = document.documentElement.clientWidth;
  const found = [];
  const controls = document.querySelectorAll(
    "a[href], button, input:not([type=hidden]), select, textarea, summary, [tabindex]");
  for (const el of controls) {
    const r = el.getBoundingClientRect();
    const style = getComputedStyle(el);
    if (r.width < 2 || r.height < 2 || style.visibility === "hidden") continue;
    let why = null;
    if (r.left < -1 || r.right > width + 1) why = "window";
    for (let box = el.parentElement; !why && box && box !== document.body;
         box = box.parentElement) {
      const ox = getComputedStyle(box).overflowX;
      if (ox === "visible") continue;
      const b = box.getBoundingClientRect();
      if (r.left < b.left - 1 || r.right > b.right + 1) why = "box ." + box.className;
    }
    if (why) found.push(`${el.tagName.toLowerCase()} "${(el.innerText || el.name || el.id || "")
      .trim().slice(0, 40)}" (${Math.round(r.left)}–${Math.round(r.right)} px, ${why})`);
  }
  return found;
}"""


def html_pages(world, role, seen):  # noqa: F811 – the fixture's value
    """(key, url) of every address not in `seen` that answers this role with an HTML page
    (GET)."""
    client = Client()
    user = world.users[role]
    pages = []
    for name, kwarg_names, route in all_url_patterns():
        if name.startswith(SKIPPED):
            continue
        for key, url in requests_for(name, kwarg_names, route, world, role):
            if key in seen:
                continue
            if user is not None:
                client.force_login(user)
            response = client.get(url)
            if (response.status_code == 200
                    and response["Content-Type"].startswith("text/html")):
                pages.append((key, url))
    return pages


def check(tab, where, width):
    """What is wrong with the page in `tab`: too wide, a control cut off, axe findings."""
    problems = []
    document_width = tab.evaluate("document.documentElement.scrollWidth")
    if document_width > width:
        problems.append(f"{where}: the page is {document_width} px wide")
    problems.extend(f"{where}: cut off: {c}" for c in tab.evaluate(CUT_OFF))
    if width >= 1366:  # an office laptop: the whole menu on one row
        rows = tab.evaluate("new Set([...document.querySelectorAll('#main-nav .nav-item')]"
                            ".map(e => Math.round(e.getBoundingClientRect().top))).size")
        if rows > 1:
            problems.append(f"{where}: the menu takes {rows} rows")
    if AXE.exists():
        tab.add_script_tag(path=str(AXE))
        violations = tab.evaluate(
            "async () => (await axe.run(document, {resultTypes: ['violations']}))"
            ".violations.filter(v => ['serious', 'critical'].includes(v.impact))"
            ".map(v => v.id + ': ' + v.help + ' — ' + v.nodes.slice(0, 3)"
            ".map(n => n.target.join(' ')).join(', '))")
        problems.extend(f"{where}: axe {v}" for v in violations)
    return problems


@pytest.mark.django_db(transaction=True)
def test_every_page_fits_a_phone_and_a_desktop_and_passes_axe(page, live_server, world):  # noqa: F811
    walks, seen = [], set()
    for role in ROLES:
        pages = html_pages(world, role, seen)
        seen |= {key for key, _ in pages}
        walks.append((role, pages))
    # The walk reached the pages that matter most on a phone.
    assert {"workflows:my-work", "casework:petition-list", "casework:petition-create",
            "casework:petition-detail", "casework:case-detail", "workflows:case-task"} <= seen

    shots = os.environ.get("LAYOUT_SHOTS")
    problems = []
    for role, pages in walks:
        client = Client()
        if world.users[role] is not None:
            client.force_login(world.users[role])
        context = page.context.browser.new_context(bypass_csp=True, locale="vi-VN")
        context.add_cookies([{"name": name, "value": morsel.value, "url": live_server.url}
                             for name, morsel in client.cookies.items()])
        tab = context.new_page()
        tab.set_default_timeout(15000)
        for width, height in SIZES:
            tab.set_viewport_size({"width": width, "height": height})
            for key, url in pages:
                tab.goto(live_server.url + url)
                problems.extend(check(tab, f"{role} {key} {url} at {width}×{height}", width))
                if shots:
                    name = f"{width}-{role}-{key.replace(':', '_')}.png"
                    tab.screenshot(path=str(Path(shots) / name), full_page=True)
        context.close()
    assert not problems, "\n".join(problems)
    if not AXE.exists():
        pytest.skip("chưa có axe-core (npm ci trong tests/browser, do bin/setup --test): "
                    "đã kiểm tra bề rộng trang, chưa kiểm tra trợ năng")
