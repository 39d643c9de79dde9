"""Deadline rules as data.

A rule says: for this procedure and step, the clock starts at this case event, runs for so
many calendar or working days, may be extended so many times by so much on whose decision,
and stops at these events; on this legal basis, from this date. A change in the law is a new
row with the same code and a later `effective_from`: a running clock keeps the row it
started with. Each rule also carries its escalation ladder (who is told, and when).
"""
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from casework.dates import MAX_DAYS, date_bounds_message, days_message


class Procedure(models.TextChoices):
    """Ordered from specific to general where they overlap (see `procedures_for` in
    `workflows.services.rule_selection`)."""

    PETITION = "petition", _("Mọi đơn thư")
    COMPLAINT = "complaint", _("Khiếu nại (lần đầu)")
    COMPLAINT_SECOND = "complaint_second", _("Khiếu nại (lần hai)")
    DENUNCIATION = "denunciation", _("Tố cáo")
    DENUNCIATION_MEMBER = "denunciation_member", _("Tố cáo đảng viên (cơ sở)")
    RECOMMENDATION = "recommendation", _("Kiến nghị, phản ánh")
    # Inspection and supervision cases (casework.InspectionCase), by their procedure.
    INSPECTION = "inspection", _("Cuộc kiểm tra")
    SUPERVISION = "supervision", _("Cuộc giám sát")
    DISCIPLINE_APPEAL = "discipline_appeal", _("Khiếu nại kỷ luật đảng")


class Step(models.TextChoices):
    CLASSIFY = "classify", _("Phân loại, xử lý đơn")
    ACCEPT = "accept", _("Thụ lý")
    TRANSFER = "transfer", _("Chuyển đơn khi không thuộc thẩm quyền")
    RESOLVE = "resolve", _("Giải quyết")
    ANSWER = "answer", _("Trả lời")
    CHASE = "chase", _("Đôn đốc cơ quan có thẩm quyền")
    CHASE_AGAIN = "chase_again", _("Đôn đốc lại")
    # Steps of an inspection or supervision case, in their order.
    ANNOUNCE = "announce", _("Công bố quyết định kiểm tra, giám sát")
    EXPLAIN = "explain", _("Đối tượng giải trình, báo cáo")
    VERIFY = "verify", _("Thẩm tra, xác minh")
    REVIEW = "review", _("Xem xét báo cáo của đối tượng")
    REPORT = "report", _("Đoàn báo cáo kết quả")
    MEET = "meet", _("Họp với đối tượng")
    CONCLUDE = "conclude", _("Kết luận")
    NOTIFY = "notify", _("Thông báo kết luận, kết quả")
    AFTER_NOTICE = "after_notice", _("Đề nghị kỷ luật, theo dõi khắc phục hoặc lưu hồ sơ")
    DISCIPLINE = "discipline", _("Xem xét, quyết định kỷ luật")
    REMEDIATE = "remediate", _("Theo dõi khắc phục, lưu hồ sơ")
    FINISH = "finish", _("Kết thúc cuộc kiểm tra, giám sát")
    APPEAL = "appeal", _("Thời hạn khiếu nại kỷ luật")
    # A right of the complainant, not a duty: the window to file the second complaint.
    SECOND_WINDOW = "second_window", _("Thời hạn khiếu nại lần hai")
    REPORT_BACK = "report_back", _("Báo cáo kết quả cho cơ quan đã chuyển đơn")


class Unit(models.TextChoices):
    WORKING = "working", _("ngày làm việc")
    CALENDAR = "calendar", _("ngày")
    # To the same day of the month N months on (the last day of a shorter month), rolled
    # forward to a working day like a count of days. Pauses and extensions count in days.
    MONTH = "month", _("tháng")


class StartCondition(models.TextChoices):
    ALWAYS = "", _("Luôn luôn")
    COMPETENCE_OTHER = "competence_other", _("Khi đơn không thuộc thẩm quyền")
    DISCIPLINE_FORM = "discipline_form", _("Khi có quyết định thi hành kỷ luật (có hình thức "
                                           "kỷ luật)")
    # The organisation handling the letter is in a remote area (Organisation.remote_area):
    # Luật Khiếu nại Điều 28, 33, 37 give longer periods there.
    REMOTE_AREA = "remote_area", _("Khi nơi giải quyết ở vùng sâu, vùng xa, đi lại khó khăn")
    FORWARDED = "forwarded", _("Khi đơn do cơ quan khác chuyển đến")


class CountFrom(models.TextChoices):
    """The day a clock counts from, when it is not the day of the event that starts it."""

    EVENT = "", _("Ngày của sự kiện bắt đầu tính")
    # The decision's own period: the clock is due on the case's `ends_on` (plus `length`
    # days, normally 0), so a gia hạn by decision moves it like any other clock.
    CASE_END = "case_end", _("Ngày kết thúc ghi trong quyết định kiểm tra, giám sát")
    DISCIPLINE_NOTIFIED = "discipline_notified", _("Ngày công bố quyết định kỷ luật cho "
                                                   "đối tượng")
    # Điều lệ Đảng Điều 39(7): the month runs from the day the subject received the
    # decision (recorded with it; the announcement day when nothing else is recorded).
    DISCIPLINE_RECEIVED = "discipline_received", _("Ngày đối tượng nhận quyết định kỷ luật")
    # The day this body received the letter, whatever event starts the clock: Luật Tố cáo
    # Điều 24(2) (transfer when not competent) and a tố cáo against a Party member.
    RECEIVED = "received", _("Ngày nhận đơn")
    # The day the sender received the decision or answer (recorded with it; its date when
    # nothing else is recorded): Luật Khiếu nại Điều 33(1).
    DECISION_RECEIVED = "decision_received", _("Ngày người gửi nhận quyết định, văn bản "
                                               "trả lời")


class Audience(models.IntegerChoices):
    """Who a rung of the ladder tells; each level includes the ones before it. For a letter:
    the clock's assignee, the leaders of the receiving unit, the committee's leaders. For an
    inspection or supervision case: the team leader, the deciding body at the case's
    organisation (its UBKT members, secretary, leaders), the committee's leaders."""

    HANDLER = 1, _("Người xử lý")
    HEAD = 2, _("Người xử lý và lãnh đạo đơn vị")
    LEADERS = 3, _("Người xử lý, lãnh đạo đơn vị và Thường trực cấp ủy")


class DeadlineRule(models.Model):
    code = models.SlugField(_("mã quy tắc"), max_length=60,
                            help_text=_("Giữ nguyên mã khi ban hành phiên bản mới của quy tắc."))
    procedure = models.CharField(_("thủ tục"), max_length=30, choices=Procedure.choices)
    step = models.CharField(_("bước"), max_length=30, choices=Step.choices)
    start_event = models.CharField(_("sự kiện bắt đầu tính"), max_length=30)
    start_condition = models.CharField(_("điều kiện bắt đầu"), max_length=30, blank=True,
                                       choices=StartCondition.choices)
    stop_events = models.JSONField(_("sự kiện kết thúc"), default=list)
    length = models.PositiveIntegerField(
        _("thời hạn"), validators=[MinValueValidator(0)],
        help_text=_("Từ 1 trở lên; 0 chỉ dùng khi tính đến ngày kết thúc ghi trong quyết "
                    "định (hạn đúng ngày đó)."))
    unit = models.CharField(_("đơn vị tính"), max_length=10, choices=Unit.choices)
    counted_from = models.CharField(_("tính từ"), max_length=30, blank=True,
                                    choices=CountFrom.choices, default=CountFrom.EVENT)
    lapses = models.BooleanField(
        _("hết hạn thì kết thúc, không cảnh báo"), default=False, db_default=False,
        help_text=_("Cho thời hạn của một quyền (khiếu nại kỷ luật), không phải một việc phải "
                    "làm: không nhắc, không báo quá hạn; hết hạn mà không có sự kiện kết thúc "
                    "thì thời hạn kết thúc là “hết thời hạn”."))
    max_extensions = models.PositiveSmallIntegerField(_("số lần gia hạn tối đa"), default=0)
    extension_length = models.PositiveIntegerField(
        _("mỗi lần gia hạn tối đa"), default=0,
        help_text=_("Tính theo cùng đơn vị với thời hạn."))
    extension_decided_by = models.JSONField(
        _("người quyết định gia hạn"), default=list, blank=True,
        help_text=_("Các vai trò được quyết định gia hạn."))
    legal_basis = models.CharField(
        _("căn cứ pháp lý"), max_length=255,
        help_text=_("Dòng căn cứ người dùng thấy trên hồ sơ; trạng thái xác nhận ghi ở dưới, "
                    "không ghi vào đây."))
    effective_from = models.DateField(_("áp dụng từ ngày"))
    note = models.TextField(_("ghi chú"), blank=True)
    # The source, as read by whoever checked it: the administrator confirms after reading
    # the text itself; until then the rule is the best public reading.
    source_article = models.CharField(_("điều, khoản"), max_length=255, blank=True)
    source_title = models.CharField(_("tên văn bản"), max_length=255, blank=True)
    source_date = models.DateField(_("ngày ban hành văn bản"), null=True, blank=True)
    confirmed = models.BooleanField(
        _("đã đối chiếu văn bản"), default=False, db_default=False,
        help_text=_("Chỉ quản trị viên thấy; người dùng chỉ thấy căn cứ pháp lý."))
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("người xác nhận"),
                                     null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")
    confirmed_on = models.DateField(_("ngày xác nhận"), null=True, blank=True)
    # From 1/7/2026 a complaint's period is extended only for a case recorded in writing as
    # complex (NĐ 155/2026 Điều 3a), and a suspension decision pauses it.
    extension_needs_complex = models.BooleanField(
        _("chỉ gia hạn khi vụ việc phức tạp"), default=False, db_default=False,
        help_text=_("Gia hạn phải nêu văn bản ghi nhận vụ việc phức tạp."))
    may_suspend = models.BooleanField(
        _("có thể tạm đình chỉ"), default=False, db_default=False,
        help_text=_("Quyết định tạm đình chỉ giải quyết dừng tính thời hạn; tính tiếp từ "
                    "ngày có quyết định tiếp tục giải quyết."))
    # The escalation ladder.
    warn_days_before = models.PositiveSmallIntegerField(
        _("nhắc trước hạn (ngày làm việc)"), default=2,
        help_text=_("0: không nhắc trước hạn."))
    warn_audience = models.PositiveSmallIntegerField(_("nhắc trước hạn gửi cho"),
                                                     choices=Audience.choices,
                                                     default=Audience.HANDLER)
    due_audience = models.PositiveSmallIntegerField(_("đến hạn gửi cho"),
                                                    choices=Audience.choices,
                                                    default=Audience.HEAD)
    overdue_days_after = models.PositiveSmallIntegerField(
        _("báo quá hạn sau (ngày làm việc)"), default=2, validators=[MinValueValidator(1)])
    overdue_audience = models.PositiveSmallIntegerField(_("quá hạn gửi cho"),
                                                        choices=Audience.choices,
                                                        default=Audience.LEADERS)
    reminder_every_days = models.PositiveSmallIntegerField(
        _("nhắc lại sau mỗi (ngày)"), default=5, help_text=_("0: không nhắc lại."))

    class Meta:
        verbose_name = _("quy tắc thời hạn")
        verbose_name_plural = _("quy tắc thời hạn")
        ordering = ["procedure", "step", "-effective_from"]
        constraints = [
            models.UniqueConstraint(fields=["code", "effective_from"],
                                    name="rule_version_unique"),
        ]

    def __str__(self):
        return f"{self.get_procedure_display()} – {self.get_step_display()}"

    def clean(self):
        if self.counted_from == CountFrom.CASE_END:
            if self.unit != Unit.CALENDAR:
                raise ValidationError({"unit": _("Tính đến ngày kết thúc ghi trong quyết định "
                                                 "thì đơn vị tính là ngày.")})
        elif self.length is not None and self.length < 1:
            raise ValidationError({"length": _("Thời hạn phải từ 1 trở lên.")})
        # The calendar's tables reach MAX_DAYS past the last accepted date and no further.
        errors = {}
        for name, value in (("length", self.length), ("extension_length", self.extension_length)):
            if value is not None and value > MAX_DAYS:
                errors[name] = days_message(value, label=self._meta.get_field(name).verbose_name,
                                            minimum=0)
        if self.effective_from is not None:
            message = date_bounds_message(self.effective_from,
                                          label=self._meta.get_field("effective_from").verbose_name)
            if message:
                errors["effective_from"] = message
        if errors:
            raise ValidationError(errors)

    @property
    def counting_unit(self):
        """The unit pauses, extensions and "còn … ngày" count in: days for a month rule."""
        return Unit.CALENDAR if self.unit == Unit.MONTH else self.unit

    def audience_for_rung(self, rung):
        if rung == 0:
            return self.warn_audience
        if rung == 1:
            return self.due_audience
        return self.overdue_audience
