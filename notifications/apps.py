from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Thông báo")

    def ready(self):
        from casework.models import CaseEvent
        from casework.signals import case_event_written, letters_imported
        from notifications.case_notices import notify_case_subjects
        from notifications.escalations import write_escalation_notices
        from notifications.receivers import notify_case_event, notify_imported_letters
        from workflows.signals import escalations_fired

        escalations_fired.connect(write_escalation_notices,
                                  dispatch_uid="notifications.escalations")
        # Inside the event's transaction: the notice commits or rolls back with it.
        case_event_written.connect(notify_case_event, sender=CaseEvent,
                                   dispatch_uid="notifications.case_events")
        case_event_written.connect(notify_case_subjects, sender=CaseEvent,
                                   dispatch_uid="notifications.case_subjects")
        letters_imported.connect(notify_imported_letters,
                                 dispatch_uid="notifications.imported_letters")
