from django.urls import path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.permissions import IsAuthenticated
from rest_framework.routers import SimpleRouter

from .views import PetitionViewSet

app_name = "api"

router = SimpleRouter(use_regex_path=False)
router.register("don-thu", PetitionViewSet, basename="petition")

urlpatterns = [
    # The schema describes no data, but the system is internal: only for signed-in users.
    path("schema/", SpectacularAPIView.as_view(permission_classes=[IsAuthenticated]),
         name="api-schema"),
    *router.urls,
]
