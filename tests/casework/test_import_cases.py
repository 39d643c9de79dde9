"""Import of a year's inspection and supervision cases from Excel (issue 16 item 2): all
or nothing, errors named by row and column, every rule the services' own, duplicates
skipped, histories at their real dates (the year's figures count them), open cases given
their process at the step they wait for, the audit chain intact."""
import datetime
import io
import random

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from casework.case_steps import next_action
from casework.imports.cases import COLUMNS, SHEET
from casework.imports.workbook import ImportInvalid
from casework.models import (
    CaseEvent,
    CaseStatus,
    CaseSubject,
    DisciplineDecision,
    ImportJob,
    InspectionCase,
)
from casework.selectors.case_figures import case_figures
from casework.services.case_import import case_import, case_import_check
from tests.casework.import_files import write_book
from tests.factories import MemberFactory, user_with_role
from workflows.case_processes import open_task

pytestmark = pytest.mark.django_db
HEADERS = [header for _key, header in COLUMNS]
UBKT = "Ủy ban Kiểm tra Đảng ủy"
YEAR = 2025


def d(day):
    return day.strftime("%d/%m/%Y")


@pytest.fixture
def ubkt_member(tree):
    return user_with_role("ubkt", tree.commune, username="uv-ubkt")


@pytest.fixture
def members(tree):
    return [MemberFactory(organisation=tree.branch_a if i % 2 else tree.branch_b,
                          full_name=f"Đảng viên Số {i}") for i in range(1, 31)]


def book(tmp_path, rows, name="c.xlsx"):
    return write_book(tmp_path / name, rows, headers=HEADERS, sheet=SHEET)


def one(**extra):
    row = {"Cấp tiến hành": UBKT, "Chủ thể tiến hành": "Ủy ban kiểm tra",
           "Loại cuộc kiểm tra, giám sát": "Kiểm tra đảng viên chấp hành nhiệm vụ",
           "Tên cuộc kiểm tra, giám sát": "Kiểm tra đảng viên", "Số quyết định": "01-QĐ/UBKT",
           "Ngày quyết định": "03/02/2025", "Ngày bắt đầu": "05/02/2025",
           "Ngày kết thúc": "05/04/2025", "Đảng viên là đối tượng": "Đảng viên Số 1"}
    row.update(extra)
    return row


def test_one_bad_row_writes_nothing_and_names_row_and_column(tree, ubkt_member, members,
                                                            tmp_path):
    rows = [one(), one(**{"Số quyết định": "02-QĐ/UBKT", "Ngày kết thúc": "01/02/2025"}),
            one(**{"Số quyết định": "03-QĐ/UBKT",
                   "Đảng viên là đối tượng": "Không Có Người Này"})]
    with pytest.raises(ImportInvalid) as caught:
        case_import(actor=ubkt_member, path=book(tmp_path, rows))
    items = caught.value.plan.errors.items
    assert items[0].startswith("Dòng 4, cột «Đảng viên là đối tượng»: không tìm thấy")
    assert items[1] == ("Dòng 3, cột «Ngày kết thúc»: Ngày kết thúc không được trước ngày "
                        "bắt đầu.")
    assert len(items) == 2
    assert not InspectionCase.objects.exists() and not CaseEvent.objects.exists()


def test_a_step_the_procedure_does_not_allow_is_named(tree, ubkt_member, members, tmp_path):
    # A supervision has no "Thẩm tra, xác minh"; an inspection's conclusion needs its text.
    rows = [one(**{"Loại cuộc kiểm tra, giám sát": "Giám sát chuyên đề",
                   "Công bố quyết định: ngày": "06/02/2025",
                   "Thẩm tra, xác minh: ngày": "07/02/2025"}),
            one(**{"Số quyết định": "02-QĐ/UBKT"}, **{
                f"{label}: ngày": "10/02/2025" for label in (
                    "Công bố quyết định", "Ghi nhận giải trình, báo cáo của đối tượng",
                    "Thẩm tra, xác minh", "Đoàn báo cáo kết quả", "Họp với đối tượng",
                    "Kết luận")}, **{"Kết luận: số văn bản": "5-KL", "Có vi phạm": "Không"})]
    plan = case_import_check(actor=ubkt_member, path=book(tmp_path, rows))
    assert plan.errors.items[0].startswith("Dòng 2: Không thể thẩm tra")
    assert plan.errors.items[1] == ("Dòng 3, cột «Nội dung kết luận»: Chưa nhập nội dung "
                                    "kết luận.")
    assert not InspectionCase.objects.exists()


INSPECTION = ["Công bố quyết định", "Ghi nhận giải trình, báo cáo của đối tượng",
              "Thẩm tra, xác minh", "Đoàn báo cáo kết quả", "Họp với đối tượng", "Kết luận",
              "Thông báo kết luận, kết quả"]
SUPERVISION = ["Công bố quyết định", "Ghi nhận giải trình, báo cáo của đối tượng",
               "Xem xét báo cáo của đối tượng", "Thông báo kết luận, kết quả"]
KINDS = {"member": ("Kiểm tra đảng viên chấp hành nhiệm vụ", INSPECTION),
         "finance": ("Kiểm tra tài chính đảng", INSPECTION),
         "signs": ("Kiểm tra khi có dấu hiệu vi phạm", INSPECTION),
         "supervision": ("Giám sát chuyên đề", SUPERVISION)}


def generated(n, tree, members, seed=5):
    """`n` cases of the UBKT decided in YEAR, closed and open, with one to three subjects;
    returns (rows, plans) that the test counts on its own."""
    rng = random.Random(seed)
    orgs = [tree.branch_a.name, tree.branch_b.name]
    rows, plans = [], []
    for seq in range(1, n + 1):
        what = rng.choice(list(KINDS))
        kind, steps = KINDS[what]
        decided = datetime.date(YEAR, 1, 2) + datetime.timedelta(days=rng.randrange(250))
        people = rng.sample(members, rng.randint(1, 3)) if what in ("member", "signs") else []
        units = rng.sample(orgs, rng.randint(1, 2)) if what in ("finance", "supervision") else []
        row = {"Cấp tiến hành": UBKT, "Chủ thể tiến hành": "Ủy ban kiểm tra",
               "Loại cuộc kiểm tra, giám sát": kind, "Tên cuộc kiểm tra, giám sát":
               f"Cuộc số {seq}", "Số quyết định": f"{seq:02d}-QĐ/UBKT",
               "Ngày quyết định": d(decided) if seq % 2 else decided,
               "Ngày bắt đầu": d(decided + datetime.timedelta(days=2)),
               "Ngày kết thúc": d(decided + datetime.timedelta(days=60)),
               "Tổ chức đảng là đối tượng": "; ".join(units) or None,
               "Đảng viên là đối tượng": "; ".join(m.full_name for m in people) or None}
        if seq % 3 == 0:  # the old register's number, kept
            row["Số cuộc"] = f"{seq:03d}/{YEAR}"
        closed = rng.random() < 0.7
        taken = steps if closed else steps[:rng.randrange(0, len(steps))]
        day = decided
        violation = what == "signs"
        for label in taken:
            day += datetime.timedelta(days=rng.randrange(0, 5))
            row[f"{label}: ngày"] = d(day)
            row[f"{label}: số văn bản"] = f"{seq}-{len(label)}/UBKT"
        if "Kết luận" in taken:
            row["Nội dung kết luận"] = "Có vi phạm." if violation else "Không có vi phạm."
            row["Có vi phạm"] = "Có" if violation else "Không"
        status = "open"
        if closed and violation:
            day += datetime.timedelta(days=3)
            row["Đề nghị xem xét kỷ luật: ngày"] = d(day)
            row["Hình thức kỷ luật"] = "; ".join(
                "Khiển trách" if i % 2 == 0 else "Không kỷ luật" for i in range(len(people)))
            row.update({"Số quyết định kỷ luật": f"{seq}-QĐKL/UBKT",
                        "Ngày quyết định kỷ luật": d(day + datetime.timedelta(days=2)),
                        "Lý do không kỷ luật": "Đã tự khắc phục."})
            day += datetime.timedelta(days=5)
        if closed:
            if not violation:
                day += datetime.timedelta(days=1)
                row["Theo dõi khắc phục: ngày"] = d(day)
            row["Lưu hồ sơ: ngày"] = d(day + datetime.timedelta(days=1))
            status = "archived"
        rows.append(row)
        plans.append({"members": len(people), "organisations": len(units), "status": status,
                      "disciplined": sum(1 for i in range(len(people)) if i % 2 == 0)
                      if closed and violation else 0})
    return rows, plans


def test_a_year_of_cases_imports_once_with_processes_and_figures(tree, ubkt_member, members,
                                                                  tmp_path):
    rows, plans = generated(200, tree, members)
    path = book(tmp_path, rows)
    plan = case_import_check(actor=ubkt_member, path=path)
    assert plan.errors.items == [] and len(plan.rows) == 200
    assert not InspectionCase.objects.exists()

    result = case_import(actor=ubkt_member, path=path)
    assert result["imported"] == 200 and result["skipped"] == 0
    assert InspectionCase.objects.count() == 200
    closed = sum(1 for p in plans if p["status"] == "archived")
    assert InspectionCase.objects.filter(status=CaseStatus.ARCHIVED).count() == closed
    assert 0 < closed < 200
    assert CaseSubject.objects.count() == sum(p["members"] + p["organisations"] for p in plans)
    # Kept numbers stay; the others follow the highest kept one.
    seqs = dict(InspectionCase.objects.values_list("decision_number", "seq"))
    kept = [n for n in range(1, 201) if n % 3 == 0]
    assert all(seqs[f"{n:02d}-QĐ/UBKT"] == n for n in kept)
    assert sorted(seqs[f"{n:02d}-QĐ/UBKT"] for n in range(1, 201) if n % 3) == list(
        range(max(kept) + 1, max(kept) + 1 + 200 - len(kept)))
    assert DisciplineDecision.objects.exclude(form="").count() == sum(
        p["disciplined"] for p in plans)
    # Every open case has its process waiting on the step it is at; closed ones none.
    for case in InspectionCase.objects.all():
        task = open_task(case)
        if case.status == CaseStatus.ARCHIVED:
            assert task is None
        else:
            assert task is not None and task.flow_task.name == next_action(case), case.number
    # Events at their real dates: the year's figures equal the rows' own count.
    figures = case_figures(organisation=tree.commune, start=datetime.date(YEAR, 1, 1),
                           end=datetime.date(YEAR, 12, 31))
    assert figures["decided"] == 200
    assert figures["members"] == sum(p["members"] for p in plans)
    assert figures["organisations"] == sum(p["organisations"] for p in plans)
    assert case_figures(organisation=tree.commune, start=datetime.date(YEAR + 1, 1, 1),
                        end=datetime.date(YEAR + 1, 12, 31))["decided"] == 0

    events = CaseEvent.objects.count()
    again = case_import(actor=ubkt_member, path=path)
    assert again["imported"] == 0 and again["skipped"] == 200
    assert InspectionCase.objects.count() == 200 and CaseEvent.objects.count() == events
    call_command("verify_audit")


def test_a_kept_number_taken_in_the_register_skips_the_row(tree, ubkt_member, members,
                                                           tmp_path):
    case_import(actor=ubkt_member, path=book(tmp_path, [one(**{"Số cuộc": "007/2025"})]))
    # Another decision number, the same case number: already in the register.
    again = case_import(actor=ubkt_member, path=book(tmp_path, [
        one(**{"Số cuộc": "7", "Số quyết định": "99-QĐ/UBKT"}),
        one(**{"Số quyết định": "100-QĐ/UBKT"})], name="d.xlsx"))
    assert again["imported"] == 1 and again["skipped"] == 1
    assert sorted(InspectionCase.objects.values_list("seq", flat=True)) == [7, 8]


def test_the_same_decision_twice_in_a_file_and_an_overlong_cell_are_named(tree, ubkt_member,
                                                                        members, tmp_path):
    rows = [one(), one(), one(**{"Số quyết định": "09-QĐ/UBKT",
                                 "Tên cuộc kiểm tra, giám sát": "K" * 300})]
    plan = case_import_check(actor=ubkt_member, path=book(tmp_path, rows))
    assert plan.errors.items == ["Dòng 3: trùng với dòng 2 (cùng cấp tiến hành, năm và số "
                                 "quyết định).",
                                 "Dòng 4, cột «Tên cuộc kiểm tra, giám sát»: tối đa 255 ký tự."]


# ---- the pages ---------------------------------------------------------------------------

PAGE = "/kiem-tra/nhap-excel/"


def test_pages_template_upload_check_confirm_and_result(client, tree, ubkt_member, members,
                                                        tmp_path,
                                                        django_capture_on_commit_callbacks):
    client.force_login(ubkt_member)
    page = client.get(PAGE)
    assert page.status_code == 200 and "Tải tệp mẫu" in page.content.decode()
    template = client.get(reverse("casework:cases-import-template"))
    sheet = openpyxl.load_workbook(io.BytesIO(template.content))[SHEET]
    assert [c.value for c in sheet[1]] == HEADERS
    assert sheet.data_validations.dataValidation  # the drop-down lists
    path = book(tmp_path, [one(), one(**{"Số quyết định": "02-QĐ/UBKT",
                                         "Công bố quyết định: ngày": "06/02/2025"})])
    with open(path, "rb") as f, django_capture_on_commit_callbacks(execute=True):
        response = client.post(PAGE, {"file": SimpleUploadedFile("cuoc.xlsx", f.read())})
    job = ImportJob.objects.get()
    assert job.kind == "cases"
    body = client.get(response["Location"]).content.decode()
    assert "2 cuộc sẽ được nhập, 0 cuộc đã có sẽ bỏ qua." in body
    assert not InspectionCase.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("casework:import-job-confirm", args=[job.pk]))
    job.refresh_from_db()
    assert job.state == "done" and job.imported == 2, job.errors or job.error
    body = client.get(reverse("casework:import-job", args=[job.pk])).content.decode()
    assert "Đã nhập 2 cuộc; 0 cuộc đã có được bỏ qua." in body
    announced = InspectionCase.objects.get(decision_number="02-QĐ/UBKT")
    assert open_task(announced).flow_task.name == "explain"
    # The letters' clerk may not import cases; the case importer's job is theirs alone.
    clerk = user_with_role("clerk", tree.office, username="vanphong2")
    client.force_login(clerk)
    assert client.get(PAGE).status_code == 403
    assert client.get(reverse("casework:import-job", args=[job.pk])).status_code == 404


def test_every_column_of_the_sheet_is_read(settings):
    # Columns past IMPORT_MAX_COLUMNS are not read: the sheet must fit under the cap.
    assert len(COLUMNS) <= settings.IMPORT_MAX_COLUMNS
