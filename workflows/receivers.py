"""Workflows listens to casework: each case event (of a letter or of an inspection or
supervision case) may stop and start deadline clocks, inside the transaction that wrote
the event."""


def start_and_stop_clocks(sender, event, **kwargs):
    from workflows.services.clocks import on_case_event

    if event.petition_id is not None or event.inspection_id is not None:
        on_case_event(event)


def follow_case(sender, case_id, **kwargs):
    """A case moved on outside its task (a step through the API, an imported history): its
    process follows (the open task closed, the one the case now waits on opened), in the
    same transaction."""
    from django.utils.translation import gettext as _
    from viewflow.workflow.exceptions import FlowLockFailed

    from casework.errors import ActionRefused
    from casework.models import InspectionCase
    from workflows.case_processes import sync_case_process

    try:
        sync_case_process(InspectionCase.objects.get(pk=case_id))
    except FlowLockFailed:
        raise ActionRefused(_("Có người khác đang ghi bước này. Đề nghị thử lại sau giây "
                              "lát.")) from None


def start_imported_clocks(sender, petition_ids, **kwargs):
    """An imported register's open letters (`letters_imported`): their clocks as their
    events announced one by one would leave them, written set-wise."""
    from workflows.services.import_clocks import start_imported_clocks as start

    start(petition_ids)
