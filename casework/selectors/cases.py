"""Inspection and supervision cases: the list with its totals, the case page, the cases a
letter or a programme led to. Scoped by `scope.cases_q`."""
from django.db.models import Count, OuterRef, Prefetch, Q, Subquery
from django.db.models.functions import Coalesce

from casework.models import (
    CaseStatus,
    CaseSubject,
    InspectionCase,
    InspectionKind,
    Organisation,
)
from casework.models.inspections import OPEN_CASE_STATUSES
from casework.numbers import CASE_SERIES, number_q, parse_number
from casework.selectors.letters import RegisterCounts

# What a row of any case list shows: its organisation and its subject (a member's name
# carries their branch, see Member.__str__).
LIST_RELATED = ("organisation", "subject_member__organisation", "subject_organisation")


def cases_visible(*, user):
    return InspectionCase.objects.visible_to(user)


def case_list(*, user, q="", year=None, kind="", status="", organisation=None):
    """The case list's rows, newest year first, filtered as the list page's form says."""
    cases = cases_visible(user=user).select_related(*LIST_RELATED)
    if q:
        cases = cases.filter(_case_search(q, user))
    if year:
        cases = cases.filter(year=year)
    if kind:
        cases = cases.filter(kind=kind)
    if status == "open":
        cases = cases.filter(status__in=OPEN_CASE_STATUSES)
    elif status:
        cases = cases.filter(status=status)
    if organisation is not None:
        cases = cases.filter(organisation__path__startswith=organisation.path)
    return cases.order_by("-year", "organisation__path", "-seq")


def with_subject_count(cases):
    """`subject_count` on each case: how many subjects it has (a list shows the first and
    "và 3 đối tượng khác"), a subquery of the page's own SELECT on the subject table's
    (case, position) index: no query per row."""
    counted = (CaseSubject.objects.filter(case=OuterRef("pk")).order_by()
               .values("case").annotate(n=Count("pk")).values("n"))
    return cases.annotate(subject_count=Coalesce(Subquery(counted), 1))


def _case_search(text, user):
    """A case's number, short or full (002/2026, 002/2026/KT-UBKT, the older 002/2026/KT),
    or a part of its title."""
    cond = Q(title__icontains=text.strip())
    if typed := parse_number(text, series=CASE_SERIES):
        cond |= number_q(typed, seq_field="seq", year_field="year",
                         organisations=Organisation.objects.visible_to(user))
    return cond


class CaseCounts(RegisterCounts):
    """The case list's numbers from one grouped COUNT over (unit, status, kind): the
    total, both totals, and the count per unit for a province's list grouped by commune
    (selectors.letters.register_groups)."""
    statuses, kinds, open_statuses = CaseStatus, InspectionKind, OPEN_CASE_STATUSES


def case_counts(cases):
    return CaseCounts(list(cases.order_by().values_list("organisation_id", "status", "kind")
                           .annotate(n=Count("*"))))


def case_for_page(*, user):
    """The case page's query (get the case from it by pk: 404 outside the user's scope)."""
    return cases_visible(user=user).select_related(
        "organisation", "subject_member__organisation", "subject_organisation",
        "team_leader", "created_by", "programme_item__programme", "source_petition",
        "escalated_from").prefetch_related(
        # every subject with its discipline decision: `subjects_all`, the page's list
        Prefetch("subject_rows", CaseSubject.objects.select_related(
            "member__organisation", "organisation", "discipline_decision")))


def cases_from_letter(*, user, petition):
    return (cases_visible(user=user).filter(source_petition=petition)
            .select_related(*LIST_RELATED).order_by("year", "seq"))
