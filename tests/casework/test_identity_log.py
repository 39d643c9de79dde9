"""What verify_audit used to miss (probe item 5): a letter's identity protection lifted
directly in the database while its events still say tố cáo, and rows of the identity-view
log deleted or edited. The view log is now append-only in the ORM and (PostgreSQL) in the
database, and chained like the case event log."""
import importlib

import pytest
from django.db import DatabaseError, connection, transaction

from casework.models import IdentityAccess, IdentityAccessPurpose, Petition
from casework.models.confidentiality import IdentityAccessRefused
from casework.services import audit
from casework.services.identity import log_identity_access
from tests.casework.test_audit import _as_db_superuser, _tamper, _verify
from tests.factories import receive_petition, user_with_role

pytestmark = pytest.mark.django_db

VIEW_REFUSED = "Nhật ký xem danh tính chỉ được ghi thêm, không được sửa/xóa."


def _denunciation(tree, clerk, sender="Vũ Thị Kín Đáo"):
    return receive_petition(actor=clerk, organisation=tree.office, kind="denunciation",
                            sender=sender)


def _views(clerk, letters, purposes):
    for letter, purpose in zip(letters, purposes):
        log_identity_access(user=clerk, petitions=[letter], purpose=purpose)
    return list(IdentityAccess.objects.order_by("id"))


# ---- a letter's protection must agree with its events ----------------------------------

def test_protection_lifted_in_the_database_is_named(tree, clerk):
    letter = _denunciation(tree, clerk)
    assert letter.identity_confidential and _verify()[1] is None
    # What the probe did: the ORM's guard (Petition.save) is bypassed by an UPDATE.
    Petition.objects.filter(pk=letter.pk).update(identity_confidential=False)

    out, error = _verify()
    assert out == (f"Đơn số 001/2025/VPĐU – Văn phòng Đảng ủy (id {letter.pk}): nhật ký ghi đơn "
                   "này là tố cáo nhưng danh tính người gửi không còn được bảo mật (đã bị sửa "
                   "ngoài các bước xử lý đơn).\n")
    assert error == "Đã kiểm tra 1 sự kiện của 1 hồ sơ: phát hiện 1 sai lệch."
    [found] = audit.verify(case_id=letter.pk).breaks
    assert (found.kind, found.case_id) == (audit.UNPROTECTED, letter.pk)


def test_a_kind_changed_in_the_database_is_named(tree, clerk):
    letter = _denunciation(tree, clerk)
    _tamper("UPDATE casework_petition SET kind = %s, identity_confidential = %s WHERE id = %s",
            "recommendation", False, letter.pk)
    out, error = _verify()
    assert out.splitlines() == [
        f"Đơn số 001/2025/VPĐU – Văn phòng Đảng ủy (id {letter.pk}): nhật ký ghi đơn này là tố cáo "
        "nhưng danh tính người gửi không còn được bảo mật (đã bị sửa ngoài các bước xử lý "
        "đơn).",
        f"Đơn số 001/2025/VPĐU – Văn phòng Đảng ủy (id {letter.pk}): loại đơn hiện là “Kiến nghị” "
        "nhưng nhật ký ghi lần cuối là “Tố cáo” (loại đơn đã bị sửa ngoài bước phân loại).",
    ]
    assert error.endswith("phát hiện 2 sai lệch.")


def test_a_letter_reclassified_through_its_steps_stays_clean(tree, clerk):
    """Re-classifying a tố cáo as a khiếu nại is an explained change of kind, and the
    sender stays protected: nothing to report."""
    from casework.services.petitions import petition_classify

    letter = _denunciation(tree, clerk)
    petition_classify(actor=clerk, petition_id=letter.pk, kind="complaint", competence="here")
    letter.refresh_from_db()
    assert letter.kind == "complaint" and letter.identity_confidential
    assert _verify()[1] is None


# ---- the identity-view log -------------------------------------------------------------

def test_the_orm_refuses_to_change_or_remove_identity_views(tree, clerk):
    letter = _denunciation(tree, clerk)
    [view] = _views(clerk, [letter], [IdentityAccessPurpose.CASE_PAGE])
    attempts = [
        view.save, view.delete,
        lambda: IdentityAccess.objects.filter(pk=view.pk).update(purpose="export"),
        lambda: IdentityAccess.objects.filter(pk=view.pk).delete(),
        lambda: letter.identity_accesses.all().delete(),
        lambda: letter.identity_accesses.update(user=None),
        lambda: IdentityAccess.objects.bulk_update([view], ["purpose"]),
    ]
    for attempt in attempts:
        with pytest.raises(IdentityAccessRefused, match=VIEW_REFUSED):
            attempt()
    assert IdentityAccess.objects.get().purpose == "case_page"


def test_views_form_one_chain_and_a_deleted_view_is_named(tree, clerk):
    first, second = _denunciation(tree, clerk), _denunciation(tree, clerk, sender="Lê Bí Mật")
    views = _views(clerk, [first, second, first],
                   ["case_page", "receipt", "attachment"])
    assert [v.prev_hash for v in views] == [audit.GENESIS, views[0].hash, views[1].hash]
    out, error = _verify()
    assert error is None and "3 lượt xem danh tính" in out

    _tamper("DELETE FROM casework_identityaccess WHERE id = %s", views[1].pk)
    out, error = _verify()
    assert out == (f"Nhật ký xem danh tính, lượt xem #{views[2].pk} “Tải bản quét đơn, tài "
                   f"liệu” (Đơn số 001/2025/VPĐU – Văn phòng Đảng ủy (id {first.pk})): chuỗi bị "
                   "đứt: dòng này không nối tiếp dòng liền trước (có dòng bị xóa hoặc bị chèn "
                   "vào trước nó).\n")
    assert error.endswith("phát hiện 1 sai lệch.")


def test_an_edited_or_first_deleted_view_is_named(tree, clerk):
    letter = _denunciation(tree, clerk)
    views = _views(clerk, [letter, letter], ["case_page", "export"])
    _tamper("UPDATE casework_identityaccess SET purpose = 'api' WHERE id = %s", views[1].pk)
    [found] = audit.verify().breaks
    assert (found.kind, found.chain, found.event_id) == (
        audit.ALTERED, "identityaccess", views[1].pk)
    _tamper("UPDATE casework_identityaccess SET purpose = 'export' WHERE id = %s", views[1].pk)
    _tamper("DELETE FROM casework_identityaccess WHERE id = %s", views[0].pk)
    [found] = audit.verify().breaks
    assert (found.kind, found.event_id) == (audit.HEAD_MISSING, views[1].pk)


def test_the_newest_view_deleted_is_caught_by_the_anchor(tree, clerk, tmp_path):
    letter = _denunciation(tree, clerk)
    views = _views(clerk, [letter, letter], ["case_page", "receipt"])
    anchor = tmp_path / "moc.json"
    out, error = _verify("--save-anchor", str(anchor))
    assert error is None and "1 hồ sơ và 1 nhật ký khác" in out
    _tamper("DELETE FROM casework_identityaccess WHERE id = %s", views[1].pk)
    assert audit.verify().breaks == []  # the chain cannot see its newest row go...
    out, error = _verify("--anchor", str(anchor))
    assert out == (f"Nhật ký xem danh tính, lượt xem #{views[1].pk}: dòng cuối đã lưu trong "
                   "tệp mốc kiểm chứng không còn hoặc đã khác (nhật ký đã bị viết lại hoặc "
                   "cắt bớt).\n")
    assert error.endswith("phát hiện 1 sai lệch.")


def test_the_migration_seals_existing_views_like_new_ones(tree, clerk, monkeypatch):
    from django.db.migrations.loader import MigrationLoader

    letter = _denunciation(tree, clerk)
    _views(clerk, [letter] * 3, ["case_page", "receipt", "export"])
    sealed = dict(IdentityAccess.objects.values_list("pk", "hash"))
    _tamper("UPDATE casework_identityaccess SET prev_hash = '', hash = ''")
    assert len(audit.verify().breaks) == 3

    migration = importlib.import_module("casework.migrations.0006_clearance_grants_identity_chain")
    monkeypatch.setattr(migration, "BATCH", 2)
    state = MigrationLoader(connection).project_state(
        ("casework", "0006_clearance_grants_identity_chain"))
    with _as_db_superuser():
        migration.seal_existing_accesses(state.apps, connection.schema_editor())
    assert dict(IdentityAccess.objects.values_list("pk", "hash")) == sealed
    assert audit.verify().breaks == []


@pytest.mark.postgres
def test_postgresql_refuses_a_raw_update_or_delete_of_the_logs(tree, clerk):
    from casework.models import ClearanceEvent, RoleAssignment
    from casework.services.clearance import clearance_approve, clearance_request
    from tests.factories import UserFactory

    letter = _denunciation(tree, clerk)
    [view] = _views(clerk, [letter], ["case_page"])
    first = UserFactory(username="qt1", is_superuser=True)
    second = UserFactory(username="qt2", is_superuser=True)
    assignment = RoleAssignment.objects.get(user=user_with_role("ubkt", tree.ubkt))
    clearance_approve(approver=second, request=clearance_request(
        requester=first, assignment=assignment, grant=True, reason="Được giao."))
    event = ClearanceEvent.objects.order_by("id").first()
    for sql, pk in (("UPDATE casework_identityaccess SET purpose = 'api' WHERE id = %s", view.pk),
                    ("DELETE FROM casework_identityaccess WHERE id = %s", view.pk),
                    ("UPDATE casework_clearanceevent SET reason = 'x' WHERE id = %s", event.pk),
                    ("DELETE FROM casework_clearanceevent WHERE id = %s", event.pk)):
        with pytest.raises(DatabaseError, match="chỉ được ghi thêm, không được sửa/xóa"):
            with transaction.atomic(), connection.cursor() as c:
                c.execute(sql, [pk])
    assert IdentityAccess.objects.get().purpose == "case_page" and _verify()[1] is None


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_parallel_views_keep_a_single_chain(tree):
    """The view log is one chain for the whole install, written from page views that run
    at the same time: the chain's advisory lock makes each view extend the one before."""
    import threading

    from django.db import connections

    clerk = user_with_role("clerk", tree.office)
    letters = [_denunciation(tree, clerk, sender=f"Người gửi {n}") for n in range(4)]
    barrier, errors, per_thread = threading.Barrier(len(letters)), [], 5

    def look(letter):
        try:
            barrier.wait()
            for _ in range(per_thread):
                log_identity_access(user=clerk, petitions=[letter], purpose="case_page")
        except Exception as exc:  # reported to the test below
            errors.append(repr(exc))
        finally:
            connections.close_all()

    workers = [threading.Thread(target=look, args=(letter,)) for letter in letters]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=60)
    assert errors == []
    assert IdentityAccess.objects.count() == len(letters) * per_thread
    assert audit.verify().breaks == []
