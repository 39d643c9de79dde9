"""The year report in a real (headless) Chromium states the rule that counts a letter
handed on inside the system once (issue 14), with the number it left out, under the
letters' paragraphs; that number opens the list of those letters. On the demo, with a
2025 letter the office handed to the Hòa Ché branch, which resolved it. The screenshot
(report-handoff.png) and the report's DOCX (report-handoff.docx, to be rendered to PDF
with LibreOffice) go to $SCREENSHOT_DIR (default: the test's tmp dir), to be looked at."""
import datetime
import io
import os
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone

from casework.models import Organisation, Petition
from casework.services import petitions as services
from casework.services.petitions import SenderData
from tests.browser.test_overview_in_browser import sign_in
from workflows.default_rules import install_default_rules
from workflows.models import DeadlineRule

pytestmark = [pytest.mark.browser]


def at(day, hour):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def handed_chain(actor, branch_actor):
    """As the hand-off service leaves it: the office's letter transferred to Hòa Ché,
    which registers its own linked letter and resolves it."""
    office, branch = (Organisation.objects.get(code=c) for c in ("van-phong", "hoa-che"))
    day = datetime.date(2025, 10, 6)
    common = {"channel": "post", "kind": "recommendation",
              "senders": [SenderData(full_name="Nguyễn Văn Đông", address="Thôn Hòa Ché")],
              "summary": "Kiến nghị sửa đường liên thôn Hòa Ché."}
    sent = services.petition_receive(actor=actor, organisation=office, received_on=day,
                                     at=at(day, 8), **common)
    services.petition_classify(actor=actor, petition_id=sent.pk, kind="recommendation",
                               competence="here", at=at(day, 9))
    services.petition_transfer(actor=actor, petition_id=sent.pk, recipient=branch.name,
                               doc_number="12", doc_date=day, at=at(day, 10))
    later = day + datetime.timedelta(days=1)
    actor = branch_actor  # the branch's own letter, handled there
    linked = services.petition_receive(actor=actor, organisation=branch, received_on=later,
                                       at=at(later, 8), **common)
    Petition.objects.filter(pk=sent.pk).update(handed_to=branch)
    Petition.objects.filter(pk=linked.pk).update(forwarded_from=sent)
    services.petition_classify(actor=actor, petition_id=linked.pk, kind="recommendation",
                               competence="here", at=at(later, 9))
    services.petition_accept(actor=actor, petition_id=linked.pk, doc_number="03",
                             doc_date=later, at=at(later, 10))
    done = later + datetime.timedelta(days=10)
    services.petition_resolve(actor=actor, petition_id=linked.pk, result="Đã sửa đường.",
                              doc_number="04", doc_date=done, at=at(done, 10))


@pytest.mark.django_db(transaction=True)
def test_the_report_states_the_rule_with_its_count(page, live_server, tmp_path):
    install_default_rules(DeadlineRule)
    call_command("load_demo", stdout=io.StringIO(), stderr=io.StringIO())
    from django.contrib.auth import get_user_model

    users = get_user_model().objects
    handed_chain(users.get(username="vanphong"), users.get(username="bithu.hoache"))
    out = Path(os.environ.get("SCREENSHOT_DIR", tmp_path))
    sign_in(page, live_server.url, "lanhdao")
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto(live_server.url + "/bao-cao/?ky=nam&nam=2025")
    note = page.locator("p.handoff-note")
    assert note.is_visible()
    assert note.inner_text() == (
        "Đơn chuyển giữa các đơn vị trong hệ thống được tính một lần, tại đơn vị giải quyết "
        "cuối cùng; 02 đơn đã chuyển trong phạm vi báo cáo không tính lại.")
    # The office's 16 letters of 2025 (the demo's 17 but 016/2025, handed to Chi bộ thôn 3
    # inside the system), not its handed one again; the branch's.
    text = page.inner_text("section.report")
    assert "Văn phòng Đảng ủy nhận được 16 đơn" in text
    assert "Chi bộ thôn Hòa Ché nhận được 01 đơn" in text
    note.scroll_into_view_if_needed()
    page.screenshot(path=str(out / "report-handoff.png"), full_page=True)
    page.screenshot(path=str(out / "report-handoff-note.png"))
    docx = page.request.get(live_server.url + "/bao-cao/docx/?ky=nam&nam=2025")
    assert docx.ok
    (out / "report-handoff.docx").write_bytes(docx.body())
    note.locator("a").click()
    page.wait_for_load_state("load")
    # The office's two letters handed on: this one and the demo's 016/2025.
    assert page.locator("table tbody tr").count() == 2
