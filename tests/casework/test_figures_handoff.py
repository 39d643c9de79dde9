"""A letter is counted once in every roll-up (issue 14): a letter handed on inside the
system (transferred or guided to a unit in it, which registers a linked letter) is counted
at the recipient's letter in a roll-up holding both units, and still at the sender's in a
roll-up holding the sender only (casework.selectors.figure_rules).

The chains are made as the hand-off service leaves them (the service is built apart): both
letters through the existing services, the sender's transferred, then `handed_to` on it and
`forwarded_from` on the recipient's letter set directly.

The story, all in 2025, in Kè Sắt (office, UBKT, branches Hòa Ché and Lại) and xã Mẫu:
- A: the office hands a letter to Hòa Ché, which accepts and resolves it;
- B: the office hands a letter to xã Mẫu's office (another commune), still open there;
- C: the office hands a letter to Hòa Ché, which hands it on to Lại (three letters);
- D: the UBKT receives a letter and keeps it (nothing handed).
"""
import datetime
import re
from io import BytesIO

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from docx import Document
from openpyxl import load_workbook

from casework.models import OrgKind, Petition
from casework.report_text import plain
from casework.selectors.figure_rules import letter_figure_names, letters_figure
from casework.selectors.figures import letter_figures
from casework.services import petitions as services
from tests.factories import OrganisationFactory, receive_petition, user_with_role
from workflows.default_rules import install_default_rules
from workflows.leader_overview import overview
from workflows.models import DeadlineRule

pytestmark = pytest.mark.django_db
D = datetime.date
YEAR = (D(2025, 1, 1), D(2025, 12, 31))
RULE = ("Đơn chuyển giữa các đơn vị trong hệ thống được tính một lần, tại đơn vị giải quyết "
        "cuối cùng")


def moment(day, hour=9):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def receive(actor, unit, day, kind="complaint"):
    return receive_petition(actor=actor, organisation=unit, kind=kind, received_on=day,
                            at=moment(day, 8))


def hand_off(actor, letter, recipient, day):
    """Transfer `letter` to `recipient` (a unit in the system) on `day`; the recipient
    registers it the next day. Returns the recipient's letter."""
    services.petition_classify(actor=actor, petition_id=letter.pk, kind=letter.kind,
                               competence="here", at=moment(day, 9))
    services.petition_transfer(actor=actor, petition_id=letter.pk, recipient=recipient.name,
                               doc_number="01", doc_date=day, at=moment(day, 10))
    linked = receive(actor, recipient, day + datetime.timedelta(days=1), kind=letter.kind)
    Petition.objects.filter(pk=letter.pk).update(handed_to=recipient)
    Petition.objects.filter(pk=linked.pk).update(forwarded_from=letter)
    return linked


def resolve(actor, letter, day):
    services.petition_classify(actor=actor, petition_id=letter.pk, kind=letter.kind,
                               competence="here", at=moment(day, 9))
    services.petition_accept(actor=actor, petition_id=letter.pk, doc_number="02",
                             doc_date=day, at=moment(day, 10))
    services.petition_resolve(actor=actor, petition_id=letter.pk, result="Đã trả lời.",
                              doc_number="03", doc_date=day + datetime.timedelta(days=9),
                              at=moment(day + datetime.timedelta(days=9), 10))


@pytest.fixture
def story(tree):
    install_default_rules(DeadlineRule)
    mau = OrganisationFactory(name="Đảng bộ xã Mẫu", code="xa-mau", kind=OrgKind.COMMUNE,
                              parent=tree.city)
    mau_office = OrganisationFactory(name="Văn phòng Đảng ủy xã Mẫu", code="vp-mau",
                                     kind=OrgKind.AGENCY, parent=mau)
    actor = user_with_role("ubkt", tree.city, username="uv.tinh")
    a = receive(actor, tree.office, D(2025, 3, 3))
    a2 = hand_off(actor, a, tree.branch_a, D(2025, 3, 5))
    resolve(actor, a2, D(2025, 3, 10))
    b = receive(actor, tree.office, D(2025, 4, 1), kind="recommendation")
    b2 = hand_off(actor, b, mau_office, D(2025, 4, 2))
    c = receive(actor, tree.office, D(2025, 5, 5), kind="denunciation")
    c2 = hand_off(actor, c, tree.branch_a, D(2025, 5, 6))
    c3 = hand_off(actor, c2, tree.branch_b, D(2025, 5, 9))
    d = receive(actor, tree.ubkt, D(2025, 6, 1), kind="feedback")
    tree.mau, tree.mau_office = mau, mau_office
    tree.letters = {"a": a, "a2": a2, "b": b, "b2": b2, "c": c, "c2": c2, "c3": c3, "d": d}
    return tree


def year(organisation):
    return letter_figures(organisation=organisation, start=YEAR[0], end=YEAR[1],
                          open_by_kind=True)


def counted(figures):
    """The figures a test reads, flat: the per-unit received counts and the handed-out."""
    return {"received": figures["received"], "transferred": figures["transferred"],
            "accepted": figures["accepted"], "resolved": figures["closed"]["resolved"],
            "open_at_end": figures["open_at_end"], "handed_within": figures["handed_within"],
            "units": {code: unit["received"] for code, unit in figures["by_unit"].items()}}


def balanced(figures):
    return (figures["carried_in"] + figures["received"]
            == sum(figures["closed"].values()) + figures["open_at_end"])


def test_a_chain_inside_a_commune_counts_once_at_the_unit_that_settled_it(story):
    commune = year(story.commune)
    # A at Hòa Ché (resolved), B at the office (handed out of the commune: transferred
    # there), C at Lại (the last of three letters), D at the UBKT.
    assert counted(commune) == {
        "received": 4, "transferred": 1, "accepted": 1, "resolved": 1, "open_at_end": 3,
        "handed_within": 3, "units": {"hoa-che": 1, "vp": 1, "thon-lai": 1, "ubkt": 1}}
    assert commune["by_unit"]["hoa-che"]["closed"]["resolved"] == 1
    assert commune["by_unit"]["vp"]["transferred"] == 1
    assert commune["received_by_kind"] == {"complaint": 1, "denunciation": 1,
                                           "recommendation": 1, "feedback": 1}
    assert balanced(commune) and all(balanced(u) for u in commune["by_unit"].values())


def test_a_roll_up_holding_only_the_sender_counts_the_sender(story):
    # The office alone: its three letters went to units outside it, transferred there; A's
    # was closed with Hòa Ché's result when Hòa Ché resolved it (the relay back).
    assert counted(year(story.office)) == {
        "received": 3, "transferred": 3, "accepted": 0, "resolved": 1, "open_at_end": 2,
        "handed_within": 0, "units": {"vp": 3}}
    # Hòa Ché alone: A resolved there; C's second letter handed on to Lại, outside it.
    assert counted(year(story.branch_a)) == {
        "received": 2, "transferred": 1, "accepted": 1, "resolved": 1, "open_at_end": 1,
        "handed_within": 0, "units": {"hoa-che": 2}}


def test_a_chain_across_communes_counts_in_each_commune_and_once_in_the_province(story):
    assert counted(year(story.mau)) == {
        "received": 1, "transferred": 0, "accepted": 0, "resolved": 0, "open_at_end": 1,
        "handed_within": 0, "units": {"vp-mau": 1}}
    province = year(story.city)
    # Every hand-off is inside the province: each chain once, at its last letter.
    assert counted(province) == {
        "received": 4, "transferred": 0, "accepted": 1, "resolved": 1, "open_at_end": 3,
        "handed_within": 4, "units": {"hoa-che": 1, "thon-lai": 1, "ubkt": 1, "vp-mau": 1}}
    assert balanced(province)


def test_a_period_after_the_hand_off_carries_in_the_recipients_letter_only(story):
    later = letter_figures(organisation=story.commune, start=D(2025, 7, 1),
                           end=D(2025, 12, 31))
    assert later["carried_in"] == 3 and later["received"] == 0
    # C's office letter (still open: C's branch has not settled it) and C's second letter
    # are left out; A's office letter was closed in March by the relay of Hòa Ché's
    # resolution (casework.services.handoff), so it is not live in the period at all.
    assert later["handed_within"] == 2
    assert balanced(later)


@pytest.mark.parametrize("unit", ["city", "commune", "office", "branch_a", "mau"])
def test_the_list_behind_each_figure_is_the_figure(story, unit):
    organisation = story.mau if unit == "mau" else getattr(story, unit)
    figures = year(organisation)
    letters = Petition.objects.filter(organisation__path__startswith=organisation.path)
    for figure, details in letter_figure_names().items():
        for detail in details or [""]:
            if figure == "received" and detail:
                value = figures["received_by_kind"][detail]
            elif figure == "closed":
                value = (figures["closed"][detail] if detail
                         else sum(figures["closed"].values()))
            else:
                value = figures[figure]
            got = letters_figure(letters, figure, *YEAR, detail, organisation=organisation)
            assert got.count() == value, (unit, figure, detail)
    handed = letters_figure(letters, "handed_within", *YEAR, organisation=organisation)
    want = {"city": {"a", "b", "c", "c2"}, "commune": {"a", "c", "c2"}}.get(unit, set())
    assert set(handed) == {story.letters[key] for key in want}


def test_the_report_says_the_rule_and_how_many_it_left_out(story, client):
    client.force_login(user_with_role("leader", story.commune, username="lanhdao"))
    query = {"ky": "nam", "nam": "2025", "don-vi": story.commune.pk}
    page = client.get(reverse("casework:report"), query)
    assert page.status_code == 200
    note = plain(page.context["handoff_note"])
    assert note == (f"{RULE}; 03 đơn đã chuyển trong phạm vi báo cáo không tính lại.")
    assert note in re.sub(r"<[^>]+>", "", page.content.decode())
    # The number links to the letters it left out; every letter figure to its list.
    linked = [s for s in page.context["handoff_note"] if s.url]
    segments = [*linked, *(s for par in page.context["letter_paragraphs"] for s in par
                           if s.url)]
    table = page.context["letter_table"]
    segments += [s for _label, cells in table[1] for s in cells] + list(table[2][1])
    assert len(linked) == 1 and linked[0].value == 3
    for segment in segments:
        assert client.get(segment.url).context["total"] == segment.value, segment
    # The table has a row per unit that counted a letter: not the office's handed ones.
    assert [label for label, _cells in table[1]] == [
        "Văn phòng Đảng ủy", "Ủy ban Kiểm tra Đảng ủy", "Chi bộ thôn Hòa Ché",
        "Chi bộ thôn Lại"]
    document = Document(BytesIO(client.get(reverse("casework:report-docx"), query).content))
    texts = [p.text for p in document.paragraphs]
    assert texts.count(note) == 2  # under the letters' paragraphs and under the annex table
    workbook = load_workbook(BytesIO(client.get(reverse("casework:report-xlsx"),
                                                query).content))
    sheet_lines = [row[0] for row in workbook["Đơn thư"].iter_rows(values_only=True) if row]
    assert note in sheet_lines
    assert note in [row[0] for row in workbook["Thuyết minh"].iter_rows(values_only=True)]


def test_a_report_with_no_hand_off_says_so(story, client):
    client.force_login(user_with_role("leader", story.commune, username="lanhdao"))
    page = client.get(reverse("casework:report"), {"ky": "nam", "nam": "2024",
                                                   "don-vi": story.commune.pk})
    assert plain(page.context["handoff_note"]) == (
        f"{RULE}; trong kỳ không có đơn nào chuyển trong phạm vi báo cáo.")


def test_the_report_in_english_says_it_in_english(story, client):
    client.force_login(user_with_role("leader", story.commune, username="lanhdao"))
    client.cookies.load({"django_language": "en"})
    page = client.get(reverse("casework:report"), {"ky": "nam", "nam": "2025",
                                                   "don-vi": story.commune.pk})
    note = plain(page.context["handoff_note"])
    assert note.startswith("A letter passed between units") and "03" in note, note


def test_the_overview_counts_a_chain_once(story, client):
    with time_machine.travel(moment(D(2025, 12, 15)), tick=False):
        leader = user_with_role("leader", story.city, username="tinh")
        province = overview(user=leader, focus=story.city, today=D(2025, 12, 15))
        assert (province["total"].received, province["total"].closed) == (4, 1)
        rows = {row.organisation.code: (row.received, row.closed)
                for row in province["units"]}
        assert rows["ke-sat"] == (3, 1) and rows["xa-mau"] == (1, 0)
        months = {start.month: (received, closed)
                  for start, _end, received, closed in province["months"]}
        assert months[3] == (1, 1) and months[4] == (1, 0) and months[5] == (1, 0)
        commune = overview(user=leader, focus=story.commune, today=D(2025, 12, 15))
        assert (commune["total"].received, commune["total"].closed) == (4, 1)
        rows = {row.organisation.code: row.received for row in commune["units"]}
        assert rows == {"vp": 1, "ubkt": 1, "hoa-che": 1, "thon-lai": 1}
        # Each number opens the list it counts (the lists say the roll-up: ?tong-hop=).
        client.force_login(leader)
        for focus, want in ((story.city, 4), (story.commune, 4)):
            response = client.get(reverse("workflows:leader-overview"),
                                  {"don-vi": focus.code})
            total = response.context["total"]
            assert total.received == want
            assert client.get(total.urls["received"]).context["total"] == want
            assert client.get(total.urls["closed"]).context["total"] == 1
            for row in response.context["units"]:
                listed = client.get(row.urls["received"]).context["total"]
                assert listed == row.received, (focus.code, row.organisation.code)


def test_a_roll_up_list_of_a_unit_one_may_not_see_is_empty_and_says_why(story, client):
    client.force_login(user_with_role("leader", story.mau, username="mau"))
    response = client.get(reverse("casework:petition-list"), {"tong-hop": story.city.pk})
    assert response.context["total"] == 0
    assert "Tổng hợp theo đơn vị" in response.content.decode()
