from django.urls import path

from workflows import clock_views, overview_views, views

app_name = "workflows"

urlpatterns = [
    path("tinh-han/", views.due_date_calculator, name="due-date"),
    path("", overview_views.clock_overview, name="clock-overview"),
    path("<int:pk>/tam-dung/", clock_views.clock_pause_view, name="clock-pause"),
    path("<int:pk>/tinh-tiep/", clock_views.clock_resume_view, name="clock-resume"),
    path("<int:pk>/gia-han/", clock_views.clock_extend_view, name="clock-extend"),
]
