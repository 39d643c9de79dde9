"""Workflows listens to casework: each case event (of a letter or of an inspection or
supervision case) may stop and start deadline clocks, inside the transaction that wrote
the event."""


def start_and_stop_clocks(sender, event, **kwargs):
    from workflows.services.clocks import on_case_event

    if event.petition_id is not None or event.inspection_id is not None:
        on_case_event(event)


def start_imported_clocks(sender, petition_ids, **kwargs):
    """An imported register's open letters (`letters_imported`): their clocks as their
    events announced one by one would leave them, written set-wise."""
    from workflows.services.import_clocks import start_imported_clocks as start

    start(petition_ids)
