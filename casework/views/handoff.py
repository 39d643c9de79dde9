"""The transfer and guide forms' typeahead: where a letter may go, as JSON. Scoped to one
letter the user may transfer or guide (its unit decides which units and outside bodies are
offered: casework.services.handoff), the query bounded in length and the answer in rows."""
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import JsonResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from casework.handoff_forms import options
from casework.permissions import user_may
from casework.query_names import param
from casework.selectors.letters import letters_visible
from casework.services.handoff import QUERY_MAX, RESULTS_MAX, search_destinations


@login_required
@require_GET
def petition_destinations(request, pk):
    petition = get_object_or_404(letters_visible(user=request.user)
                                 .select_related("organisation"), pk=pk)
    if not (user_may(request.user, "transfer", petition.organisation)
            or user_may(request.user, "guide", petition.organisation)):
        raise PermissionDenied(_("Bạn không có quyền chuyển đơn hay hướng dẫn người gửi đối "
                                 "với đơn này."))
    query = request.GET.get(param("q"), "")
    if len(query) > QUERY_MAX:
        return JsonResponse({"error": _("Từ khóa tìm nơi nhận: tối đa %(max)s ký tự.")
                             % {"max": QUERY_MAX}}, status=400)
    found = options(*search_destinations(petition, query))
    return JsonResponse({"results": [{"value": value, "label": label, "group": str(group)}
                                     for value, label, group in found],
                         "limit": RESULTS_MAX})
