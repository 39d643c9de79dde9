"""What workflows announces to notifications (which may import workflows, not the reverse).

`escalations_fired` is sent inside the sweep's transaction with the run id of the
escalation rows just written, so their notices are written in the same transaction."""
from django.dispatch import Signal

escalations_fired = Signal()  # kwargs: run (UUID), today (date)
