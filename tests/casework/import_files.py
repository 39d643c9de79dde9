"""Building import files for the tests: rows as {header: value}, written with openpyxl
straight (not through the template), so the tests hold the file's contract on their own."""
import datetime
import random

from openpyxl import Workbook

from casework.imports.letters import COLUMNS, SHEET

HEADERS = [header for _key, header in COLUMNS]
KINDS = {"recommendation": "Kiến nghị", "complaint": "Khiếu nại", "denunciation": "Tố cáo",
         "feedback": "Phản ánh"}


def write_book(path, rows, *, headers=HEADERS, sheet=SHEET):
    book = Workbook(write_only=True)
    ws = book.create_sheet(sheet)
    ws.append(headers)
    for row in rows:
        ws.append([row.get(h) for h in headers])
    book.save(path)
    return path


def d(day):
    return day.strftime("%d/%m/%Y")


def generated_rows(n, *, unit, year=2025, seed=3):
    """`n` letters of `unit` received in `year`, numbered 1..n, at every stage; returns
    (rows, plans) where each plan is what the test counts independently."""
    rng = random.Random(seed)
    rows, plans = [], []
    first = datetime.date(year, 1, 1)
    for seq in range(1, n + 1):
        received = first + datetime.timedelta(days=rng.randrange(300))
        kind = rng.choice(list(KINDS))
        anonymous = kind != "denunciation" and rng.random() < 0.15
        row = {"Nơi tiếp nhận": unit, "Số tiếp nhận": f"{seq:03d}/{year}",
               "Ngày nhận": d(received) if seq % 2 else received,
               "Nguồn đơn": rng.choice(["Trực tiếp", "Bưu chính", "Điện tử"]),
               "Loại đơn": KINDS[kind],
               "Loại người gửi": "Giấu tên" if anonymous else "Có họ tên",
               "Họ tên người gửi": None if anonymous else f"Nguyễn Văn {seq}",
               "Tóm tắt nội dung": f"Nội dung đơn số {seq}"}
        plan = {"kind": kind, "received": received, "anonymous": anonymous, "steps": [],
                "closed": None}
        # A past year's register: most letters closed, about one in ten still open (their
        # clocks are started by the import).
        path = rng.choices(["none", "transfer", "transfer_resolve", "accept_resolve",
                            "guide", "file", "withdraw", "transfer_withdraw"],
                           weights=[4, 6, 30, 20, 10, 10, 10, 10])[0]
        day = received
        if path != "none":
            day += datetime.timedelta(days=rng.randrange(0, 10))
            row["Thẩm quyền"] = ("Thuộc thẩm quyền của cơ quan khác" if "transfer" in path
                                 else "Thuộc thẩm quyền giải quyết của cơ quan mình")
            row["Ngày phân loại"] = d(day)
        handling = {"transfer": "Đã chuyển đơn", "accept": "Đã thụ lý",
                    "guide": "Đã hướng dẫn", "file": "Lưu đơn"}
        step = next((k for k in handling if path.startswith(k)), None)
        if step:
            day += datetime.timedelta(days=rng.randrange(0, 20))
            row.update({"Xử lý": handling[step], "Ngày xử lý": d(day),
                        "Số văn bản xử lý": f"{seq}-CV/VPĐU",
                        "Nơi nhận đơn chuyển, hướng dẫn": "UBND xã"
                        if step in ("transfer", "guide") else None,
                        "Nội dung xử lý": "Hướng dẫn gửi UBND xã" if step == "guide" else None,
                        "Lý do lưu đơn": "Lưu để theo dõi, nắm tình hình"
                        if step == "file" else None})
            plan["steps"].append(step)
            if step in ("guide", "file"):
                plan["closed"] = {"guide": "guided", "file": "filed"}[step]
        outcome = ("resolve" if path.endswith("resolve") else
                   "withdraw" if path.endswith("withdraw") else None)
        if outcome:
            day += datetime.timedelta(days=rng.randrange(0, 30))
            row.update({"Kết quả": "Đã giải quyết xong" if outcome == "resolve" else "Rút đơn",
                        "Ngày kết thúc": d(day), "Số văn bản kết quả": f"{seq}-QĐ",
                        "Nội dung kết quả": "Đã trả lời người gửi"})
            plan["closed"] = {"resolve": "resolved", "withdraw": "withdrawn"}[outcome]
        rows.append(row)
        plans.append(plan)
    return rows, plans
