"""Who sees which records: the one place scope is decided, once per kind of record.

Every rule is a condition on the row's own stored organisation (through its path, "/1/4/17/"),
so PostgreSQL plans it as a join and an index range, never as `id IN (every visible id)`.
docs/permissions.md ("Phạm vi xem") states the same rules in words, and
tests/test_access_matrix.py holds the code to them.

Letters. A role held at an organisation shows the letters received by that organisation
and every organisation under it.

Cases (kiểm tra, giám sát). A role held at an organisation shows the cases
- run by that organisation or any organisation under it;
- about that organisation, one under it, or a member of one of them (any of the case's
  subjects: a supervision of four branches is about each of them): the inspected branch
  (its secretary, to whom the decision is announced and who answers for the branch) follows
  the UBKT's case about the branch or one of its members, read-only;
- and a UBKT member's role counts, for cases, at the committee their UBKT serves: they see
  every case run in the committee, the branches' own included, and the cases about it. The
  UBKT checks how the branches carry out their inspections (Điều lệ Đảng, Điều 32) and
  reports the committee's figures, branches included;
plus the cases the user is on the team of. Seeing a case gives no right to act on it:
`casework.permissions` decides that.

An administrator (superuser) sees everything; a visitor who is not logged in, nothing.
"""
from typing import NamedTuple

from django.db.models import Exists, OuterRef, Q, Value

from casework.models.organisations import OrgKind, Role

_CACHE = "_casework_assignments"
_WHOLE_TREE_CACHE = "_casework_whole_tree"


def assignments(user):
    """(role, organisation path, organisation kind) of each of the user's role assignments:
    one query, kept on the user object for the request since every scoped read needs it."""
    from casework.models import RoleAssignment

    cached = user.__dict__.get(_CACHE)
    if cached is None:
        cached = list(RoleAssignment.objects.filter(user=user).values_list(
            "role", "organisation__path", "organisation__kind").distinct())
        user.__dict__[_CACHE] = cached
    return cached


def forget(user):
    """Drop what `assignments` and `_hold_every_root` kept (after a role assignment or the
    tree changed in this request)."""
    user.__dict__.pop(_CACHE, None)
    user.__dict__.pop(_WHOLE_TREE_CACHE, None)


def topmost(paths):
    """The paths not under another of them: each subtree once, and fewer OR terms."""
    paths = sorted(set(paths))
    return [p for p in paths if not any(p != q and p.startswith(q) for q in paths)]


def role_paths(user):
    """Paths of the organisations where the user holds any role."""
    if not user.is_authenticated:
        return []
    return topmost(path for _role, path, _kind in assignments(user))


def _committee_path(path, kind):
    """An agency (Văn phòng, UBKT) works for its parent committee."""
    if kind == OrgKind.AGENCY and path.count("/") > 2:
        return path.rstrip("/").rsplit("/", 1)[0] + "/"
    return path


def case_paths(user):
    """Paths under which the cases run are the user's to see: each role's organisation,
    widened for a UBKT member to the whole committee their UBKT serves."""
    if not user.is_authenticated:
        return []
    return topmost(_committee_path(path, kind) if role == Role.UBKT else path
                   for role, path, kind in assignments(user))


def under(field, paths):
    """SQL condition: `field` (an organisation path) at or under one of `paths`."""
    cond = Q(pk__in=[])
    for path in paths:
        cond |= Q(**{f"{field}__startswith": path})
    return cond


def everything(user):
    return user.is_authenticated and user.is_superuser


class Link(NamedTuple):
    """One way a record reaches an organisation. `column`: the record's own column (its
    `_id` is compared with ids); `reach`: the organisation that column reaches (for a path
    test); `ids`: which ids a row condition compares it with (`_scope_ids`). A link
    `through` a table of several rows per record (a case's subjects after the first) is
    read on that table's rows, `column` and `reach` being theirs, and tested on the record
    as `pk IN` the records those rows name."""

    column: str
    reach: str
    ids: str
    through: str | None = None


# The one rule, as data. A record is seen when one of its links lands on an organisation
# at or under the user's paths (`role_paths` for letters, `case_paths` for cases). The
# first link is the unit running the record, the one a deadline clock keeps a copy of; a
# case's other links are what it is about: its first subject, kept on the case row, and
# its other subjects, rows of CaseSubject (a supervision of four branches is about each
# of them). Every shape of condition below (joined paths, ids read first, a clock's kept
# copy) is built from these tables, so a link changed here changes every list, count and
# clock at once.
OTHER_SUBJECTS = "other_subjects"
LETTER_LINKS = (Link("organisation", "organisation", "units"),)
CASE_LINKS = (Link("organisation", "organisation", "units"),
              Link("subject_organisation", "subject_organisation", "units"),
              Link("subject_member", "subject_member__organisation", "members"),
              Link("organisation", "organisation", "subject_cases", through=OTHER_SUBJECTS),
              Link("member", "member__organisation", "subject_cases", through=OTHER_SUBJECTS))


def _through_rows(through):
    """The rows of a `through` table: a case's subjects after the first (the first is on
    the case row), read from their partial indexes (CaseSubject's Meta)."""
    from casework.models import CaseSubject

    assert through == OTHER_SUBJECTS
    return CaseSubject.objects.filter(position__gt=0)


def _through_cases(link, paths):
    """The ids of the records a `through` link lands under `paths` (a subquery)."""
    # `column IS NOT NULL` matches the partial index's condition, so it serves the read.
    # No ordering: CaseSubject's default one would join every case row to sort them.
    return (_through_rows(link.through).filter(**{f"{link.column}__isnull": False})
            .filter(under(f"{link.reach}__path", paths)).values("case_id").order_by())


def _on_paths(links, paths, prefix=""):
    """Shape 1, joined paths: some link's organisation path at or under `paths`. For rows
    that reach the record through a relation (`prefix`)."""
    cond = Q(pk__in=[])
    for link in links:
        if link.through:
            cond |= Q(**{f"{prefix}pk__in": _through_cases(link, paths)})
        else:
            cond |= under(f"{prefix}{link.reach}__path", paths)
    return cond


def _hold_every_root(user, paths):
    """True when `paths` include the path of every organisation without a parent: the user
    then sees every record and a row needs no condition. Asked only when one of them is a
    root's path ("/1/"): otherwise it cannot be. Its one query is kept on the user object
    beside the assignments (a list asks it for its counts, its totals and its page)."""
    from casework.models import Organisation

    if not _has_root(paths):
        return False
    kept = user.__dict__.setdefault(_WHOLE_TREE_CACHE, {})
    key = tuple(paths)
    if key not in kept:
        kept[key] = not (Organisation.objects.filter(parent__isnull=True)
                         .exclude(under("path", paths)).exists())
    return kept[key]


def letters_q(user, prefix=""):
    """SQL condition: the letters this user may see. `prefix` reaches a letter through a
    relation (e.g. "petition__"); rows that keep a copy of the letter's organisation (a
    deadline clock) use `kept_q`."""
    if everything(user):
        return Q()
    return _on_paths(LETTER_LINKS, role_paths(user), prefix)


def letter_rows_q(user):
    """SQL condition on Petition itself: the rule of `letters_q`, except that a user whose
    paths hold every root of the tree gets no condition at all: a province's leader then
    counts a million letters from the index alone, without joining each to its
    organisation to test a path every organisation matches (issue 18)."""
    if everything(user):
        return Q()
    paths = role_paths(user)
    if _hold_every_root(user, paths):
        return Q()
    return _on_paths(LETTER_LINKS, paths)


def letters_bounded(user):
    """True when the letters the user sees are a part of the tree (a commune's, a
    branch's), not all of it: a read over them may list their ids first."""
    return user.is_authenticated and letter_rows_q(user) != Q()


def _team(user, case=None):
    """The user's places on case teams (a case's team sees it wherever it is run); on the
    team of `case` (an outer reference) when it is given."""
    from casework.models import InspectionCase

    on_case = {} if case is None else {"inspectioncase_id": case}
    return InspectionCase.team.through.objects.filter(**on_case, user_id=user.pk)


def cases_q(user, prefix=""):
    """SQL condition: the cases this user may see (the rules in the module docstring).
    `prefix` reaches a case through a relation (e.g. "inspection__"); rows that keep a
    copy of the case's organisation (a deadline clock) use `kept_q`."""
    if everything(user):
        return Q()
    if not user.is_authenticated:
        return Q(pk__in=[])
    on_team = Exists(_team(user, case=OuterRef(f"{prefix}pk")))
    return _on_paths(CASE_LINKS, case_paths(user), prefix) | Q(on_team)


def case_rows_q(user):
    """SQL condition on InspectionCase itself: the rule of `cases_q`, written on the case's
    own columns (its unit, subject unit, subject member, id) against the ids the user's
    paths hold, read first in one query (`_scope_ids`). Each term is then
    `column IN (ids)`, which that column's index serves, and PostgreSQL ORs the bitmaps:
    it reads the cases in scope instead of joining every case to three organisations and
    a member to test the paths (issue 18: /kiem-tra/ read all 100,000 cases for a
    commune). A user whose paths hold every root of the tree sees every case: no
    condition at all. `cases_q` stays for the rows that reach a case through a relation."""
    if everything(user):
        return Q()
    if not user.is_authenticated:
        return Q(pk__in=[])
    paths = case_paths(user)
    if _hold_every_root(user, paths):
        return Q()
    return _on_ids(CASE_LINKS, _scope_ids(user, CASE_LINKS, paths))


def _tagged(queryset, tag, column):
    return queryset.annotate(tag=Value(tag)).values_list("tag", column).order_by()


def _read_tagged(parts, found):
    """`found` ({tag: []}) filled from `parts` (`_tagged` querysets) read as one UNION ALL:
    one query whatever the number of parts, none when there are none."""
    if parts:
        for tag, pk in parts[0].union(*parts[1:], all=True):
            found[tag].append(pk)
    return found


def _on_ids(links, ids):
    """Shape 2, ids read first: some link's own column `IN` the ids the user's paths hold,
    or the record one of those the user is on the team of."""
    cond = Q(pk__in=ids["team"])
    for source in dict.fromkeys(link.ids for link in links if link.through):
        if ids[source]:
            cond |= Q(pk__in=ids[source])
    for link in links:
        if not link.through and ids[link.ids]:
            cond |= Q(**{f"{link.column}_id__in": ids[link.ids]})
    return cond


def _scope_ids(user, links, paths):
    """{"units": organisation ids under `paths`, "members": their members' ids,
    "subject_cases": the cases whose other subjects are among those, "team": the cases the
    user is on the team of} (the sources `links` name), from one UNION ALL:
    a query per list whatever its size, read fresh (a role, a member or a team changed
    earlier in the request is seen). Never asked for the whole tree (its members would
    all be listed)."""
    from casework.models import Member, Organisation

    sources = {"units": lambda: Organisation.objects.filter(under("path", paths)),
               "members": lambda: Member.objects.filter(under("organisation__path", paths))}
    parts = [_tagged(_team(user), "team", "inspectioncase_id")]
    if paths:
        parts += [_tagged(sources[source](), source, "pk")
                  for source in dict.fromkeys(link.ids for link in links if not link.through)]
        parts += [_tagged(_through_cases(link, paths), link.ids, "case_id")
                  for link in links if link.through]
    return _read_tagged(parts, {"team": [], "units": [], "members": [], "subject_cases": []})


def kept_q(user, *, organisation, letter, case):
    """Shape 3, SQL condition on rows that keep a copy of their record's organisation (a
    deadline clock, whose `letter` or `case` relation names its record): the clock of a
    letter or a case the user sees, tested on that copy rather than on the record's own
    joined organisations.

    For each kind whose paths lie under the tree's roots (a commune's, a branch's), the
    ids are read first, in one query for both kinds (`_kept_ids`): the organisations
    under the paths, and the cases seen from outside them (`about_from_outside`, the
    user's team's). The row is then tested `organisation IN (ids) OR case IN (ids)`, so
    PostgreSQL reads the commune's clocks from `clock_org_status_idx` (and
    `clock_inspection_idx`): with the organisations as a subquery it read the province's
    running clocks by due date to keep a commune's (issue 18: 35 → 1.6 ms for xa2's open
    clocks' count). For a kind whose paths hold a root (a province's), the path of the
    copy's organisation, and the outside cases as subqueries (`_kept_paths_q`); for a kind
    whose paths hold every root of the tree (the only province's), no condition but the
    kind, as `letter_rows_q`."""
    if everything(user):
        return Q()
    if not user.is_authenticated:
        return Q(pk__in=[])
    kinds = {letter: (LETTER_LINKS, role_paths(user), None),
             case: (CASE_LINKS, case_paths(user), _team(user))}
    bounded = [name for name, (_l, paths, _t) in kinds.items() if not _has_root(paths)]
    ids = _kept_ids(kinds, bounded)
    cond = Q(pk__in=[])
    for name, (links, paths, team) in kinds.items():
        if name in bounded:
            units, records = ids[name]
            kept = (Q(**{f"{organisation}__in": units})
                    | Q(**{f"{name}__in": records}))
        elif _hold_every_root(user, paths):
            kept = Q()  # every record of the kind: no join to test a path all match
        else:
            kept = _kept_paths_q(links, paths, f"{name}__", organisation, team)
        cond |= Q(**{f"{name}__isnull": False}) & kept
    return cond


def _has_root(paths):
    return any(path.count("/") == 2 for path in paths)


def _kept_ids(kinds, bounded):
    """{kind: (organisation ids under its paths, ids of the records seen from outside
    them)} for the `bounded` kinds of `kept_q`, from one UNION ALL (none when no kind is
    bounded); read fresh, as `_scope_ids`."""
    from casework.models import Organisation

    parts = []
    for name in bounded:
        links, paths, team = kinds[name]
        if paths:
            parts.append(_tagged(Organisation.objects.filter(under("path", paths)),
                                f"{name}:units", "pk"))
            parts += [_tagged(cases, f"{name}:records", "pk")
                      for cases in about_from_outside(paths, links)]
        if team is not None:
            parts.append(_tagged(team, f"{name}:records", "inspectioncase_id"))
    found = _read_tagged(parts, {f"{name}:{what}": [] for name in bounded
                                 for what in ("units", "records")})
    return {name: (found[f"{name}:units"], found[f"{name}:records"]) for name in bounded}


def _kept_paths_q(links, paths, prefix, organisation, team=None):
    """`kept_q` for a kind whose paths hold a root: the copy's organisation path under
    `paths` (the join the unit's subtree, `in_subtree_q`, reuses), or the record is one of
    the cases the user sees although it is run outside their scope (`about_from_outside`,
    and `team`, their team's), read by subqueries on the case table alone, each computed
    once: joined per row in an OR, the subject's organisations kept PostgreSQL from using
    the row's own organisation (issue 18)."""
    cond = under(f"{organisation}__path", paths)
    others = about_from_outside(paths, links)
    if team is not None:
        others.append(team.values("inspectioncase_id"))
    for records in others:
        cond |= Q(**{f"{prefix}pk__in": records})
    return cond


def about_from_outside(paths, links=CASE_LINKS):
    """The cases about a unit at or under `paths` (by a link other than the first) and run
    by a unit outside them: one queryset of their ids per link (none for letters, which
    have no other link)."""
    from casework.models import InspectionCase

    run_by, *about = links
    if not about:
        return []
    outside = InspectionCase.objects.exclude(under(f"{run_by.reach}__path", paths))
    return [outside.filter(pk__in=_through_cases(link, paths)) if link.through
            else outside.filter(under(f"{link.reach}__path", paths)) for link in about]


def identity_visible_q(user, prefix=""):
    """SQL condition: letters whose senders this user may see (not protected, or received
    under an organisation where the user holds clearance: `permissions.clearance_paths`).
    `prefix` reaches a letter through a relation (e.g. "petition__")."""
    from casework.permissions import clearance_paths

    return (Q(**{f"{prefix}identity_confidential": False})
            | under(f"{prefix}organisation__path", clearance_paths(user)))


def programmes_q(user, prefix=""):
    """SQL condition: the programmes this user may see: those of the organisations whose
    cases they see as run there (a programme is the plan of those cases)."""
    if everything(user):
        return Q()
    return under(f"{prefix}organisation__path", case_paths(user))


def organisations_q(user):
    """SQL condition on Organisation: those at or under the user's roles (filter choices,
    the admin)."""
    if everything(user):
        return Q()
    return under("path", role_paths(user))
