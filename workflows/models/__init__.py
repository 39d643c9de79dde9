"""Who must do what by when: the working-day calendar, deadline rules and their clocks."""
from .calendar import CalendarOverride
from .clocks import ClockEntry, ClockEntryKind, ClockStatus, DeadlineClock, Escalation
from .health import Heartbeat
from .processes import CaseProcess
from .rules import Audience, CountFrom, DeadlineRule, Procedure, StartCondition, Step, Unit

__all__ = [
    "Audience", "CalendarOverride", "CountFrom", "CaseProcess", "ClockEntry", "ClockEntryKind",
    "ClockStatus", "DeadlineClock", "DeadlineRule", "Escalation", "Heartbeat", "Procedure",
    "StartCondition", "Step", "Unit",
]
