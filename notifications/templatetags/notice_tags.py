"""Formatting helpers for notices and the inbox."""
from django import template

from casework.formatting import count_text

register = template.Library()


@register.filter
def padded(n):
    """Counts as office prose writes them: below ten with a leading zero ("03 ngày"),
    larger ones with the thousands separator ("1.822")."""
    return count_text(n)
