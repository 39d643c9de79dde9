"""The public status lookup's form (/tra-cuu/): the receipt number and the lookup code as
the receipt prints them. Cleaned where they enter (casework.text) and bounded, and checked
for their form only: whether such a letter exists is the service's answer, the same for a
wrong number and a wrong code (casework.services.status_lookup).

Not a SubmissionTokenMixin form: a lookup changes nothing that a second post could double,
and the page is for people without a login (the token is kept per user). The CSRF check is
Django's, with its cookie, as on the login page."""
from django import forms
from django.utils.translation import gettext_lazy as _

from casework.forms import CleanTextForm
from casework.models.lookup import LOOKUP_ALPHABET, LOOKUP_CODE_LENGTH, typed_code
from casework.numbers import parse_number
from casework.text import clean_line

NUMBER_MAX = 40
CODE_MAX = 20  # the 8 signs, with the spaces and dashes people type between them


class StatusLookupForm(CleanTextForm):
    so_bien_nhan = forms.CharField(
        label=_("Số biên nhận"), max_length=NUMBER_MAX, strip=True,
        help_text=_("Như in trên giấy biên nhận, ví dụ 001/2026/VPĐU."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false",
                                      "inputmode": "text"}))
    ma_tra_cuu = forms.CharField(
        label=_("Mã tra cứu"), max_length=CODE_MAX, strip=True,
        help_text=_("8 ký tự in trên giấy biên nhận, ví dụ K7M2-9QXA."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false",
                                      "autocapitalize": "characters"}))

    def clean_so_bien_nhan(self):
        value = clean_line(self.cleaned_data["so_bien_nhan"])
        typed = parse_number(value)
        if typed is None or typed.year is None or typed.symbol_key is None:
            raise forms.ValidationError(
                _("Số biên nhận: ghi đủ số, năm và ký hiệu như trên giấy biên nhận, ví dụ "
                  "001/2026/VPĐU."), code="format")
        return value

    def clean_ma_tra_cuu(self):
        code = typed_code(clean_line(self.cleaned_data["ma_tra_cuu"]))
        if len(code) != LOOKUP_CODE_LENGTH or any(ch not in LOOKUP_ALPHABET for ch in code):
            raise forms.ValidationError(
                _("Mã tra cứu gồm 8 ký tự: chữ số từ 2 đến 9 và chữ cái in hoa (không có "
                  "chữ O, chữ I, số 0, số 1)."), code="format")
        return code
