from django.urls import path

app_name = "workflows"

urlpatterns = [
]
