"""Register export (Sổ theo dõi đơn thư, .xlsx): the user's scope and the register's filters,
real dates shown dd/mm/yyyy, and a denouncer's identity only for a cleared user who asks for
it, each protected letter exported with its sender logged."""
import datetime
import html
import io
import zipfile

import openpyxl
import pytest
from django.urls import reverse

from casework.exports import COLUMNS, RegisterRow, write_register
from casework.models import IdentityAccess, RoleAssignment
from casework.services.identity import MASK
from casework.services.petitions import SenderData, petition_receive
from tests.factories import UserFactory, receive_petition

pytestmark = pytest.mark.django_db

NAME, ADDRESS, PHONE, ID_NUMBER = ("Vũ Thị Kín Đáo", "Xóm Giữa, thôn Lại", "0987000111",
                                   "034188001234")
SECRETS = [NAME, ADDRESS, PHONE, ID_NUMBER]
HEADER_ROW = 6  # title, scope, who/when, identity note, blank, header
URL = "/don-thu/xuat-excel/"


def person(username, role, organisation, *, cleared=False):
    user = UserFactory(username=username, first_name="Hoa", last_name="Nguyễn Thị")
    RoleAssignment.objects.create(user=user, organisation=organisation, role=role,
                                  identity_clearance=cleared)
    return user


def denounce(actor, organisation, *, name=NAME, received_on=datetime.date(2025, 9, 5)):
    return petition_receive(
        actor=actor, organisation=organisation, received_on=received_on, channel="direct",
        kind="denunciation",
        senders=[SenderData(full_name=name, address=ADDRESS, phone=PHONE,
                            id_number=ID_NUMBER)],
        summary="Tố cáo việc lấn chiếm đất công của đảng viên thôn Lại.",
        subject_name="Đinh Văn Lấn")


@pytest.fixture
def letters(tree, admin_user):
    """Office: a named kiến nghị, an anonymous one and a tố cáo; branch B: a khiếu nại."""
    return dict(
        named=receive_petition(actor=admin_user, organisation=tree.office,
                               received_on=datetime.date(2025, 7, 8), sender="Trần Văn Thắng"),
        anonymous=receive_petition(actor=admin_user, organisation=tree.office, sender=None,
                                   received_on=datetime.date(2025, 8, 1),
                                   summary="Phản ánh đổ rác ra kênh."),
        protected=denounce(admin_user, tree.office),
        branch=receive_petition(actor=admin_user, organisation=tree.branch_b, kind="complaint",
                                sender="Đỗ Thị Mai", received_on=datetime.date(2025, 10, 2),
                                summary="Khiếu nại về bồi thường."),
    )


def export(client, user, **params):
    client.force_login(user)
    response = client.get(reverse("casework:petition-export"), params)
    assert response.status_code == 200, response
    return response, b"".join(response.streaming_content)


def table(data):
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    rows = list(sheet.iter_rows(values_only=True))
    return sheet, rows[:HEADER_ROW], rows[HEADER_ROW:]


def xlsx_text(data):
    """Every member of the (zipped) workbook, decompressed: what anyone unzipping it reads."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        # Unescaped: a writer may store other than ASCII as character references (openpyxl
        # on lxml does), and a name must not pass unseen that way.
        return "".join(html.unescape(archive.read(name).decode("utf-8"))
                       for name in archive.namelist())


def test_rows_follow_the_users_scope_and_the_registers_filters(client, tree, letters):
    clerk = person("vp", "clerk", tree.office)
    response, data = export(client, clerk)
    assert response["Content-Disposition"].startswith('attachment; filename="so-don-thu-')
    assert response["Content-Disposition"].endswith('.xlsx"')
    assert response["Cache-Control"] == "private, no-store"
    sheet, head, rows = table(data)
    assert head[0][0] == "SỔ THEO DÕI ĐƠN THƯ"
    assert head[1][0] == "Văn phòng Đảng ủy"
    assert head[2][0].startswith("Xuất ngày ") and head[2][0].endswith(" bởi Nguyễn Thị Hoa")
    assert list(head[HEADER_ROW - 1]) == [str(label) for label, _width in COLUMNS]
    # Oldest first, as a paper register; the other branch's letter is not there. The total
    # under the table counts the rows written.
    *rows, _blank, total = rows
    assert total[0] == "Tổng số: 3 đơn"
    assert [r[0] for r in rows] == ["001/2025/VPĐU", "002/2025/VPĐU", "003/2025/VPĐU"]
    assert "Đỗ Thị Mai" not in xlsx_text(data)
    named, anonymous, protected = rows
    assert named[2:8] == ("Văn phòng Đảng ủy", "Bưu chính", "Kiến nghị", "Trần Văn Thắng",
                          "Thôn Hòa Ché", "Kiến nghị về việc làm đường liên thôn.")
    assert named[9] == "Đã tiếp nhận"
    assert anonymous[5] == anonymous[6] == "Giấu tên"
    assert protected[5] == str(MASK) and protected[8] == "Đinh Văn Lấn"

    leader = person("ld", "leader", tree.commune)
    _response, data = export(client, leader, **{"loai": "complaint",
                             "tu-ngay": "01/10/2025", "den-ngay": "31/10/2025"})
    _sheet, head, rows = table(data)
    assert [(r[0], r[2], r[5]) for r in rows[:-2]] == [
        ("001/2025/THON-LAI", "Chi bộ thôn Lại", "Đỗ Thị Mai")]
    assert head[1][0] == ("Đảng bộ xã Kè Sắt; nhận từ ngày 01/10/2025 đến ngày 31/10/2025; "
                          "Loại đơn: Khiếu nại")


def test_dates_are_real_dates_shown_dd_mm_yyyy(client, tree, letters, admin_user):
    from casework.services.petitions import petition_classify, petition_guide

    petition_classify(actor=admin_user, petition_id=letters["named"].pk, kind="recommendation",
                      competence="none")
    petition_guide(actor=admin_user, petition_id=letters["named"].pk,
                   doc_date=datetime.date(2025, 7, 20), reason="Hướng dẫn gửi UBND xã.")
    sheet, _head, rows = table(export(client, person("ld", "leader", tree.commune))[1])
    first = sheet.cell(row=HEADER_ROW + 1, column=2)
    assert first.is_date and first.number_format == "dd/mm/yyyy"
    assert first.value.date() == datetime.date(2025, 7, 8)
    closed = sheet.cell(row=HEADER_ROW + 1, column=13)
    assert closed.is_date and closed.number_format == "dd/mm/yyyy"
    assert closed.value.date() == datetime.date(2025, 7, 20)
    assert sheet.freeze_panes == f"A{HEADER_ROW + 1}"
    assert sheet.page_setup.orientation == "landscape"
    assert sheet.print_title_rows == f"${HEADER_ROW}:${HEADER_ROW}"


def test_uncleared_user_gets_no_identity_even_when_asking(client, tree, letters):
    leader = person("ld", "leader", tree.commune)
    _response, data = export(client, leader, **{"danh-tinh": "1"})
    text = xlsx_text(data)
    assert str(MASK) in text and "bảo mật (không có trong tệp này)" in text
    for secret in SECRETS:
        assert secret not in text and secret.encode() not in data
    assert not IdentityAccess.objects.exists()


def test_searching_by_a_denouncers_name_finds_nothing_without_clearance(client, tree, letters):
    leader = person("ld", "leader", tree.commune)
    _sheet, _head, rows = table(export(client, leader, tim=NAME)[1])
    assert rows == [(None,) * len(COLUMNS), ("Tổng số: 0 đơn",) + (None,) * (len(COLUMNS) - 1)]


def test_cleared_user_who_asks_gets_names_and_one_log_row_per_protected_letter(
        client, tree, letters, admin_user):
    second = denounce(admin_user, tree.branch_a, name="Hà Văn Thứ Hai")
    cleared = person("ld-duoc-xem", "leader", tree.commune, cleared=True)
    _response, data = export(client, cleared, **{"danh-tinh": "1"})
    _sheet, head, rows = table(data)
    assert "đã được ghi nhật ký" in head[3][0]
    # Each number names one letter: no need to read it with the receiving unit.
    by_number = {r[0]: r for r in rows[:-2]}
    assert len(by_number) == len(rows[:-2])
    assert by_number["003/2025/VPĐU"][5:7] == (NAME, ADDRESS)
    assert by_number["001/2025/HOA-CHE"][5] == "Hà Văn Thứ Hai"
    accesses = IdentityAccess.objects.all()
    assert sorted(a.petition_id for a in accesses) == sorted([letters["protected"].pk, second.pk])
    assert {(a.user, a.purpose) for a in accesses} == {(cleared, "export")}


def test_clearance_reaches_only_its_own_subtree(client, tree, letters, admin_user):
    in_branch = denounce(admin_user, tree.branch_a, name="Hà Văn Thứ Hai")
    user = person("bt-a", "clerk", tree.branch_a, cleared=True)
    RoleAssignment.objects.create(user=user, organisation=tree.office, role="viewer")
    text = xlsx_text(export(client, user, **{"danh-tinh": "1"})[1])
    assert "Hà Văn Thứ Hai" in text and NAME not in text
    assert list(IdentityAccess.objects.values_list("petition_id", flat=True)) == [in_branch.pk]


def test_cleared_user_who_does_not_ask_gets_the_mask_and_no_log(client, tree, letters):
    cleared = person("ld-duoc-xem", "leader", tree.commune, cleared=True)
    text = xlsx_text(export(client, cleared)[1])
    assert str(MASK) in text
    for secret in SECRETS:
        assert secret not in text
    assert not IdentityAccess.objects.exists()


def test_who_may_export(client, tree, letters):
    assert client.get(URL).status_code == 302  # to the login page
    client.force_login(UserFactory(username="khong-vai-tro"))
    assert client.get(URL).status_code == 403
    client.force_login(person("xem", "viewer", tree.commune))
    assert client.get(URL).status_code == 200
    response = client.get(URL, {"tu-ngay": "31/02/2025"})
    assert response.status_code == 302 and response["Location"].startswith("/don-thu/?")


def test_register_page_offers_the_export_and_the_identity_box_only_with_clearance(
        client, tree, letters):
    box = "Kèm danh tính người tố cáo (được ghi nhật ký)"
    client.force_login(person("ld", "leader", tree.commune))
    page = client.get(reverse("casework:petition-list")).content.decode()
    assert f'formaction="{URL}"' in page and "Xuất Excel" in page and box not in page
    client.force_login(person("ld-duoc-xem", "leader", tree.commune, cleared=True))
    page = client.get(reverse("casework:petition-list")).content.decode()
    assert box in page


def test_the_columns_match_the_row_fields():
    assert len(COLUMNS) == len(RegisterRow._fields)


def test_the_total_counts_the_rows_written_with_a_thousands_dot():
    row = RegisterRow("001/2025", datetime.date(2025, 1, 2), "Văn phòng Đảng ủy", "Bưu chính",
                      "Kiến nghị", "Trần Văn Thắng", "", "Kiến nghị.", "", "Đã tiếp nhận", "",
                      "", None)
    out = io.BytesIO()
    assert write_register(out, (row for _ in range(1822)), title_lines=["Kè Sắt"]) == 1822
    sheet = openpyxl.load_workbook(out).active
    assert sheet.cell(row=sheet.max_row, column=1).value == "Tổng số: 1.822 đơn"
    assert sheet.cell(row=4, column=1).value == "Số biên nhận"  # one title line: header row 4


def test_the_document_column_names_the_decision_date_in_the_readers_language():
    """The "ngày …" text of each decision date is kept per language (casework.exports
    `_labels`): an English export made after a Vietnamese one must not reuse its words."""
    from collections import namedtuple

    from django.utils import translation

    from casework.exports import register_row
    from casework.selectors.letter_export import _COLUMNS

    letter = namedtuple("Letter", _COLUMNS)(**{
        **dict.fromkeys(_COLUMNS, ""), "pk": 1, "receipt_seq": 7, "receipt_year": 2025,
        "received_on": datetime.date(2025, 3, 1), "channel": "direct", "kind": "complaint",
        "sender_type": "named", "identity_confidential": False, "status": "received",
        "decision_number": "12/QĐ-UBKT", "decision_date": datetime.date(2025, 4, 3),
        "closed_on": None, "subject_member_name": None, "subject_organisation_name": None})
    documents = []
    for language in ("vi", "en", "vi"):
        with translation.override(language):
            documents.append(register_row(letter, [("Trần Văn Thắng", "")], masked=False)
                             .document)
    assert documents == ["12/QĐ-UBKT ngày 03/04/2025", "12/QĐ-UBKT dated 03/04/2025",
                         "12/QĐ-UBKT ngày 03/04/2025"]
