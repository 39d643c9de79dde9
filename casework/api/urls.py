from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.permissions import IsAuthenticated
from rest_framework.routers import SimpleRouter

from . import cases, figures, letters
from .views import PetitionViewSet

app_name = "api"

router = SimpleRouter(use_regex_path=False)
router.register("don-thu", PetitionViewSet, basename="petition")

urlpatterns = [
    # The schema describes no data, but the system is internal: only for signed-in users.
    path("schema/", SpectacularAPIView.as_view(permission_classes=[IsAuthenticated]),
         name="api-schema"),
    path("don-thu/<int:pk>/lich-su/", letters.LetterEventsView.as_view(),
         name="petition-events"),
    path("don-thu/<int:pk>/van-ban/", letters.LetterDocumentsView.as_view(),
         name="petition-documents"),
    path("don-thu/<int:pk>/noi-nhan/", letters.LetterDestinationsView.as_view(),
         name="petition-destinations"),
    path("don-thu/<int:pk>/thao-tac/", letters.LetterActionsView.as_view(),
         name="petition-actions"),
    path("don-thu/<int:pk>/thao-tac/<str:action>/", letters.LetterActionView.as_view(),
         name="petition-transition"),
    path("van-ban/<int:pk>/tai-ve/", letters.DocumentDownloadView.as_view(),
         name="document-download"),
    *router.urls,
    # Inspection and supervision cases (casework.api.cases), the report's figures.
    path("kiem-tra/", cases.CaseList.as_view(), name="case-list"),
    path("kiem-tra/<int:case_pk>/", cases.CaseDetail.as_view(), name="case-detail"),
    path("kiem-tra/<int:case_pk>/lich-su/", cases.CaseEvents.as_view(), name="case-events"),
    path("kiem-tra/<int:case_pk>/van-ban/", cases.CaseDocuments.as_view(),
         name="case-documents"),
    path("kiem-tra/<int:case_pk>/buoc/", cases.CaseSteps.as_view(), name="case-steps"),
    path("so-lieu/", figures.Figures.as_view(), name="figures"),
    # Anything else under /api/ is a JSON 404 for a client, not the site's HTML page.
    re_path(r"^", letters.not_found, name="not-found"),
]
