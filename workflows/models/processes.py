"""The viewflow process that runs one inspection or supervision case.

The case (casework.InspectionCase) holds the legal status; the process holds who must do
the next step (its tasks, assigned to team members or the deciding body). Multi-table
inheritance from viewflow's Process, as viewflow documents for process data.
"""
from django.db import models
from django.utils.translation import gettext_lazy as _
from viewflow.workflow.models import Process


class CaseProcess(Process):
    case = models.ForeignKey("casework.InspectionCase", verbose_name=_("cuộc kiểm tra, giám sát"),
                             on_delete=models.PROTECT, related_name="processes")

    class Meta:
        verbose_name = _("quy trình kiểm tra, giám sát")
        verbose_name_plural = _("các quy trình kiểm tra, giám sát")
