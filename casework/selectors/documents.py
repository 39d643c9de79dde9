"""Generated documents: visible when their letter or case is (scope.py decides those), so
a document of a record the user cannot see is a 404 like the record itself."""
from django.db.models import Q

from casework.models import GeneratedDocument
from casework.selectors.cases import cases_visible
from casework.selectors.letters import letters_visible


def documents_visible(*, user):
    if not user.is_authenticated:
        return GeneratedDocument.objects.none()
    return GeneratedDocument.objects.filter(
        Q(petition__in=letters_visible(user=user).values("pk"))
        | Q(inspection__in=cases_visible(user=user).values("pk")))


def documents_of(record):
    """One record's documents, for its page (the record is visible already)."""
    field = "inspection" if record._meta.model_name == "inspectioncase" else "petition"
    return (GeneratedDocument.objects.filter(**{field: record})
            .select_related("event").order_by("date", "id"))
