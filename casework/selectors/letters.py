"""Letters (đơn thư): the register with its totals, the letter page, the export and the
API. Scoped by `scope.letters_q` (through `Petition.objects.visible_to`); who may see a
protected sender is `casework.services.identity`'s business, and lists never load one."""
import hashlib
import time
from typing import NamedTuple

from django.core.cache import cache
from django.db import connection
from django.db.models import Count, Prefetch, Q

from casework.filters import PetitionFilter
from casework.models import (
    CaseEvent,
    Organisation,
    Petition,
    PetitionKind,
    PetitionSender,
    PetitionStatus,
)
from casework.models.organisations import OrgKind
from casework.models.petitions import OPEN_STATUSES
from casework.selectors.keyset import Keyset, keyset_page

# Lists never show a protected sender, even to cleared users: names appear one letter at a
# time on the letter page, where each showing is logged. So those rows are not even loaded.
UNPROTECTED_SENDERS = Prefetch(
    "senders", queryset=PetitionSender.objects.filter(petition__identity_confidential=False))
# Newest first; the pk breaks ties so that pages never overlap.
REGISTER_ORDER = ("-received_on", "-receipt_seq", "-pk")


def letters_visible(*, user):
    return Petition.objects.visible_to(user)


def letter_register(*, user, params):
    """(filterset, letters): the register's filter bound to `params` (a QueryDict, may be
    empty) and the letters it selects; an invalid filter selects every visible letter
    (the page says what was wrong; the export and the API refuse instead)."""
    visible = letters_visible(user=user).select_related("organisation")
    filterset = PetitionFilter(params or None, queryset=visible, user=user)
    letters = filterset.qs if filterset.is_bound and filterset.is_valid() else visible
    return filterset, letters


def register_rows(letters):
    """A page's rows: its unprotected senders read in one more query."""
    return letters.order_by(*REGISTER_ORDER).prefetch_related(UNPROTECTED_SENDERS)


def letter_totals(letters):
    """[(label, n)] by status and by kind, from the same filtered query as the rows, so
    they add up to the row count: one grouped COUNT over (status, kind), summed here. No
    DISTINCT: the filters never join a letter's senders (the search joins a UNION of letter ids)."""
    return register_counts(letters).totals()


class RegisterCounts:
    """The register's numbers from ONE grouped COUNT over (receiving unit, status, kind):
    the total, the totals by status and by kind, and the count per unit (for the grouped
    provincial register). One query whatever the size; it also spares the paginator's
    own COUNT (`total` is the row count). The case list's (selectors.cases.CaseCounts)
    are the same with the cases' statuses and kinds."""
    statuses, kinds, open_statuses = PetitionStatus, PetitionKind, OPEN_STATUSES

    def __init__(self, rows):
        self.rows = rows  # [(organisation_id, status, kind, n)]
        self.total = sum(n for *_key, n in rows)

    def totals(self):
        by_status, by_kind = {}, {}
        for _unit, status, kind, n in self.rows:
            by_status[status] = by_status.get(status, 0) + n
            by_kind[kind] = by_kind.get(kind, 0) + n
        return ([(s.label, by_status.get(s.value, 0)) for s in self.statuses],
                [(k.label, by_kind.get(k.value, 0)) for k in self.kinds])

    def by_unit(self):
        """{organisation id: (letters, of which open)}."""
        units = {}
        for unit, status, _kind, n in self.rows:
            total, open_ = units.get(unit, (0, 0))
            units[unit] = (total + n, open_ + (n if status in self.open_statuses else 0))
        return units


def register_counts(letters, *, reuse=False):
    """RegisterCounts of `letters`. COUNT(*), not COUNT(id): the id is not in the index
    petition_unit_status_kind, and counting it would make PostgreSQL visit every
    letter's row instead of the index only.

    `reuse` (the province's grouped register, up to a million letters: 0.4 s and more a
    view) keeps the rows in the cache under the query, with the register's version they
    were counted at, the last event's id: letters change status or kind only through
    the services, each of which writes an event (a receipt too), and never change their
    receiving unit. So while the version is the same the rows are reused as they are;
    after a change only the units whose letters have events past the kept version are
    counted again (one small query finds them from the events' primary key), and their
    rows replace the kept ones: exact, never stale, and the first view after a step
    counts a commune's letters rather than the province's million.

    An event numbered below the version can still be uncommitted when the rows are
    counted (ids are handed out at insert, commits come in any order): the ids missing
    just below the version then are kept too (`_unseen_ids`) and looked at again on
    each later view, so a step that commits late is counted as soon as it is seen."""
    query = letters.order_by().values_list("organisation_id", "status", "kind")
    if not reuse:
        return RegisterCounts(list(query.annotate(n=Count("*"))))
    sql, params = query.query.sql_with_params()
    key = "register-counts:" + hashlib.sha256(repr((sql, params)).encode()).hexdigest()
    # (version, rows, when counted in full, ids at or below the version not yet seen)
    kept = cache.get(key)
    version, arrived = _version_and_arrivals(kept[3] if kept else ())
    now = time.time()
    if (kept is None or version is None or kept[0] is None or kept[0] > version
            or now - kept[2] > COUNTS_SECONDS):
        # Nothing kept, events removed (a test database emptied), or the full count is
        # old enough that an edit made around the services may be in it: count all.
        rows, counted = list(query.annotate(n=Count("*"))), now
        unseen = _unseen_ids(version, set())
    elif kept[0] == version and not arrived:
        return RegisterCounts(kept[1])
    else:
        rows, unseen = _recounted(query, kept, version)
        counted = kept[2]
    cache.set(key, (version, rows, counted, unseen), COUNTS_SECONDS)
    return RegisterCounts(rows)


def _recounted(query, kept, version):
    """`kept` brought to `version`: the rows of the units whose letters were received or
    took a step since then (or in an event that was not yet committed then) counted
    again, the others' kept; and the ids still unseen. One read of the events by primary
    key finds both."""
    since, rows, _counted, unseen = kept
    low = min(since, max(version - UNSEEN_WINDOW, 0))
    events = (CaseEvent.objects.filter(Q(pk__gt=low, pk__lte=version) | Q(pk__in=unseen))
              .values_list("pk", "petition__organisation_id"))
    seen, touched = set(), set()
    for pk, unit in events:
        seen.add(pk)
        if unit is not None and (pk > since or pk in unseen):
            touched.add(unit)
    wanted = set(range(max(version - UNSEEN_WINDOW, 0) + 1, version + 1)) | set(unseen)
    unseen = frozenset(wanted - seen)
    if not touched:
        return rows, unseen
    fresh = list(query.filter(organisation_id__in=touched).annotate(n=Count("*")))
    return [row for row in rows if row[0] not in touched] + fresh, unseen


def _version_and_arrivals(unseen):
    """(the last event's id, whether any of the `unseen` ids exists now), in one small
    statement: the view that finds nothing changed costs this alone."""
    table = connection.ops.quote_name(CaseEvent._meta.db_table)
    ids = sorted(unseen)
    arrived = (f"EXISTS (SELECT 1 FROM {table} WHERE id IN ({', '.join(['%s'] * len(ids))}))"
               if ids else "0 = 1")
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT (SELECT MAX(id) FROM {table}), {arrived}", ids)
        version, found = cursor.fetchone()
    return version, bool(found)


def _unseen_ids(version, earlier):
    """Event ids at or below `version` that this transaction cannot see: the last
    UNSEEN_WINDOW ids below it and the `earlier` unseen ones, less those that exist now.
    Each is an insert not yet committed, or one rolled back (then it stays unseen until
    the next full count: a few ids, read by primary key)."""
    if version is None:
        return frozenset()
    wanted = set(range(max(version - UNSEEN_WINDOW, 0) + 1, version + 1)) | set(earlier)
    seen = set(CaseEvent.objects.filter(pk__in=wanted).values_list("pk", flat=True))
    return frozenset(wanted - seen)


# How long a province's counts are kept and brought up to date after a full count: an edit
# made outside the services (the admin) is counted within ten minutes, as before.
COUNTS_SECONDS = 600
# How far below the version an event may still be uncommitted when the rows are counted:
# more events than this written by others while one transaction is open is far beyond an
# office's pace, and the full count above is the backstop.
UNSEEN_WINDOW = 200


def sees_several_communes(user):
    """The organisations the user sees, by path, when they include two communes or more
    (a province's register then opens on its communes); else None."""
    organisations = list(Organisation.objects.visible_to(user).order_by("path"))
    if sum(o.kind == OrgKind.COMMUNE for o in organisations) < 2:
        return None
    return organisations


class UnitGroup(NamedTuple):
    organisation: Organisation  # a commune (with everything under it) or a unit above
    letters: int
    open: int


def register_groups(*, counts, user=None, organisations=None):
    """The provincial register's first view (issue 18): one line per commune (its
    letters and those of every unit under it) and per unit above the communes that
    received letters, rather than pages of rows nobody reads at a province's scale; each
    line links to the register filtered to it. None when the user sees fewer than two
    communes: then the register lists its rows as before. `organisations`: what
    `sees_several_communes(user)` gave, if the caller has asked already."""
    organisations = organisations or sees_several_communes(user)
    if organisations is None:
        return None
    communes = [o for o in organisations if o.kind == OrgKind.COMMUNE]
    by_unit = counts.by_unit()
    groups = {}
    for organisation in organisations:
        if organisation.pk not in by_unit:
            continue
        head = next((c for c in communes if organisation.path.startswith(c.path)),
                    organisation)
        total, open_ = groups.get(head, (0, 0))
        n, n_open = by_unit[organisation.pk]
        groups[head] = (total + n, open_ + n_open)
    return [UnitGroup(head, total, open_) for head, (total, open_) in groups.items()]


REGISTER_KEYSET = Keyset(Petition, REGISTER_ORDER)
REGISTER_PER_PAGE = 50


def register_page(letters, params, *, counts, per_page=None):
    """(page, error): the register page's rows read from the key its links carry
    (casework.selectors.keyset), in the register's index order: page 500 costs what page
    1 costs. `error`: the address carried a key that is not one."""
    return keyset_page(register_rows(letters), REGISTER_KEYSET, count=counts.total,
                       params=params, per_page=per_page or REGISTER_PER_PAGE)


def letter_for_page(*, user):
    """The letter page's query (get the letter from it by pk: 404 outside the scope)."""
    return letters_visible(user=user).select_related(
        "organisation", "subject_member__organisation", "subject_organisation", "created_by")


def api_letters(*, user, detail):
    """The API's queryset: a list (newest first, unprotected senders) or one letter with
    its history."""
    letters = letters_visible(user=user).select_related("organisation")
    if detail:
        events = Prefetch("events", queryset=CaseEvent.objects.select_related("actor"))
        return (letters.select_related("subject_member", "subject_organisation")
                .prefetch_related(events))
    return register_rows(letters)


def letter_events(petition):
    """A letter's history, oldest first, with who acted (the letter is visible already)."""
    return petition.events.select_related("actor").order_by("occurred_at", "id")
