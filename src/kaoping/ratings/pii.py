"""Personal data of applicants and raters (R10.2): hashed, masked, sealed.

* :func:`phone_hash` — keyed HMAC-SHA256 of the normalised number: equal numbers give
  equal hashes (to notice one phone rating many times) and nobody without the key can
  test a guess;
* :func:`mask_phone` / :func:`mask_name` — what screens and exports show;
* :func:`seal` / :func:`unseal` — the number encrypted and authenticated at rest, for
  the call-back a bad rating needs. Built from HMAC-SHA256 only (the standard library
  has no block cipher): a keystream ``HMAC(k_enc, nonce ‖ counter)`` XORed with the
  text, then ``HMAC(k_mac, nonce ‖ ciphertext)`` as the tag (encrypt-then-MAC with a
  PRF in counter mode). Keys come from ``KAOPING_PII_KEY``, else from the secret key.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
import secrets
from functools import cache

from django.conf import settings

from kaoping.engine.errors import KaopingError

NONCE, TAG = 16, 16
_DIGITS = re.compile(r"[\s\-()（）]")


class PIIError(KaopingError):
    default_code = "invalid_phone"


@cache
def _keys() -> tuple[bytes, bytes, bytes]:
    master = (os.environ.get("KAOPING_PII_KEY") or settings.SECRET_KEY).encode()
    derive = lambda label: hmac.new(master, b"kaoping-pii:" + label, hashlib.sha256).digest()  # noqa: E731
    return derive(b"hash"), derive(b"enc"), derive(b"mac")


def phone_normalize(phone: str) -> str:
    """Digits only, without a +86 / 0086 prefix; refuses what is not a phone number.

    >>> phone_normalize("+86 138-0013-8000")
    '13800138000'
    """
    text = _DIGITS.sub("", str(phone or ""))
    if text.startswith("+86"):
        text = text[3:]
    elif text.startswith("0086"):
        text = text[4:]
    if not text.isdigit() or not 7 <= len(text) <= 12:
        raise PIIError("手机号格式不正确（应为 7–12 位数字）", location="phone")
    return text


def phone_hash(phone: str) -> str:
    return hmac.new(_keys()[0], phone_normalize(phone).encode(), hashlib.sha256).hexdigest()


def mask_phone(phone: str) -> str:
    """``13800138000`` → ``138****8000``; shorter numbers keep only their last 4 digits."""
    digits = phone_normalize(phone)
    if len(digits) == 11:
        return f"{digits[:3]}****{digits[-4:]}"
    return "*" * (len(digits) - 4) + digits[-4:]


def mask_name(name: str) -> str:
    """``张三`` → ``张*``, ``欧阳小明`` → ``欧***``."""
    name = (name or "").strip()
    return name[:1] + "*" * max(1, len(name) - 1) if name else ""


def _stream(key: bytes, nonce: bytes, length: int) -> bytes:
    out = bytearray()
    counter = 0
    while len(out) < length:
        out += hmac.new(key, nonce + counter.to_bytes(4, "big"), hashlib.sha256).digest()
        counter += 1
    return bytes(out[:length])


def seal(text: str) -> str:
    """Encrypt and authenticate ``text`` (an empty text stays empty)."""
    if not text:
        return ""
    _, k_enc, k_mac = _keys()
    data = text.encode()
    nonce = secrets.token_bytes(NONCE)
    cipher = bytes(a ^ b for a, b in zip(data, _stream(k_enc, nonce, len(data)), strict=True))
    tag = hmac.new(k_mac, nonce + cipher, hashlib.sha256).digest()[:TAG]
    return base64.urlsafe_b64encode(nonce + cipher + tag).decode()


def unseal(token: str) -> str:
    """The text :func:`seal` encrypted; a changed or foreign token raises :class:`PIIError`."""
    if not token:
        return ""
    _, k_enc, k_mac = _keys()
    try:
        raw = base64.urlsafe_b64decode(token.encode())
    except ValueError:
        raise PIIError("加密数据已损坏", code="sealed_corrupt") from None
    nonce, cipher, tag = raw[:NONCE], raw[NONCE:-TAG], raw[-TAG:]
    if len(raw) < NONCE + TAG or not hmac.compare_digest(
            hmac.new(k_mac, nonce + cipher, hashlib.sha256).digest()[:TAG], tag):
        raise PIIError("加密数据已损坏或密钥不符", code="sealed_corrupt")
    return bytes(a ^ b for a, b in zip(cipher, _stream(k_enc, nonce, len(cipher)), strict=True)).decode()
