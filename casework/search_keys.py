"""Search keys: the one normaliser for every text that is searched or compared.

People type the same Vietnamese name many ways: composed (NFC) or decomposed (NFD, as some
keyboards and phones send it), upper or lower case, with or without accents ("Tran Van
Thang"), "Đ" or "D", with doubled spaces. A key folds all of these away, so that a search
or a duplicate check compares keys, never the raw text. Keys are stored in columns beside
the text (written on save and on the bulk paths) and the query is folded the same way, so
matching is one SQL `contains` on the keys, in the database, whatever its collation. (A
B-tree index cannot serve `LIKE '%…%'`; the sender's name key is indexed for the duplicate
check's whole-name lookup.)
"""
import unicodedata

# Letters with a stroke have no decomposition, so dropping combining marks leaves them:
# đ/Đ is the Vietnamese one; Ð (eth) and ð are the look-alikes that get typed for it.
_STROKED = str.maketrans({"đ": "d", "Đ": "d", "Ð": "d", "ð": "d"})


def search_key(text):
    """The folded form of `text`: compatibility-decomposed (NFKD, so full-width and
    ligature forms fold too), combining marks dropped, đ → d, case-folded, runs of
    whitespace collapsed to one space, trimmed."""
    if not text:
        return ""
    folded = unicodedata.normalize("NFKD", text.translate(_STROKED).casefold())
    plain = "".join(c for c in folded if not unicodedata.combining(c))
    return " ".join(plain.split())


def key_for(text, max_length=None):
    """`search_key` cut to a column's length (folding can lengthen a text, e.g. "ß" → "ss")."""
    key = search_key(text)
    return key[:max_length] if max_length else key


class SearchKeysModel:
    """Mixin for a model with key columns: `SEARCH_KEYS = {"name_key": "full_name", ...}`.
    `save()` writes the keys (also when saving with `update_fields` that name a source)."""

    SEARCH_KEYS = {}

    def fill_search_keys(self):
        for key_field, source in self.SEARCH_KEYS.items():
            length = self._meta.get_field(key_field).max_length
            setattr(self, key_field, key_for(getattr(self, source), length))

    def save(self, *args, **kwargs):
        self.fill_search_keys()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            fields = set(update_fields)
            fields |= {k for k, source in self.SEARCH_KEYS.items() if source in fields}
            kwargs["update_fields"] = fields
        super().save(*args, **kwargs)


class SearchKeysQuerySet:
    """QuerySet mixin: the paths that skip `Model.save()` write the keys too, so no row
    can hold a text whose key is stale. `update()` with an expression for a keyed text
    cannot be folded in Python and is refused."""

    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        for obj in objs:
            obj.fill_search_keys()
        return super().bulk_create(objs, *args, **kwargs)

    def bulk_update(self, objs, fields, *args, **kwargs):
        objs = list(objs)
        keys = {k for k, source in self.model.SEARCH_KEYS.items() if source in fields}
        if keys:
            for obj in objs:
                obj.fill_search_keys()
        return super().bulk_update(objs, [*fields, *sorted(keys)], *args, **kwargs)

    def update(self, **kwargs):
        for key_field, source in self.model.SEARCH_KEYS.items():
            # bulk_update comes here with both, as CASE expressions it already folded.
            if source in kwargs and key_field not in kwargs:
                if not isinstance(kwargs[source], str):
                    raise ValueError(f"{source}: update() needs a plain text to write "
                                     f"{key_field}; save the rows instead.")
                length = self.model._meta.get_field(key_field).max_length
                kwargs[key_field] = key_for(kwargs[source], length)
        return super().update(**kwargs)
