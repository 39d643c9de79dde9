"""Import of a letters register from Excel (issue 16): all or nothing, errors named by row
and column, duplicates skipped, numbers kept and the counter moved past them, history as
back-dated events counted in their period, the audit chain intact, clocks for open
letters, bounds on the file."""
import datetime
import zipfile

import pytest
from django.core.management import call_command

from casework.imports.workbook import BadFile, ImportInvalid
from casework.models import CaseEvent, Petition, ReceiptCounter
from casework.selectors.figures import letter_figures
from casework.services.audit import verify
from casework.services.letter_import import letter_import, letter_import_check
from casework.services.petitions import petition_receive
from tests.casework.import_files import HEADERS, generated_rows, write_book

pytestmark = pytest.mark.django_db

UNIT = "Văn phòng Đảng ủy"


def one(**extra):
    row = {"Nơi tiếp nhận": UNIT, "Số tiếp nhận": "001/2025", "Ngày nhận": "05/03/2025",
           "Nguồn đơn": "Trực tiếp", "Loại đơn": "Kiến nghị", "Họ tên người gửi": "trần văn an",
           "Tóm tắt nội dung": "Đề nghị sửa đường"}
    row.update(extra)
    return row


def test_one_bad_row_writes_nothing_and_names_row_and_column(clerk, tree, tmp_path):
    rows = [one(), one(**{"Số tiếp nhận": "002/2025", "Ngày nhận": "31/02/2025"}),
            one(**{"Số tiếp nhận": "003/2025"})]
    path = write_book(tmp_path / "a.xlsx", rows)
    with pytest.raises(ImportInvalid) as caught:
        letter_import(actor=clerk, path=path)
    items = caught.value.plan.errors.items
    assert items == ["Dòng 3, cột «Ngày nhận»: không phải ngày theo dạng dd/mm/yyyy."]
    assert not Petition.objects.exists() and not CaseEvent.objects.exists()


def test_history_out_of_lifecycle_order_is_refused(clerk, tree, tmp_path):
    # "Giải quyết xong" straight after a guide: the FSM does not allow it.
    row = one(**{"Thẩm quyền": "Thuộc thẩm quyền của cơ quan khác", "Xử lý": "Đã hướng dẫn",
                 "Ngày xử lý": "06/03/2025", "Nội dung xử lý": "Gửi UBND",
                 "Kết quả": "Đã giải quyết xong", "Ngày kết thúc": "07/03/2025",
                 "Số văn bản kết quả": "1-QĐ", "Nội dung kết quả": "Xong"})
    plan = letter_import_check(actor=clerk, path=write_book(tmp_path / "b.xlsx", [row]))
    assert len(plan.errors.items) == 1
    assert plan.errors.items[0].startswith("Dòng 2, cột «Ngày kết thúc»: không thể ")


def test_unit_outside_scope_and_missing_fields(clerk, tree, tmp_path):
    rows = [one(**{"Nơi tiếp nhận": "Chi bộ thôn Lại"}),
            one(**{"Số tiếp nhận": "002/2025", "Tóm tắt nội dung": None,
                   "Loại đơn": "Đơn lạ"})]
    plan = letter_import_check(actor=clerk, path=write_book(tmp_path / "c.xlsx", rows))
    assert plan.errors.items == [
        "Dòng 2, cột «Nơi tiếp nhận»: “Chi bộ thôn Lại” không phải đơn vị bạn được tiếp "
        "nhận đơn.",
        "Dòng 3, cột «Tóm tắt nội dung»: chưa nhập.",
        "Dòng 3, cột «Loại đơn»: “Đơn lạ” không có trong danh mục (chọn trong danh sách của "
        "ô).",
    ]


def test_numbers_kept_counter_advanced_and_unnumbered_rows_numbered(clerk, tree, tmp_path):
    rows = [one(**{"Số tiếp nhận": "017/2025"}),
            one(**{"Số tiếp nhận": None, "Tóm tắt nội dung": "Không số"})]
    result = letter_import(actor=clerk, path=write_book(tmp_path / "d.xlsx", rows))
    assert result["imported"] == 2
    assert sorted(Petition.objects.values_list("receipt_seq", flat=True)) == [17, 18]
    assert ReceiptCounter.objects.get(organisation=tree.office, year=2025).last_value == 18
    letter = petition_receive(actor=clerk, organisation=tree.office,
                              received_on=datetime.date(2025, 6, 1), channel="direct",
                              kind="feedback", sender_type="anonymous", summary="Mới")
    assert letter.receipt_seq == 19
    again = letter_import(actor=clerk, path=write_book(tmp_path / "d.xlsx", rows))
    assert again == {"imported": 0, "skipped": 2, "units": []}
    sender = Petition.objects.get(receipt_seq=17).senders.get()
    assert sender.full_name == "Trần Văn An" and sender.name_key == "tran van an"


def test_bad_files(clerk, tree, tmp_path, settings):
    text = tmp_path / "x.xlsx"
    text.write_text("Số tiếp nhận;Ngày nhận\n1;2\n")
    with pytest.raises(BadFile, match="không phải tệp Excel"):
        letter_import_check(actor=clerk, path=text)
    macro = tmp_path / "m.xlsx"
    with zipfile.ZipFile(macro, "w") as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/vbaProject.bin", "x")
    with pytest.raises(BadFile, match="macro"):
        letter_import_check(actor=clerk, path=macro)
    settings.IMPORT_MAX_ROWS = 3
    path = write_book(tmp_path / "many.xlsx",
                      [one(**{"Số tiếp nhận": f"{i}/2025"}) for i in range(1, 6)])
    with pytest.raises(BadFile, match="quá 3 dòng"):
        letter_import_check(actor=clerk, path=path)
    settings.IMPORT_MAX_BYTES = 100
    with pytest.raises(BadFile, match="quá lớn"):
        letter_import_check(actor=clerk, path=path)
    settings.IMPORT_MAX_BYTES = 10_000_000
    odd = write_book(tmp_path / "h.xlsx", [one()], headers=[*HEADERS, "Cột lạ"])
    with pytest.raises(BadFile, match="Cột lạ"):
        letter_import_check(actor=clerk, path=odd)


def test_ten_thousand_rows_import_once_and_figures_match(clerk, tree, tmp_path):
    rows, plans = generated_rows(10_000, unit=UNIT)
    path = write_book(tmp_path / "big.xlsx", rows)
    result = letter_import(actor=clerk, path=path)
    assert result["imported"] == 10_000
    assert Petition.objects.count() == 10_000
    again = letter_import(actor=clerk, path=path)
    assert again["imported"] == 0 and again["skipped"] == 10_000
    assert Petition.objects.count() == 10_000
    figures = letter_figures(organisation=tree.commune, start=datetime.date(2025, 1, 1),
                             end=datetime.date(2025, 12, 31))
    assert figures["received"] == len(plans)
    for kind in ("recommendation", "complaint", "denunciation", "feedback"):
        assert figures["received_by_kind"][kind] == sum(p["kind"] == kind for p in plans)
    assert figures["anonymous"] == sum(p["anonymous"] for p in plans)
    for step in ("transferred", "guided", "accepted"):
        want = sum({"transfer": "transferred", "guide": "guided",
                    "accept": "accepted"}.get(p["steps"][0] if p["steps"] else "") == step
                   for p in plans)
        assert figures[step] == want, step
    for outcome in ("resolved", "withdrawn", "filed", "guided"):
        if outcome in figures["closed"]:
            assert figures["closed"][outcome] == sum(p["closed"] == outcome for p in plans)
    assert figures["open_at_end"] == sum(p["closed"] is None for p in plans)
    result = verify()
    assert result.breaks == [] and result.events == CaseEvent.objects.count()


def test_open_letters_get_their_clocks(clerk, tree, tmp_path):
    from workflows.models import DeadlineClock

    rows = [one(**{"Ngày nhận": "05/03/2025"}),
            one(**{"Số tiếp nhận": "002/2025", "Thẩm quyền":
                   "Thuộc thẩm quyền giải quyết của cơ quan mình", "Xử lý": "Lưu đơn",
                   "Ngày xử lý": "06/03/2025",
                   "Lý do lưu đơn": "Lưu để theo dõi, nắm tình hình"})]
    letter_import(actor=clerk, path=write_book(tmp_path / "e.xlsx", rows))
    open_letter = Petition.objects.get(receipt_seq=1)
    clocks = DeadlineClock.objects.filter(petition=open_letter)
    assert clocks.exists()
    assert {c.started_on for c in clocks} == {datetime.date(2025, 3, 5)}
    assert not DeadlineClock.objects.filter(petition__receipt_seq=2).exists()
    call_command("verify_audit")


def test_rows_without_a_number_are_matched_on_day_senders_and_summary(clerk, tree, tmp_path):
    rows = [one(**{"Số tiếp nhận": None, "Họ tên người gửi": "Trần Văn An; Lê Thị Hoa"}),
            one(**{"Số tiếp nhận": None, "Tóm tắt nội dung": "Việc khác"})]
    path = write_book(tmp_path / "f.xlsx", rows)
    assert letter_import(actor=clerk, path=path)["imported"] == 2
    # The same letters typed differently (case, accents' form, spaces): still the same.
    again = [one(**{"Số tiếp nhận": None, "Họ tên người gửi": "LÊ THỊ HOA;trần  văn an"}),
             one(**{"Số tiếp nhận": None, "Tóm tắt nội dung": "VIỆC KHÁC"})]
    result = letter_import(actor=clerk, path=write_book(tmp_path / "g.xlsx", again))
    assert result["imported"] == 0 and result["skipped"] == 2
    twice = [one(**{"Số tiếp nhận": "005/2025"}), one(**{"Số tiếp nhận": "5/2025"})]
    plan = letter_import_check(actor=clerk, path=write_book(tmp_path / "h.xlsx", twice))
    assert plan.errors.items == ["Dòng 3: trùng với dòng 2 (cùng đơn)."]
