"""Which deadline rule a case event starts: the one place a rule version is chosen.

Data-driven: the candidates are the rule rows of the record's procedures whose start event
is the event and which are in force on its day (`effective_from`); no date appears in the
code. For each step the most specific rule wins (see `rules_started_by`). Also the day a
letter's clock counts from when its rule says it is not the event's own day.
"""
from datetime import date

from casework.models import Channel, Competence, ComplaintInstance, InspectionCase, PetitionKind
from workflows.models import CountFrom, DeadlineRule, Procedure, StartCondition
from workflows.services import case_clocks


def procedures_for(petition):
    """The procedures a letter falls under, most specific first: for each step the most
    specific procedure that has a rule wins (a tố cáo is classified in 7 working days, not
    the 10 of any letter)."""
    kind = petition.kind
    if kind == PetitionKind.DENUNCIATION:
        specific = [Procedure.DENUNCIATION]
        if petition.subject_member_id or petition.subject_organisation_id:
            specific.insert(0, Procedure.DENUNCIATION_MEMBER)
    elif kind == PetitionKind.COMPLAINT:
        # A second complaint has its own thụ lý and resolution, and no further window.
        specific = ([Procedure.COMPLAINT_SECOND]
                    if petition.instance == ComplaintInstance.SECOND else [Procedure.COMPLAINT])
    elif kind in (PetitionKind.RECOMMENDATION, PetitionKind.FEEDBACK):
        specific = [Procedure.RECOMMENDATION]
    else:
        specific = []
    return specific + [Procedure.PETITION]


def _condition_holds(condition, record, event):
    if isinstance(record, InspectionCase):
        return case_clocks.case_condition_holds(condition, event)
    if condition == StartCondition.COMPETENCE_OTHER:
        return record.competence in (Competence.OTHER, Competence.NONE)
    if condition == StartCondition.REMOTE_AREA:
        return record.organisation.remote_area
    if condition == StartCondition.FORWARDED:
        return record.channel == Channel.FORWARDED
    return condition == StartCondition.ALWAYS


def rules_latest_first(**filters):
    """Rule rows as `rules_started_by` weighs them: the latest version first."""
    return list(DeadlineRule.objects.filter(**filters).order_by("-effective_from", "-id"))


def rules_started_by(record, event_type, on, event=None, rules=None):
    """The rule version in force on `on` for each step that `event_type` starts, for a
    letter or an inspection/supervision case.

    For each step the most specific rule wins: the most specific procedure first, then a
    rule whose start condition holds over one that always applies (the remote-area period
    over the ordinary one), then the latest version in force. `rules`: every rule row,
    from `rules_latest_first()`, when the caller starts the clocks of many letters at
    once (an imported register: workflows.services.import_clocks); read here otherwise."""
    procedures = (case_clocks.procedures_for_case(record) if isinstance(record, InspectionCase)
                  else procedures_for(record))
    if rules is None:
        rules = rules_latest_first(start_event=event_type)
    # The one test of a candidate, whether the rules were read for this event or not.
    candidates = [rule for rule in rules if rule.start_event == event_type
                  and rule.procedure in procedures and rule.effective_from <= on]
    def rank(rule):
        return (procedures.index(rule.procedure),
                0 if rule.start_condition != StartCondition.ALWAYS else 1)

    chosen = {}
    for rule in candidates:  # latest version first: a tie keeps the earlier (newer) one
        if not _condition_holds(rule.start_condition, record, event):
            continue
        best = chosen.get(rule.step)
        if best is None or rank(rule) < rank(best):
            chosen[rule.step] = rule
    return list(chosen.values())


def petition_clock_start(rule, petition, event, on):
    """The day a letter's clock counts from: the event's day unless the rule says
    otherwise (the letter's receipt; the day the sender received the decision)."""
    if rule.counted_from == CountFrom.RECEIVED:
        return petition.received_on
    if rule.counted_from == CountFrom.DECISION_RECEIVED:
        delivered = (event.details or {}).get("delivered_on") if event else None
        if delivered:
            return date.fromisoformat(delivered)
    return on
