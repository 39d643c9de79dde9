"""The annual inspection and supervision programmes a user may see, and their progress
figures.

Figures are counted in SQL from the cases themselves (one grouped query over the items, with
the cases joined), so "planned / started / concluded / overdue" always equal the cases
behind them; nothing is stored that could drift.

Definitions (used by the pages, the demo's summary and the tests):
- planned: the items' `planned_cases`, a number of cases (cuộc), as the programme's target
  says ("hoàn thành các cuộc kiểm tra, giám sát theo chương trình"): a branch plans "kiểm
  tra 03 đảng viên" as one item of three cases when it decides on each member apart, or of
  one case when one decision names the three (issue 14: one case, several subjects). A
  case counts once toward its item whatever its number of subjects; the subjects are
  counted by the figures (casework.selectors.case_figures) and named on the page;
- started: cases opened from the item, whatever their status;
- concluded: the conclusion or the notice of results was issued, i.e. the case is at
  CONCLUDED or any later step (a supervision has no conclusion: its notice of results,
  NOTIFIED, is its end);
- overdue: (a) cases started but not concluded whose `ends_on` (the end date the decision
  itself set, the same date the case's finish clock runs to) is before today, plus (b) for
  every item whose quarter has ended, the planned cases not started (planned − started, not
  below zero): a plan left undone past its quarter is as late as a case past its end date;
- completion: Σ min(concluded, planned) over items ÷ Σ planned. An item's extra cases do not
  make up for another item left undone.
Ad-hoc cases (opened from a petition or a sign of violation, without an item) are counted
apart, "ngoài chương trình", for the same organisation, body and year.

Scope: a user sees the programmes of the organisations whose cases they see as run there
(`scope.programmes_q`), and so every case a programme's figures count.
"""
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Case, Count, F, IntegerField, Prefetch, Q, Value, When
from django.db.models.functions import Greatest, Least
from django.utils import timezone

from casework.models import (
    CaseStatus,
    CaseSubject,
    InspectionCase,
    InspectionProgramme,
    ProgrammeItem,
)
from casework.selectors.cases import cases_visible
from casework.selectors.scope import programmes_q

CONCLUDED_STATUSES = (CaseStatus.CONCLUDED, CaseStatus.NOTIFIED, CaseStatus.DISCIPLINE,
                      CaseStatus.REMEDIATION, CaseStatus.ARCHIVED)
UNCONCLUDED_STATUSES = tuple(s for s in CaseStatus if s not in CONCLUDED_STATUSES)
QUARTERS = (1, 2, 3, 4)


def quarter_end(year, quarter):
    month = quarter * 3
    return date(year + month // 12, month % 12 + 1, 1) - date.resolution


def ended_quarters(year, today):
    return [q for q in QUARTERS if quarter_end(year, q) < today]


def percent(done, planned):
    """55,8 % as a Decimal with one place, or None without a plan."""
    if not planned:
        return None
    return (Decimal(done) * 100 / Decimal(planned)).quantize(Decimal("0.1"), ROUND_HALF_UP)


@dataclass
class Figures:
    planned: int = 0
    started: int = 0
    concluded: int = 0
    late_cases: int = 0        # started, not concluded, past the decision's end date
    unstarted_overdue: int = 0  # planned, not started, the item's quarter has ended
    done: int = 0               # Σ min(concluded, planned)

    @property
    def in_progress(self):
        return self.started - self.concluded

    @property
    def overdue(self):
        return self.late_cases + self.unstarted_overdue

    @property
    def not_started(self):
        return max(self.planned - self.started, 0)

    @property
    def rate(self):
        return percent(self.done, self.planned)

    def add(self, other):
        for name in ("planned", "started", "concluded", "late_cases", "unstarted_overdue", "done"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class Progress:
    programme: InspectionProgramme
    today: date
    items: list = field(default_factory=list)   # ProgrammeItem rows with .figures
    total: Figures = field(default_factory=Figures)
    adhoc: Figures = field(default_factory=Figures)

    def quarters(self):
        """[(quarter, items, Figures of the quarter)] for the quarters that have items."""
        out = []
        for q in QUARTERS:
            items = [i for i in self.items if i.quarter == q]
            if items:
                sub = Figures()
                for item in items:
                    sub.add(item.figures)
                out.append((q, items, sub))
        return out


def _case_counts(prefix, today):
    """started / concluded / late as SQL aggregates over the cases reached through
    `prefix` ("cases" from an item; "" over cases themselves)."""
    target, p = (prefix, f"{prefix}__") if prefix else ("pk", "")
    return dict(
        started=Count(target),
        concluded=Count(target, filter=Q(**{f"{p}status__in": CONCLUDED_STATUSES})),
        late_cases=Count(target, filter=Q(**{f"{p}status__in": UNCONCLUDED_STATUSES,
                                             f"{p}ends_on__lt": today})),
    )


def with_figures(items, *, today):
    """The items queryset annotated with their figures: cases LEFT JOINed and counted in the
    same SELECT that reads the items."""
    ended = Q(programme__year__lt=today.year) | Q(
        programme__year=today.year, quarter__in=ended_quarters(today.year, today))
    return (items.annotate(**_case_counts("cases", today))
            .annotate(
                unstarted_overdue=Case(
                    When(ended, then=Greatest(F("planned_cases") - F("started"), Value(0),
                                              output_field=IntegerField())),
                    default=Value(0), output_field=IntegerField()),
                done=Least(F("concluded"), F("planned_cases"), output_field=IntegerField())))


def _figures_of(item):
    return Figures(planned=item.planned_cases, started=item.started, concluded=item.concluded,
                   late_cases=item.late_cases, unstarted_overdue=item.unstarted_overdue,
                   done=item.done)


def adhoc_cases(programme):
    """Cases of the programme's organisation, body and year opened without an item."""
    return InspectionCase.objects.filter(
        organisation=programme.organisation, body=programme.body, year=programme.year,
        programme_item__isnull=True)


def adhoc_figures(programmes, *, today):
    """{programme id: Figures} for the ad-hoc cases beside each programme (one query)."""
    programmes = list(programmes)
    if not programmes:
        return {}
    cond = Q(pk__in=[])
    for p in programmes:
        cond |= Q(organisation_id=p.organisation_id, body=p.body, year=p.year)
    rows = (InspectionCase.objects.filter(cond, programme_item__isnull=True)
            .values("organisation_id", "body", "year").order_by()
            .annotate(**_case_counts("", today)))
    found = {(r["organisation_id"], r["body"], r["year"]): r for r in rows}
    out = {}
    for p in programmes:
        r = found.get((p.organisation_id, p.body, p.year))
        out[p.pk] = Figures(started=r["started"], concluded=r["concluded"],
                            late_cases=r["late_cases"]) if r else Figures()
    return out


def programmes_progress(programmes, *, today=None):
    """{programme id: Progress} for several programmes (the year's list page): two queries,
    whatever the number of programmes, items and cases."""
    today = today or timezone.localdate()
    programmes = list(programmes)
    result = {p.pk: Progress(programme=p, today=today) for p in programmes}
    by_pk = {p.pk: p for p in programmes}
    items = with_figures(ProgrammeItem.objects.filter(programme__in=programmes)
                         .select_related("target_organisation"), today=today)
    for item in items.order_by("quarter", "id"):
        item.programme = by_pk[item.programme_id]
        item.figures = _figures_of(item)
        progress = result[item.programme_id]
        progress.items.append(item)
        progress.total.add(item.figures)
    for pk, figures in adhoc_figures(programmes, today=today).items():
        result[pk].adhoc = figures
    return result


def programme_progress(programme, *, today=None):
    """Progress of one programme: per item, per quarter, in total, and its ad-hoc cases."""
    return programmes_progress([programme], today=today)[programme.pk]


def programmes_visible(*, user):
    if not user.is_authenticated:
        return InspectionProgramme.objects.none()
    return InspectionProgramme.objects.filter(programmes_q(user))


def adhoc_count(*, user, year):
    """Cases of the year opened without a programme item, anywhere the user may see."""
    return cases_visible(user=user).filter(year=year, programme_item__isnull=True).count()


def programme_cases(*, user, programme):
    """The cases behind one programme's figures (its items' and its ad-hoc ones) that the
    user may see, in the order they were decided."""
    return (cases_visible(user=user)
            .filter(Q(programme_item__programme=programme)
                    | Q(pk__in=adhoc_cases(programme).values("pk")))
            .select_related("organisation", "subject_member__organisation", "subject_organisation")
            # every subject of each case (one query for the page): a case of four branches
            .prefetch_related(Prefetch("subject_rows", CaseSubject.objects.select_related(
                "member", "organisation")))
            .order_by("decision_date", "seq"))
