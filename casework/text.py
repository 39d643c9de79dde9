"""The one rule for text that enters the records, and the one rule for text that leaves
them in a spreadsheet.

Entering (`clean_text`, `clean_line`): NFC, so "ệ" typed as e + two combining marks and
"ệ" typed precomposed are the same letters to search, sort and compare; no control
characters other than tab and newline; no invisible direction or zero-width characters;
"\\r\\n" and "\\r" become "\\n"; ends stripped. A single-line field (a name, a number, an
address, a recipient) also has its line breaks and tabs collapsed into one space.

Removed, not refused. These characters arrive invisibly when a clerk pastes from Word or a
PDF: Word's manual line break is a vertical tab (\\x0b), its page break a form feed
(\\x0c), a table cell ends with \\x07; a web page brings zero-width spaces. The clerk cannot
see them, so a message "the summary contains U+000B" would name a character they cannot
find and could only be worked around by retyping the letter. None of them carries meaning
in Vietnamese text, so removing them loses nothing the reader could see: the line-breaking
ones become a line break (a space in a single-line field) so that words do not run
together, the others disappear. Direction overrides (U+202A–U+202E, U+2066–U+2069) and
zero-width characters go for a second reason: they can make a name read differently from
what is stored ("Nguyễn Văn A" that a search for it does not find, or letters shown in
reverse), and a register whose names are not what they look like is worth nothing. NUL,
which PostgreSQL cannot store at all (it answered 500), goes the same way. A value that is
left empty by the cleaning is then refused by the service's own "Chưa nhập …" check, which
names the field.

Rows stored before this rule are not rewritten by a migration: a case event's reason and
document number are sealed into its hash chain (`casework.services.audit`), so rewriting
them would break `verify_audit`, and changing a letter's fields without an event would be
an unlogged edit of the register. The way out is guarded instead: the export cleans every
cell again (below) and the pages escape what they show.

Leaving (`formula_like`, `spreadsheet_text`, `csv_cell`): a spreadsheet program reads a
cell that starts with = + - @ as a formula, and OWASP adds a leading tab or carriage
return; the full-width forms (＝ ＋ － ＠) are treated alike, to be safe with input methods
and spreadsheet programs that fold them to ASCII (LibreOffice 7.4 does not); a letter's
summary must never become one (OWASP "CSV injection"). `spreadsheet_text` also cleans at
export time, so a row stored before this rule existed cannot break the workbook with a
character XML forbids. How a formula-like text is neutralised depends on the format: see
`casework.exports` for .xlsx and `csv_cell` for CSV.
"""
import re
import unicodedata
from functools import wraps

# Line breaks by another name: Word's manual line break (VT) and page break (FF), the old
# Mac "\r", NEL, and Unicode's line and paragraph separators.
_LINE_BREAKS = re.compile("\r\n|[\r\x0b\x0c\x85\u2028\u2029]")
# C0 and C1 controls other than tab and newline; DEL; lone surrogates (they cannot be
# stored as UTF-8); the two non-characters XML forbids.
_CONTROLS = "\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff\ufffe\uffff"
# Invisible characters that change how text is shown or matched: soft hyphen, zero-width
# space/joiners, word joiner, byte-order mark, direction marks, embeddings, overrides and
# isolates.
_INVISIBLE = "\xad\u200b-\u200f\u202a-\u202e\u2060\u2066-\u2069\u061c\ufeff"
_REMOVED = re.compile(f"[{_CONTROLS}{_INVISIBLE}]")
_LINE_SPACE = re.compile(r"[ \t]*[\n\t][ \t\n]*")

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def clean_text(value, *, multiline=True) -> str:
    """The stored form of a typed text: see the module docstring. `None` becomes ""."""
    if value is None:
        return ""
    text = _LINE_BREAKS.sub("\n", str(value))
    # NFC last: a removed character may have stood between a letter and its accent.
    text = unicodedata.normalize("NFC", _REMOVED.sub("", text))
    if not multiline:
        text = _LINE_SPACE.sub(" ", text)
    return text.strip()


def clean_line(value) -> str:
    """A single-line field: a name, a number, an address, a recipient."""
    return clean_text(value, multiline=False)


_WORD = re.compile(r"\w+")
# What a person's name is made of; anything else (digits, "=", brackets) and the text is
# not a plain name, so its letters are left as typed.
_NAME = re.compile(r"[^\W\d_]+(?:[ '’.-]+[^\W\d_]+)*[.]?")


def _capital(word):
    return word[:1].upper() + word[1:].lower()


def name_case(value) -> str:
    """A person's name as the register writes it: cleaned like any single-line field (so
    NFC: a name typed in NFD is stored in composed letters; runs of spaces become one),
    then in title case: "ngô văn thịnh" and "NGÔ VĂN THỊNH" both become "Ngô Văn Thịnh",
    "đặng" → "Đặng", "mai-anh" → "Mai-Anh". A name typed in mixed case keeps each word that
    has a capital as typed (an abbreviation such as "UBND") and only gives the words typed
    in small letters their capital ("Nguyễn văn An" → "Nguyễn Văn An"). A text that is not
    a plain name (digits, signs) is left as typed."""
    text = " ".join(clean_line(value).split())
    if not _NAME.fullmatch(text):
        return text
    if text.islower() or text.isupper():
        return _WORD.sub(lambda word: _capital(word[0]), text)
    return _WORD.sub(lambda word: _capital(word[0]) if word[0].islower() else word[0], text)


def cleans_text(*multiline):
    """Clean every text keyword argument of a service before it runs: the names in
    `multiline` keep their line breaks (a summary, a reason, a conclusion), the others are
    single-line. The services are the second line behind the forms, so the API, commands,
    the demo loader and anything written later store clean text too; the service's own
    checks ("Chưa nhập …") then see the cleaned value."""
    keep = frozenset(multiline)

    def decorate(service):
        @wraps(service)
        def wrapper(*args, **kwargs):
            for name, value in kwargs.items():
                if isinstance(value, str):
                    kwargs[name] = clean_text(value, multiline=name in keep)
            return service(*args, **kwargs)
        wrapper.cleans_text = keep  # what tests/casework/test_text.py looks for
        return wrapper
    return decorate


def formula_like(text: str) -> bool:
    """Would a spreadsheet program read this text as a formula?"""
    return text.startswith(FORMULA_PREFIXES)


def spreadsheet_text(value) -> str:
    """A text as it goes into a spreadsheet cell: cleaned again, so that a row stored before
    the cleaning rule (or by a path that skipped it) cannot make the file invalid. Line
    breaks are kept: the register wraps them."""
    return clean_text(value)


def csv_cell(value) -> str:
    """A text as a CSV field. CSV has no cell types, so the only defence is OWASP's: a
    leading apostrophe, which Excel and LibreOffice show as text and do not evaluate."""
    text = spreadsheet_text(value)
    return "'" + text if formula_like(text) else text
