"""The report of an organisation's subtree for a period: its figures (letters and cases,
from the event log), which units a user may report on, and the moment the data was taken.

Who may get a report (docs/permissions.md, `view_reports`): a leader, a UBKT member or the
Party office (clerk), for the organisation where they hold that role and everything under
it; the office and the UBKT work for their committee, so for them the committee's subtree
(the Văn phòng prepares the Đảng ủy's report, and the UBKT reports the committee's
inspection figures, branches included). A report holds counts only, never a person's name;
the lists its numbers link to are scoped to the reader as every list is.
"""
from django.db.models import Count, F, Q
from django.utils import timezone

from casework.models import Organisation, Petition, PetitionKind
from casework.models.organisations import Role
from casework.selectors.case_figures import case_figures
from casework.selectors.figure_rules import bounds, kind_then, letters_figure
from casework.selectors.figures import letter_figures
from casework.selectors.scope import _committee_path, assignments, everything, topmost

REPORT_ROLES = frozenset({Role.CLERK, Role.UBKT, Role.LEADER})


def report_paths(user):
    """Paths under which the user may get reports (module docstring)."""
    if not user.is_authenticated:
        return []
    return topmost(path if role == Role.LEADER else _committee_path(path, kind)
                   for role, path, kind in assignments(user) if role in REPORT_ROLES)


def may_see_reports(user):
    return user.is_authenticated and user.is_active and (everything(user)
                                                         or bool(report_paths(user)))


def report_units(user):
    """The organisations the user may pick for a report, tree order."""
    units = Organisation.objects.all()
    if not everything(user):
        cond = Q(pk__in=[])
        for path in report_paths(user):
            cond |= Q(path__startswith=path)
        units = units.filter(cond)
    return units.order_by("path")


def _open_by_kind(organisation, period, letters):
    """Adds `open_at_end_by_kind` (the kind each open letter had at the period's end) to
    the totals and to each unit: the report says "còn 04 đơn kiến nghị đang xem xét". One
    grouped query, through the figure's own rule."""
    _after_start, after_end = bounds(period.start, period.end)
    rows = (letters_figure(Petition.objects.filter(
        organisation__path__startswith=organisation.path), "open_at_end", period.start,
        period.end).annotate(kind_then=kind_then(after_end))
        .values(unit=F("organisation__code"), kind_at_end=F("kind_then"))
        .annotate(n=Count("pk")).order_by())
    letters["open_at_end_by_kind"] = dict.fromkeys(PetitionKind.values, 0)
    for unit in letters["by_unit"].values():
        unit["open_at_end_by_kind"] = dict.fromkeys(PetitionKind.values, 0)
    for row in rows:
        letters["open_at_end_by_kind"][row["kind_at_end"]] += row["n"]
        letters["by_unit"][row["unit"]]["open_at_end_by_kind"][row["kind_at_end"]] += row["n"]
    return letters


def report_figures(*, organisation, period) -> dict:
    """{"org", "from", "to", "taken_at", "letters", "cases"} for the period. `taken_at` is
    the moment the figures were read (ISO, the office's time zone)."""
    taken_at = timezone.localtime()
    letters = letter_figures(organisation=organisation, start=period.start, end=period.end)
    return {"org": organisation.code, "from": period.start.isoformat(),
            "to": period.end.isoformat(), "taken_at": taken_at.isoformat(timespec="seconds"),
            "letters": _open_by_kind(organisation, period, letters),
            "cases": case_figures(organisation=organisation, start=period.start,
                                  end=period.end)}
