"""The deadline clocks of an imported register's open letters, written set-wise.

An import (casework.services.letter_import) writes the letters with their back-dated
history in one transaction and announces its open letters once per batch
(`casework.signals.letters_imported`), not each of their events: announced one by one,
their clocks cost a few queries per event, two-thirds of a 100,000-row import.

Nothing is decided here. Each letter's events are taken in order through the rule of a
live event (`clocks.event_effects`: which clocks stop and why, which rule versions start
(`rules_started_by`), the day each counts from, and its due, warning and escalation dates
by `compute` on the calendar), on clocks kept in memory; then the rows the per-event path
(`clocks.on_case_event`) would leave are written with two bulk inserts: the clocks as they
end up (some started and stopped again by a later step) and their ledger lines, in the
order that path writes them. The rules and the calendar are read once per batch.

A letter's kind is final when it is imported, so its clocks take it at once: the
per-event path's `keep_clock_kinds` would change nothing.
"""
from collections import defaultdict

from casework.models import CaseEvent, Petition
from workflows.calendar import get_calendar
from workflows.models import ClockEntry, ClockStatus, DeadlineClock
from workflows.models.clocks import OPEN_CLOCK_STATUSES, clock_kind
from workflows.services.clocks import event_day, event_effects, start_entry, stop_entry
from workflows.services.rule_selection import rules_latest_first, rules_started_by

# The clocks an event may stop: those the per-event path reads for it.
_STOPPABLE = (*OPEN_CLOCK_STATUSES, ClockStatus.LAPSED)


def start_imported_clocks(petition_ids):
    """Start (and, where a later step of their history ends them, stop) the clocks of the
    imported letters `petition_ids`, from their events, in the caller's transaction.
    Returns the number of clocks written."""
    letters = Petition.objects.select_related("organisation").in_bulk(list(petition_ids))
    events = defaultdict(list)
    for event in (CaseEvent.objects.filter(petition_id__in=list(letters))
                  .select_related("actor").order_by("petition_id", "id")):
        event.petition = letters[event.petition_id]
        events[event.petition_id].append(event)
    rules, cal = rules_latest_first(), get_calendar()
    clocks, entries = [], []
    # In id order, the order the import wrote them and the per-event path took them.
    for pk in sorted(letters):
        letter, open_clocks = letters[pk], []
        for event in events[pk]:
            on = event_day(event)
            starting = rules_started_by(letter, event.event_type, on, event=event,
                                        rules=rules)
            stopped, started = event_effects(event, letter, on, open_clocks, starting,
                                             cal=cal, explain=False)
            entries += [stop_entry(clock, event, on, reason) for clock, reason in stopped]
            for clock in started:
                clock.kind = clock_kind(letter)  # what DeadlineClock.save gives a new clock
                clocks.append(clock)
                entries.append(start_entry(clock, event, on))
            # As the per-event path reads them: ordered by start day, then id (creation);
            # the sort is stable.
            open_clocks = sorted((clock for clock in open_clocks + started
                                  if clock.status in _STOPPABLE),
                                 key=lambda clock: clock.started_on)
    DeadlineClock.objects.bulk_create(clocks)
    ClockEntry.objects.bulk_create(entries)
    return len(clocks)
