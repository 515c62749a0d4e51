"""Password rules of 等保三级 (R10.3) beyond Django's own validators.

Django already checks the length (``MinimumLengthValidator``, 10; :class:`LengthValidator`
gives its message in Chinese), similarity to the
user's name (``UserAttributeSimilarityValidator``) and the list of common passwords
(``CommonPasswordValidator``); :class:`CharacterClassesValidator` adds "at least three
of upper case, lower case, digits and symbols".
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.password_validation import MinimumLengthValidator
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

CLASSES = (
    ("upper", str.isupper),
    ("lower", str.islower),
    ("digit", str.isdigit),
    ("symbol", lambda c: not c.isalnum() and not c.isspace()),
)


def character_classes(password: str) -> set[str]:
    """Which of upper/lower/digit/symbol occur in ``password``.

    >>> sorted(character_classes("abcDEF123"))
    ['digit', 'lower', 'upper']
    """
    found: set[str] = set()
    for char in password:
        for name, test in CLASSES:
            if name not in found and char.isascii() and test(char):
                found.add(name)
        if not char.isascii() and not char.isspace():
            found.add("symbol")  # any other script counts as a symbol
    return found


class CharacterClassesValidator:
    """Require ``min_classes`` (default 3) of the four character classes."""

    def __init__(self, min_classes: int = 3) -> None:
        self.min_classes = min_classes

    def validate(self, password: str, user: Any = None) -> None:
        if len(character_classes(password)) < self.min_classes:
            raise ValidationError(
                _("密码须至少包含大写字母、小写字母、数字、符号中的 %(n)d 类。") % {"n": self.min_classes},
                code="password_too_simple",
            )

    def get_help_text(self) -> str:
        return _("至少包含大写字母、小写字母、数字、符号中的 %(n)d 类。") % {"n": self.min_classes}


class LengthValidator(MinimumLengthValidator):
    """Django's minimum length, with its message in Chinese.

    Django 5.2 changed this message's text and its Chinese catalogue has not caught
    up, so the stock validator would answer in English.
    """

    def get_error_message(self) -> str:
        return _("密码长度太短，至少需要 %(n)d 个字符。") % {"n": self.min_length}

    def get_help_text(self) -> str:
        return _("至少 %(n)d 个字符。") % {"n": self.min_length}
