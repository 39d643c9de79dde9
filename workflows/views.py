"""Pages of the workflows app. Thin: parse, ask the calendar, render."""
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_GET

from casework.query_names import param
from workflows.calendar import get_calendar, weekday_name
from workflows.forms import DueDateForm


@login_required
@require_GET
def due_date_calculator(request):
    """A GET form, so a result can be bookmarked, printed or sent as a link."""
    names = [param(name) for name in ("start", "length", "unit")]
    bound = any(name in request.GET for name in names)
    form = DueDateForm(request.GET if bound else None)
    explanation = None
    if bound and form.is_valid():
        try:
            explanation = get_calendar().explain(*(form.cleaned_data[name] for name in names))
        except ValueError as exc:  # DateOutOfRange: the due date falls outside the calendar
            form.add_error(None, str(exc))
    return render(request, "workflows/due_date.html", {
        "form": form, "explanation": explanation,
        "due_weekday": weekday_name(explanation.due) if explanation else "",
    })
