"""Record numbers as people read and type them: the one place that builds a display
number and the one place that reads one back.

A letter is numbered within the unit that received it, a case within the organisation that
conducts it, so "001/2026" alone names one record per unit: the office's kiến nghị and the
UBKT's tố cáo both. As on the Party's own documents ("05-TB/UBKT"), the number shown
carries the unit's symbol (`Organisation.symbol`, unique), which makes it name one record
among everything anyone can see:

- a letter: 001/2026/VPĐU (sequence / year / receiving unit);
- a case: 002/2026/KT-UBKT (sequence / year / "KT" for kiểm tra, giám sát, then the
  conducting unit), so that the UBKT's case 001 and the UBKT's letter 001 differ too.

Search takes the short form ("1/2026", "001/2026"), the full form, and the case numbers
printed before symbols existed ("002/2026/KT"); the symbol is compared on its search key,
so "vpdu" finds VPĐU.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from casework.search_keys import search_key

# The series mark of inspection and supervision cases.
CASE_SERIES = "KT"

_TYPED = re.compile(r"^(\d{1,9})(?:/(\d{1,4})(?:/(.+))?)?$")


def display_number(seq: int, year: int, symbol: str, series: str = "") -> str:
    """"001/2026/VPĐU", or with a series "002/2026/KT-UBKT"."""
    unit = f"{series}-{symbol}" if series else symbol
    return f"{seq:03d}/{year}/{unit}" if unit else f"{seq:03d}/{year}"


@dataclass(frozen=True)
class TypedNumber:
    seq: int
    year: int | None
    symbol_key: str | None  # the unit's symbol, folded; None when not typed


def parse_number(text: str, series: str = "") -> TypedNumber | None:
    """What a search box's text means as a number of the given series, or None if it is
    not one. Spaces around the slashes are ignored ("001 / 2026")."""
    compact = "".join((text or "").split())
    match = _TYPED.match(compact)
    if not match:
        return None
    seq, year, unit = match.groups()
    symbol_key = search_key(unit) if unit else None
    if symbol_key and series:
        mark = search_key(series)
        if symbol_key == mark:          # the old case form "002/2026/KT": no unit typed
            symbol_key = None
        elif symbol_key.startswith(mark + "-"):
            symbol_key = symbol_key[len(mark) + 1:]
    return TypedNumber(int(seq), int(year) if year else None, symbol_key or None)


def number_q(typed: TypedNumber, *, seq_field: str, year_field: str, organisations):
    """A Q for the records with this number: `organisations` are the units whose symbol may
    match (the user's visible ones); their symbols are folded here, in Python, since the
    fold (accents, đ) is not an SQL function on every database."""
    from django.db.models import Q

    cond = Q(**{seq_field: typed.seq})
    if typed.year is not None:
        cond &= Q(**{year_field: typed.year})
    if typed.symbol_key is not None:
        matching = [pk for pk, symbol in organisations.values_list("pk", "symbol")
                    if search_key(symbol) == typed.symbol_key]
        cond &= Q(organisation__in=matching)
    return cond
