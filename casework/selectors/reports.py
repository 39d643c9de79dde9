"""The report of an organisation's subtree for a period: its figures (letters and cases,
from the event log), which units a user may report on, and the moment the data was taken.

Who may get a report (docs/permissions.md, `view_reports`): a leader, a UBKT member or the
Party office (clerk), for the organisation where they hold that role and everything under
it; the office and the UBKT work for their committee, so for them the committee's subtree
(the Văn phòng prepares the Đảng ủy's report, and the UBKT reports the committee's
inspection figures, branches included). A report holds counts only, never a person's name;
the lists its numbers link to are scoped to the reader as every list is.
"""
from django.db.models import Q
from django.utils import timezone

from casework.models import Organisation
from casework.models.organisations import Role
from casework.selectors.case_figures import case_figures
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


def report_figures(*, organisation, period) -> dict:
    """{"org", "from", "to", "taken_at", "letters", "cases"} for the period. `taken_at` is
    the moment the figures were read (ISO, the office's time zone)."""
    taken_at = timezone.localtime()
    letters = letter_figures(organisation=organisation, start=period.start, end=period.end,
                             open_by_kind=True)
    return {"org": organisation.code, "from": period.start.isoformat(),
            "to": period.end.isoformat(), "taken_at": taken_at.isoformat(timespec="seconds"),
            "letters": letters,
            "cases": case_figures(organisation=organisation, start=period.start,
                                  end=period.end)}
