"""A letter's history, documents and destinations, and its steps, for API clients. Reads
come from the selectors (a letter outside the caller's scope is a 404); documents are
served by the page's own code (casework.document_views), identity rules and log included;
steps go through casework.api.transitions (the page's forms and services)."""
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics
from rest_framework.decorators import api_view
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from casework.document_views import DOCX, document_response
from casework.forms import TRANSITION_FORMS
from casework.handoff_forms import options
from casework.permissions import may_see_identity, user_may
from casework.query_names import param
from casework.selectors.documents import documents_of, documents_visible
from casework.selectors.letters import letter_events, letters_visible
from casework.services.handoff import QUERY_MAX, RESULTS_MAX, search_destinations

from .letter_serializers import DestinationsSerializer, DocumentSerializer
from .schema import FIELD_ERRORS
from .serializers import EventSerializer, PetitionSerializer
from .transitions import (
    ActionSerializer,
    available_actions,
    describe,
    letter_for_step,
    step_request_serializer,
    take_step,
)

ACTION_PARAM = OpenApiParameter("action", str, OpenApiParameter.PATH,
                                enum=list(TRANSITION_FORMS))


def _letter(request, pk):
    return get_object_or_404(letters_visible(user=request.user).select_related("organisation"),
                             pk=pk)


class LetterEventsView(generics.ListAPIView):
    """Lịch sử của đơn: each step with who, when, from and to which status, the reason and
    the document. Events never carry a sender's identity."""

    serializer_class = EventSerializer

    @extend_schema(summary="Lịch sử xử lý đơn")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return letter_events(_letter(self.request, self.kwargs["pk"]))


class LetterDocumentsView(generics.ListAPIView):
    serializer_class = DocumentSerializer

    @extend_schema(summary="Văn bản đã lập của đơn")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        self.letter = _letter(self.request, self.kwargs["pk"])
        return documents_of(self.letter)

    def get_serializer_context(self):
        # One decision for the letter (the page's rule, casework.document_views), not one
        # per row: a document that names the sender is refused when the letter's identity
        # is not the user's to see.
        letter = getattr(self, "letter", None)
        return {**super().get_serializer_context(),
                "identity_refused": letter is not None
                and not may_see_identity(self.request.user, letter)}


class DocumentDownloadView(APIView):
    @extend_schema(summary="Tải văn bản (Word)", responses={
        (200, DOCX): OpenApiResponse(OpenApiTypes.BINARY),
        (503, "text/plain"): OpenApiResponse(OpenApiTypes.STR)})
    def get(self, request, pk):
        document = get_object_or_404(
            documents_visible(user=request.user).select_related("petition__organisation"),
            pk=pk)
        try:
            return document_response(request.user, document)
        except DjangoPermissionDenied as exc:
            raise PermissionDenied(str(exc)) from None


class LetterDestinationsView(APIView):
    """Where the letter may be transferred or guided: the `destination` values."""

    @extend_schema(summary="Nơi nhận khi chuyển đơn, hướng dẫn", responses=DestinationsSerializer,
                   parameters=[OpenApiParameter(param("q"), str)])
    def get(self, request, pk):
        petition = _letter(request, pk)
        if not (user_may(request.user, "transfer", petition.organisation)
                or user_may(request.user, "guide", petition.organisation)):
            raise PermissionDenied(_("Bạn không có quyền chuyển đơn hay hướng dẫn người gửi "
                                     "đối với đơn này."))
        query = request.query_params.get(param("q"), "")
        if len(query) > QUERY_MAX:
            raise ValidationError({param("q"): [_("Từ khóa tìm nơi nhận: tối đa %(max)s ký "
                                                  "tự.") % {"max": QUERY_MAX}]})
        found = options(*search_destinations(petition, query))
        return Response({"results": [{"value": v, "label": label, "group": str(group)}
                                     for v, label, group in found], "limit": RESULTS_MAX})


class LetterActionsView(APIView):
    @extend_schema(summary="Các bước người gọi làm được với đơn lúc này",
                   responses=ActionSerializer(many=True))
    def get(self, request, pk):
        petition = _letter(request, pk)
        return Response([describe(action, available=True)
                         for action in available_actions(petition, request.user)])


class LetterActionView(APIView):
    """GET: the step's fields, and whether it is possible now. POST: take it."""

    def _action(self, action):
        if action not in TRANSITION_FORMS:
            raise Http404
        return action

    @extend_schema(summary="Một bước: các trường cần nhập", parameters=[ACTION_PARAM],
                   responses=ActionSerializer)
    def get(self, request, pk, action):
        petition = letter_for_step(request.user, pk, self._action(action))
        available = action in available_actions(petition, request.user)
        return Response(describe(action, available=available))

    @extend_schema(summary="Thực hiện một bước", parameters=[ACTION_PARAM],
                   request=step_request_serializer(),
                   responses={200: PetitionSerializer, 400: OpenApiResponse(FIELD_ERRORS)})
    def post(self, request, pk, action):
        petition = letter_for_step(request.user, pk, self._action(action))
        petition = take_step(user=request.user, petition=petition, action=action,
                             payload=request.data)
        return Response(PetitionSerializer(petition, context={"request": request}).data)


@extend_schema(exclude=True)
@api_view(["GET", "POST", "PUT", "PATCH", "DELETE"])
def not_found(request):
    raise NotFound()
