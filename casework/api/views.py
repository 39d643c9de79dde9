"""Read-only API views. Every query comes from `casework.selectors.letters` (scoped
there), so a letter outside the user's subtree is a 404 and a user without a role gets an
empty list. A list never carries a protected sender (even for cleared users).
Senders and scans of a protected letter go through `casework.services.identity`: masked
in lists for everyone, shown in the detail only to cleared users, and logged (API)."""
from django_filters import utils as filter_utils
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from casework.filters import PetitionFilter
from casework.models import IdentityAccessPurpose
from casework.query_names import param, unknown_parameters_message
from casework.selectors.letters import api_letters
from casework.services.identity import log_search_hits, senders_for

from .intake import ReceiveMixin
from .serializers import PetitionDetailSerializer, PetitionSerializer


class RegisterFilterBackend(DjangoFilterBackend):
    """django-filter's backend, handing PetitionFilter the user it scopes its choices and
    its sender-name search by. An invalid filter is a 400 naming the parameter (the page
    shows the whole register instead; an API client must not get that silently)."""

    def get_filterset_kwargs(self, request, queryset, view):
        return {**super().get_filterset_kwargs(request, queryset, view), "user": request.user}

    def filter_queryset(self, request, queryset, view):
        # django-filter's own, plus the log of a search that tied a protected sender's
        # name or address to a letter (as on the register page).
        filterset = self.get_filterset(request, queryset, view)
        if filterset is None:
            return queryset
        # A misspelt filter is a 400 naming it, as the page names it in a message.
        known = {*filterset.filters, param("page"), "format"}
        if unknown := unknown_parameters_message(request.query_params, known):
            raise ValidationError({"detail": unknown})
        if not filterset.is_valid() and self.raise_exception:
            raise filter_utils.translate_validation(filterset.errors)
        log_search_hits(user=request.user, filterset=filterset)
        return filterset.qs


@extend_schema_view(
    list=extend_schema(
        summary="Sổ đơn thư",
        description="The letters the user may see, newest first, with the register page's "
                    "filters. Senders of protected (tố cáo) letters are always masked here."),
    retrieve=extend_schema(
        summary="Hồ sơ đơn",
        description="One letter with its senders, history and attachments. A protected "
                    "letter's senders and attachments are given only to users cleared to "
                    "see them, and each such response is logged."),
)
class PetitionViewSet(ReceiveMixin, viewsets.ReadOnlyModelViewSet):
    filter_backends = [RegisterFilterBackend]
    filterset_class = PetitionFilter
    lookup_value_converter = "int"  # /api/don-thu/abc/ is a 404 before any query

    def get_queryset(self):
        return api_letters(user=self.request.user, detail=self.action == "retrieve")

    def get_serializer_class(self):
        return PetitionDetailSerializer if self.action == "retrieve" else PetitionSerializer

    def retrieve(self, request, *args, **kwargs):
        petition = self.get_object()
        # Logs one IdentityAccess row when a protected identity is about to be shown.
        senders, masked = senders_for(user=request.user, petition=petition,
                                      purpose=IdentityAccessPurpose.API)
        serializer = self.get_serializer(petition)
        serializer.context.update({
            "senders": senders, "identity_masked": masked,
            # A protected letter's scan is its sender's handwriting: hidden with the name.
            "attachments": [] if masked else list(petition.attachments.all()),
        })
        return Response(serializer.data)
