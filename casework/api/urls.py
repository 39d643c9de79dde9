from django.urls import path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.permissions import IsAuthenticated
from rest_framework.routers import SimpleRouter

from . import cases, figures
from .views import PetitionViewSet

app_name = "api"

router = SimpleRouter(use_regex_path=False)
router.register("don-thu", PetitionViewSet, basename="petition")

urlpatterns = [
    # The schema describes no data, but the system is internal: only for signed-in users.
    path("schema/", SpectacularAPIView.as_view(permission_classes=[IsAuthenticated]),
         name="api-schema"),
    *router.urls,
    # Inspection and supervision cases (casework.api.cases), the report's figures.
    path("kiem-tra/", cases.CaseList.as_view(), name="case-list"),
    path("kiem-tra/<int:case_pk>/", cases.CaseDetail.as_view(), name="case-detail"),
    path("kiem-tra/<int:case_pk>/dien-bien/", cases.CaseEvents.as_view(), name="case-events"),
    path("kiem-tra/<int:case_pk>/van-ban/", cases.CaseDocuments.as_view(),
         name="case-documents"),
    path("kiem-tra/<int:case_pk>/buoc/", cases.CaseSteps.as_view(), name="case-steps"),
    path("so-lieu/", figures.Figures.as_view(), name="figures"),
]
