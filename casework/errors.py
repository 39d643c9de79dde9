"""Errors the services raise, with messages meant for the user (Vietnamese).

Field problems are Django `ValidationError`s keyed by field name, so forms show them next
to the field. `ActionRefused` covers everything else that stops an action as a whole: no
permission, wrong state, or another user acted first.
"""


class ActionRefused(Exception):
    def __init__(self, message):
        super().__init__(message)
        self.message = message


class Stale(ActionRefused):
    """Another user changed the record after this user saw it (the status they expected
    is not the record's any more): nothing was written. The API answers 409."""


class WrongState(ActionRefused):
    """The step is not possible in the record's present state. The API answers 409."""
