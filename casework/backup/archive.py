"""The backup archive: one uncompressed tar (scans are already compressed, and a tar is
opened by any tool on any PC), written as FILE.part, fsynced and renamed, so a FILE that
exists is always complete. Members:

    database/db.sqlite3 | database/db.pgdump   the snapshot (casework.backup.snapshot)
    anchors.json                               audit chain ends of that snapshot
    media/<name>                               every stored file the snapshot refers to
    manifest.json                              last: format, engine, migrations, counts,
                                               the sha256 and size of every other member

The database member comes first: `--keep` recognises the office's archives by it.
"""
import errno
import hashlib
import io
import json
import os
import shutil
import sqlite3
import tarfile
import tempfile
import time
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.utils import timezone

from casework.backup import snapshot
from casework.backup.snapshot import BackupError

FORMAT = 1
MANIFEST = "manifest.json"
ANCHORS = "anchors.json"
MEDIA = "media/"
MANIFEST_MAX_BYTES = 64 * 1024 * 1024
CHUNK = 1024 * 1024


class _Hashing:
    """A file object that hashes what tarfile reads from it."""

    def __init__(self, f):
        self.f, self.digest = f, hashlib.sha256()

    def read(self, size=-1):
        data = self.f.read(size)
        self.digest.update(data)
        return data


def _fsync_dir(folder):
    if os.name == "posix":  # Windows cannot open a folder to fsync it
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _open_part(path):
    # The archive holds the senders' personal data: readable by its owner only.
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    return os.fdopen(os.open(path, flags, 0o600), "wb")


def safe_name(name):
    """A stored file's name as a relative POSIX path inside its folder, or None."""
    path = PurePosixPath(name)
    if not name or path.is_absolute() or ".." in path.parts or "\\" in name:
        return None
    return path.as_posix()


def _find_files(names, wait_seconds):
    """{name: path} of the referenced files, waiting up to `wait_seconds` for the ones
    not there yet (a document is written just after its row commits), and the names
    still missing after that."""
    root = Path(settings.MEDIA_ROOT)
    found, waiting, bad = {}, [], []
    for name in dict.fromkeys(names):
        (waiting if safe_name(name) else bad).append(name)
    deadline = time.monotonic() + wait_seconds
    while waiting:
        waiting = [name for name in waiting
                   if not ((root / name).is_file() and found.setdefault(name, root / name))]
        if not waiting or time.monotonic() >= deadline:
            break
        time.sleep(0.2)
    return found, sorted(waiting + bad)


class _Writer:
    def __init__(self, tar):
        self.tar, self.members = tar, {}

    def add_file(self, name, path):
        with open(path, "rb") as f:
            size = os.fstat(f.fileno()).st_size
            info = tarfile.TarInfo(name)
            info.size, info.mtime, info.mode = size, int(time.time()), 0o600
            reader = _Hashing(f)
            self.tar.addfile(info, reader)
        self.members[name] = {"sha256": reader.digest.hexdigest(), "size": size}

    def add_bytes(self, name, data, *, listed=True):
        info = tarfile.TarInfo(name)
        info.size, info.mtime, info.mode = len(data), int(time.time()), 0o600
        self.tar.addfile(info, io.BytesIO(data))
        if listed:
            self.members[name] = {"sha256": hashlib.sha256(data).hexdigest(),
                                  "size": len(data)}


def write(path, *, wait_seconds=10.0):
    """Write the archive to `path`; returns its manifest. A failure (a full disk
    included) removes the part file and raises BackupError."""
    path = os.path.abspath(path)
    folder = os.path.dirname(path)
    if not os.path.isdir(folder):
        raise BackupError(f"Thư mục {folder} không tồn tại.")
    part = path + ".part"
    workdir = None
    try:
        workdir = tempfile.mkdtemp(prefix=".casework-backup-", dir=folder)
        db_path, facts = snapshot.take(workdir)
        # Only now the files: every one the snapshot refers to was committed before it.
        files, missing = _find_files(facts.files, wait_seconds)
        with _open_part(part) as f:
            with tarfile.open(fileobj=f, mode="w", format=tarfile.PAX_FORMAT) as tar:
                writer = _Writer(tar)
                writer.add_file(snapshot.DB_MEMBER[snapshot.vendor()], db_path)
                os.remove(db_path)
                writer.add_bytes(ANCHORS, _json({"saved_at": timezone.now().isoformat(),
                                                 "ends": facts.ends}))
                for name, file_path in sorted(files.items()):
                    writer.add_file(MEDIA + name, file_path)
                manifest = {
                    "format": FORMAT, "product": "casework",
                    "created_at": timezone.now().isoformat(), "engine": snapshot.vendor(),
                    "database": snapshot.DB_MEMBER[snapshot.vendor()],
                    "migrations": facts.migrations, "counts": facts.counts,
                    "files": len(files), "missing_files": missing,
                    "members": writer.members}
                writer.add_bytes(MANIFEST, _json(manifest), listed=False)
            f.flush()
            os.fsync(f.fileno())
        os.replace(part, path)
        _fsync_dir(folder)
        return manifest
    except BaseException as exc:
        if os.path.exists(part):
            os.remove(part)
        if _disk_full(exc):
            raise BackupError(f"Ổ đĩa chứa {folder} đã đầy: chưa sao lưu được, không để lại "
                              "tệp dở dang. Giải phóng dung lượng hoặc chọn ổ khác rồi chạy "
                              "lại.") from exc
        if isinstance(exc, OSError):
            raise BackupError(f"Không ghi được bản sao lưu {path}: {exc.strerror or exc}; "
                              "không để lại tệp dở dang.") from exc
        raise
    finally:
        if workdir:
            shutil.rmtree(workdir, ignore_errors=True)


def _disk_full(exc):
    # The SQLite copy reports a full disk as its own error, not as an OSError.
    if isinstance(exc, sqlite3.Error):
        return "full" in str(exc)
    return isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT)


def _json(value):
    return json.dumps(value, ensure_ascii=False, indent=1).encode("utf-8")


# ---- reading an archive back ----------------------------------------------------------

def extract(path, workdir):
    """Check the archive member by member against its manifest while extracting it into
    `workdir`; returns the manifest. Anything that does not match raises BackupError and
    the caller drops `workdir`: nothing is put in place before every member passed."""
    broken = f"Bản sao lưu {path} bị hỏng hoặc không phải bản sao lưu của phần mềm này"
    try:
        tar = tarfile.open(path, mode="r:")
    except (OSError, tarfile.TarError) as exc:
        raise BackupError(f"{broken}: {exc}.") from exc
    with tar:
        try:
            members = tar.getmembers()
            manifest = _read_manifest(tar, members, broken)
            listed = dict(manifest["members"])
            for member in members:
                if member.name == MANIFEST:
                    continue
                expected = listed.pop(member.name, None)
                name = safe_name(member.name)
                if expected is None or name is None or not member.isfile():
                    raise BackupError(f"{broken}: có mục lạ “{member.name}” không có trong "
                                      "danh mục.")
                _extract_member(tar, member, Path(workdir) / name, expected, broken)
        except (OSError, tarfile.TarError, EOFError) as exc:
            raise BackupError(f"{broken}: {exc}.") from exc
    if listed:
        raise BackupError(f"{broken}: thiếu {len(listed)} mục có trong danh mục, ví dụ "
                          f"“{sorted(listed)[0]}”.")
    return manifest


def _read_manifest(tar, members, broken):
    found = [m for m in members if m.name == MANIFEST]
    if len(found) != 1 or not found[0].isfile() or found[0].size > MANIFEST_MAX_BYTES:
        raise BackupError(f"{broken}: không có danh mục {MANIFEST}.")
    try:
        manifest = json.loads(tar.extractfile(found[0]).read().decode("utf-8"))
        assert isinstance(manifest["members"], dict) and manifest["engine"]
    except (ValueError, KeyError, TypeError, AssertionError) as exc:
        raise BackupError(f"{broken}: danh mục {MANIFEST} không đọc được.") from exc
    if manifest.get("format") != FORMAT:
        raise BackupError(f"Bản sao lưu có định dạng {manifest.get('format')}, phiên bản này "
                          f"chỉ đọc định dạng {FORMAT}.")
    return manifest


def _extract_member(tar, member, target, expected, broken):
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    digest = hashlib.sha256()
    source = tar.extractfile(member)
    with open(target, "xb") as out:
        while chunk := source.read(CHUNK):
            digest.update(chunk)
            out.write(chunk)
        out.flush()
        os.fsync(out.fileno())
    os.chmod(target, 0o600)
    if digest.hexdigest() != expected.get("sha256") or member.size != expected.get("size"):
        raise BackupError(f"{broken}: “{member.name}” không khớp mã kiểm tra SHA-256 ghi "
                          "trong danh mục (tệp đã bị sửa hoặc hỏng).")


# ---- retention ------------------------------------------------------------------------

def is_archive(path):
    """One of ours: a tar whose first member is the database."""
    try:
        with tarfile.open(path, mode="r:") as tar:
            first = tar.next()
    except (OSError, tarfile.TarError, EOFError):
        return False
    return first is not None and first.name in snapshot.DB_MEMBER.values()


def prune(path, keep):
    """Delete the oldest archives in `path`'s folder so that `keep` remain (the one just
    written among them); returns the deleted paths."""
    folder = Path(path).resolve().parent
    archives = sorted((p for p in folder.iterdir()
                       if p.is_file() and not p.name.endswith(".part") and is_archive(p)),
                      key=lambda p: p.stat().st_mtime, reverse=True)
    newest = Path(path).resolve()
    kept = [newest] + [p for p in archives if p != newest][:max(keep - 1, 0)]
    deleted = [p for p in archives if p not in kept]
    for p in deleted:
        p.unlink()
    return deleted
