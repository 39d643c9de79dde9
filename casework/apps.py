from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CaseworkConfig(AppConfig):
    name = "casework"
    verbose_name = _("Hồ sơ đơn thư, vụ việc")

    def ready(self):
        # The "Văn bản" panels of the letter and case pages register themselves on import.
        from casework import document_views  # noqa: F401
