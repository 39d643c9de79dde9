"""Register list filters. The base queryset is already scoped to the user."""
from datetime import date

import django_filters
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from casework.forms import DATE_WIDGET
from casework.models import (
    Organisation,
    Petition,
    PetitionKind,
    PetitionSender,
    PetitionStatus,
)
from casework.numbers import number_q, parse_number
from casework.query_names import param, vietnamese_parameters
from casework.search_keys import search_key
from casework.text import clean_line

# The empty choice of a filter. settings.FILTERS_EMPTY_CHOICE_LABEL holds the same words,
# but a setting is a plain string and would stay Vietnamese in the English interface.
ALL = _("Tất cả")
# The most letters a search reads as ids first (PetitionFilter._read_first).
SEARCH_IDS = 2000


@vietnamese_parameters  # ?tim=, ?loai=, ?trang-thai=, ?don-vi=, ?nam=, ?tu-ngay=, ?den-ngay=,
# ?ket-thuc-tu=, ?ket-thuc-den=
class PetitionFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Tìm kiếm"), method="search")
    kind = django_filters.ChoiceFilter(label=_("Loại đơn"), choices=PetitionKind.choices,
                                       empty_label=ALL)
    status = django_filters.ChoiceFilter(label=_("Trạng thái"), choices=PetitionStatus.choices,
                                         empty_label=ALL)
    organisation = django_filters.ModelChoiceFilter(label=_("Nơi tiếp nhận"), queryset=None,
                                                    method="in_subtree", empty_label=ALL)
    # ?nam=2025: the letters received that year (a range on received_on, which the
    # register's index serves). Bounded: a year outside is a message, not a scan.
    year = django_filters.NumberFilter(label=_("Năm nhận"), method="in_year", min_value=2000,
                                       max_value=2100, decimal_places=0)
    received_from = django_filters.DateFilter(label=_("Nhận từ ngày"), field_name="received_on",
                                              lookup_expr="gte", widget=DATE_WIDGET)
    received_to = django_filters.DateFilter(label=_("đến ngày"), field_name="received_on",
                                            lookup_expr="lte", widget=DATE_WIDGET)
    # The letters closed in a period (the leaders' overview counts them per month).
    closed_from = django_filters.DateFilter(label=_("Kết thúc từ ngày"), field_name="closed_on",
                                            lookup_expr="gte", widget=DATE_WIDGET)
    closed_to = django_filters.DateFilter(label=_("đến ngày"), field_name="closed_on",
                                          lookup_expr="lte", widget=DATE_WIDGET)

    class Meta:
        model = Petition
        fields = []

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.filters[param("organisation")].queryset = Organisation.objects.visible_to(user)
        self._identity_key = None  # the key searched for in senders, once `search` ran

    def in_year(self, queryset, name, value):
        year = int(value)
        return queryset.filter(received_on__gte=date(year, 1, 1),
                               received_on__lt=date(year + 1, 1, 1))

    def in_subtree(self, queryset, name, value):
        return queryset.filter(organisation__path__startswith=value.path)

    def search(self, queryset, name, value):
        """Receipt number, short or full ("5/2025", "005/2025", "005/2025/VPĐU"), or a part
        of the summary, the person the letter is about, the competent body, a sender's name
        or address. Text is compared
        on search keys (casework.search_keys), so the Unicode form, case and accents of
        either side do not matter. A sender only matches letters whose senders the user
        may see: a hit on a protected letter would tell an uncleared user who sent it."""
        value = clean_line(value)
        key = search_key(value)
        hits = []  # querysets of letter ids, each answerable from one index
        if key:
            self._identity_key = key
            for column in ("summary_key", "subject_key", "handled_by_key"):
                hits.append(Petition.objects.filter(**{f"{column}__contains": key})
                            .values("pk"))
            hits.append(self._sender_hits(key).values("petition_id"))
        if typed := parse_number(value):
            hits.append(Petition.objects.filter(number_q(
                typed, seq_field="receipt_seq", year_field="receipt_year",
                organisations=self.filters[param("organisation")].queryset)).values("pk"))
        if not hits:
            return queryset.none()
        hits = [h.order_by() for h in hits]  # no ORDER BY inside a compound statement
        # One UNION of the letters each index finds (a trigram index on each key column
        # and on the senders' keys on PostgreSQL: 0012_search_trigram), joined to the
        # scoped list by id. Written as an OR over the columns, the planner cannot use
        # the indexes for a correlated EXISTS in it and reads every letter in scope.
        found = queryset.filter(pk__in=hits[0].union(*hits[1:]) if len(hits) > 1
                                else hits[0])
        return self._read_first(queryset, found)

    def _read_first(self, queryset, found):
        """`found`, or for a user over a part of the tree (a commune's, a branch's) the
        ids it holds, read once here: the register then counts and pages those ids by
        primary key, where each of its two statements ran the trigram indexes again,
        and each index read the whole province's matches of the term to keep the
        commune's (issue 18: 140 ms a statement). The trigram index cannot start from
        the commune (a commune's letters lie one to a heap page: reading them to test
        the keys costs more). Not for a user over the whole tree, whose hits are not
        bounded by a commune; nor past SEARCH_IDS letters (a term most letters hold),
        where the ids would cost more to send twice than the second pass."""
        from casework.selectors.scope import letters_bounded

        if not letters_bounded(self.user):
            return found
        ids = list(found.order_by().values_list("pk", flat=True)[:SEARCH_IDS + 1])
        if len(ids) > SEARCH_IDS:
            return found
        return queryset.filter(pk__in=ids)

    def _sender_hits(self, key):
        """Senders whose name or address matches, on letters whose senders the user may
        see (a hit on a protected letter would tell an uncleared user who sent it)."""
        from casework.selectors.scope import identity_visible_q

        return PetitionSender.objects.filter(
            Q(name_key__contains=key) | Q(address_key__contains=key),
            identity_visible_q(self.user, prefix="petition__"))

    @staticmethod
    def _sender_q(key):
        # A correlated EXISTS, not a join: a letter with several matching senders stays one
        # row, so neither the list nor its totals need DISTINCT (issue 18).
        return Q(Exists(PetitionSender.objects.filter(
            Q(name_key__contains=key) | Q(address_key__contains=key),
            petition_id=OuterRef("pk"))))

    def identity_hits(self):
        """Ids of the protected letters among the results that a sender's name or address
        matched, for a user who may see those senders: the search tied these people to
        these letters (casework.services.identity.log_search_hits logs them). Empty when
        no text was searched or the filters are not valid (the page then ignores them)."""
        from casework.permissions import clearance_paths
        from casework.selectors.scope import identity_visible_q

        if not (self.is_bound and self.is_valid() and clearance_paths(self.user)):
            return []
        results = self.qs  # builds the query, running `search` if a text was given
        if self._identity_key is None:
            return []
        return list(results.filter(identity_visible_q(self.user), identity_confidential=True)
                    .filter(self._sender_q(self._identity_key))
                    .order_by().values_list("pk", flat=True))
