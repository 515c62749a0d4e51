"""Signed addresses that open a rating page without a log-in.

A transaction's rating link (QR code or SMS) carries its id signed; a window's terminal
(kiosk) address carries the hall and window codes signed, with the key's version once
the office has withdrawn one (:func:`~kaoping.ratings.services.kiosk_key_rotate`).
Nobody can rate a transaction or from a terminal without the address they were given.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from django.core import signing
from django.urls import reverse

LINK_SALT = "kaoping.ratings.link"
KIOSK_SALT = "kaoping.ratings.kiosk"
#: longest signed value read; a longer one is refused unread
TOKEN_MAX = 400


def _unsign(token: str, salt: str) -> Any:
    """The value ``token`` stands for; None when it was changed, made up or too long."""
    if not token or len(token) > TOKEN_MAX:
        return None
    try:
        return signing.Signer(salt=salt).unsign_object(token)
    except (signing.BadSignature, ValueError, UnicodeDecodeError):
        return None


def link_token(external_id: str) -> str:
    """The signed token of a transaction's rating link (QR code or SMS)."""
    return signing.Signer(salt=LINK_SALT).sign_object(external_id)


def link_external_id(token: str) -> str | None:
    """The transaction id a token stands for; None when it was changed or made up."""
    value = _unsign(token, LINK_SALT)
    return value if isinstance(value, str) else None


def rating_path(external_id: str, *, via: str | None = None) -> str:
    """The mobile rating page of a transaction (``via``: the channel it was reached by)."""
    path = reverse("ratings:rate", args=[link_token(external_id)])
    return f"{path}?c={via}" if via else path


def _kiosk_value(hall_code: str, window_code: str, version: int) -> list[Any]:
    return [hall_code, window_code] + ([version] if version > 1 else [])


def kiosk_key(hall_code: str, window_code: str, version: int = 1) -> str:
    """The terminal key of one window's kiosk.

    The kiosk page is public (the terminal has no log-in) but opens only with its key
    (``?k=``), which the office gives out on the window's page; without it anyone who
    knew a window's address could rate from anywhere.
    """
    return signing.Signer(salt=KIOSK_SALT).sign_object(_kiosk_value(hall_code, window_code, version))


def kiosk_key_valid(key: str, hall_code: str, window_code: str, version: int = 1) -> bool:
    """True when ``key`` is the current terminal key of this hall's window (and unchanged)."""
    return _unsign(key, KIOSK_SALT) == _kiosk_value(hall_code, window_code, version)


def kiosk_address(hall_code: str, window_code: str, key: str) -> str:
    return f"{reverse('ratings:kiosk', args=[hall_code, window_code])}?k={quote(key, safe=':')}"


def kiosk_path(hall_code: str, window_code: str, version: int = 1) -> str:
    """The address to open on a window's terminal (with its key)."""
    return kiosk_address(hall_code, window_code, kiosk_key(hall_code, window_code, version))
