"""An imported register's clocks, started set-wise (workflows.services.import_clocks, on
`letters_imported`), are exactly the rows its open letters' events announced one by one
(`case_event_written`, the per-event path) leave: every column of every clock, in the
same order, and every ledger line but its id and time; over letters of every kind and
channel, at every open step, received before and after the rules of 1/7/2026, in a
remote-area unit or not."""
import datetime as dt
import itertools

import pytest
import time_machine
from django.db import transaction

from casework.models import CaseEvent
from casework.services.letter_import import letter_import
from casework.signals import case_event_written, letters_imported
from tests.casework.import_files import KINDS, d, write_book
from workflows import receivers
from workflows.models import ClockEntry, ClockStatus, DeadlineClock

pytestmark = pytest.mark.django_db

UNIT = "Văn phòng Đảng ủy"
# What a row's history adds, each leaving the letter open but the last two.
STEPS = {
    "none": {},
    "classified_here": {"Thẩm quyền": "Thuộc thẩm quyền giải quyết của cơ quan mình"},
    "classified_other": {"Thẩm quyền": "Thuộc thẩm quyền của cơ quan khác"},
    "classified_none": {"Thẩm quyền": "Không thuộc thẩm quyền của cơ quan đảng, nhà nước"},
    "accepted": {"Thẩm quyền": "Thuộc thẩm quyền giải quyết của cơ quan mình",
                 "Xử lý": "Đã thụ lý", "Số văn bản xử lý": "12-TB/VPĐU"},
    "transferred": {"Thẩm quyền": "Thuộc thẩm quyền của cơ quan khác", "Xử lý": "Đã chuyển đơn",
                    "Số văn bản xử lý": "13-CV/VPĐU", "Nơi nhận đơn chuyển, hướng dẫn": "UBND xã"},
    "resolved": {"Thẩm quyền": "Thuộc thẩm quyền giải quyết của cơ quan mình",
                 "Xử lý": "Đã thụ lý", "Số văn bản xử lý": "14-TB/VPĐU",
                 "Kết quả": "Đã giải quyết xong", "Số văn bản kết quả": "14-QĐ",
                 "Nội dung kết quả": "Đã trả lời người gửi"},
    "filed": {"Thẩm quyền": "Thuộc thẩm quyền giải quyết của cơ quan mình", "Xử lý": "Lưu đơn",
              "Lý do lưu đơn": "Lưu để theo dõi, nắm tình hình"},
}
CHANNELS = ["Trực tiếp", "Bưu chính", "Cơ quan khác chuyển đến", "Điện tử"]
RECEIVED = [dt.date(2025, 3, 5), dt.date(2026, 6, 26), dt.date(2026, 7, 6)]


def _rows():
    rows = []
    combos = itertools.product(KINDS.values(), STEPS, RECEIVED)
    for seq, (kind, step, received) in enumerate(combos, start=1):
        row = {"Nơi tiếp nhận": UNIT, "Số tiếp nhận": f"{seq:03d}/{received.year}",
               "Ngày nhận": d(received), "Nguồn đơn": CHANNELS[seq % len(CHANNELS)],
               "Loại đơn": kind, "Họ tên người gửi": f"Nguyễn Văn {seq}",
               "Tóm tắt nội dung": f"Nội dung đơn số {seq}", **STEPS[step]}
        if row["Nguồn đơn"] == "Cơ quan khác chuyển đến":
            row["Cơ quan chuyển đến"] = "Ủy ban kiểm tra huyện"
        if "Thẩm quyền" in row:
            row["Ngày phân loại"] = d(received + dt.timedelta(days=seq % 4))
        if "Xử lý" in row:
            row["Ngày xử lý"] = d(received + dt.timedelta(days=4 + seq % 6))
        if "Kết quả" in row:
            row["Ngày kết thúc"] = d(received + dt.timedelta(days=30))
        rows.append(row)
    return rows


def _state():
    """Every clock (all its columns; its letter and events by what they are, not by id)
    and every ledger line, in id order."""
    events = {pk: (seq, kind, at) for pk, seq, kind, at in CaseEvent.objects.values_list(
        "pk", "petition__receipt_seq", "event_type", "occurred_at")}
    names = [f.attname for f in DeadlineClock._meta.concrete_fields
             if f.attname not in ("id", "created_at")]
    clocks, key_of = [], {}
    for row in DeadlineClock.objects.order_by("pk").values("pk", "petition__receipt_seq",
                                                             *names):
        pk = row.pop("pk")
        row["petition_id"] = row.pop("petition__receipt_seq")
        for name in ("start_event_id", "stop_event_id"):
            row[name] = events.get(row[name])
        key_of[pk] = (row["petition_id"], row["rule_id"], row["start_event_id"])
        clocks.append(row)
    lines = [f.attname for f in ClockEntry._meta.concrete_fields
             if f.attname not in ("id", "recorded_at", "clock_id")]
    entries = [(key_of[entry.pop("clock_id")], entry) for entry in
               ClockEntry.objects.order_by("pk").values("clock_id", *lines)]
    return clocks, entries


def _one_by_one(sender, petition_ids, **kwargs):
    """The per-event path: each event of the open letters announced in order, as the
    import announced them before `letters_imported`."""
    for event in (CaseEvent.objects.filter(petition_id__in=petition_ids)
                  .select_related("petition__organisation", "actor")
                  .order_by("petition_id", "id")):
        case_event_written.send(sender=CaseEvent, event=event)


@pytest.mark.parametrize("remote", [False, True])
def test_set_wise_clocks_are_the_per_event_clocks(clerk, tree, tmp_path, remote):
    tree.office.remote_area = remote
    tree.office.save()
    path = write_book(tmp_path / "so.xlsx", _rows())
    with transaction.atomic():
        assert letter_import(actor=clerk, path=path)["imported"] == len(_rows())
        set_wise = _state()
        transaction.set_rollback(True)
    assert not DeadlineClock.objects.exists()
    letters_imported.disconnect(dispatch_uid="workflows.imported_clocks")
    letters_imported.connect(_one_by_one, dispatch_uid="test.one_by_one")
    try:
        letter_import(actor=clerk, path=path)
    finally:
        letters_imported.disconnect(dispatch_uid="test.one_by_one")
        letters_imported.connect(receivers.start_imported_clocks,
                                 dispatch_uid="workflows.imported_clocks")
    per_event = _state()
    clocks, entries = per_event
    # Not a comparison of nothing: clocks of many rules, some stopped by a later step,
    # each with its ledger.
    assert len(clocks) > 100
    assert {c["status"] for c in clocks} == {ClockStatus.RUNNING, ClockStatus.STOPPED}
    assert len({c["rule_id"] for c in clocks}) >= 8
    assert len(entries) > len(clocks)
    assert set_wise[0] == clocks
    assert set_wise[1] == entries


def test_an_event_of_the_last_hour_is_still_reported(clerk, leader, tree, tmp_path):
    """Announced per letter, the events that are not back-filled (a complaint received
    today, imported at 08:30) still reach the committee's leaders, as when each event was
    announced; yesterday's receipt is history, not news."""
    from notifications.models import Notice

    today = dt.date(2026, 3, 10)
    rows = [{"Nơi tiếp nhận": UNIT, "Số tiếp nhận": f"00{n}/2026", "Ngày nhận": d(day),
             "Nguồn đơn": "Trực tiếp", "Loại đơn": "Khiếu nại",
             "Họ tên người gửi": "Trần Văn An", "Tóm tắt nội dung": f"Khiếu nại {n}"}
            for n, day in ((1, today), (2, today - dt.timedelta(days=1)))]
    with time_machine.travel(dt.datetime(2026, 3, 10, 1, 30, tzinfo=dt.UTC), tick=False):
        letter_import(actor=clerk, path=write_book(tmp_path / "hom-nay.xlsx", rows))
    told = Notice.objects.filter(recipient=leader)
    assert [n.petition.receipt_seq for n in told] == [1]
    assert DeadlineClock.objects.filter(petition__receipt_seq=2).exists()
