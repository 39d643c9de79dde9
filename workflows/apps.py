from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _install_defaults(sender, using, apps=None, **kwargs):
    # After every migrate (and every flush, which tests do), so a database is never
    # without the shipped rules; existing rows are never touched.
    from workflows.default_rules import install_default_rules

    rule_model = apps.get_model("workflows", "DeadlineRule") if apps else None
    if rule_model is not None:
        install_default_rules(rule_model, using=using)


class WorkflowsConfig(AppConfig):
    name = "workflows"
    verbose_name = _("Quy trình và thời hạn")

    def ready(self):
        # Workflows reacts to casework (never the other way round): clocks and processes
        # follow case events, and the case pages get their deadline and task panels.
        from casework.models import CaseEvent, InspectionCase
        from casework.panels import register_case_panel, register_inspection_panel
        from casework.services.audit_checks import register_kept_copy_check
        from casework.signals import (
            backup_written,
            case_event_written,
            case_moved_outside_task,
            letters_imported,
        )
        from workflows import receivers
        from workflows.case_panels import case_task_panel, petition_cases_panel
        from workflows.case_processes import start_case_process
        from workflows.health import backup_written as record_backup
        from workflows.models.clocks import clock_kind_breaks
        from workflows.panels import case_clock_panel, clock_panel

        register_kept_copy_check(clock_kind_breaks)
        case_event_written.connect(receivers.start_and_stop_clocks, sender=CaseEvent,
                                   dispatch_uid="workflows.clocks")
        letters_imported.connect(receivers.start_imported_clocks,
                                 dispatch_uid="workflows.imported_clocks")
        backup_written.connect(record_backup, dispatch_uid="workflows.backup_heartbeat")
        case_event_written.connect(start_case_process, sender=CaseEvent,
                                   dispatch_uid="workflows.case_processes")
        case_moved_outside_task.connect(receivers.follow_case, sender=InspectionCase,
                                        dispatch_uid="workflows.follow_case")
        post_migrate.connect(_install_defaults, sender=self,
                             dispatch_uid="workflows.default_rules")
        register_case_panel(clock_panel)
        register_case_panel(petition_cases_panel)
        register_inspection_panel(case_task_panel)
        register_inspection_panel(case_clock_panel)  # after the task: what, then by when
