from django.urls import path

from notifications import views

app_name = "notifications"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("<int:pk>/mo/", views.notice_open, name="open"),
    path("<int:pk>/da-doc/", views.notice_mark_read, name="mark-read"),
    path("da-doc-tat-ca/", views.notice_mark_all_read, name="mark-all-read"),
]
