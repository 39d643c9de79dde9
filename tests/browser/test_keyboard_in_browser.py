"""Keyboard only, in a real Chromium: a clerk logs a letter (from the menu to the receipt
number) and the UBKT records a case's conclusion, pressing only Tab, arrow keys, Space,
Enter and typing. Each control reached shows a visible focus ring (at least 2 px), and
the fields come in the order they are read on screen."""
import datetime

import pytest

from casework.models import InspectionCase, Petition
from tests.factories import MemberFactory
from tests.test_access_matrix import _case_at_a_decision

pytestmark = [pytest.mark.browser]


@pytest.fixture(autouse=True)
def deadline_rules(transactional_db):
    """The shipped deadline rules, which a transactional test run before may have flushed
    (the walk's world needs their clocks)."""
    from workflows.default_rules import install_default_rules
    from workflows.models import DeadlineRule

    install_default_rules(DeadlineRule)
PASSWORD = "Mat-khau-thu-2025"

FOCUSED = """() => {
  const el = document.activeElement;
  const style = getComputedStyle(el);
  const ring = style.outlineStyle !== "none" ? parseFloat(style.outlineWidth) : 0;
  return {name: el.name || el.id || el.getAttribute("href") || "", tag: el.tagName,
          text: (el.innerText || el.value || "").trim().slice(0, 60), ring: ring};
}"""


class Keys:
    """Tab through a page, recording what got the focus, and check the ring on each."""

    def __init__(self, page):
        self.page = page
        self.visited = []

    def tab_to(self, matches, limit=60, back=False):
        for _ in range(limit):
            self.page.keyboard.press("Shift+Tab" if back else "Tab")
            focused = self.page.evaluate(FOCUSED)
            self.visited.append(focused)
            assert focused["ring"] >= 2, f"no visible focus on {focused}"
            if matches(focused):
                return focused
        raise AssertionError(f"not reached by Tab; visited {self.visited[-limit:]}")

    def field(self, name, text=None):
        focused = self.tab_to(lambda f: f["name"] == name)
        if text is not None:
            self.page.keyboard.type(text)
        return focused


def login(page, url, username):
    page.goto(url)
    assert page.evaluate("document.activeElement.name") == "username"  # autofocus
    page.keyboard.type(username)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_selector("form[action='/dang-xuat/']", state="attached")


@pytest.mark.django_db(transaction=True)
def test_a_clerk_logs_a_letter_with_the_keyboard_only(page, live_server, tree, clerk):
    MemberFactory(full_name="Nguyễn Văn Bình", organisation=tree.branch_a)
    MemberFactory(full_name="Nguyễn Văn Bình", organisation=tree.branch_b)
    page.set_viewport_size({"width": 1366, "height": 768})
    login(page, live_server.url + "/", "vanphong")
    keys = Keys(page)
    keys.tab_to(lambda f: f["text"] == "Tiếp nhận đơn")
    page.keyboard.press("Enter")
    page.wait_for_selector("h1:has-text('Tiếp nhận đơn')")

    # Sent back with errors first: the summary takes the focus, its links lead to fields.
    keys.tab_to(lambda f: f["text"] == "Lưu và cấp số biên nhận")
    page.keyboard.press("Enter")
    page.wait_for_selector("#error-summary")
    assert page.evaluate("document.activeElement.id") == "error-summary"
    link = keys.tab_to(lambda f: f["name"] == "#id_kind")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.name") == "kind"
    page.keyboard.press("Shift+Tab")  # back to the top of the form
    page.keyboard.press("Shift+Tab")
    assert link

    keys.visited.clear()
    page.focus("#error-summary")
    keys.field("received_on")  # prefilled with today: keep it
    keys.field("channel")
    page.keyboard.press("ArrowDown")  # the first choice, "Trực tiếp"
    keys.field("kind")
    for _ in range(2):
        page.keyboard.press("ArrowDown")  # "Tố cáo"
    assert page.inner_text("label[for=id_subject_name]").startswith("Người bị tố cáo")
    keys.field("sender_type")
    keys.field("senders-0-full_name", "ngô văn thịnh")
    keys.field("senders-0-address", "Thôn Lại")
    keys.field("subject_name", "Nguyễn Văn Bình")
    keys.field("id_subject_member-filter", "binh hoa")  # the member search box
    keys.field("subject_member")
    chosen = page.evaluate("document.activeElement.selectedOptions[0].text")
    assert chosen == f"Nguyễn Văn Bình – {tree.branch_a.name}", chosen
    keys.field("summary", "Tố cáo đảng viên Nguyễn Văn Bình lấn chiếm đất công.")
    keys.tab_to(lambda f: f["text"] == "Lưu và cấp số biên nhận")
    page.keyboard.press("Enter")
    page.wait_for_selector("text=Đã tiếp nhận đơn")

    names = [f["name"] for f in keys.visited]
    order = ["received_on", "channel", "kind", "sender_type", "senders-0-full_name",
             "senders-0-address", "subject_name", "subject_member", "summary"]
    assert [n for n in names if n in order] == order, names  # reading order, once each
    petition = Petition.objects.get()
    assert petition.kind == "denunciation" and petition.channel == "direct"
    assert petition.received_on == datetime.date.today()
    assert petition.senders.get().full_name == "Ngô Văn Thịnh"
    assert petition.subject_member.organisation == tree.branch_a


@pytest.mark.django_db(transaction=True)
def test_a_case_step_with_the_keyboard_only(page, live_server, tree, admin_user):
    case, task_pk = _case_at_a_decision(admin_user, tree)
    page.set_viewport_size({"width": 390, "height": 844})  # on a phone's keyboard
    login(page, live_server.url + f"/cong-viec/{task_pk}/", admin_user.username)
    keys = Keys(page)
    keys.field("conclusion", "Chi bộ thực hiện đúng quy định về tài chính đảng.")
    keys.tab_to(lambda f: f["tag"] == "INPUT" and f["name"] == "violation_found")
    page.keyboard.press("ArrowDown")  # radios: the arrow moves to "Không có vi phạm"
    keys.tab_to(lambda f: f["text"] == "Ghi và hoàn thành bước này")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    # The document is missing: the summary has the focus, its first link leads to the field.
    assert page.evaluate("document.activeElement.id") == "error-summary"
    keys.tab_to(lambda f: f["name"] == "#id_doc_number")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.name") == "doc_number"
    page.keyboard.type("05-KL/UBKT")
    keys.field("doc_date", "20/04/2026")
    keys.tab_to(lambda f: f["text"] == "Ghi và hoàn thành bước này")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    case = InspectionCase.objects.get(pk=case.pk)
    assert case.status == "concluded", page.inner_text("main")[:1500]
