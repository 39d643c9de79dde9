"""The sender's status lookup (issue 16): the code printed on the receipt, and the log of
every lookup made on the public page (/tra-cuu/).

The code is stored as it is printed, not hashed: a receipt is reprinted (the HTML page, the
DOCX made again), and a hash could not be printed back. Hashing would protect it only from
someone who reads the database, who reads the sender's name, address and letter there
anyway; the code guards the public page, where it is compared in constant time and tried
at most LOOKUP_LIMIT_PER_NUMBER times an hour per letter. 8 characters of a 32-letter
alphabet are 40 bits: at that rate a guess takes longer than any letter is kept.
"""
import secrets
import unicodedata

from django.db import models
from django.utils.translation import gettext_lazy as _

# No 0/O, no 1/I: read aloud or typed from paper they are confused. 32 signs, 5 bits each.
LOOKUP_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
LOOKUP_CODE_LENGTH = 8


def new_lookup_code() -> str:
    """A fresh code from the system's random source (every new letter's, by default)."""
    return "".join(secrets.choice(LOOKUP_ALPHABET) for _ in range(LOOKUP_CODE_LENGTH))


def grouped_code(code: str) -> str:
    """"K7M2-9QXA": the code as printed, in two groups of four."""
    return f"{code[:4]}-{code[4:]}" if code else ""


def typed_code(text: str) -> str:
    """The code as typed, compared: full-width forms folded (NFKC, as some phone keyboards
    type them), upper case, spaces and dashes dropped. Bounded by the form
    (casework.lookup_forms)."""
    return "".join(ch for ch in unicodedata.normalize("NFKC", text or "").upper()
                   if ch.isalnum())


class StatusLookup(models.Model):
    """One lookup on the public page, refused ones too. The log is also the rate limit's
    counter (casework.services.status_lookup): the rows of a client, and of a receipt
    number, in the last LOOKUP_WINDOW_MINUTES, so every worker process and the embedded
    install share one count. The client's address is kept as a keyed hash (HMAC with the
    site's SECRET_KEY): enough to count and to see that one client made many lookups,
    without keeping the citizens' addresses. Rows older than LOOKUP_LOG_KEEP_DAYS are
    deleted (casework.tasks.prune_status_lookups, and a bounded batch now and then on a
    lookup, for the embedded install that runs no beat)."""

    class Outcome(models.TextChoices):
        FOUND = "found", _("Tìm thấy")
        NOT_FOUND = "not_found", _("Không khớp")
        REFUSED = "refused", _("Từ chối (quá số lần)")

    at = models.DateTimeField(_("thời điểm"), db_index=True)
    client_hash = models.CharField(_("máy tra cứu (mã hóa)"), max_length=32)
    # The number as typed, cleaned and cut; `number_key` its canonical form (sequence/year/
    # folded symbol) that the per-letter limit counts, so "1/2026/vpdu" and "001/2026/VPĐU"
    # are one number.
    number_typed = models.CharField(_("số biên nhận đã nhập"), max_length=40, blank=True)
    number_key = models.CharField(max_length=48, blank=True)
    outcome = models.CharField(_("kết quả"), max_length=10, choices=Outcome.choices)
    petition = models.ForeignKey("casework.Petition", verbose_name=_("đơn"), null=True,
                                 blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("lượt tra cứu tình trạng đơn")
        verbose_name_plural = _("lượt tra cứu tình trạng đơn")
        ordering = ["-at"]
        indexes = [
            # The two counts of the rate limit (casework.services.status_lookup): a range of
            # one client's, one number's counted rows, however many refused ones there are.
            models.Index(fields=["client_hash", "outcome", "at"], name="lookup_client_at"),
            models.Index(fields=["number_key", "outcome", "at"], name="lookup_number_at"),
        ]

    def __str__(self):
        return f"{self.at:%d/%m/%Y %H:%M} {self.number_typed} ({self.get_outcome_display()})"
