"""Keys of machine clients of the API (casework.api.auth). Only the SHA-256 of a key is
stored: a copy of the database does not give anyone a working key."""
from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ApiToken(models.Model):
    """A key acts as its user: the same roles, subtree and identity clearance, so scope,
    permissions, masking and the identity log need nothing of their own."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="api_tokens", verbose_name=_("tài khoản"))
    name = models.CharField(_("tên, mục đích"), max_length=150)
    # The first characters of the key, shown in lists so a key can be recognised.
    prefix = models.CharField(_("tiền tố"), max_length=12, editable=False)
    key_hash = models.CharField(_("mã băm của khóa"), max_length=64, unique=True,
                                editable=False)
    created_at = models.DateTimeField(_("lúc tạo"), default=timezone.now, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   related_name="+", null=True, editable=False,
                                   verbose_name=_("người tạo"))
    expires_at = models.DateTimeField(_("hết hạn lúc"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("thu hồi lúc"), null=True, blank=True,
                                      editable=False)
    last_used_at = models.DateTimeField(_("dùng gần nhất"), null=True, blank=True,
                                        editable=False)

    class Meta:
        verbose_name = _("khóa API")
        verbose_name_plural = _("khóa API")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.prefix}… ({self.name})"

    def state(self, now=None):
        now = now or timezone.now()
        if self.revoked_at:
            return _("đã thu hồi")
        if self.expires_at and self.expires_at <= now:
            return _("đã hết hạn")
        return _("đang dùng")
