"""The database side of a backup and a restore: one snapshot, and what is read from it.

SQLite: the online backup API (sqlite3 `Connection.backup`) copies the live database in
one step under a read lock, so the copy is one committed state however busy the site is;
everything the manifest says about the database (row counts, chain ends, referenced
files) is then read from that copy, so it describes exactly what the archive holds.

PostgreSQL: a REPEATABLE READ transaction exports its snapshot, `pg_dump --snapshot`
dumps exactly that snapshot, and the same facts are read inside that transaction.
"""
import contextlib
import errno
import os
import re
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass

from django.apps import apps
from django.conf import settings
from django.db import connections, transaction
from django.db.utils import load_backend

from casework.management.commands.check_files import FILE_OWNERS
from casework.services import audit

SNAPSHOT_ALIAS = "backup_snapshot"
# Row counts kept in the manifest and compared after a restore (by label: casework must
# not import the other apps, and an app that is not installed is simply not counted).
COUNTED = ("casework.organisation", "auth.user", "casework.petition", "casework.caseevent",
           "casework.attachment", "casework.generateddocument", "casework.inspectioncase",
           "casework.identityaccess", "casework.clearanceevent", "workflows.deadlineclock")
# A database with a row in any of these is an office's records, not an empty install.
GUARDED = ("casework.organisation", "auth.user", "casework.petition", "casework.caseevent",
           "casework.inspectioncase")
DB_MEMBER = {"sqlite": "database/db.sqlite3", "postgresql": "database/db.pgdump"}


class BackupError(Exception):
    """A backup or restore that cannot go on; the message is for the office."""


@dataclass
class Facts:
    counts: dict
    migrations: dict      # app -> the last migration applied in the snapshot
    ends: list            # audit.chain_ends() of the snapshot
    files: list           # names (relative to MEDIA_ROOT) of every stored file referenced


def vendor(alias="default"):
    return connections[alias].vendor


def _models(labels):
    for label in labels:
        try:
            yield label, apps.get_model(label)
        except LookupError:
            continue


def read_facts(using) -> Facts:
    counts = {label: model._base_manager.using(using).count()
              for label, model in _models(COUNTED)}
    with connections[using].cursor() as cursor:
        cursor.execute("SELECT app, name FROM django_migrations ORDER BY id")
        migrations = dict(cursor.fetchall())
    files = []
    for model, _label in FILE_OWNERS:
        files += [name for name in model._base_manager.using(using)
                  .exclude(file="").values_list("file", flat=True).iterator()]
    return Facts(counts=counts, migrations=migrations,
                 ends=[list(end) for end in audit.chain_ends(using=using)], files=files)


@contextlib.contextmanager
def _alias_for(path):
    """A second connection, to the SQLite copy at `path`, under SNAPSHOT_ALIAS. It is
    made on the spot rather than declared in settings: the copy exists only meanwhile."""
    conf = connections.configure_settings(  # fills in the defaults; insists on "default"
        {"default": {}, SNAPSHOT_ALIAS: {"ENGINE": "django.db.backends.sqlite3",
                                         "NAME": str(path)}})[SNAPSHOT_ALIAS]
    wrapper = load_backend(conf["ENGINE"]).DatabaseWrapper(conf, SNAPSHOT_ALIAS)
    connections[SNAPSHOT_ALIAS] = wrapper
    try:
        yield SNAPSHOT_ALIAS
    finally:
        wrapper.close()
        del connections[SNAPSHOT_ALIAS]


def take(workdir) -> tuple[str, Facts]:
    """Snapshot the database into `workdir`; returns the file and the facts of it."""
    path = os.path.join(workdir, os.path.basename(DB_MEMBER[vendor()]))
    if vendor() == "sqlite":
        source = connections["default"]
        source.ensure_connection()
        copy = sqlite3.connect(path)
        try:
            source.connection.backup(copy)
        finally:
            copy.close()
        with _alias_for(path) as alias:
            return path, read_facts(alias)
    if vendor() != "postgresql":
        raise BackupError(f"Chưa hỗ trợ sao lưu cơ sở dữ liệu loại “{vendor()}”.")
    pg_dump = postgres_tool("pg_dump")
    if connections["default"].in_atomic_block:
        raise BackupError("Không sao lưu được từ bên trong một giao dịch đang mở.")
    with transaction.atomic():
        with connections["default"].cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot_id = cursor.fetchone()[0]
        _run([pg_dump, "--format=custom", f"--snapshot={snapshot_id}", "--file", path],
             "pg_dump")
        return path, read_facts("default")


# ---- PostgreSQL tools ----------------------------------------------------------------

def postgres_tool(name):
    """The path of pg_dump/pg_restore (BACKUP_PG_BIN, else PATH), refused when missing
    or older than the server: an older pg_dump cannot read a newer server."""
    folder = getattr(settings, "BACKUP_PG_BIN", "")
    path = shutil.which(name, path=folder) if folder else shutil.which(name)
    if not path:
        raise BackupError(
            f"Không tìm thấy chương trình {name} của PostgreSQL: cài gói công cụ PostgreSQL "
            f"(cùng phiên bản với máy chủ) hoặc đặt BACKUP_PG_BIN là thư mục chứa {name}.")
    output = subprocess.run([path, "--version"], capture_output=True, text=True,
                            timeout=30).stdout
    found = re.search(r"\)\s*(\d+)", output)
    connection = connections["default"]
    connection.ensure_connection()
    server = connection.pg_version // 10000
    if not found or int(found.group(1)) < server:
        have = found.group(1) if found else "không rõ"
        raise BackupError(
            f"{name} phiên bản {have} cũ hơn máy chủ PostgreSQL {server}: cài {name} "
            f"phiên bản {server} trở lên (hoặc đặt BACKUP_PG_BIN).")
    return path


def _pg_env():
    conf = connections["default"].settings_dict
    env = dict(os.environ)
    for key, var in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER"),
                     ("PASSWORD", "PGPASSWORD"), ("NAME", "PGDATABASE")):
        if conf.get(key):
            env[var] = str(conf[key])
    if conf.get("OPTIONS", {}).get("sslmode"):
        env["PGSSLMODE"] = conf["OPTIONS"]["sslmode"]
    return env


def _run(argv, name):
    done = subprocess.run(argv, env=_pg_env(), capture_output=True, text=True)
    if done.returncode:
        detail = (done.stderr or done.stdout).strip()[-2000:]
        if "No space left on device" in detail:  # said the same way on every platform
            raise OSError(errno.ENOSPC, detail)
        raise BackupError(f"{name} báo lỗi (mã {done.returncode}): {detail}")


# ---- restore ---------------------------------------------------------------------------

def has_data():
    """The label of the first guarded table holding a row, or None for an empty install
    (no tables yet, or only what `migrate` puts there)."""
    connection = connections["default"]
    if vendor() == "sqlite" and not connection.is_in_memory_db() and not os.path.exists(
            connection.settings_dict["NAME"]):
        return None  # a new PC: the database file is made by the restore
    tables = set(connection.introspection.table_names())
    for label, model in _models(GUARDED):
        if model._meta.db_table in tables and model._base_manager.exists():
            return label
    return None


def put_back(path):
    """Replace the configured database with the one at `path` (the extracted archive
    member): the SQLite file is moved into place, a dump goes through pg_restore in one
    transaction, so either way a failure leaves the database as it was."""
    connection = connections["default"]
    if vendor() == "sqlite":
        target = str(connection.settings_dict["NAME"])
        if connection.is_in_memory_db():
            raise BackupError("Cơ sở dữ liệu đang cấu hình nằm trong bộ nhớ: không phục hồi "
                              "vào đó được.")
        connection.close()
        staged = target + ".restoring"
        os.makedirs(os.path.dirname(os.path.abspath(target)), exist_ok=True)
        shutil.copyfile(path, staged)
        with open(staged, "rb+") as f:
            os.fsync(f.fileno())
        # A journal left by the old file would be replayed into the new one.
        for suffix in ("-journal", "-wal", "-shm"):
            with contextlib.suppress(FileNotFoundError):
                os.remove(target + suffix)
        os.replace(staged, target)
        return
    pg_restore = postgres_tool("pg_restore")
    connection.close()
    _run([pg_restore, "--single-transaction", "--exit-on-error", "--clean", "--if-exists",
          "--no-owner", "--no-privileges", "--dbname", connection.settings_dict["NAME"],
          path], "pg_restore")
