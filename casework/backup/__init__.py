"""Backup and restore of an install (`manage.py backup FILE`, `manage.py restore FILE`).

One archive holds one consistent moment of the office's records: the database as of one
snapshot, every stored file that snapshot refers to, the audit chain ends of that same
snapshot, and a manifest with a checksum of every member. `snapshot` deals with the
database engines, `archive` with the archive file, `restore` with bringing one back.
"""
