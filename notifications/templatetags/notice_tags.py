"""Formatting helpers for notices and the inbox."""
from django import template
from django.utils.formats import number_format

register = template.Library()


@register.filter
def padded(n):
    """Counts as office prose writes them: below ten with a leading zero ("03 ngày"),
    larger ones with the thousands separator ("1.822")."""
    n = int(n)
    return f"{n:02d}" if 0 <= n < 10 else number_format(n, force_grouping=True)
