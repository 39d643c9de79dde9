"""Workflows' API addresses, mounted under /api/ (config/urls.py) beside casework's."""
from django.urls import path

from workflows import api

app_name = "workflows-api"

urlpatterns = [
    path("don-thu/<int:petition_pk>/thoi-han/", api.LetterClocks.as_view(),
         name="letter-clocks"),
    path("kiem-tra/<int:case_pk>/thoi-han/", api.CaseClocks.as_view(), name="case-clocks"),
    path("tinh-han/", api.DueDate.as_view(), name="due-date"),
]
