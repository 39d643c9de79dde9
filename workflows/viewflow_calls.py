"""Every call this project makes into viewflow beyond its public API, in one place.

viewflow documents flows, nodes, activations' public transitions (assign, execute,
cancel, …), the Task/Process models and their managers. Two things we need are not in
that API:
- putting a process on a given task ("the case is at this step now") when the case was
  moved without the process, e.g. history transcribed from paper: viewflow does this
  inside an activation with `_create` and `_activate_next`;
- the flow chart's layout (`viewflow.workflow.chart`, undocumented), which our own SVG
  template draws.

These were written for, and checked against, viewflow VIEWFLOW_CHECKED. The lock pins that
version, pyproject allows only its patch releases, `tests/workflows/test_viewflow_calls.py`
fails when another version is installed, and `manage.py check` warns (workflows.W001):
upgrading viewflow means reading these functions against the new source first. Nothing
here copies or changes viewflow's code (its licence forbids modified copies).
"""
from importlib.metadata import PackageNotFoundError, version

from django.core import checks
from viewflow.workflow import chart
from viewflow.workflow.fields import get_task_ref

VIEWFLOW_CHECKED = "2.4.0"


def installed_viewflow():
    try:
        return version("django-viewflow")
    except PackageNotFoundError:
        return None


def move_process_to(previous_task, node):
    """Create and activate `node` (a node of the same flow, or its End) after
    `previous_task`, as if that task had led there; the caller holds the flow lock and has
    cancelled the open tasks."""
    prev_activation = previous_task.flow_task.activation_class(previous_task)
    prev_activation._activate_next({node._create(prev_activation, previous_task.token)})


def chart_layout(flow_class):
    """viewflow's grid for drawing `flow_class`: cells (node, shape, text) and edges."""
    return chart.calc_layout_data(flow_class)


def task_refs(nodes):
    """The stored `flow_task` values of `nodes`, to filter tasks by node in SQL."""
    return [get_task_ref(node) for node in nodes]


@checks.register()
def check_viewflow_version(app_configs=None, **kwargs):
    found = installed_viewflow()
    if found == VIEWFLOW_CHECKED:
        return []
    return [checks.Warning(
        f"django-viewflow {found} is installed; workflows/viewflow_calls.py was checked "
        f"against {VIEWFLOW_CHECKED}.",
        hint="Read workflows/viewflow_calls.py against the installed viewflow's source, "
             "then update VIEWFLOW_CHECKED and the pins.",
        id="workflows.W001")]
