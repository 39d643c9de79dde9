"""What casework announces, so that workflows and notifications can react without casework
knowing they exist.

`case_event_written` is sent by the transition engine (casework.services.transitions)
inside the transaction that wrote the event, with the event itself. Receivers write rows
that must live or die with the event (deadline clocks, processes, outbox notices); if a
receiver raises, the whole action is rolled back. What leaves the database (an e-mail, a
task on the queue) a receiver defers itself with `transaction.on_commit`, carrying ids,
not copies of data, as notifications.outbox does: only the receiver knows whether it has
anything to send, so casework sends no second, after-commit signal.

`letters_imported` is sent by an import of a register (casework.services.letter_import)
inside its transaction, once per batch of letters written, with the ids of those still
open: their back-dated events are not announced one by one, which cost a few queries per
event for rows the receiver can write set-wise (workflows starts their clocks as the
events would, workflows.services.import_clocks; notifications reports those of their
events that are not back-filled, as for an event announced alone).
"""
from django.dispatch import Signal

case_event_written = Signal()  # kwargs: event
# Sent by `manage.py backup` after a complete archive was written (workflows keeps the
# moment as a heartbeat, so the health report can say when backups stopped).
backup_written = Signal()  # kwargs: path

# Sent when a case moved on without its task page: a step taken through the API, or an
# open case's back-dated history written by the import. Sent inside the same transaction,
# so the process that workflows then puts at the case's current step (`sync_case_process`)
# lives or dies with the step. A task page does not send it: there the task's own
# activation completes the step.
case_moved_outside_task = Signal()  # kwargs: case_id
letters_imported = Signal()  # kwargs: petition_ids
