"""Every ledger (rows that are evidence: only ever inserted) is on one guard,
casework.models.ledger: the ORM refuses to change or remove a row however it is asked,
PostgreSQL refuses raw SQL with the same trigger on every ledger table, and emptying the
test database (TRUNCATE) and inserting still work."""
import datetime as dt
import uuid

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from casework.models import RoleAssignment
from casework.models.ledger import AppendOnlyError, AppendOnlyRow, ChainedRow
from casework.services.clearance import clearance_approve, clearance_request
from casework.services.identity import log_identity_access
from casework.services.petitions import petition_classify, petition_transfer
from tests.factories import UserFactory, receive_petition, user_with_role
from workflows.default_rules import install_default_rules
from workflows.models import ClockEntry, DeadlineClock, DeadlineRule, Escalation

LEDGERS = {"casework.caseevent", "casework.identityaccess", "casework.clearanceevent",
           "casework.generateddocument", "workflows.clockentry", "workflows.escalation"}
REFUSED = "chỉ được ghi thêm, không được sửa/xóa"


def _ledger_models():
    return [m for m in apps.get_models() if issubclass(m, AppendOnlyRow)]


@pytest.fixture
def rows(tree, clerk):
    """One row of each ledger, as the product writes them."""
    install_default_rules(DeadlineRule)  # a transactional test may have flushed them
    letter = receive_petition(actor=clerk, organisation=tree.office, kind="denunciation",
                              sender="Vũ Thị Kín Đáo")
    log_identity_access(user=clerk, petitions=[letter], purpose="case_page")
    # A generated document (another letter's phiếu chuyển): evidence of what was sent.
    other = receive_petition(actor=clerk, organisation=tree.office)
    petition_classify(actor=clerk, petition_id=other.pk, kind=other.kind, competence="other")
    petition_transfer(actor=clerk, petition_id=other.pk, recipient="Công an xã",
                      doc_number="", doc_date=dt.date(2025, 9, 4), issue_document=True)
    first = UserFactory(username="qt1", is_superuser=True)
    second = UserFactory(username="qt2", is_superuser=True)
    assignment = RoleAssignment.objects.get(user=user_with_role("ubkt", tree.ubkt))
    clearance_approve(approver=second, request=clearance_request(
        requester=first, assignment=assignment, grant=True, reason="Được giao."))
    clock = DeadlineClock.objects.filter(petition=letter).first()
    Escalation.objects.create(clock=clock, cycle=0, rung=0, due_on=clock.due_on,
                              fired_on=dt.date(2026, 3, 2), fired_at=timezone.now(),
                              run=uuid.uuid4())
    found = {m._meta.label_lower: m.objects.order_by("id").first() for m in _ledger_models()}
    assert all(found.values()), found
    return found


def test_every_ledger_is_on_the_one_guard():
    assert {m._meta.label_lower for m in _ledger_models()} == LEDGERS
    # The hash-chained ones share their hash columns and sealing from ChainedRow.
    assert {m._meta.label_lower for m in _ledger_models() if issubclass(m, ChainedRow)} == {
        "casework.caseevent", "casework.identityaccess", "casework.clearanceevent"}


@pytest.mark.parametrize("label", sorted(LEDGERS))
def test_the_orm_refuses_to_change_or_remove_a_ledger_row(rows, label):
    row = rows[label]
    model = type(row)
    attempts = {
        "save": lambda: row.save(),
        "delete": lambda: row.delete(),
        "queryset update": lambda: model.objects.filter(pk=row.pk).update(id=row.pk),
        "queryset delete": lambda: model.objects.filter(pk=row.pk).delete(),
        "base manager update": lambda: model._base_manager.filter(pk=row.pk).update(id=row.pk),
        "base manager delete": lambda: model._base_manager.filter(pk=row.pk).delete(),
        "bulk_update": lambda: model.objects.bulk_update([row], ["id"]),
        "update_or_create": lambda: model.objects.update_or_create(pk=row.pk),
    }
    for what, attempt in attempts.items():
        with pytest.raises(AppendOnlyError, match=REFUSED):
            attempt()
            pytest.fail(f"{label}: {what} was not refused")
    assert model.objects.filter(pk=row.pk).exists()


def test_a_clocks_ledger_refuses_changes_through_its_related_manager(rows):
    clock = rows["workflows.clockentry"].clock
    for attempt in (lambda: clock.entries.update(reason="sửa"),
                    lambda: clock.entries.all().delete(),
                    lambda: clock.escalations.all().delete()):
        with pytest.raises(AppendOnlyError, match=REFUSED):
            attempt()
    assert clock.entries.exists() and clock.escalations.exists()


def test_a_ledger_still_takes_new_rows_in_bulk(rows):
    entry = rows["workflows.clockentry"]
    ClockEntry.objects.bulk_create([ClockEntry(clock=entry.clock, kind="recompute",
                                               on=entry.on, reason="tính lại")])
    assert entry.clock.entries.count() == 2


# ---- PostgreSQL ------------------------------------------------------------------------

@pytest.mark.postgres
def test_every_ledger_table_carries_the_one_trigger_and_no_other(rows):
    with connection.cursor() as c:
        c.execute("""SELECT c.relname, t.tgname FROM pg_trigger t
                     JOIN pg_class c ON c.oid = t.tgrelid
                     WHERE NOT t.tgisinternal AND c.relname = ANY(%s)""",
                  [[m._meta.db_table for m in _ledger_models()]])
        found = sorted(c.fetchall())
    assert [table for table, _ in found] == sorted(m._meta.db_table for m in _ledger_models())
    assert all(name.startswith("pgtrigger_append_only_") for _, name in found), found


@pytest.mark.postgres
@pytest.mark.parametrize("label", sorted(LEDGERS))
def test_postgresql_refuses_raw_sql_on_every_ledger(rows, label):
    row = rows[label]
    table = row._meta.db_table
    for sql in (f"UPDATE {table} SET id = id WHERE id = %s", f"DELETE FROM {table} WHERE id = %s"):
        with pytest.raises(DatabaseError, match=REFUSED):
            with transaction.atomic(), connection.cursor() as c:
                c.execute(sql, [row.pk])
    assert type(row).objects.filter(pk=row.pk).exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_flushing_the_database_empties_every_ledger(rows):
    """Django empties PostgreSQL with TRUNCATE between transactional tests; the row
    trigger does not fire for it."""
    call_command("flush", interactive=False, verbosity=0)
    assert not any(m.objects.exists() for m in _ledger_models())
