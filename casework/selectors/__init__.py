"""The read layer: every list, count and figure the pages, the API, the exports and the
notices show is built here, scoped by `scope` (one rule for letters, one for cases).

Modules: `scope` (who sees what), `letters` (register, letter page, export, API), `cases`
(case list, case page), `programme` (annual programmes). Reads of the other apps build on
`scope` in their own selectors (`workflows.selectors`: deadlines, tasks, "Việc của tôi";
`notifications.selectors`: the inbox), since casework never imports them.

Each list selects its related rows up front, so its query count does not grow with its
rows (tests/test_list_queries.py).
"""
