"""The petition register (sổ tiếp nhận đơn thư) and its lifecycle.

`status` is a protected FSM field: it changes only through the transition methods below,
and those are called only by the services in `casework.services.petitions`, which check the
acting user's role, validate the reason and document, lock the row and write the event.
"""
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from casework.numbers import display_number
from casework.permissions import may
from casework.search_keys import SearchKeysModel, SearchKeysQuerySet

from .lookup import grouped_code, new_lookup_code
from .organisations import Member, Organisation


class PetitionKind(models.TextChoices):
    COMPLAINT = "complaint", _("Khiếu nại")
    DENUNCIATION = "denunciation", _("Tố cáo")
    RECOMMENDATION = "recommendation", _("Kiến nghị")
    FEEDBACK = "feedback", _("Phản ánh")


class Channel(models.TextChoices):
    DIRECT = "direct", _("Trực tiếp")
    POST = "post", _("Bưu chính")
    CITIZEN_RECEPTION = "citizen_reception", _("Qua tiếp công dân")
    FORWARDED = "forwarded", _("Cơ quan khác chuyển đến")
    ELECTRONIC = "electronic", _("Điện tử")


class SenderType(models.TextChoices):
    NAMED = "named", _("Có họ tên")
    ANONYMOUS = "anonymous", _("Giấu tên")
    PSEUDONYMOUS = "pseudonymous", _("Mạo tên")


class PetitionStatus(models.TextChoices):
    RECEIVED = "received", _("Đã tiếp nhận")
    CLASSIFIED = "classified", _("Đã phân loại")
    ACCEPTED = "accepted", _("Đã thụ lý")
    TRANSFERRED = "transferred", _("Đã chuyển đơn")
    GUIDED = "guided", _("Đã hướng dẫn")
    # "Lưu đơn" is also the action (ACTION_LABELS); as a state English says "Filed".
    FILED = "filed", pgettext_lazy("status", "Lưu đơn")
    RESOLVED = "resolved", _("Đã giải quyết xong")
    WITHDRAWN = "withdrawn", _("Đã rút đơn")


OPEN_STATUSES = (PetitionStatus.RECEIVED, PetitionStatus.CLASSIFIED,
                 PetitionStatus.ACCEPTED, PetitionStatus.TRANSFERRED)
# The steps a period's report counts, by the moment field on the letter that logs the
# first of each (Petition.log_moments; casework.selectors.figure_rules).
STEP_EVENTS = {"transferred": "transferred_at", "guided": "guided_at",
               "accepted": "accepted_at"}
STEP_MOMENTS = tuple(STEP_EVENTS.values())


class Competence(models.TextChoices):
    HERE = "here", _("Thuộc thẩm quyền giải quyết của cơ quan mình")
    OTHER = "other", _("Thuộc thẩm quyền của cơ quan khác")
    NONE = "none", _("Không thuộc thẩm quyền của cơ quan đảng, nhà nước")


class FiledReason(models.TextChoices):
    ANONYMOUS = "anonymous", _("Đơn giấu tên, mạo tên")
    DUPLICATE = "duplicate", _("Đơn trùng nội dung đã xử lý")
    UNCLEAR = "unclear", _("Nội dung không rõ ràng, không cụ thể")
    NOT_ELIGIBLE = "not_eligible", _("Không đủ điều kiện xử lý")
    MONITORING = "monitoring", _("Lưu để theo dõi, nắm tình hình")
    ANSWERED = "answered", _("Cơ quan có thẩm quyền trả lại, đã có kết quả trước đó")


class ComplaintInstance(models.IntegerChoices):
    """Which resolution a complaint asks for (Luật Khiếu nại Điều 27 and 36)."""

    FIRST = 1, _("Khiếu nại lần đầu")
    SECOND = 2, _("Khiếu nại lần hai")


class YearCounter(models.Model):
    """The last number a unit gave in a year, one row per (unit, year), incremented by
    casework.counters.next_value in the transaction that writes what the number names."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE)
    year = models.PositiveSmallIntegerField()
    last_value = models.PositiveIntegerField(default=0)

    class Meta:
        abstract = True

    def __str__(self):
        return f"{self.organisation_id}/{self.year}: {self.last_value}"


class ReceiptCounter(YearCounter):
    """Last receipt number issued by an organisation in a year. Incremented under a row
    lock in the same transaction that saves the letter, so numbers have no gaps (a rolled
    back intake rolls back its number) and no duplicates."""

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organisation", "year"],
                                               name="unique_receipt_counter")]


class PetitionQuerySet(SearchKeysQuerySet, models.QuerySet):
    def visible_to(self, user):
        """Letters the user may see: the rule of `casework.selectors.scope`."""
        from casework.selectors.scope import letter_rows_q

        if not user.is_authenticated:
            return self.none()
        return self.filter(letter_rows_q(user))

    def identity_visible_to(self, user):
        """Of these letters, those whose senders the user may see."""
        from casework.selectors.scope import identity_visible_q

        return self.filter(identity_visible_q(user))


class Petition(SearchKeysModel, ConcurrentTransitionMixin, models.Model):
    organisation = models.ForeignKey(Organisation, verbose_name=_("nơi tiếp nhận"),
                                     on_delete=models.PROTECT, related_name="petitions")
    receipt_year = models.PositiveSmallIntegerField(_("năm"), editable=False)
    receipt_seq = models.PositiveIntegerField(_("số thứ tự"), editable=False)
    received_on = models.DateField(_("ngày nhận"))
    channel = models.CharField(_("nguồn đơn"), max_length=20, choices=Channel.choices)
    forwarded_by = models.CharField(_("cơ quan chuyển đến"), max_length=255, blank=True)
    kind = models.CharField(_("loại đơn"), max_length=20, choices=PetitionKind.choices)
    sender_type = models.CharField(_("người gửi"), max_length=20, choices=SenderType.choices,
                                   default=SenderType.NAMED)
    subject_name = models.CharField(_("người, tổ chức bị khiếu nại, tố cáo, phản ánh"),
                                    max_length=255, blank=True)
    subject_member = models.ForeignKey(Member, verbose_name=_("đảng viên liên quan"), null=True,
                                       blank=True, on_delete=models.PROTECT,
                                       related_name="petitions_about")
    subject_organisation = models.ForeignKey(
        Organisation, verbose_name=_("tổ chức đảng liên quan"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="petitions_about")
    summary = models.TextField(_("tóm tắt nội dung"))
    # Only meaningful for a khiếu nại: a second complaint is resolved under its own rules.
    instance = models.PositiveSmallIntegerField(_("lần khiếu nại"),
                                                choices=ComplaintInstance.choices,
                                                default=ComplaintInstance.FIRST,
                                                db_default=ComplaintInstance.FIRST)
    first_petition = models.ForeignKey(
        "self", verbose_name=_("đơn khiếu nại lần đầu"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="second_petitions")
    # A hand-off inside the system (issue 14). On the recipient's letter: the sender's
    # letter it was transferred or guided from (the chain runs back through it). On the
    # sender's letter: the unit inside the system it was handed to, so that a roll-up
    # holding both units counts the chain once, at the unit that settled it, without
    # reading the chain (casework.selectors.figure_rules).
    forwarded_from = models.ForeignKey(
        "self", verbose_name=_("đơn của đơn vị chuyển"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="handoffs", editable=False)
    handed_to = models.ForeignKey(
        Organisation, verbose_name=_("đã chuyển đến đơn vị"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+", editable=False)
    # Set once the letter is (or is classified as) a tố cáo and never cleared: a sender
    # who once denounced someone stays protected even if the letter is re-classified.
    identity_confidential = models.BooleanField(_("bảo mật danh tính người gửi"),
                                                default=False, editable=False)

    # The sender's code for the public status lookup (casework.models.lookup: why plain).
    # A default, so every letter gets one however it is written: intake, an in-system
    # hand-off's letter (casework.services.handoff), the demo and the benchmarks' loads.
    lookup_code = models.CharField(_("mã tra cứu"), max_length=8, default=new_lookup_code,
                                   editable=False)

    status = FSMField(_("trạng thái"), max_length=20, choices=PetitionStatus.choices,
                      default=PetitionStatus.RECEIVED, protected=True, db_index=True)

    # Classification (phân loại)
    competence = models.CharField(_("thẩm quyền"), max_length=10, choices=Competence.choices,
                                  blank=True)
    # Current outcome, denormalised from the events for lists and filters.
    handled_by = models.CharField(_("cơ quan có thẩm quyền"), max_length=255, blank=True)
    decision_number = models.CharField(_("số văn bản"), max_length=100, blank=True)
    decision_date = models.DateField(_("ngày văn bản"), null=True, blank=True)
    filed_reason = models.CharField(_("lý do lưu đơn"), max_length=20,
                                    choices=FiledReason.choices, blank=True)
    result = models.TextField(_("kết quả giải quyết"), blank=True)
    closed_on = models.DateField(_("ngày kết thúc"), null=True, blank=True)
    # The moments of its RECEIVED event and of its closing event (leaving an open status
    # for a closed one), copied from the event log as each is written (`log_moments`), so
    # that the figures of a period (casework.selectors.figure_rules) find the letters live
    # in it from an index instead of reading every letter's events. Not `received_on` and
    # `closed_on`: those are the dates the clerk typed; a figure counts the logged moment.
    received_at = models.DateTimeField(_("thời điểm ghi tiếp nhận"), null=True, editable=False)
    closed_at = models.DateTimeField(_("thời điểm ghi kết thúc"), null=True, editable=False)
    # Likewise the first moment of each step a period's report counts (a letter
    # transferred, guided, accepted in it), and the last moment its kind was recorded
    # (receipt, classification): the report reads a letter's kind at the period's end from
    # its events only when that moment is after the end (figure_rules.kind_then).
    transferred_at = models.DateTimeField(_("thời điểm ghi chuyển đơn"), null=True,
                                          editable=False)
    guided_at = models.DateTimeField(_("thời điểm ghi hướng dẫn"), null=True, editable=False)
    accepted_at = models.DateTimeField(_("thời điểm ghi thụ lý"), null=True, editable=False)
    kind_recorded_at = models.DateTimeField(_("thời điểm ghi loại đơn"), null=True,
                                            editable=False)

    # Search keys (casework.search_keys), written on every save. A B-tree index cannot
    # serve a substring search, so none is kept on them; the register search runs inside
    # the user's scope, which is one commune's letters.
    summary_key = models.TextField(editable=False, default="")
    subject_key = models.CharField(max_length=255, editable=False, default="")
    handled_by_key = models.CharField(max_length=255, editable=False, default="")
    SEARCH_KEYS = {"summary_key": "summary", "subject_key": "subject_name",
                   "handled_by_key": "handled_by"}

    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("người nhập"),
                                   null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("thời điểm nhập"), auto_now_add=True)
    updated_at = models.DateTimeField(_("cập nhật lần cuối"), auto_now=True)

    objects = PetitionQuerySet.as_manager()

    class Meta:
        verbose_name = _("đơn thư")
        verbose_name_plural = pgettext_lazy("plural", "đơn thư")
        ordering = ["-receipt_year", "-receipt_seq"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "receipt_year", "receipt_seq"],
                                    name="unique_receipt_number"),
        ]
        indexes = [
            # A commune's letters received per unit and day (the overview's months; the
            # handed-on letters left out of its counts: `handed_to`, issue 14).
            models.Index(fields=["organisation", "received_on"], name="petition_unit_received",
                         include=["handed_to"]),
            # The register's order (selectors.letters.REGISTER_ORDER): page 1 is read from
            # the index's head instead of sorting every visible letter.
            models.Index(models.F("received_on").desc(), models.F("receipt_seq").desc(),
                         models.F("id").desc(), name="petition_register_order"),
            # The register's counts (selectors.letters.register_counts): one grouped COUNT
            # by unit, status and kind, answered from this index alone.
            models.Index(fields=["organisation", "status", "kind"],
                         name="petition_unit_status_kind"),
            # The figures of a period (casework.selectors.figure_rules.live_parts): the
            # letters received in it, and those received before it and closed after its
            # start (or not closed): ranges on these, read from the index alone (PostgreSQL;
            # SQLite has no INCLUDE and reads the row). `handed_to`: a letter handed on
            # inside the subtree is counted at its recipient's (issue 14).
            models.Index(fields=["received_at"], name="petition_received_at",
                         include=["id", "organisation", "closed_at", "status", "kind",
                                  "sender_type", *STEP_MOMENTS, "kind_recorded_at",
                                  "handed_to"]),
            models.Index(fields=["closed_at", "received_at"], name="petition_closed_at",
                         include=["id", "organisation", "status", "kind", "sender_type",
                                  *STEP_MOMENTS, "kind_recorded_at", "handed_to"]),
            # The lists behind a step's figure (/don-thu/?so-lieu=transferred&…): the
            # letters whose step is dated in the period, a range on its moment.
            *(models.Index(fields=[moment], name=f"petition_{moment}",
                           condition=models.Q(**{f"{moment}__isnull": False}))
              for moment in STEP_MOMENTS),
            # The leaders' overview counts the letters received, and those closed, per unit
            # and month of a date range (workflows.leader_overview.letter_months) from
            # these indexes alone (index-only scans, the date range first).
            # `handed_to`: the handed-on letters are left out (issue 14) from the index too.
            models.Index(fields=["received_on", "organisation"], name="petition_received_unit",
                         include=["handed_to"]),
            models.Index(fields=["closed_on", "organisation"], name="petition_closed_unit",
                         include=["handed_to"]),
            # ...and for a commune its few units' closed letters (the received ones have
            # (organisation, received_on) above): without it PostgreSQL read the heap of
            # every letter of the commune's units through petition_unit_status_kind (xa2 at
            # 1,000,000 letters: 42-190 ms, with it under 3 ms).
            models.Index(fields=["organisation", "closed_on"], name="petition_unit_closed",
                         include=["handed_to"]),
        ]

    def __str__(self):
        return f"{self.receipt_number} – {self.get_kind_display()}"

    def save(self, *args, **kwargs):
        self.protect_identity()
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        # The admin's "Xem trên trang" link goes to the case page, where the scope and
        # identity checks of the pages apply.
        from django.urls import reverse

        return reverse("casework:petition-detail", args=[self.pk])

    def protect_identity(self):
        """The rule of `identity_confidential`, also for the paths that skip save() (the
        import's bulk insert, casework.services.letter_import)."""
        if self.kind == PetitionKind.DENUNCIATION:
            self.identity_confidential = True

    def log_moments(self, event) -> dict:
        """The moment fields `event` (just written to its log) sets: `received_at` from its
        RECEIVED event, `closed_at` from the event closing it (closed statuses are final),
        `<step>_at` from a counted step's event unless one dated earlier is logged (the
        first, by the events' own dates: a transcribed history may be back-dated), and
        `kind_recorded_at` from an event recording the kind unless one dated later is."""
        moments, at = {}, event.occurred_at
        if event.event_type == "received":
            moments["received_at"] = at
        elif event.from_status in OPEN_STATUSES and event.to_status not in OPEN_STATUSES:
            moments["closed_at"] = at
        step = STEP_EVENTS.get(event.event_type)
        if step and (getattr(self, step) is None or at < getattr(self, step)):
            moments[step] = at
        if "kind" in (event.details or {}) and (self.kind_recorded_at is None
                                                or at >= self.kind_recorded_at):
            moments["kind_recorded_at"] = at
        return moments

    @property
    def receipt_number(self):
        """The number every page, notice, document, export and the API show (001/2026/VPĐU);
        lists select_related("organisation") to show it without a query per row."""
        return display_number(self.receipt_seq, self.receipt_year, self.organisation.symbol)

    @property
    def lookup_code_display(self):
        """The code as the receipt prints it: "K7M2-9QXA"."""
        return grouped_code(self.lookup_code)

    @property
    def is_open(self):
        return self.status in OPEN_STATUSES

    # ---- transitions: only the services call these ----------------------------------
    @transition(field=status, source=PetitionStatus.RECEIVED, target=PetitionStatus.CLASSIFIED,
                permission=may("classify"))
    def classify(self, *, kind, competence):
        self.kind = kind
        self.competence = competence

    @transition(field=status, source=PetitionStatus.CLASSIFIED, target=PetitionStatus.ACCEPTED,
                permission=may("accept"))
    def accept(self, *, doc_number, doc_date):
        self.decision_number, self.decision_date = doc_number, doc_date

    @transition(field=status, source=PetitionStatus.CLASSIFIED, target=PetitionStatus.TRANSFERRED,
                permission=may("transfer"))
    def transfer(self, *, recipient, doc_number, doc_date, handed_to=None):
        self.handled_by = recipient
        self.handed_to = handed_to
        self.decision_number, self.decision_date = doc_number, doc_date

    @transition(field=status, source=PetitionStatus.CLASSIFIED, target=PetitionStatus.GUIDED,
                permission=may("guide"))
    def guide(self, *, on, recipient="", handed_to=None):
        self.closed_on = on
        if recipient:
            self.handled_by = recipient
        self.handed_to = handed_to

    @transition(field=status, source=[PetitionStatus.CLASSIFIED, PetitionStatus.TRANSFERRED],
                target=PetitionStatus.FILED, permission=may("file"))
    def file(self, *, reason, on):
        self.filed_reason = reason
        self.closed_on = on

    @transition(field=status, source=PetitionStatus.TRANSFERRED, target=PetitionStatus.TRANSFERRED,
                permission=may("follow_up"))
    def follow_up(self):
        """Chasing the competent body (đôn đốc) leaves the state as it is; the event records it."""

    @transition(field=status, source=[PetitionStatus.ACCEPTED, PetitionStatus.TRANSFERRED],
                target=PetitionStatus.RESOLVED, permission=may("resolve"))
    def resolve(self, *, result, on):
        self.result = result
        self.closed_on = on

    @transition(field=status, source=PetitionStatus.RESOLVED, target=PetitionStatus.RESOLVED,
                permission=may("report_back"))
    def report_back(self):
        """Reporting the result to the body that transferred the letter here (Luật Tiếp
        công dân Điều 27(2)) leaves the state as it is; the event records it."""

    @transition(field=status, source=list(OPEN_STATUSES), target=PetitionStatus.WITHDRAWN,
                permission=may("withdraw"))
    def withdraw(self, *, on):
        self.closed_on = on


class PetitionSenderQuerySet(SearchKeysQuerySet, models.QuerySet):
    pass


class PetitionSender(SearchKeysModel, models.Model):
    petition = models.ForeignKey(Petition, on_delete=models.CASCADE, related_name="senders")
    full_name = models.CharField(_("họ và tên"), max_length=150)
    address = models.CharField(_("địa chỉ"), max_length=255, blank=True)
    phone = models.CharField(_("điện thoại"), max_length=30, blank=True)
    id_number = models.CharField(_("số CCCD"), max_length=20, blank=True)
    # Search keys (casework.search_keys). name_key is indexed for the duplicate check,
    # which looks senders up by their whole name.
    name_key = models.CharField(max_length=150, editable=False, db_index=True)
    address_key = models.CharField(max_length=255, editable=False, default="")
    SEARCH_KEYS = {"name_key": "full_name", "address_key": "address"}

    objects = PetitionSenderQuerySet.as_manager()

    class Meta:
        verbose_name = _("người gửi đơn")
        verbose_name_plural = pgettext_lazy("plural", "người gửi đơn")
        ordering = ["id"]

    def __str__(self):
        return self.full_name


def attachment_path(instance, filename):
    # The stored name is random: the sender's file name can carry personal data or path
    # tricks, and is kept only as a label in `original_name`.
    import uuid

    return f"petitions/{instance.petition.receipt_year}/{uuid.uuid4().hex}"


class Attachment(models.Model):
    petition = models.ForeignKey(Petition, verbose_name=_("đơn"), on_delete=models.CASCADE,
                                 related_name="attachments")
    file = models.FileField(_("tệp"), upload_to=attachment_path, max_length=255)
    original_name = models.CharField(_("tên tệp"), max_length=255)
    content_type = models.CharField(_("định dạng"), max_length=50)
    size = models.PositiveIntegerField(_("dung lượng"))
    sha256 = models.CharField(_("mã băm SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("người tải lên"),
                                    null=True, on_delete=models.SET_NULL, related_name="+")
    uploaded_at = models.DateTimeField(_("thời điểm tải lên"), auto_now_add=True)

    class Meta:
        verbose_name = _("tệp đính kèm")
        verbose_name_plural = pgettext_lazy("plural", "tệp đính kèm")
        ordering = ["id"]

    def __str__(self):
        return self.original_name
