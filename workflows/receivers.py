"""Workflows listens to casework: each case event (of a letter or of an inspection or
supervision case) may stop and start deadline clocks, inside the transaction that wrote
the event."""


def start_and_stop_clocks(sender, event, **kwargs):
    from workflows.services.clocks import on_case_event

    if event.petition_id is not None or event.inspection_id is not None:
        on_case_event(event)


def sync_imported_case(sender, case_id, **kwargs):
    """An open case imported with its history: its process waits on its current step."""
    from casework.models import InspectionCase
    from workflows.case_processes import sync_case_process

    sync_case_process(InspectionCase.objects.get(pk=case_id))
