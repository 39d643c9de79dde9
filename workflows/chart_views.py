"""The flow chart of a case: its procedure drawn by viewflow's layout, each step marked
done / current / next from the case's events (`casework.case_steps.step_marks`), never
from the process's own tasks. A case whose paper history was transcribed before its process
started has its process begin at the current step; its earlier steps are still done,
because its events say so. Who holds the current step comes from the open task.
"""
from csp.constants import SELF
from csp.decorators import csp_replace
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from casework.case_steps import Mark, step_marks
from casework.selectors.cases import cases_visible
from casework.templatetags.casework_tags import person_name
from workflows.case_processes import flow_of, open_task
from workflows.viewflow_calls import chart_layout


def _case_or_404(request, case_pk):
    return get_object_or_404(cases_visible(user=request.user), pk=case_pk)


def marks_with_holder(case):
    """step_marks, the current one with who holds its task and since when."""
    marks = step_marks(case)
    task = open_task(case)
    for mark in marks:
        if mark.mark == Mark.CURRENT and task is not None:
            mark.holder, mark.held_since = task.owner, task.created
    return marks


@login_required
def case_chart(request, case_pk):
    case = _case_or_404(request, case_pk)
    marks = marks_with_holder(case)
    grid = chart_grid(case, marks)
    return render(request, "workflows/case_chart.html", {
        "case": case, "flow": flow_of(case), "marks": marks, "grid": grid,
        "current_x": _current_x(grid)})


def _current_x(grid):
    """Where the chart should be scrolled to: the middle of the current step's box (of the
    end, once the case is archived)."""
    cells = {cell.node.name: cell for cell in grid.cells}
    current = next((c for c in grid.cells if c.status == Mark.CURRENT), cells["end"])
    return current.shape.x + current.shape.width // 2


def _cell_title(mark):
    """The tooltip of a step's box: its mark, and who took it when."""
    parts = [str(mark.label), str(mark.mark_label)]
    if mark.mark == Mark.DONE:
        when = formats.date_format(timezone.localtime(mark.at), "SHORT_DATETIME_FORMAT")
        parts.append(f"{person_name(mark.actor) or _('Hệ thống')}, {when}")
    elif mark.holder is not None:
        parts.append(_("Đang giao cho %(who)s") % {"who": person_name(mark.holder)})
    return " – ".join(parts)


def chart_grid(case, marks):
    """viewflow's layout of the case's flow, each cell's status (a CSS class of the SVG)
    and title set from the marks: steps by their mark; the start done; the violation gate
    done once either of its ways is taken; the end done once archived."""
    grid = chart_layout(flow_of(case))
    by_action = {mark.action: mark for mark in marks}
    for cell in grid.cells:
        name = cell.node.name
        if name in by_action:
            cell.status, cell.title = by_action[name].mark, _cell_title(by_action[name])
        elif name == "start":
            cell.status = Mark.DONE
        elif name == "end":
            cell.status = Mark.DONE if not case.is_open else Mark.LATER
        else:  # the gate after the notice
            taken = {by_action[a].mark for a in ("open_discipline", "remediate")}
            cell.status = Mark.DONE if taken & {Mark.DONE, Mark.CURRENT} else Mark.LATER
    labels = {"yes": _("Có"), "no": _("Không")}
    for edge in grid.edges:
        edge.label = labels.get(edge.label, edge.label)
    return grid


# The chart is drawn by our template; the SVG keeps its styles inside (an <img> cannot use
# the page's stylesheet), so this one response allows inline styles. Loaded as an image,
# an SVG never runs script.
@login_required
@csp_replace({"style-src": [SELF, "'unsafe-inline'"], "default-src": ["'none'"]})
def case_chart_svg(request, case_pk):
    case = _case_or_404(request, case_pk)
    grid = chart_grid(case, marks_with_holder(case))
    svg = render_to_string("workflows/case_chart.svg", {
        "grid": grid, "cells": grid.cells, "edges": grid.edges})
    response = HttpResponse(svg, content_type="image/svg+xml; charset=utf-8")
    response["Cache-Control"] = "private, no-cache"
    return response
