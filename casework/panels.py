"""Sections that other apps add to the case page (the deadline clocks, for one).

casework must not import workflows or notifications, so they register a panel function at
start-up; the case page asks each for its HTML. A panel function takes (request, petition)
and returns rendered HTML or "" when it has nothing to show.
"""
_panels = []


def register_case_panel(func):
    if func not in _panels:
        _panels.append(func)
    return func


def case_panels(request, petition):
    return [html for html in (panel(request, petition) for panel in _panels) if html]


# The same for the inspection/supervision case page: workflows shows the open task there.
# A panel function takes (request, case) and returns rendered HTML or "".
_inspection_panels = []


def register_inspection_panel(func):
    if func not in _inspection_panels:
        _inspection_panels.append(func)
    return func


def inspection_panels(request, case):
    return [html for html in (panel(request, case) for panel in _inspection_panels) if html]
