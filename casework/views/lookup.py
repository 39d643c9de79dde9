"""The public status lookup (/tra-cuu/): no login. A sender types the receipt number and
the lookup code from their receipt and sees the letter's current step, its date and the
unit handling it (casework.selectors.status_lookup decides what may be shown)."""
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from casework.lookup_forms import StatusLookupForm
from casework.models import StatusLookup
from casework.services.status_lookup import petition_status_lookup
from config.security import client_ip


@sensitive_post_parameters("ma_tra_cuu")
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def status_lookup(request):
    """The form, and on a post its answer: the step, not found (one message for a wrong
    number and a wrong code), or refused for too many tries (HTTP 429)."""
    form = StatusLookupForm(request.POST if request.method == "POST" else None)
    answer, status = None, 200
    if request.method == "POST" and form.is_valid():
        answer = petition_status_lookup(number=form.cleaned_data["so_bien_nhan"],
                                        code=form.cleaned_data["ma_tra_cuu"],
                                        client_address=client_ip(request))
        if answer.outcome == StatusLookup.Outcome.REFUSED:
            status = 429
        else:
            # The code is not sent back into the page: a shared phone shows no one's code.
            form = StatusLookupForm(initial={"so_bien_nhan": form.cleaned_data["so_bien_nhan"]})
    return render(request, "casework/status_lookup.html", {"form": form, "answer": answer},
                  status=status)
