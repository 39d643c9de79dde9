"""What casework announces. Sent only after the transaction that wrote the event commits,
with the event id (never a copy of the data): receivers load what they need."""
from django.dispatch import Signal

case_event_recorded = Signal()  # kwargs: event_id
