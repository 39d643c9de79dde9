"""Pages of a long list that cost the same at page 500 as at page 1 (issue 18).

An OFFSET page makes the database read and throw away every row before it: page 500 of
the register read 25,000 rows to show 50. Here the links to the next and previous pages
carry the sort key of the row at the page's edge (?sau=, ?truoc=), and the page is
read from that key onwards in the list's index: `WHERE key < edge ORDER BY key LIMIT n`,
whatever the depth. The links also carry the page's number (?trang=), so the page still
says where it is ("Trang 500/2.000") and an address stays shareable: it names the same
rows for as long as no letter is received in between (a new letter shifts numbers by one,
never loses or repeats a row across a next/previous walk).

A page asked by number alone (typed, or an old bookmark) is read with OFFSET from the
nearer end of the list (the last page in reverse order: as cheap as the first), so only
the middle of a very long list costs a skip; the pager's links then take over.
"""
from dataclasses import dataclass
from functools import reduce

from django.db.models import Q

from casework.query_names import param

# Keeps a cursor's parts apart; never in a date or a number.
SEPARATOR = "_"


class Keyset:
    """A list's order as a key: `fields` as in order_by ("-received_on", "-pk"); the last
    must make the key unique (the pk), so that no two rows share an edge."""

    def __init__(self, model, fields):
        self.model = model
        self.fields = tuple(fields)
        self.names = [f.lstrip("-") for f in self.fields]
        self.descending = [f.startswith("-") for f in self.fields]

    def order(self, *, reverse=False):
        return [f"-{n}" if d != reverse else n for n, d in zip(self.names, self.descending,
                                                                strict=True)]

    def values(self, row):
        return tuple(getattr(row, "pk" if n == "pk" else n) for n in self.names)

    def encode(self, row):
        return SEPARATOR.join(str(v.isoformat() if hasattr(v, "isoformat") else v)
                              for v in self.values(row))

    def decode(self, text):
        """The key written by `encode`, or None when the text is not one (a hand-edited
        address): the page then says so and starts over."""
        parts = (text or "").split(SEPARATOR)
        if len(parts) != len(self.names):
            return None
        try:
            return tuple(self._field(n).to_python(p) for n, p in zip(self.names, parts,
                                                                      strict=True))
        except Exception:  # noqa: BLE001 (any field's own parse error: not a key)
            return None

    def _field(self, name):
        meta = self.model._meta
        return meta.pk if name == "pk" else meta.get_field(name)

    def beyond(self, key, *, backwards=False):
        """Rows strictly after `key` in the list's order (before it when `backwards`).
        Written as a bound on the first field, which the index's range serves, AND the
        exact comparison spelt out field by field (SQLite and PostgreSQL alike)."""
        def past(name, descending):
            # After a key in a descending order means smaller.
            return f"{name}__{'lt' if descending != backwards else 'gt'}"

        first, first_desc = self.names[0], self.descending[0]
        terms = []
        for i, (name, descending) in enumerate(zip(self.names, self.descending, strict=True)):
            equal = {n: v for n, v in zip(self.names[:i], key[:i], strict=True)}
            terms.append(Q(**equal, **{past(name, descending): key[i]}))
        bound = Q(**{f"{first}__{'lte' if first_desc != backwards else 'gte'}": key[0]})
        return bound & reduce(Q.__or__, terms)


@dataclass
class KeysetPage:
    """One page and what its pager needs. `number` is the position the links carried (or
    asked for), `count` the list's total from the caller's grouped count."""
    object_list: list
    number: int
    count: int
    per_page: int
    next_key: str = ""
    previous_key: str = ""

    # Read like Django's Page: iterated, measured and indexed for its rows.
    def __iter__(self):
        return iter(self.object_list)

    def __len__(self):
        return len(self.object_list)

    def __getitem__(self, index):
        return self.object_list[index]

    @property
    def num_pages(self):
        return max(1, -(-self.count // self.per_page))

    def has_next(self):
        return self.number < self.num_pages and bool(self.next_key)

    def has_previous(self):
        return self.number > 1 and bool(self.previous_key)

    def next_page_number(self):
        return self.number + 1

    def previous_page_number(self):
        return self.number - 1

    def start_index(self):
        return (self.number - 1) * self.per_page + 1 if self.object_list else 0

    def end_index(self):
        return self.start_index() + len(self.object_list) - 1 if self.object_list else 0

    @property
    def next_query(self):
        return f"{param('page')}={self.number + 1}&{param('after')}={self.next_key}"

    @property
    def previous_query(self):
        return f"{param('page')}={self.number - 1}&{param('before')}={self.previous_key}"

    @property
    def last_query(self):
        return f"{param('page')}={self.num_pages}"


def _number(text, num_pages):
    try:
        return min(max(1, int(text)), num_pages)
    except (TypeError, ValueError):
        return 1


def keyset_page(rows, keyset, *, count, params, per_page=50):
    """(page, error): the page of `rows` (a queryset, filtered and scoped, not yet ordered)
    that `params` (the request's GET) asks for: after ?sau=, before ?truoc=, or at
    ?trang= alone. `error` is True when a cursor could not be read (the first page is
    shown instead). Two queries at most: none for the count (the caller has it)."""
    num_pages = max(1, -(-count // per_page))
    number = _number(params.get(param("page")), num_pages)
    after, before = params.get(param("after")), params.get(param("before"))
    error = False
    if after or before:
        key = keyset.decode(after or before)
        if key is None:
            error, number = True, 1
        elif after:
            found = list(rows.filter(keyset.beyond(key)).order_by(*keyset.order())[:per_page])
            return _page(found, keyset, number, count, per_page), False
        else:
            found = list(rows.filter(keyset.beyond(key, backwards=True))
                         .order_by(*keyset.order(reverse=True))[:per_page])
            return _page(found[::-1], keyset, number, count, per_page), False
    start = (number - 1) * per_page
    if start <= count - start - per_page:  # nearer the head: OFFSET in the list's order
        found = list(rows.order_by(*keyset.order())[start:start + per_page])
    else:  # nearer the tail: the same rows read from the other end
        tail = count - start  # rows from this page's first to the list's last
        found = list(rows.order_by(*keyset.order(reverse=True))
                     [max(0, tail - per_page):tail])[::-1]
    return _page(found, keyset, number, count, per_page), error


def _page(found, keyset, number, count, per_page):
    return KeysetPage(found, number, count, per_page,
                      next_key=keyset.encode(found[-1]) if found else "",
                      previous_key=keyset.encode(found[0]) if found else "")
