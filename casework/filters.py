"""Register list filters. The base queryset is already scoped to the user."""
import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from casework.forms import DATE_WIDGET
from casework.models import Organisation, Petition, PetitionKind, PetitionStatus
from casework.text import clean_line

# The empty choice of a filter. settings.FILTERS_EMPTY_CHOICE_LABEL holds the same words,
# but a setting is a plain string and would stay Vietnamese in the English interface.
ALL = _("Tất cả")


class PetitionFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Tìm kiếm"), method="search")
    kind = django_filters.ChoiceFilter(label=_("Loại đơn"), choices=PetitionKind.choices,
                                       empty_label=ALL)
    status = django_filters.ChoiceFilter(label=_("Trạng thái"), choices=PetitionStatus.choices,
                                         empty_label=ALL)
    organisation = django_filters.ModelChoiceFilter(label=_("Nơi tiếp nhận"), queryset=None,
                                                    method="in_subtree", empty_label=ALL)
    received_from = django_filters.DateFilter(label=_("Nhận từ ngày"), field_name="received_on",
                                              lookup_expr="gte", widget=DATE_WIDGET)
    received_to = django_filters.DateFilter(label=_("đến ngày"), field_name="received_on",
                                            lookup_expr="lte", widget=DATE_WIDGET)

    class Meta:
        model = Petition
        fields = []

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.filters["organisation"].queryset = Organisation.objects.visible_to(user)

    def in_subtree(self, queryset, name, value):
        return queryset.filter(organisation__path__startswith=value.path)

    def search(self, queryset, name, value):
        """Receipt number ("5/2025", "005/2025"), summary, subject or a sender's name.
        A sender's name only matches letters whose senders the user may see: a hit on a
        protected letter would tell an uncleared user who sent it."""
        from casework.permissions import identity_visible_q

        value = clean_line(value)  # the form the stored text has: "Nguyễn" typed decomposed
        by_sender = Q(senders__full_name__icontains=value) & identity_visible_q(self.user)
        cond = (Q(summary__icontains=value) | Q(subject_name__icontains=value)
                | by_sender | Q(handled_by__icontains=value))
        number, _sep, year = value.partition("/")
        if number.isdigit():
            by_number = Q(receipt_seq=int(number))
            if year.isdigit():
                by_number &= Q(receipt_year=int(year))
            cond |= by_number
        return queryset.filter(cond).distinct()
