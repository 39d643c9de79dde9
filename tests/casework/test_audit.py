"""The case event log is append-only and tamper-evident: the ORM refuses changes,
PostgreSQL refuses them with a trigger, and a change made around both (raw SQL, as the
owner of the database file or a DB superuser could) is named by `verify_audit`."""
import datetime
import importlib
import threading
from contextlib import contextmanager
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, connections, transaction
from django.db.models import ProtectedError

from casework.management.commands.verify_audit import Command as VerifyAudit
from casework.models import CaseEvent, Petition
from casework.models.events import AppendOnlyError
from casework.services import audit
from casework.services import petitions as svc
from tests.factories import receive_petition, user_with_role

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
REFUSED = "Nhật ký hồ sơ chỉ được ghi thêm, không được sửa/xóa."


def _lifecycle(tree, clerk, leader):
    """receive → classify → transfer → follow up → resolve, as the pages would."""
    p = receive_petition(actor=clerk, organisation=tree.office)
    svc.petition_classify(actor=clerk, petition_id=p.pk, kind="complaint", competence="other")
    svc.petition_transfer(actor=clerk, petition_id=p.pk, recipient="UBND xã Kè Sắt",
                          doc_number="12-CV/ĐU", doc_date=datetime.date(2025, 9, 5))
    svc.petition_follow_up(actor=leader, petition_id=p.pk, reason="Gọi điện đôn đốc UBND xã.")
    svc.petition_resolve(actor=leader, petition_id=p.pk, result="UBND xã đã trả lời công dân.",
                         doc_number="45/TB-UBND", doc_date=datetime.date(2025, 9, 20))
    return p


def _verify(*args):
    """verify_audit's output, and its error line (None when clean)."""
    out = StringIO()
    try:
        call_command("verify_audit", *args, stdout=out)
    except CommandError as exc:
        return out.getvalue(), str(exc)
    return out.getvalue(), None


def _event(petition, event_type):
    return petition.events.get(event_type=event_type)


@contextmanager
def _as_db_superuser():
    """On PostgreSQL the trigger refuses any change; a superuser can switch triggers off
    for their session. Do that for this transaction only (SET LOCAL) and switch them back
    before leaving, so no other test runs without the trigger."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as c:
        c.execute("SET LOCAL session_replication_role = replica")
    try:
        yield
    finally:
        with connection.cursor() as c:
            c.execute("SET LOCAL session_replication_role = origin")


def _tamper(sql, *params):
    with _as_db_superuser(), connection.cursor() as c:
        c.execute(sql, params)


def _delete_event(event_id):
    # A tamperer must also unhook the deadline clocks that cite the event, or the
    # foreign keys would give the deletion away before the hash chain does.
    for column in ("start_event_id", "stop_event_id"):
        _tamper(f"UPDATE workflows_deadlineclock SET {column} = NULL WHERE {column} = %s",
                event_id)
    _tamper("DELETE FROM casework_caseevent WHERE id = %s", event_id)


# ---- the chain -------------------------------------------------------------------------

@pytest.mark.django_db
def test_a_lifecycle_builds_one_chain_per_case_and_verifies_clean(tree, clerk, leader):
    p = _lifecycle(tree, clerk, leader)
    other = receive_petition(actor=clerk, organisation=tree.office, sender="Trần Thị Bình")

    events = list(CaseEvent.objects.filter(petition=p).order_by("id"))
    assert [e.event_type for e in events] == [
        "received", "classified", "transferred", "followed_up", "resolved"]
    assert events[0].prev_hash == audit.GENESIS
    for before, after in zip(events, events[1:]):
        assert after.prev_hash == before.hash
    for e in events:
        assert len(e.hash) == 64 and int(e.hash, 16) >= 0
        assert audit.event_hash(e.prev_hash, e) == e.hash  # recomputed from what was read
    assert other.events.get().prev_hash == audit.GENESIS  # its own chain

    assert _verify() == ("Đã kiểm tra 6 sự kiện của 2 hồ sơ: không phát hiện sai lệch.\n", None)
    assert _verify("--case", str(p.pk))[0] == (
        "Đã kiểm tra 5 sự kiện của 1 hồ sơ: không phát hiện sai lệch.\n")


@pytest.mark.django_db
def test_the_hash_covers_the_values_the_database_gives_back(tree, clerk):
    """Microseconds, a non-UTC zone, a document date and Vietnamese details survive the
    round trip on SQLite and PostgreSQL: what was hashed is what verification reads."""
    at = datetime.datetime(2025, 9, 3, 8, 30, 15, 123456, tzinfo=ZONE)
    p = receive_petition(actor=clerk, organisation=tree.office, at=at)
    classified = svc.petition_classify(actor=clerk, petition_id=p.pk, kind="complaint",
                                       competence="other",
                                       at=at + datetime.timedelta(microseconds=7))
    written = classified.events.latest("id")
    svc.petition_transfer(actor=clerk, petition_id=p.pk, recipient="Ủy ban nhân dân xã “Kè Sắt”",
                          doc_number="12-CV/ĐU", doc_date=datetime.date(2025, 9, 5))

    for stored in CaseEvent.objects.filter(petition=p):
        assert audit.event_hash(stored.prev_hash, stored) == stored.hash
    stored = CaseEvent.objects.get(pk=written.pk)
    assert audit.canonical_content(stored) == audit.canonical_content(written)
    assert stored.occurred_at == at + datetime.timedelta(microseconds=7)
    assert '"occurred_at":"2025-09-03T01:30:15.123463+00:00"' in audit.canonical_content(stored)
    transfer = CaseEvent.objects.get(petition=p, event_type="transferred")
    assert '"recipient":"Ủy ban nhân dân xã “Kè Sắt”"' in audit.canonical_content(transfer)
    assert '"doc_date":"2025-09-05"' in audit.canonical_content(transfer)


def test_changing_any_single_field_changes_the_hash():
    base = dict(
        petition_id=1, event_type="transferred", actor_id=2,
        occurred_at=datetime.datetime(2025, 9, 5, 10, 0, tzinfo=ZONE),
        recorded_at=datetime.datetime(2025, 9, 5, 10, 0, 0, 1, tzinfo=ZONE),
        from_status="classified", to_status="transferred", reason="Chuyển đơn.",
        doc_number="12-CV/ĐU", doc_date=datetime.date(2025, 9, 5),
        details={"recipient": "UBND xã", "n": 1})
    changed = dict(
        petition_id=3, event_type="filed", actor_id=None,
        occurred_at=base["occurred_at"] + datetime.timedelta(microseconds=1),
        recorded_at=base["recorded_at"] + datetime.timedelta(seconds=1),
        from_status="received", to_status="filed", reason="Chuyển đơn",
        doc_number="13-CV/ĐU", doc_date=None, details={"recipient": "UBND xa", "n": 1})
    assert changed.keys() == base.keys()
    reference = audit.event_hash("a" * 64, CaseEvent(**base))
    hashes = {reference}
    for name, value in changed.items():
        hashes.add(audit.event_hash("a" * 64, CaseEvent(**{**base, name: value})))
    hashes.add(audit.event_hash("b" * 64, CaseEvent(**base)))
    assert len(hashes) == len(changed) + 2

    # Presentation is not content: key order and time zone do not matter.
    same = CaseEvent(**{**base, "details": {"n": 1, "recipient": "UBND xã"},
                        "occurred_at": base["occurred_at"].astimezone(datetime.UTC)})
    assert audit.event_hash("a" * 64, same) == reference


@pytest.mark.django_db
def test_bulk_create_seals_the_new_events_in_order(tree, clerk):
    p = receive_petition(actor=clerk, organisation=tree.office)
    CaseEvent.objects.bulk_create([
        CaseEvent(petition=p, event_type="followed_up", actor=clerk, from_status="received",
                  to_status="received", reason=f"Ghi chú {n}") for n in range(3)])
    events = list(p.events.order_by("id"))
    assert [e.prev_hash for e in events[1:]] == [e.hash for e in events[:-1]]
    assert _verify()[1] is None


# ---- tampering is found ----------------------------------------------------------------

@pytest.mark.django_db
def test_an_event_edited_in_the_database_is_named_with_its_case(tree, clerk, leader):
    p = _lifecycle(tree, clerk, leader)
    transfer = _event(p, "transferred")
    _tamper("UPDATE casework_caseevent SET doc_number = %s WHERE id = %s", "99-CV/ĐU",
            transfer.pk)

    out, error = _verify()
    assert out == (f"Đơn số 001/2025/VPĐU – Văn phòng Đảng ủy (id {p.pk}), sự kiện #{transfer.pk} "
                   "“Chuyển đơn”: nội dung đã bị sửa sau khi ghi (mã băm không khớp nội dung "
                   "sự kiện).\n")
    assert error == "Đã kiểm tra 5 sự kiện của 1 hồ sơ: phát hiện 1 sai lệch."
    [found] = audit.verify().breaks
    assert (found.kind, found.case_id, found.event_id) == (audit.ALTERED, p.pk, transfer.pk)

    # Recomputing the edited row's hash only moves the break to the next event.
    _tamper("UPDATE casework_caseevent SET hash = %s WHERE id = %s",
            audit.event_hash(transfer.prev_hash, CaseEvent.objects.get(pk=transfer.pk)),
            transfer.pk)
    [found] = audit.verify().breaks
    assert (found.kind, found.event_id) == (audit.RELINKED, _event(p, "followed_up").pk)


@pytest.mark.django_db
def test_a_middle_event_deleted_in_the_database_breaks_the_chain(tree, clerk, leader):
    p = _lifecycle(tree, clerk, leader)
    _delete_event(_event(p, "classified").pk)
    transfer = _event(p, "transferred")

    out, error = _verify()
    # The classification was the only record of the letter's kind as it stands: without
    # it the kind no longer agrees with the log either.
    assert out == (f"Đơn số 001/2025/VPĐU – Văn phòng Đảng ủy (id {p.pk}), sự kiện #{transfer.pk} "
                   "“Chuyển đơn”: chuỗi bị đứt: sự kiện không nối tiếp sự kiện liền trước của "
                   "hồ sơ (có sự kiện bị xóa hoặc bị chèn vào trước nó).\n"
                   f"Đơn số 001/2025/VPĐU – Văn phòng Đảng ủy (id {p.pk}): loại đơn hiện là "
                   "“Khiếu nại” nhưng nhật ký ghi lần cuối là “Kiến nghị” (loại đơn đã bị sửa "
                   "ngoài bước phân loại).\n")
    assert error == "Đã kiểm tra 4 sự kiện của 1 hồ sơ: phát hiện 2 sai lệch."


@pytest.mark.django_db
def test_deleting_the_first_event_is_detected(tree, clerk, leader):
    p = _lifecycle(tree, clerk, leader)
    _delete_event(_event(p, "received").pk)
    classify = _event(p, "classified")

    out, error = _verify("--case", str(p.pk))
    assert f"sự kiện #{classify.pk} “Phân loại đơn”: sự kiện đầu tiên còn lại" in out
    assert "các sự kiện đầu của hồ sơ đã bị xóa" in out
    assert error.endswith("phát hiện 1 sai lệch.")


@pytest.mark.django_db
def test_deleting_the_last_events_or_all_of_them_is_detected(tree, clerk, leader):
    p = _lifecycle(tree, clerk, leader)
    _delete_event(_event(p, "resolved").pk)
    followed = _event(p, "followed_up")
    other = receive_petition(actor=clerk, organisation=tree.office, sender="Trần Thị Bình")
    _delete_event(other.events.get().pk)

    out, error = _verify()
    assert out.splitlines() == [
        f"Đơn số 001/2025/VPĐU – Văn phòng Đảng ủy (id {p.pk}), sự kiện #{followed.pk} "
        "“Đôn đốc giải quyết”: trạng thái hiện tại của đơn là “Đã giải quyết xong” nhưng sự "
        "kiện cuối đưa đơn tới “Đã chuyển đơn” (sự kiện sau cùng có thể đã bị xóa).",
        f"Đơn số 002/2025/VPĐU – Văn phòng Đảng ủy (id {other.pk}): đơn không còn sự kiện nào "
        "trong nhật ký (toàn bộ nhật ký đã bị xóa).",
    ]
    assert error == "Đã kiểm tra 4 sự kiện của 2 hồ sơ: phát hiện 2 sai lệch."


@pytest.mark.django_db
def test_verify_audit_exits_non_zero_on_a_break_and_refuses_an_unknown_case(tree, clerk):
    p = receive_petition(actor=clerk, organisation=tree.office)
    assert "Không tìm thấy đơn id 0." in _verify("--case", "0")[1]
    _tamper("UPDATE casework_caseevent SET reason = %s WHERE petition_id = %s", "sửa", p.pk)
    # Last: run_from_argv closes the connection when it is done.
    with pytest.raises(SystemExit) as exit_:
        VerifyAudit(stdout=StringIO(), stderr=StringIO()).run_from_argv(
            ["manage.py", "verify_audit"])
    assert exit_.value.code == 1


@pytest.mark.django_db
def test_the_migration_seals_existing_events_like_new_ones(tree, clerk, leader, monkeypatch):
    """Events written before the chain existed get the hashes they would have had."""
    from django.db.migrations.loader import MigrationLoader

    _lifecycle(tree, clerk, leader)
    receive_petition(actor=clerk, organisation=tree.office, sender="Trần Thị Bình")
    sealed = dict(CaseEvent.objects.values_list("pk", "hash"))
    _tamper("UPDATE casework_caseevent SET prev_hash = '', hash = ''")
    assert len(audit.verify().breaks) == 6

    migration = importlib.import_module("casework.migrations.0003_caseevent_hash_chain")
    monkeypatch.setattr(migration, "BATCH", 2)  # several pages, one split inside a case
    state = MigrationLoader(connection).project_state(("casework", "0003_caseevent_hash_chain"))
    with _as_db_superuser():
        # Not entered as a context: only its connection and quoting are used.
        migration.seal_existing(state.apps, connection.schema_editor())
    assert dict(CaseEvent.objects.values_list("pk", "hash")) == sealed
    assert audit.verify().breaks == []


# ---- the ORM refuses -------------------------------------------------------------------

@pytest.mark.django_db
def test_the_orm_refuses_to_change_or_remove_events(tree, clerk):
    p = receive_petition(actor=clerk, organisation=tree.office)
    event = p.events.get()
    event.reason = "sửa lén"
    attempts = [
        event.save,
        event.delete,
        lambda: CaseEvent.objects.filter(pk=event.pk).update(reason="sửa lén"),
        lambda: p.events.update(reason="sửa lén"),
        lambda: CaseEvent.objects.filter(pk=event.pk).delete(),
        lambda: p.events.all().delete(),
        lambda: CaseEvent.objects.bulk_update([event], ["reason"]),
    ]
    for attempt in attempts:
        with pytest.raises(AppendOnlyError, match=REFUSED):
            attempt()
    # A letter cannot be deleted from under its history either.
    with pytest.raises(ProtectedError):
        Petition.objects.filter(pk=p.pk).delete()
    assert CaseEvent.objects.get().reason == "" and _verify()[1] is None


# ---- PostgreSQL refuses ----------------------------------------------------------------

@pytest.mark.postgres
@pytest.mark.django_db
def test_postgresql_refuses_a_raw_update_and_a_raw_delete(tree, clerk):
    p = receive_petition(actor=clerk, organisation=tree.office)
    event = p.events.get()
    for sql in ("UPDATE casework_caseevent SET reason = 'sửa lén' WHERE id = %s",
                "DELETE FROM casework_caseevent WHERE id = %s"):
        with pytest.raises(DatabaseError, match="chỉ được ghi thêm, không được sửa/xóa"):
            with transaction.atomic(), connection.cursor() as c:
                c.execute(sql, [event.pk])
    assert CaseEvent.objects.get().reason == "" and _verify()[1] is None


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_trigger_does_not_block_flushing_the_test_database(tree, clerk):
    """Django empties PostgreSQL with TRUNCATE between transactional tests; a row trigger
    does not fire for it."""
    receive_petition(actor=clerk, organisation=tree.office)
    call_command("flush", interactive=False, verbosity=0)
    assert not CaseEvent.objects.exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_parallel_steps_on_one_letter_keep_a_single_chain(tree):
    """Follow-ups may repeat, so people chasing the same letter at the same moment all
    succeed; the letter's row lock makes each one extend the chain the previous left."""
    clerk = user_with_role("clerk", tree.office)
    p = receive_petition(actor=clerk, organisation=tree.office)
    svc.petition_classify(actor=clerk, petition_id=p.pk, kind="complaint", competence="other")
    svc.petition_transfer(actor=clerk, petition_id=p.pk, recipient="UBND xã",
                          doc_number="12-CV/ĐU", doc_date=datetime.date(2025, 9, 5))
    threads, per_thread = 4, 3
    barrier, errors = threading.Barrier(threads), []

    def chase(n):
        try:
            barrier.wait()
            for i in range(per_thread):
                svc.petition_follow_up(actor=clerk, petition_id=p.pk,
                                       reason=f"Đôn đốc lần {n}.{i}")
        except Exception as exc:  # reported to the test below
            errors.append(repr(exc))
        finally:
            connections.close_all()

    workers = [threading.Thread(target=chase, args=(n,)) for n in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=60)
    assert errors == []
    assert p.events.count() == 3 + threads * per_thread
    assert audit.verify().breaks == []


# ---- anchors kept outside the database -------------------------------------------------

def _rewrite_from(event):
    """What a tamperer with database rights would do: edit an event and recompute every
    hash after it, so the chain itself stays consistent."""
    _tamper("UPDATE casework_caseevent SET doc_number = %s WHERE id = %s", "99-CV/ĐU", event.pk)
    prev = event.prev_hash
    for later in CaseEvent.objects.filter(petition_id=event.petition_id, id__gte=event.pk):
        new = audit.event_hash(prev, later)
        _tamper("UPDATE casework_caseevent SET prev_hash = %s, hash = %s WHERE id = %s",
                prev, new, later.pk)
        prev = new


@pytest.mark.django_db
def test_a_rewritten_history_passes_the_chain_but_not_a_saved_anchor(tree, clerk, leader,
                                                                     tmp_path):
    p = _lifecycle(tree, clerk, leader)
    other = receive_petition(actor=clerk, organisation=tree.office, sender="Trần Thị Bình")
    anchor = tmp_path / "moc-kiem-chung.json"
    out, error = _verify("--save-anchor", str(anchor))
    assert error is None and "Đã lưu mốc kiểm chứng của 2 hồ sơ" in out

    # Work goes on after the anchor was saved: new events are not a break.
    svc.petition_classify(actor=clerk, petition_id=other.pk, kind="complaint",
                          competence="here")
    assert _verify("--anchor", str(anchor))[1] is None

    _rewrite_from(_event(p, "transferred"))
    assert audit.verify().breaks == []  # the chain alone is fooled...
    out, error = _verify("--anchor", str(anchor))
    resolved = _event(p, "resolved")
    assert out == (f"Đơn số 001/2025/VPĐU – Văn phòng Đảng ủy (id {p.pk}), sự kiện #{resolved.pk} "
                   "“Giải quyết xong”: sự kiện đã lưu trong tệp mốc kiểm chứng không còn hoặc "
                   "đã khác (nhật ký của đơn đã bị viết lại).\n")
    assert error.endswith("phát hiện 1 sai lệch.")


@pytest.mark.django_db
def test_no_anchor_is_saved_over_a_broken_log(tree, clerk, leader, tmp_path):
    p = _lifecycle(tree, clerk, leader)
    _tamper("UPDATE casework_caseevent SET reason = %s WHERE id = %s", "sửa",
            _event(p, "followed_up").pk)
    anchor = tmp_path / "moc.json"
    _, error = _verify("--save-anchor", str(anchor))
    assert error and not anchor.exists()
    _, error = _verify("--anchor", str(tmp_path / "khong-co.json"))
    assert error.startswith("Không đọc được tệp mốc kiểm chứng")


# ---- the letter's logged moments ---------------------------------------------------------

@pytest.mark.django_db
def test_a_logged_moment_changed_around_the_engine_is_named_with_both_moments(
        tree, clerk, leader):
    p = _lifecycle(tree, clerk, leader)
    transferred = _event(p, "transferred").occurred_at
    assert Petition.objects.get(pk=p.pk).transferred_at == transferred
    # The period figures count the step on the letter's stored moment: a moment moved to
    # another year would move the letter between two reports without any event changing.
    moved = datetime.datetime(2024, 12, 31, 9, 30, tzinfo=ZONE)
    _tamper("UPDATE casework_petition SET transferred_at = %s, accepted_at = %s WHERE id = %s",
            moved, moved, p.pk)

    out, error = _verify()
    local = transferred.astimezone(ZONE).strftime("%d/%m/%Y %H:%M:%S")
    prefix = f"Đơn số 001/2025/VPĐU – Văn phòng Đảng ủy (id {p.pk}): "
    assert out == (
        f"{prefix}Thời điểm ghi chuyển đơn lưu trên đơn là 31/12/2024 09:30:00 nhưng nhật ký "
        f"của đơn cho {local} (đã bị sửa ngoài các bước xử lý đơn; các số liệu báo cáo theo "
        "kỳ đọc thời điểm này).\n"
        f"{prefix}Thời điểm ghi thụ lý lưu trên đơn là 31/12/2024 09:30:00 nhưng nhật ký của "
        "đơn cho trống (đã bị sửa ngoài các bước xử lý đơn; các số liệu báo cáo theo kỳ đọc "
        "thời điểm này).\n")
    assert error == "Đã kiểm tra 5 sự kiện của 1 hồ sơ: phát hiện 2 sai lệch."
    assert [(b.kind, b.event_type) for b in audit.verify(case_id=p.pk).breaks] == [
        (audit.MOMENT_CHANGED, "transferred_at"), (audit.MOMENT_CHANGED, "accepted_at")]

    # Put back as the events give it, the letter verifies clean again; emptied, not.
    _tamper("UPDATE casework_petition SET transferred_at = %s, accepted_at = NULL "
            "WHERE id = %s", transferred, p.pk)
    assert _verify()[1] is None
    _tamper("UPDATE casework_petition SET received_at = NULL WHERE id = %s", p.pk)
    [found] = audit.verify().breaks
    assert (found.kind, found.event_type, found.case_status) == (
        audit.MOMENT_CHANGED, "received_at", "")
