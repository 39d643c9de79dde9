"""Who sees which records: the one place scope is decided, once per kind of record.

Every rule is a condition on the row's own stored organisation (through its path, "/1/4/17/"),
so PostgreSQL plans it as a join and an index range, never as `id IN (every visible id)`.
docs/permissions.md ("Phạm vi xem") states the same rules in words, and
tests/test_access_matrix.py holds the code to them.

Letters. A role held at an organisation shows the letters received by that organisation
and every organisation under it.

Cases (kiểm tra, giám sát). A role held at an organisation shows the cases
- run by that organisation or any organisation under it;
- about that organisation, one under it, or a member of one of them: the inspected branch
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
from django.db.models import Exists, OuterRef, Q, Value

from casework.models.organisations import OrgKind, Role

_CACHE = "_casework_assignments"


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
    """Drop what `assignments` kept (after a role assignment changed in this request)."""
    user.__dict__.pop(_CACHE, None)


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


def letters_q(user, prefix="", *, organisation=None):
    """SQL condition: the letters this user may see. `prefix` reaches a letter through a
    relation (e.g. "petition__"); `organisation` names a copy of the letter's organisation
    kept on that row (a deadline clock's), which spares the join."""
    if everything(user):
        return Q()
    if organisation is not None:
        return _kept_unit_q(organisation, role_paths(user))
    return under(f"{prefix}organisation__path", role_paths(user))


def _kept_unit_q(organisation, paths):
    """SQL condition on a row that keeps a copy of its record's organisation (a deadline
    clock): that organisation at or under `paths`. For a user under the tree's roots (a
    commune's), `organisation IN` the ids of the organisations under `paths`, a subquery
    computed once: PostgreSQL then tests each row's own column, where the path joined
    per row made it join every running clock of the province to its organisation, and
    read the province's clocks to keep a commune's (issue 18). For a root's user (a
    province's) the joined path, which the unit's subtree (`in_subtree_q`) reuses."""
    from casework.models import Organisation

    if any(path.count("/") == 2 for path in paths):
        return under(f"{organisation}__path", paths)
    ids = Organisation.objects.filter(under("path", paths)).values("pk")
    return Q(**{f"{organisation}__in": ids})


def cases_q(user, prefix="", *, organisation=None):
    """SQL condition: the cases this user may see (the rules in the module docstring).
    `prefix` reaches a case through a relation (e.g. "inspection__"); `organisation` names
    a copy of the case's organisation kept on that row (a deadline clock's): see
    `_kept_cases_q`."""
    from casework.models import InspectionCase

    if everything(user):
        return Q()
    if not user.is_authenticated:
        return Q(pk__in=[])
    paths = case_paths(user)
    if organisation is not None:
        return _kept_cases_q(user, paths, prefix, organisation)
    on_team = Exists(InspectionCase.team.through.objects.filter(
        inspectioncase_id=OuterRef(f"{prefix}pk"), user_id=user.pk))
    return (under(f"{prefix}organisation__path", paths)
            | under(f"{prefix}subject_organisation__path", paths)
            | under(f"{prefix}subject_member__organisation__path", paths)
            | Q(on_team))


def letter_rows_q(user):
    """SQL condition on Petition itself: the rule of `letters_q`, except that a user whose
    paths hold every root of the tree gets no condition at all: a province's leader then
    counts a million letters from the index alone, without joining each to its
    organisation to test a path every organisation matches (issue 18)."""
    if everything(user):
        return Q()
    paths = role_paths(user)
    if _hold_every_root(paths):
        return Q()
    return under("organisation__path", paths)


def _hold_every_root(paths):
    """True when `paths` include the path of every organisation without a parent. Asked
    only when one of them is a root's path ("/1/"): otherwise it cannot be."""
    from casework.models import Organisation

    if not any(path.count("/") == 2 for path in paths):
        return False
    return not (Organisation.objects.filter(parent__isnull=True)
                .exclude(under("path", paths)).exists())


def case_rows_q(user):
    """SQL condition on InspectionCase itself: the rule of `cases_q`, written on the case's
    own columns (its unit, subject unit, subject member, id) against the ids the user's
    paths hold, read first in one query (`_case_scope_ids`). Each term is then
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
    if _hold_every_root(paths):
        return Q()
    ids = _case_scope_ids(user, paths)
    cond = Q(pk__in=ids["team"])
    if ids["units"]:
        cond |= (Q(organisation_id__in=ids["units"])
                 | Q(subject_organisation_id__in=ids["units"]))
    if ids["members"]:
        cond |= Q(subject_member_id__in=ids["members"])
    return cond


def _case_scope_ids(user, paths):
    """{"units": organisation ids under `paths`, "members": their members' ids, "team":
    the cases the user is on the team of}, from one UNION ALL: a query per list whatever
    its size, read fresh (a role, a member or a team changed earlier in the request is
    seen). Never asked for the whole tree (its members would all be listed)."""
    from casework.models import InspectionCase, Member, Organisation

    def tagged(queryset, tag, column):
        return queryset.annotate(tag=Value(tag)).values_list("tag", column).order_by()

    parts = [tagged(InspectionCase.team.through.objects.filter(user_id=user.pk), "team",
                    "inspectioncase_id")]
    if paths:
        parts += [tagged(Organisation.objects.filter(under("path", paths)), "units", "pk"),
                  tagged(Member.objects.filter(under("organisation__path", paths)),
                         "members", "pk")]
    found = {"team": [], "units": [], "members": []}
    for tag, pk in parts[0].union(*parts[1:], all=True):
        found[tag].append(pk)
    return found


def _kept_cases_q(user, paths, prefix, organisation):
    """The same rule as `cases_q`, for rows that keep a copy of their case's organisation
    (a deadline clock): by that copy's path, or the case is one of those the user sees for
    another reason (its subject, its team) although it is run outside their scope. Those
    few cases are read by subqueries on the case table alone, each computed once: joined
    per row in an OR, the subject's organisations kept PostgreSQL from using the row's
    own organisation, and every clock of a province was joined to its case, its subject
    and the subject's branch to keep a commune's (issue 18)."""
    from casework.models import InspectionCase

    outside = InspectionCase.objects.exclude(under("organisation__path", paths))
    about = (outside.filter(under("subject_organisation__path", paths)),
             outside.filter(under("subject_member__organisation__path", paths)),
             InspectionCase.team.through.objects.filter(user_id=user.pk)
             .values("inspectioncase_id"))
    cond = _kept_unit_q(organisation, paths)
    for cases in about:
        cond |= Q(**{f"{prefix}pk__in": cases})
    return cond


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
