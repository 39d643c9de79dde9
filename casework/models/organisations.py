"""The Party organisation tree, its members, and who holds which role where.

The tree is stored as a materialised path ("/1/4/17/") so that "everything under this
organisation" is one indexed `LIKE '/1/4/%'` in SQL, on SQLite and PostgreSQL alike.
"""
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models, transaction
from django.db.models import Q
from django.db.models.functions import Concat, Length, Substr
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from casework.search_keys import key_for, search_key


class OrgKind(models.TextChoices):
    PROVINCE = "province", _("Đảng bộ tỉnh, thành phố")
    COMMUNE = "commune", _("Đảng bộ xã, phường")
    PARTIAL = "partial", _("Đảng bộ bộ phận")
    BRANCH = "branch", _("Chi bộ")
    AGENCY = "agency", _("Cơ quan tham mưu, giúp việc")


class OrganisationQuerySet(models.QuerySet):
    def subtree_of(self, paths):
        """Organisations at or under any of the given paths."""
        cond = Q(pk__in=[])
        for path in paths:
            cond |= Q(path__startswith=path)
        return self.filter(cond)

    def visible_to(self, user):
        from casework.selectors.scope import organisations_q

        if not user.is_authenticated:
            return self.none()
        return self.filter(organisations_q(user))


class Organisation(models.Model):
    name = models.CharField(_("tên"), max_length=255)
    code = models.SlugField(_("mã"), max_length=50, unique=True,
                            help_text=_("Mã ngắn, không dấu, dùng trong số biên nhận và "
                                        "nhập liệu."))
    # Ghép vào số đơn, số cuộc (casework.numbers): unique, so that a number names one record.
    symbol = models.CharField(
        _("ký hiệu"), max_length=30, unique=True,
        validators=[RegexValidator(r"^[^\s/]+$",
                                   _("Ký hiệu không được chứa dấu cách hoặc dấu “/”."))],
        help_text=_("Ký hiệu viết tắt như trên văn bản của Đảng (VPĐU, UBKT, ĐU), ghép vào số "
                    "đơn, số cuộc: 001/2026/VPĐU. Không trùng với đơn vị khác."))
    kind = models.CharField(_("loại"), max_length=20, choices=OrgKind.choices)
    parent = models.ForeignKey("self", verbose_name=_("trực thuộc"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="children")
    path = models.CharField(max_length=255, editable=False, db_index=True, default="")
    # Luật Khiếu nại Điều 28, 33, 37: longer periods for complaints handled in a remote
    # area; the deadline rules read it through their start condition.
    remote_area = models.BooleanField(
        _("vùng sâu, vùng xa"), default=False, db_default=False,
        help_text=_("Nơi đi lại khó khăn: thời hạn giải quyết khiếu nại dài hơn."))
    # The hand-off's typeahead (casework.views.handoff) finds a unit among a province's
    # thousands by an accent-free key, in SQL ("thon 3" finds "Chi bộ thôn 3").
    name_key = models.CharField(max_length=255, editable=False, default="")

    objects = OrganisationQuerySet.as_manager()

    class Meta:
        verbose_name = _("tổ chức đảng")
        verbose_name_plural = pgettext_lazy("plural", "tổ chức đảng")
        ordering = ["path"]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.name_key = key_for(self.name, 255)
        if not self.symbol:
            # Records made outside the admin (tests, commands) get the code, unique too.
            self.symbol = self.code.upper()
        with transaction.atomic():
            # Forms have called clean() already; code that saves directly is held to the
            # same rule here.
            self.check_tree()
            old_path = self.path
            if self.pk is None:
                super().save(*args, **kwargs)
                kwargs.pop("force_insert", None)
            self.path = (self.parent.path if self.parent_id else "/") + f"{self.pk}/"
            super().save(*args, **kwargs)
            if old_path and old_path != self.path:
                # Moving a subtree: rewrite every descendant's prefix in one UPDATE.
                Organisation.objects.filter(path__startswith=old_path).exclude(pk=self.pk).update(
                    path=Concat(models.Value(self.path),
                                Substr("path", len(old_path) + 1, Length("path")))
                )

    def validate_unique(self, exclude=None):
        # "VPĐU" and "VPDU" would be one number to a search (casework.numbers folds
        # accents), so symbols must differ once folded, not only as typed.
        super().validate_unique(exclude)
        if exclude and "symbol" in exclude or not self.symbol:
            return
        key = search_key(self.symbol)
        for other in Organisation.objects.exclude(pk=self.pk).values_list("symbol", flat=True):
            if search_key(other) == key:
                raise ValidationError({"symbol": _(
                    "Ký hiệu “%(symbol)s” trùng với ký hiệu “%(other)s” của đơn vị khác.")
                    % {"symbol": self.symbol, "other": other}})

    def clean(self):
        super().clean()
        self.check_tree()

    def check_tree(self):
        """Refuse a parent that is this organisation or below it: the tree would become a
        loop and every path under it wrong. Reads the parent's stored path, not a copy the
        caller may hold."""
        if self.pk is None or self.parent_id is None:
            return
        parent_path = (Organisation.objects.filter(pk=self.parent_id)
                       .values_list("path", flat=True).first() or "")
        if self.parent_id == self.pk or f"/{self.pk}/" in parent_path:
            raise ValidationError({"parent": _(
                "Không thể đặt một tổ chức trực thuộc chính nó hoặc một tổ chức cấp dưới "
                "của nó.")})

    def ancestor_ids(self):
        """This organisation and every organisation above it, read from the path."""
        return [int(part) for part in self.path.strip("/").split("/") if part]

    @property
    def committee(self):
        """The Party committee this organisation works for: an agency (Văn phòng, UBKT)
        serves its parent committee; anything else is its own committee."""
        if self.kind == OrgKind.AGENCY and self.parent_id:
            return self.parent
        return self

    def is_within(self, other):
        return self.path.startswith(other.path)


class Role(models.TextChoices):
    CLERK = "clerk", _("Văn phòng Đảng ủy")
    UBKT = "ubkt", _("Ủy viên Ủy ban kiểm tra")
    BRANCH_SECRETARY = "branch_secretary", _("Bí thư chi bộ")
    LEADER = "leader", _("Lãnh đạo")
    VIEWER = "viewer", _("Chỉ xem")


class RoleAssignment(models.Model):
    """A user holds a role in an organisation, and with it sees that organisation's subtree."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("người dùng"),
                             on_delete=models.CASCADE, related_name="role_assignments")
    organisation = models.ForeignKey(Organisation, verbose_name=_("tổ chức"),
                                     on_delete=models.CASCADE, related_name="role_assignments")
    role = models.CharField(_("vai trò"), max_length=20, choices=Role.choices)
    # Granted to named people, never implied by a role: the law lets only those assigned
    # to receive or resolve a denunciation know who sent it. Written only by
    # casework.services.clearance (one administrator asks, another approves), never by a
    # form, so that nobody can clear themselves in one step.
    identity_clearance = models.BooleanField(
        _("được xem danh tính người tố cáo"), default=False, editable=False,
        help_text=_("Chỉ cấp cho Văn phòng, Ủy viên UBKT hoặc Lãnh đạo được giao tiếp nhận, "
                    "giải quyết tố cáo, qua đề nghị của một quản trị viên và phê duyệt của "
                    "một quản trị viên khác. Mọi lượt xem đều được ghi nhật ký."))

    class Meta:
        verbose_name = _("phân quyền")
        verbose_name_plural = pgettext_lazy("plural", "phân quyền")
        constraints = [models.UniqueConstraint(fields=["user", "organisation", "role"],
                                               name="unique_role_assignment")]

    def __str__(self):
        return f"{self.user} – {self.get_role_display()} – {self.organisation}"

    def clean(self):
        from django.core.exceptions import ValidationError

        from casework.permissions import IDENTITY_CLEARABLE_ROLES

        if self.pk is not None:
            # Editing a cleared assignment's person, organisation or role would hand the
            # clearance to someone no second administrator approved.
            before = RoleAssignment.objects.filter(pk=self.pk, identity_clearance=True).values(
                "user_id", "organisation_id", "role").first()
            if before and before != {"user_id": self.user_id, "role": self.role,
                                     "organisation_id": self.organisation_id}:
                raise ValidationError(_(
                    "Phân quyền này đang được xem danh tính người tố cáo: thu hồi quyền đó "
                    "trước khi đổi người dùng, tổ chức hoặc vai trò."))
        if self.identity_clearance and self.role not in IDENTITY_CLEARABLE_ROLES:
            raise ValidationError({"identity_clearance": _(
                "Vai trò “%(role)s” không được cấp quyền xem danh tính người tố cáo.")
                % {"role": self.get_role_display()}})


def role_paths(user):
    """Paths of the organisations where the user holds any role (`casework.selectors.scope`
    reads them once per request)."""
    from casework.selectors.scope import role_paths as paths

    return paths(user)


class MemberStatus(models.TextChoices):
    FULL = "full", _("Đảng viên chính thức")
    PROBATIONARY = "probationary", _("Đảng viên dự bị")


class Member(models.Model):
    full_name = models.CharField(_("họ và tên"), max_length=150)
    organisation = models.ForeignKey(Organisation, verbose_name=_("chi bộ"),
                                     on_delete=models.PROTECT, related_name="members")
    status = models.CharField(_("loại đảng viên"), max_length=20, choices=MemberStatus.choices,
                              default=MemberStatus.FULL)
    birth_year = models.PositiveSmallIntegerField(_("năm sinh"), null=True, blank=True)

    class Meta:
        verbose_name = _("đảng viên")
        verbose_name_plural = pgettext_lazy("plural", "đảng viên")
        ordering = ["organisation__path", "full_name"]

    def __str__(self):
        return f"{self.full_name} ({self.organisation})"


class OutsideBodyKind(models.TextChoices):
    GOVERNMENT = "government", _("Chính quyền (UBND, HĐND)")
    POLICE = "police", _("Công an")
    COURT = "court", _("Tòa án")
    PROCURACY = "procuracy", _("Viện kiểm sát")
    INSPECTORATE = "inspectorate", _("Thanh tra")
    FRONT = "front", _("Mặt trận Tổ quốc, đoàn thể")
    PARTY = "party", _("Cơ quan đảng ngoài hệ thống")
    OTHER = "other", _("Cơ quan, tổ chức khác")


class OutsideBody(models.Model):
    """A body outside the system that letters are transferred or guided to (UBND xã, Công
    an, Tòa án, …), kept in the admin so that the recipient is chosen, not retyped: one
    name, one spelling, one line in the figures of where letters went."""

    name = models.CharField(_("tên cơ quan, tổ chức"), max_length=255, unique=True)
    kind = models.CharField(_("loại"), max_length=20, choices=OutsideBodyKind.choices,
                            default=OutsideBodyKind.OTHER)
    address = models.CharField(_("địa chỉ"), max_length=255, blank=True)
    # Empty: offered everywhere. Set: offered to that organisation's subtree only (a
    # commune's own UBND is not the next commune's).
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("dùng cho đơn vị"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="outside_bodies",
        help_text=_("Để trống nếu mọi đơn vị đều dùng."))
    active = models.BooleanField(_("đang dùng"), default=True)
    name_key = models.CharField(max_length=255, editable=False, default="", db_index=True)

    class Meta:
        verbose_name = _("cơ quan ngoài hệ thống")
        verbose_name_plural = pgettext_lazy("plural", "cơ quan ngoài hệ thống")
        ordering = ["name"]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        # The typeahead looks bodies up by an accent-free key (casework.search_keys).
        self.name_key = key_for(self.name, 255)
        super().save(*args, **kwargs)
