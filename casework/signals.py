"""What casework announces, so that workflows and notifications can react without casework
knowing they exist.

`case_event_written` is sent by the transition engine (casework.services.transitions)
inside the transaction that wrote the event, with the event itself. Receivers write rows
that must live or die with the event (deadline clocks, processes, outbox notices); if a
receiver raises, the whole action is rolled back. What leaves the database (an e-mail, a
task on the queue) a receiver defers itself with `transaction.on_commit`, carrying ids,
not copies of data, as notifications.outbox does: only the receiver knows whether it has
anything to send, so casework sends no second, after-commit signal.
"""
from django.dispatch import Signal

case_event_written = Signal()  # kwargs: event

# Sent by the cases' import (casework.services.case_import) once an open case's back-dated
# history is written, inside the same transaction (its process lives or dies with it);
# kwargs: case_id. The openings of such histories start no process (their steps follow
# through the services), so a listener puts the case's process at its current step.
case_history_imported = Signal()
