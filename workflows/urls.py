from django.urls import include, path

from workflows import (
    chart_views,
    clock_views,
    leader_views,
    my_work_views,
    overview_views,
    task_views,
    views,
)

app_name = "workflows"

# Mounted at the site root (config/urls.py) so that one "workflows" namespace serves both
# /thoi-han/ (deadline clocks) and /cong-viec/ (case tasks): Django reverses a namespace
# through one include only. Add clock pages to clock_patterns, task pages to task_patterns.
clock_patterns = [
    path("tinh-han/", views.due_date_calculator, name="due-date"),
    path("", overview_views.clock_overview, name="clock-overview"),
    path("<int:pk>/tam-dung/", clock_views.clock_pause_view, name="clock-pause"),
    path("<int:pk>/tinh-tiep/", clock_views.clock_resume_view, name="clock-resume"),
    path("<int:pk>/gia-han/", clock_views.clock_extend_view, name="clock-extend"),
]

task_patterns = [
    path("", task_views.task_inbox, name="task-inbox"),
    path("hang-doi/", task_views.task_queue, name="task-queue"),
    path("<int:pk>/", task_views.case_task, name="case-task"),
    path("<int:pk>/nhan-viec/", task_views.task_claim, name="task-claim"),
    path("so-do/<int:case_pk>/", chart_views.case_chart, name="case-chart"),
    path("so-do/<int:case_pk>/so-do.svg", chart_views.case_chart_svg, name="case-chart-svg"),
]

urlpatterns = [
    path("thoi-han/", include(clock_patterns)),
    path("cong-viec/", include(task_patterns)),
    path("viec-cua-toi/", my_work_views.my_work, name="my-work"),
    path("tong-quan/", leader_views.leader_overview, name="leader-overview"),
]
