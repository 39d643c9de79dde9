"""Hand-off inside the system through the pages, as the two users would (issue 14's "must
be shown"): the office clerk transfers a letter to a branch; the branch secretary finds it
in the branch's register and in "Việc của tôi", takes it on and resolves it; the office's
letter is then closed with the branch's result and its follow-up clock has stopped. The
same from the office of one commune to a unit of another. And the denouncer's identity
stays where it was protected."""
import datetime
import threading

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from casework.errors import ActionRefused
from casework.models import (
    CaseEvent,
    OrgKind,
    OutsideBody,
    Petition,
    PetitionStatus,
    RoleAssignment,
)
from casework.selectors.figures import letter_figures
from casework.selectors.handoff import handoff_links
from casework.services import petitions as svc
from notifications.models import Notice
from tests.factories import OrganisationFactory, user_with_role
from workflows.models import ClockStatus, DeadlineClock

TODAY = datetime.date.today
SECRET_NAME = "Hoàng Thị Bímật"
SECRET_ADDRESS = "Số 7 ngõ Kín"


def day_text(day=None):
    return (day or TODAY()).strftime("%d/%m/%Y")


def _classified(clerk, office, **kwargs):
    kwargs.setdefault("senders", [svc.SenderData(full_name="Phạm Văn Toàn", address="Thôn 3")])
    kwargs.setdefault("kind", "recommendation")
    letter = svc.petition_receive(
        actor=clerk, organisation=office, received_on=TODAY(), channel="direct",
        summary="Kiến nghị xem xét việc đảng viên dựng lều quán lấn chiếm hành lang giao thông.",
        **kwargs)
    svc.petition_classify(actor=clerk, petition_id=letter.pk, kind=letter.kind,
                          competence="other")
    return letter


def _post(client, letter, action, data):
    response = client.post(reverse("casework:petition-transition", args=[letter.pk, action]),
                           data)
    assert response.status_code == 302, response.content.decode()[:3000]
    return client.get(response["Location"])


def _hand_over_and_resolve(client, clerk, office, secretary, unit, unit_name):
    """The must-show, through the pages; returns the two letters."""
    letter = _classified(clerk, office)
    client.force_login(clerk)
    form = client.get(reverse("casework:petition-transition", args=[letter.pk, "transfer"]))
    assert "Tìm nơi nhận" in form.content.decode()
    # The typeahead finds the unit by an accent-free word of its name...
    found = client.get(reverse("casework:petition-destinations", args=[letter.pk]),
                       {"tim": unit_name}).json()["results"]
    assert {"value": f"org:{unit.pk}", "label": f"{unit.name} – {unit.parent.name}",
            "group": "Trong hệ thống"} in found
    # ...and so does the page's "Tìm" button, without JavaScript.
    page = client.post(reverse("casework:petition-transition", args=[letter.pk, "transfer"]),
                       {"expected_status": "classified", "destination_search": unit_name,
                        "find": "1"}).content.decode()
    assert f'value="org:{unit.pk}"' in page
    assert not Petition.objects.filter(forwarded_from=letter).exists()  # finding acts not
    page = _post(client, letter, "transfer", {
        "expected_status": "classified", "destination": f"org:{unit.pk}",
        "doc_number": "71-CV/ĐU", "doc_date": day_text(), "reason": "Chuyển chi bộ xem xét."})
    linked = Petition.objects.get(forwarded_from=letter)
    assert f"Đã chuyển đến đơn vị trong hệ thống:</strong> {unit.name}" in page.content.decode()
    assert linked.receipt_number in page.content.decode()

    client.force_login(secretary)
    register = client.get(reverse("casework:petition-list")).content.decode()
    assert linked.receipt_number in register
    assert letter.receipt_number not in register  # the office's register is not theirs
    my_work = client.get(reverse("workflows:my-work")).content.decode()
    assert linked.receipt_number in my_work
    assert Notice.objects.filter(recipient=secretary, petition=linked).exists()
    page = client.get(reverse("casework:petition-detail", args=[linked.pk])).content.decode()
    assert "Nhận từ đơn vị trong hệ thống:" in page and letter.receipt_number in page
    # The office's letter is not in the branch's scope: its number, without a link.
    assert reverse("casework:petition-detail", args=[letter.pk]) not in page
    _post(client, linked, "classify", {"expected_status": "received", "kind": "recommendation",
                                       "competence": "here"})
    _post(client, linked, "accept", {"expected_status": "classified", "doc_number": "01-TB/CB",
                                     "doc_date": day_text()})
    _post(client, linked, "resolve", {
        "expected_status": "accepted", "result": "Đảng viên đã tự tháo dỡ lều quán.",
        "doc_number": "02-KL/CB", "doc_date": day_text()})

    client.force_login(clerk)
    letter.refresh_from_db()
    assert letter.status == PetitionStatus.RESOLVED
    page = client.get(reverse("casework:petition-detail", args=[letter.pk])).content.decode()
    assert f"{unit.name} đã giải quyết: Đảng viên đã tự tháo dỡ lều quán." in page
    assert "Đơn vị nhận đơn đã xử lý" in page and "02-KL/CB" in page
    chase = DeadlineClock.objects.get(petition=letter, rule__step="chase")
    assert chase.status == ClockStatus.STOPPED
    assert not DeadlineClock.objects.filter(petition__in=[letter, linked],
                                            status=ClockStatus.RUNNING).exists()
    return letter, linked


def test_office_to_branch_through_the_pages(client, tree, clerk, leader):
    secretary = user_with_role("branch_secretary", tree.branch_a, username="bithu")
    letter, linked = _hand_over_and_resolve(client, clerk, tree.office, secretary,
                                            tree.branch_a, "hoa che")
    _counted_once(tree.commune, letter, linked)
    # The office clerk's view of the branch's letter: its number and state, no link.
    page = client.get(reverse("casework:petition-detail", args=[letter.pk])).content.decode()
    assert linked.receipt_number in page
    assert reverse("casework:petition-detail", args=[linked.pk]) not in page
    # The commune's leader sees both letters: the link is there.
    client.force_login(leader)
    page = client.get(reverse("casework:petition-detail", args=[letter.pk])).content.decode()
    assert reverse("casework:petition-detail", args=[linked.pk]) in page


def test_the_same_across_two_communes(client, tree, clerk):
    commune_b = OrganisationFactory(name="Đảng bộ xã Vĩnh Hưng", code="vinh-hung",
                                    kind=OrgKind.COMMUNE, parent=tree.city)
    office_b = OrganisationFactory(name="Văn phòng Đảng ủy xã Vĩnh Hưng", code="vp-vh",
                                   kind=OrgKind.AGENCY, parent=commune_b, symbol="VPĐU-VH")
    clerk_b = user_with_role("clerk", office_b, username="vanphong.vh")
    leader_b = user_with_role("leader", commune_b, username="lanhdao.vh")
    letter = _classified(clerk, tree.office)
    svc.petition_transfer(actor=clerk, petition_id=letter.pk, recipient_organisation=office_b,
                          doc_number="80-CV/ĐU", doc_date=TODAY())
    linked = Petition.objects.get(forwarded_from=letter)
    client.force_login(clerk_b)
    assert linked.receipt_number in client.get(reverse("casework:petition-list")).content.decode()
    _post(client, linked, "classify", {"expected_status": "received", "kind": "recommendation",
                                       "competence": "here"})
    client.force_login(leader_b)  # thụ lý is the committee's decision
    _post(client, linked, "accept", {"expected_status": "classified", "doc_number": "05-TB",
                                     "doc_date": day_text()})
    _post(client, linked, "resolve", {"expected_status": "accepted", "result": "Đã trả lời.",
                                      "doc_number": "06-TL", "doc_date": day_text()})
    letter.refresh_from_db()
    assert letter.status == PetitionStatus.RESOLVED
    assert letter.result == "Văn phòng Đảng ủy xã Vĩnh Hưng đã giải quyết: Đã trả lời."
    # Commune B's pages never link into commune A's register, nor A's into B's.
    page = client.get(reverse("casework:petition-detail", args=[linked.pk])).content.decode()
    assert reverse("casework:petition-detail", args=[letter.pk]) not in page
    assert client.get(reverse("casework:petition-detail", args=[letter.pk])).status_code == 404


def test_the_whole_must_show_across_two_communes_through_the_pages(client, tree, clerk):
    commune_b = OrganisationFactory(name="Đảng bộ xã Vĩnh Hưng", code="vinh-hung",
                                    kind=OrgKind.COMMUNE, parent=tree.city)
    branch_b = OrganisationFactory(name="Chi bộ thôn Đông", code="thon-dong", parent=commune_b)
    secretary_b = user_with_role("branch_secretary", branch_b, username="bithu.dong")
    letter, linked = _hand_over_and_resolve(client, clerk, tree.office, secretary_b, branch_b,
                                            "thon dong")
    _counted_once(tree.city, letter, linked)
    # Commune A alone holds only the office's letter: transferred out, closed with B's result.
    year = {"start": datetime.date(TODAY().year, 1, 1), "end": datetime.date(TODAY().year, 12, 31)}
    alone = letter_figures(organisation=tree.commune, **year)
    assert (alone["received"], alone["handed_within"], alone["transferred"]) == (1, 0, 1)
    assert alone["closed"]["resolved"] == 1


def _counted_once(rollup, letter, linked):
    """The chain is one letter in a roll-up holding both units: received and resolved once,
    at the recipient, with the sender's letter named as left out."""
    year = {"start": datetime.date(TODAY().year, 1, 1), "end": datetime.date(TODAY().year, 12, 31)}
    figures = letter_figures(organisation=rollup, **year)
    assert (figures["received"], figures["handed_within"]) == (1, 1)
    assert figures["closed"]["resolved"] == 1 and figures["open_at_end"] == 0
    assert set(figures["by_unit"]) == {linked.organisation.code}


def test_outside_body_by_the_form_and_free_text_last(client, tree, clerk):
    body = OutsideBody.objects.create(name="Công an xã Kè Sắt", kind="police",
                                      organisation=tree.commune)
    OutsideBody.objects.create(name="Công an xã Khác", kind="police",
                               organisation=OrganisationFactory(code="khac"))
    letter = _classified(clerk, tree.office)
    client.force_login(clerk)
    found = client.get(reverse("casework:petition-destinations", args=[letter.pk]),
                       {"tim": "cong an"}).json()["results"]
    assert [r["label"] for r in found] == ["Công an xã Kè Sắt"]
    too_long = client.get(reverse("casework:petition-destinations", args=[letter.pk]),
                          {"tim": "x" * 101})
    assert too_long.status_code == 400 and "tối đa 100 ký tự" in too_long.json()["error"]
    # A control character (NUL, which PostgreSQL refuses in text) is cleaned away first.
    found = client.get(reverse("casework:petition-destinations", args=[letter.pk]),
                       {"tim": "cong\x00 an"}).json()["results"]
    assert [r["label"] for r in found] == ["Công an xã Kè Sắt"]
    # A search typed but nothing chosen: said, under the field.
    page = client.post(reverse("casework:petition-transition", args=[letter.pk, "transfer"]),
                       {"expected_status": "classified", "destination_search": "cong an",
                        "doc_number": "1", "doc_date": day_text()}).content.decode()
    assert "chưa chọn nơi nhận" in page
    # Nothing at all: the service's message, naming where.
    page = client.post(reverse("casework:petition-transition", args=[letter.pk, "transfer"]),
                       {"expected_status": "classified", "doc_number": "1",
                        "doc_date": day_text()}).content.decode()
    assert "Chưa chọn nơi nhận đơn chuyển" in page
    _post(client, letter, "transfer", {"expected_status": "classified",
                                       "destination": f"body:{body.pk}", "doc_number": "1",
                                       "doc_date": day_text()})
    letter.refresh_from_db()
    assert letter.handled_by == "Công an xã Kè Sắt" and letter.handed_to is None
    other = _classified(clerk, tree.office)
    _post(client, other, "transfer", {"expected_status": "classified",
                                      "recipient": "Tòa án nhân dân khu vực 7",
                                      "doc_number": "2", "doc_date": day_text()})
    other.refresh_from_db()
    assert other.handled_by == "Tòa án nhân dân khu vực 7"


def test_the_typeahead_is_for_those_who_may_transfer(client, tree, clerk):
    viewer = user_with_role("viewer", tree.commune, username="xem")
    letter = _classified(clerk, tree.office)
    client.force_login(viewer)
    url = reverse("casework:petition-destinations", args=[letter.pk])
    assert client.get(url, {"tim": "chi bo"}).status_code == 403
    stranger = user_with_role("clerk", OrganisationFactory(code="xa-khac"), username="khac")
    client.force_login(stranger)
    assert client.get(url, {"tim": "chi bo"}).status_code == 404


def test_identity_protection_travels_with_the_letter(client, tree, clerk,
                                                     django_capture_on_commit_callbacks):
    secretary = user_with_role("branch_secretary", tree.branch_a, username="bithu")
    pdf = SimpleUploadedFile("to-cao.pdf", b"%PDF-1.4\n% " + SECRET_NAME.encode() + b"\n%%EOF",
                             content_type="application/pdf")
    with django_capture_on_commit_callbacks(execute=True):
        letter = _classified(clerk, tree.office, kind="denunciation", senders=[
            svc.SenderData(full_name=SECRET_NAME, address=SECRET_ADDRESS)], attachments=[pdf])
    svc.petition_transfer(actor=clerk, petition_id=letter.pk, recipient_organisation=tree.branch_a,
                          doc_number="9-CV", doc_date=TODAY())
    linked = Petition.objects.get(forwarded_from=letter)
    assert linked.identity_confidential
    client.force_login(secretary)
    scan = linked.attachments.get()
    pages = [reverse("casework:petition-detail", args=[linked.pk]),
             reverse("casework:petition-receipt", args=[linked.pk]),
             reverse("casework:petition-list"), reverse("workflows:my-work"),
             reverse("notifications:inbox"),
             reverse("casework:attachment-download", args=[scan.pk])]
    for url in pages:
        response = client.get(url)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        for secret in (SECRET_NAME, SECRET_ADDRESS):
            assert secret.encode() not in body, url
    assert client.get(reverse("casework:attachment-download", args=[scan.pk])).status_code == 403
    assert "Người tố cáo (danh tính được bảo mật)" in client.get(
        reverse("casework:petition-detail", args=[linked.pk])).content.decode()
    # A cleared user at the branch's committee sees it there, and the view is logged.
    cleared = user_with_role("leader", tree.commune, username="lanhdao2")
    RoleAssignment.objects.filter(user=cleared).update(identity_clearance=True)
    client.force_login(cleared)
    assert SECRET_NAME in client.get(
        reverse("casework:petition-detail", args=[linked.pk])).content.decode()
    assert linked.identity_accesses.filter(user=cleared).exists()


def test_the_page_links_cost_two_queries(tree, clerk, leader):
    letter = _classified(clerk, tree.office)
    svc.petition_transfer(actor=clerk, petition_id=letter.pk, recipient_organisation=tree.branch_a,
                          doc_number="9-CV", doc_date=TODAY())
    letter.refresh_from_db()
    with CaptureQueriesContext(connection) as queries:
        links = handoff_links(user=leader, petition=letter)
    assert len(queries) <= 3  # the linked letters, which of them are seen (+ roles, once)
    assert links["went_to"][0].url and links["came_from"] is None


def _race(clerk, secretary, letter, linked):
    """The branch resolves and the office follows up at the same moment: {name: outcome}."""
    barrier, outcomes = threading.Barrier(2), {}

    def act(name, call):
        try:
            barrier.wait()
            call()
            outcomes[name] = "ok"
        except ActionRefused as exc:
            outcomes[name] = exc.message
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=act, args=("branch", lambda: svc.petition_resolve(
            actor=secretary, petition_id=linked.pk, result="Xong.", doc_number="2",
            doc_date=TODAY(), expected_status="accepted"))),
        threading.Thread(target=act, args=("office", lambda: svc.petition_follow_up(
            actor=clerk, petition_id=letter.pk, reason="Gọi điện đôn đốc.",
            expected_status="transferred")))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return outcomes


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_recipient_acts_while_the_sender_follows_up(tree):
    """On PostgreSQL, real connections: the branch resolves (which closes the office's
    letter) while the office chases it. Both succeed, the chase first; or the chase is
    refused with the clear message. Nothing is half-written either way."""
    clerk = user_with_role("clerk", tree.office, username="vp")
    secretary = user_with_role("branch_secretary", tree.branch_a, username="bt")
    for attempt in range(4):
        letter = _classified(clerk, tree.office)
        svc.petition_transfer(actor=clerk, petition_id=letter.pk,
                              recipient_organisation=tree.branch_a, doc_number=f"{attempt}-CV",
                              doc_date=TODAY())
        linked = Petition.objects.get(forwarded_from=letter)
        svc.petition_classify(actor=secretary, petition_id=linked.pk, kind="recommendation",
                              competence="here")
        svc.petition_accept(actor=secretary, petition_id=linked.pk, doc_number="1",
                            doc_date=TODAY())
        outcomes = _race(clerk, secretary, letter, linked)
        assert outcomes["branch"] == "ok"
        assert outcomes["office"] == "ok" or "vừa được người khác cập nhật" in outcomes["office"]
        letter.refresh_from_db()
        assert letter.status == PetitionStatus.RESOLVED
        kinds = list(CaseEvent.objects.filter(petition=letter).order_by("occurred_at", "id")
                     .values_list("event_type", "from_status", "to_status"))
        assert kinds[-1] == ("resolved", "transferred", "resolved")
        assert kinds.count(("followed_up", "transferred", "transferred")) == (
            1 if outcomes["office"] == "ok" else 0)
        for before, after in zip(kinds, kinds[1:]):
            assert after[1] == before[2]
