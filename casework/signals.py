"""What casework announces, so that workflows and notifications can react without casework
knowing they exist.

- `case_event_written` is sent inside the transaction that wrote the event, with the event
  itself. Receivers write rows that must live or die with the event (deadline clocks, outbox
  notices); if a receiver raises, the whole action is rolled back.
- `case_event_recorded` is sent only after that transaction commits, with the event id
  (never a copy of the data): for side effects such as queueing tasks.
"""
from django.dispatch import Signal

case_event_written = Signal()  # kwargs: event
case_event_recorded = Signal()  # kwargs: event_id
