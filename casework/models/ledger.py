"""The one guard of every ledger: rows that are only ever inserted.

A ledger is a table whose rows are evidence of what happened: the case event log, the
identity-view log, the clearance history (those three also hash-chained, see
casework.services.audit), a deadline clock's ledger and the fired rungs of its ladder
(workflows). Each of them subclasses `AppendOnlyRow` (or `ChainedRow`) and declares
`class Meta(AppendOnlyRow.Meta)`, and so gets, from here alone:

- the ORM's refusal: saving an existing row, `delete()`, and a queryset's or a related
  manager's `update()`, `delete()`, `bulk_update()` and upserting `bulk_create()` raise the
  model's `append_only_error` (a ValueError with a Vietnamese message);
- PostgreSQL's refusal: a BEFORE UPDATE OR DELETE row trigger (django-pgtrigger, installed
  by each ledger's migration), so raw SQL cannot rewrite history either. It does not fire
  for TRUNCATE, which is how Django empties PostgreSQL between tests, and a database
  superuser can still switch it off for a session (`session_replication_role`): that is
  what the hash chains are for.

SQLite gets no trigger: Django's test flush empties its tables with DELETE, and whoever
holds the SQLite file can drop a trigger anyway; on SQLite the hash chains show a change.
"""
import pgtrigger
from django.db import models, transaction
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from casework.services import audit

# %: PL/pgSQL's placeholders, filled with the operation, the table and the row's id.
APPEND_ONLY_TRIGGER = pgtrigger.Trigger(
    name="append_only",
    when=pgtrigger.Before,
    operation=pgtrigger.Update | pgtrigger.Delete,
    func="RAISE EXCEPTION 'Sổ chỉ được ghi thêm, không được sửa/xóa (% trên %, id %).', "
         "TG_OP, TG_TABLE_NAME, OLD.id;",
)


class AppendOnlyError(ValueError):
    """A ValueError, as the models' refusals always were, so existing handlers still apply.
    Each ledger may name itself in the message with a subclass."""

    message = gettext_noop("Nhật ký hồ sơ chỉ được ghi thêm, không được sửa/xóa.")

    def __init__(self):
        super().__init__(gettext(self.message))


class AppendOnlyQuerySet(models.QuerySet):
    """Rows may only be inserted: every bulk change or removal is refused."""

    def _refuse(self):
        raise self.model.append_only_error()

    def update(self, **kwargs):
        self._refuse()

    def update_or_create(self, *args, **kwargs):
        self._refuse()

    def delete(self):
        self._refuse()

    def bulk_update(self, objs, fields, batch_size=None):
        self._refuse()

    def bulk_create(self, objs, *args, **kwargs):
        if kwargs.get("update_conflicts"):
            self._refuse()
        return super().bulk_create(objs, *args, **kwargs)


class AppendOnlyRow(models.Model):
    """A row of a ledger: inserted once, never changed or removed (see the module)."""

    append_only_error = AppendOnlyError

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True
        # Django's own lookups through a relation use the base manager: make it the guarded
        # one too, so no manager of a ledger offers update() or delete().
        base_manager_name = "objects"
        triggers = [APPEND_ONLY_TRIGGER]

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise self.append_only_error()
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise self.append_only_error()


class ChainedQuerySet(AppendOnlyQuerySet):
    """The queryset of every chained log (casework.services.audit.CHAINS): each insert is
    also sealed into its chain."""

    def bulk_create(self, objs, *args, fresh=False, **kwargs):
        """Seal the new rows in list order, which is the order their ids are given in. For
        a case the caller holds the case's lock, as for a single insert; a whole-table
        chain is locked here. `fresh`: every chain of these rows is new (their cases were
        inserted in this transaction: an import), so each starts at GENESIS without
        reading its end, one query per case saved."""
        if kwargs.get("update_conflicts"):
            self._refuse()
        objs, ends = list(objs), {}
        with transaction.atomic(using=self.db, savepoint=False):
            if objs and not audit.chain_of(objs[0]).per_case:
                audit.lock_chain(self.model)
            for row in objs:
                key = audit.chain_key(row)
                if key not in ends:
                    ends[key] = audit.GENESIS if fresh else audit.last_hash(self.model, key)
                audit.seal(row, ends[key])
                ends[key] = row.hash
            return super().bulk_create(objs, *args, **kwargs)


class ChainedRow(AppendOnlyRow):
    """A ledger row that is also sealed into a hash chain on insert."""

    # Hex SHA-256; see casework.services.audit for what they cover.
    prev_hash = models.CharField(_("mã băm sự kiện trước"), max_length=64, blank=True,
                                 editable=False)
    hash = models.CharField(_("mã băm"), max_length=64, editable=False)

    objects = ChainedQuerySet.as_manager()

    class Meta(AppendOnlyRow.Meta):
        abstract = True

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise self.append_only_error()
        # Sealed here rather than by each caller, so no insert can leave the chain. A
        # case's chain relies on the caller holding the case's row lock (or the case being
        # new), a whole-table chain takes its own lock: see audit.last_hash.
        with transaction.atomic(using=kwargs.get("using"), savepoint=False):
            chain = audit.chain_of(self)
            if not chain.per_case:
                audit.lock_chain(type(self))
            audit.seal(self, audit.last_hash(type(self), chain.key(self)))
            super().save(*args, **kwargs)
