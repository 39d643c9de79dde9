"""Who may do what to a letter: roles × actions, scoped to the organisation tree.

A user may take an action on a letter when they hold, at the letter's receiving
organisation or at any organisation above it, a role that the matrix allows for that
action. Superusers (administrators) may do everything. The same function backs the FSM
transition permissions, the buttons on the case page and the services, so every entry
point agrees. The full matrix (pages, API, exports, admin, identity clearance) is
documented in docs/permissions.md, and tests/test_access_matrix.py holds every URL to it.

Only who may do what lives here; which records a user sees is read in
`casework.selectors.scope`.
"""
from django.utils.translation import gettext_lazy as _

CLERK, UBKT, BRANCH_SECRETARY, LEADER, VIEWER = (
    "clerk", "ubkt", "branch_secretary", "leader", "viewer")

HANDLERS = frozenset({CLERK, UBKT, BRANCH_SECRETARY})
# Roles that may be given clearance to see a denouncer's identity. A branch secretary is
# left out on purpose: the denounced member usually belongs to their own branch.
IDENTITY_CLEARABLE_ROLES = frozenset({CLERK, UBKT, LEADER})
DECIDERS = frozenset({UBKT, BRANCH_SECRETARY, LEADER})

# Thụ lý (accepting a letter for handling) and lưu đơn (filing it) are decisions of the
# body, so the office clerk prepares them and a leader, a UBKT member or the branch
# secretary takes them. Data entry (intake, classification) is the handlers' job.
ACTION_ROLES = {
    "receive": HANDLERS,
    "classify": HANDLERS,
    "accept": DECIDERS,
    "transfer": HANDLERS | {LEADER},
    "guide": HANDLERS | {LEADER},
    "file": DECIDERS,
    "follow_up": HANDLERS | {LEADER},
    "resolve": HANDLERS | {LEADER},
    "report_back": HANDLERS | {LEADER},
    "withdraw": HANDLERS | {LEADER},
}

ACTION_LABELS = {
    "receive": _("Tiếp nhận đơn"),
    "classify": _("Phân loại đơn"),
    "accept": _("Thụ lý giải quyết"),
    "transfer": _("Chuyển đơn"),
    "guide": _("Hướng dẫn người gửi"),
    "file": _("Lưu đơn"),
    "follow_up": _("Đôn đốc giải quyết"),
    "resolve": _("Ghi nhận kết quả giải quyết"),
    "report_back": _("Báo cáo kết quả cho cơ quan chuyển đơn"),
    "withdraw": _("Rút đơn"),
}


def roles_at(user, organisation):
    """Roles the user holds at the organisation or above it (one query, cached per
    request on the user object)."""
    from casework.models import RoleAssignment

    if not user.is_authenticated or organisation is None:
        return frozenset()
    cache = user.__dict__.setdefault("_casework_roles_at", {})
    if organisation.pk not in cache:
        cache[organisation.pk] = frozenset(
            RoleAssignment.objects.filter(
                user=user, organisation_id__in=organisation.ancestor_ids()
            ).values_list("role", flat=True)
        )
    return cache[organisation.pk]


def user_may(user, action, organisation):
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return bool(roles_at(user, organisation) & ACTION_ROLES[action])


def may(action):
    """FSM transition permission for `action`, checked against the letter's organisation."""

    def check(instance, user):
        return user_may(user, action, instance.organisation)

    check.__name__ = f"may_{action}"
    return check


def _assignment_paths(user, cache_key, **conditions):
    """Paths of the organisations where the user holds a role assignment matching
    `conditions`, read once and kept on the user object for the request."""
    from casework.models import RoleAssignment

    if not user.is_authenticated or not user.is_active:
        return []
    cached = user.__dict__.get(cache_key)
    if cached is None:
        cached = list(RoleAssignment.objects.filter(user=user, **conditions)
                      .values_list("organisation__path", flat=True).distinct())
        user.__dict__[cache_key] = cached
    return cached


def clearance_paths(user):
    """Organisation paths under which the user may see denouncers' identities. Being a
    superuser grants nothing here: the administrator runs the system, and is not one of
    the people the law lets know a denouncer."""
    return _assignment_paths(user, "_casework_clearance_paths", identity_clearance=True,
                             role__in=IDENTITY_CLEARABLE_ROLES)


def may_see_identity(user, petition):
    if not petition.identity_confidential:
        return True
    return any(petition.organisation.path.startswith(p) for p in clearance_paths(user))


def subject_scope(user):
    """Organisations whose members and branches a user's letters may be about: the whole
    committee each receiving organisation serves (the office logs letters about members
    of every branch of its commune)."""
    from casework.models import Organisation

    paths = {org.committee.path for org in receiving_organisations(user).select_related("parent")}
    return Organisation.objects.subtree_of(sorted(paths))


def receiving_organisations(user):
    """Organisations where this user may log a new letter."""
    from casework.models import Organisation, RoleAssignment

    if user.is_superuser:
        return Organisation.objects.all()
    paths = RoleAssignment.objects.filter(
        user=user, role__in=ACTION_ROLES["receive"]
    ).values_list("organisation__path", flat=True)
    return Organisation.objects.subtree_of(list(paths))


# ---- inspection and supervision cases -----------------------------------------------
# The body that decided a case (its UBKT member, its leaders, the branch secretary) takes
# the decisions; the team does the field work. Both are checked against the case's own
# organisation and the levels above it.
CASE_DECIDERS = DECIDERS
CASE_TEAM_STEPS = frozenset({"announce", "explain", "verify", "review", "report", "meet",
                             "remediate"})
CASE_DECISION_STEPS = frozenset({"conclude", "notify", "open_discipline", "discipline",
                                 "archive"})


def may_open_case(user, organisation):
    if not user.is_authenticated or not user.is_active:
        return False
    return user.is_superuser or bool(roles_at(user, organisation) & CASE_DECIDERS)


def decider_paths(user):
    """Organisation paths where the user holds a deciding role."""
    return _assignment_paths(user, "_casework_decider_paths", role__in=CASE_DECIDERS)


def deciding_organisations(user):
    """Organisations whose cases (and programmes) the user may decide on: may_open_case as
    a query."""
    from casework.models import Organisation

    if not user.is_authenticated or not user.is_active:
        return Organisation.objects.none()
    if user.is_superuser:
        return Organisation.objects.all()
    return Organisation.objects.subtree_of(decider_paths(user))


def is_case_team_member(user, case):
    cache = user.__dict__.setdefault("_casework_teams", {})
    if case.pk not in cache:
        cache[case.pk] = case.team.filter(pk=user.pk).exists()
    return cache[case.pk]


def case_user_may(user, action, case):
    """May `user` take step `action` of `case` (regardless of the case's current state)?"""
    if not user.is_authenticated or not user.is_active:
        return False
    if may_open_case(user, case.organisation):
        return True
    return action in CASE_TEAM_STEPS and is_case_team_member(user, case)
