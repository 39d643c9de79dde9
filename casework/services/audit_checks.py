"""Records that must agree with the logs that explain them.

A hash chain shows that a log was not changed; it cannot show that the record the log
describes was. Two such records decide who sees a denouncer, so `verify` (audit.py) also
checks them against their logs:

- a letter's protection: once any of its events recorded the kind tố cáo, the sender
  stays protected (models.petitions: identity_confidential is never cleared), and the
  letter's kind is the kind its latest event recorded (receiving and classifying are the
  only steps that set a kind, and both record it in the event's details);
- a role assignment's clearance: a cleared assignment must be explained by an approved
  grant in the clearance history, for the same person, organisation and role, with no
  revocation after it (casework.services.clearance is the only writer of the flag).

- a letter's logged moments: when it was received and closed, the first moment of each
  step a period's report counts and the last recording of its kind, which the period
  figures read from the letter instead of its events (casework.selectors.figures). The
  transition engine writes them beside each event (Petition.log_moments); here they are
  computed again from the events, by the same rule written as queries, so a moment
  changed around the engine (raw SQL, a restore mixing backups) is named before a report
  counts it.

All are set-based queries, so their cost does not grow with Python loops over letters.
"""
from django.db.models import Exists, F, OuterRef, Q, Subquery
from django.db.models.fields.json import KT

from casework.services.audit import (
    CLEARANCE_EVENTS,
    KIND_CHANGED,
    MOMENT_CHANGED,
    UNPROTECTED,
    UNRECORDED,
    Break,
)

DENUNCIATION = "denunciation"   # PetitionKind.DENUNCIATION, as stored in the events


def protection_breaks(*, case_id: int | None = None) -> list:
    from casework.models import CaseEvent, Petition

    letters = Petition.objects.all() if case_id is None else Petition.objects.filter(pk=case_id)
    recorded = CaseEvent.objects.filter(petition=OuterRef("pk"), details__has_key="kind")
    breaks = [Break(UNPROTECTED, "petition", pk, event_status=DENUNCIATION) for pk in (
        letters.filter(identity_confidential=False)
        .filter(Exists(recorded.filter(details__kind=DENUNCIATION)))
        .order_by("pk").values_list("pk", flat=True))]
    changed = (letters.annotate(last_kind=Subquery(
        recorded.order_by("-id").annotate(recorded_kind=KT("details__kind"))
        .values("recorded_kind")[:1]))
        .filter(last_kind__isnull=False).exclude(last_kind=F("kind"))
        .order_by("pk").values_list("pk", "kind", "last_kind"))
    breaks += [Break(KIND_CHANGED, "petition", pk, case_status=kind, event_status=last)
               for pk, kind, last in changed]
    return breaks


def clearance_breaks() -> list:
    """Cleared role assignments that the clearance history does not explain."""
    from casework.models import ClearanceEvent, ClearanceEventType, RoleAssignment

    decisions = (ClearanceEvent.objects.filter(
        assignment_id=OuterRef("pk"),
        event_type__in=[ClearanceEventType.APPROVED, ClearanceEventType.REVOKED])
        .order_by("-id"))
    cleared = (RoleAssignment.objects.filter(identity_clearance=True)
               .annotate(decided=Subquery(decisions.values("id")[:1]))
               .order_by("pk"))
    last = ClearanceEvent.objects.in_bulk(
        [pk for pk in cleared.values_list("decided", flat=True) if pk is not None])
    breaks = []
    for assignment in cleared.select_related("user", "organisation"):
        event = last.get(assignment.decided)
        explained = (event is not None and event.grant
                     and event.event_type == ClearanceEventType.APPROVED
                     and (event.user_id, event.organisation_id, event.role)
                     == (assignment.user_id, assignment.organisation_id, assignment.role))
        if not explained:
            breaks.append(Break(UNRECORDED, "assignment", assignment.pk,
                                event.pk if event else None,
                                event.event_type if event else "",
                                organisation=str(assignment), chain=CLEARANCE_EVENTS.name))
    return breaks


def _logged_moments():
    """{moment field: (the events that set it, the first of them or the last)}: the rule
    of Petition.log_moments over a letter's whole log."""
    from casework.models.petitions import OPEN_STATUSES, STEP_EVENTS

    moments = {
        "received_at": (Q(event_type="received"), "first"),
        # Closed statuses are final: one event leaves the open ones.
        "closed_at": (Q(from_status__in=OPEN_STATUSES) & ~Q(to_status__in=OPEN_STATUSES),
                      "first"),
        "kind_recorded_at": (Q(details__has_key="kind"), "last"),
    }
    moments.update({field: (Q(event_type=step), "first") for step, field in STEP_EVENTS.items()})
    return moments


def moment_breaks(*, case_id: int | None = None) -> list:
    """Letters whose stored moments differ from those their events give: one Break per
    letter and moment (field name, stored and logged moments as ISO text)."""
    from casework.models import CaseEvent, Petition

    letters = Petition.objects.all() if case_id is None else Petition.objects.filter(pk=case_id)
    moments = _logged_moments()
    logged = {}
    differs = Q(pk__in=[])
    for field, (events, which) in moments.items():
        order = "occurred_at" if which == "first" else "-occurred_at"
        logged[f"logged_{field}"] = Subquery(
            CaseEvent.objects.filter(events, petition=OuterRef("pk"))
            .order_by(order).values("occurred_at")[:1])
        # IS DISTINCT FROM, written for both databases.
        differs |= (Q(**{f"{field}__isnull": True, f"logged_{field}__isnull": False})
                    | Q(**{f"{field}__isnull": False, f"logged_{field}__isnull": True})
                    | (Q(**{f"{field}__isnull": False, f"logged_{field}__isnull": False})
                       & ~Q(**{field: F(f"logged_{field}")})))
    rows = (letters.annotate(**logged).filter(differs).order_by("pk")
            .values_list("pk", *moments, *logged))
    breaks = []
    for pk, *values in rows:
        stored, found = values[:len(moments)], values[len(moments):]
        breaks += [Break(MOMENT_CHANGED, "petition", pk, event_type=field,
                         case_status=_iso(a), event_status=_iso(b))
                   for field, a, b in zip(moments, stored, found) if a != b]
    return breaks


def _iso(moment):
    return moment.isoformat() if moment is not None else ""


# Copies other apps keep of a record's fields, checked by those apps (casework must not
# import workflows): each registered check takes `case_id` (one letter, or None for all)
# and returns Breaks. workflows registers the clocks' kept kind.
_kept_copy_checks = []


def register_kept_copy_check(check):
    if check not in _kept_copy_checks:
        _kept_copy_checks.append(check)
    return check


def kept_copy_breaks(*, case_id: int | None = None) -> list:
    return [b for check in _kept_copy_checks for b in check(case_id=case_id)]
