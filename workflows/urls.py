from django.urls import path

from workflows import views

app_name = "workflows"

urlpatterns = [
    path("tinh-han/", views.due_date_calculator, name="due-date"),
]
