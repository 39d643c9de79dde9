"""Reads of workflows, scoped by casework's one rule for letters and one for cases
(`casework.selectors.scope`): deadline clocks and case tasks.

A clock keeps a copy of its letter's or case's organisation, so the deadlines page scopes
by the clock's own row (`scope.kept_q`: the ids of a commune's units, read first; for a
province, a join to the organisation tree, an index range on its path) and never by
`petition IN (every visible letter) OR inspection IN (every visible case)`, which
PostgreSQL cannot turn into a join."""
from django.db.models import Q

from casework.selectors.scope import kept_q
from workflows.models import DeadlineClock


def clocks_q(user):
    """SQL condition on DeadlineClock: clocks of the letters and cases the user may see,
    tested on the organisation the clock keeps (`scope.kept_q`)."""
    return kept_q(user, organisation="organisation", letter="petition", case="inspection")


def in_subtree_q(organisation):
    """SQL condition on a row's stored `organisation`: at or under `organisation` (the
    unit a page is opened for, not a scope: the scope is applied beside it).

    Under a unit, a subquery of the subtree's organisations: PostgreSQL then starts from
    those few organisations and the row's (organisation, …) index; as a condition on the
    joined path, it read all the province's clocks or letters through the date indexes
    and dropped 99 % of them for a commune. For a root (a province's leader) every row of
    the tree is under it: the path of the organisation already joined for the scope costs
    nothing more, where the subquery added a hash probe per row."""
    from casework.models import Organisation

    if organisation.parent_id is None:
        return Q(organisation__path__startswith=organisation.path)
    subtree = Organisation.objects.filter(path__startswith=organisation.path).values("pk")
    return Q(organisation__in=subtree)


def clocks_visible(*, user):
    if not user.is_authenticated:
        return DeadlineClock.objects.none()
    return DeadlineClock.objects.filter(clocks_q(user))


# What a row of a task list shows: the case (with its organisation and subject, whose
# name carries the member's branch) and who holds the task.
TASK_RELATED = ("owner", "process__caseprocess__case__organisation",
                "process__caseprocess__case__subject_member__organisation",
                "process__caseprocess__case__subject_organisation")


def task_list(tasks):
    """A task queryset as the inbox, the queue and "Việc của tôi" list it: oldest first,
    its cases read in the same query."""
    return tasks.select_related(*TASK_RELATED).order_by("created", "pk")
