"""Letters (đơn thư): the register with its totals, the letter page, the export and the
API. Scoped by `scope.letters_q` (through `Petition.objects.visible_to`); who may see a
protected sender is `casework.services.identity`'s business, and lists never load one."""
from django.db.models import Count, Prefetch

from casework.filters import PetitionFilter
from casework.models import CaseEvent, Petition, PetitionKind, PetitionSender, PetitionStatus

# Lists never show a protected sender, even to cleared users: names appear one letter at a
# time on the letter page, where each showing is logged. So those rows are not even loaded.
UNPROTECTED_SENDERS = Prefetch(
    "senders", queryset=PetitionSender.objects.filter(petition__identity_confidential=False))
# Newest first; the pk breaks ties so that pages never overlap.
REGISTER_ORDER = ("-received_on", "-receipt_seq", "-pk")


def letters_visible(*, user):
    return Petition.objects.visible_to(user)


def letter_register(*, user, params):
    """(filterset, letters): the register's filter bound to `params` (a QueryDict, may be
    empty) and the letters it selects; an invalid filter selects every visible letter
    (the page says what was wrong; the export and the API refuse instead)."""
    visible = letters_visible(user=user).select_related("organisation")
    filterset = PetitionFilter(params or None, queryset=visible, user=user)
    letters = filterset.qs if filterset.is_bound and filterset.is_valid() else visible
    return filterset, letters


def register_rows(letters):
    """A page's rows: its unprotected senders read in one more query."""
    return letters.order_by(*REGISTER_ORDER).prefetch_related(UNPROTECTED_SENDERS)


def letter_totals(letters):
    """[(label, n)] by status and by kind, from the same filtered query as the rows, so
    they add up to the row count: one grouped COUNT over (status, kind), summed here. No
    DISTINCT: the filters never join a letter's senders (the search asks EXISTS)."""
    by_status, by_kind = {}, {}
    for status, kind, n in (letters.order_by().values_list("status", "kind")
                            .annotate(n=Count("pk"))):
        by_status[status] = by_status.get(status, 0) + n
        by_kind[kind] = by_kind.get(kind, 0) + n
    return ([(s.label, by_status.get(s.value, 0)) for s in PetitionStatus],
            [(k.label, by_kind.get(k.value, 0)) for k in PetitionKind])


def letter_for_page(*, user):
    """The letter page's query (get the letter from it by pk: 404 outside the scope)."""
    return letters_visible(user=user).select_related(
        "organisation", "subject_member__organisation", "subject_organisation", "created_by")


def export_rows(letters, *, senders):
    """The export's rows, oldest first, with the senders the file may carry (`senders`: a
    PetitionSender queryset the caller chose by clearance)."""
    return (letters.select_related("organisation", "subject_member", "subject_organisation")
            .prefetch_related(Prefetch("senders", queryset=senders))
            .order_by("received_on", "receipt_year", "receipt_seq", "pk"))


def api_letters(*, user, detail):
    """The API's queryset: a list (newest first, unprotected senders) or one letter with
    its history."""
    letters = letters_visible(user=user).select_related("organisation")
    if detail:
        events = Prefetch("events", queryset=CaseEvent.objects.select_related("actor"))
        return (letters.select_related("subject_member", "subject_organisation")
                .prefetch_related(events))
    return register_rows(letters)
