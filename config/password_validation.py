"""Password rules (AUTH_PASSWORD_VALIDATORS), with messages in Vietnamese.

Django's own validators do the checking; these subclasses only give their messages and
help texts in Vietnamese (msgids, translated to English in locale/ like every other
message), since Django's Vietnamese catalogue lacks some of them. One rule is ours:
CharacterClassesValidator.
"""
from django.contrib.auth import password_validation as django_validation
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext


class MinimumLengthValidator(django_validation.MinimumLengthValidator):
    def get_error_message(self):
        return ngettext(
            "Mật khẩu quá ngắn: cần ít nhất %(min_length)d ký tự.",
            "Mật khẩu quá ngắn: cần ít nhất %(min_length)d ký tự.",
            self.min_length,
        ) % {"min_length": self.min_length}

    def get_help_text(self):
        return ngettext(
            "Mật khẩu phải có ít nhất %(min_length)d ký tự.",
            "Mật khẩu phải có ít nhất %(min_length)d ký tự.",
            self.min_length,
        ) % {"min_length": self.min_length}


class UserAttributeSimilarityValidator(django_validation.UserAttributeSimilarityValidator):
    def validate(self, password, user=None):
        try:
            super().validate(password, user)
        except ValidationError as error:
            # Django's Vietnamese field names start with a capital ("Tên đăng nhập"),
            # which reads wrongly in the middle of the sentence.
            error.params["verbose_name"] = error.params["verbose_name"].lower()
            raise

    def get_error_message(self):
        return _("Mật khẩu quá giống %(verbose_name)s.")

    def get_help_text(self):
        return _("Mật khẩu không được giống tên đăng nhập, họ tên hay thư điện tử của bạn.")


class CommonPasswordValidator(django_validation.CommonPasswordValidator):
    def get_error_message(self):
        return _("Mật khẩu này quá phổ biến, dễ bị đoán ra.")

    def get_help_text(self):
        return _("Mật khẩu không được là mật khẩu phổ biến.")


class NumericPasswordValidator(django_validation.NumericPasswordValidator):
    def get_error_message(self):
        return _("Mật khẩu không được chỉ gồm chữ số.")

    def get_help_text(self):
        return _("Mật khẩu không được chỉ gồm chữ số.")


class CharacterClassesValidator:
    """At least `min_classes` of the four kinds of character: lower case, upper case,
    digits, symbols (anything else, space included).

    Length does most of the work; mixing kinds keeps a 12-character password from being
    one dictionary word in lower case, which guessing tries first. Letters with Vietnamese
    diacritics count as letters of their case.
    """

    def __init__(self, min_classes=3):
        self.min_classes = min_classes

    def validate(self, password, user=None):
        kinds = (
            any(c.islower() for c in password),
            any(c.isupper() for c in password),
            any(c.isdigit() for c in password),
            any(not c.isalnum() for c in password),
        )
        if sum(kinds) < self.min_classes:
            raise ValidationError(
                _("Mật khẩu phải có ít nhất %(min_classes)d trong 4 loại ký tự: chữ thường, "
                  "chữ hoa, chữ số, ký hiệu (ví dụ @ # - !)."),
                code="password_too_simple",
                params={"min_classes": self.min_classes},
            )

    def get_help_text(self):
        return _("Mật khẩu phải có ít nhất %(min_classes)d trong 4 loại ký tự: chữ thường, "
                 "chữ hoa, chữ số, ký hiệu.") % {"min_classes": self.min_classes}
