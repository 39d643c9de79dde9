from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Thông báo")

    def ready(self):
        from workflows.signals import escalations_fired

        from notifications.escalations import write_escalation_notices

        escalations_fired.connect(write_escalation_notices,
                                  dispatch_uid="notifications.escalations")
