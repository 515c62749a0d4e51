"""Typed errors of the engine.

Every error carries a machine-readable ``code`` and a human-readable ``location``
(``scores[17]``, ``sheet 评分 row 19``, ``indicator A2``) so the CLI, the API and the
web forms can all say *which record* is wrong without parsing messages.
"""

from __future__ import annotations


class KaopingError(Exception):
    """Base class of every error the engine raises on purpose.

    Parameters
    ----------
    message : str
        What is wrong, for a person.
    code : str
        Stable identifier of the kind of error (``duplicate_code``, ``unknown_unit`` ...).
    location : str, optional
        Which record: a JSON path, a sheet and row, or a code.

    Examples
    --------
    >>> str(KaopingError("值超出范围", code="out_of_range", location="scores[3]"))
    'scores[3]: 值超出范围'
    """

    default_code = "error"

    def __init__(self, message: str, *, code: str | None = None, location: str | None = None):
        self.message = message
        self.code = code or self.default_code
        self.location = location
        super().__init__(f"{location}: {message}" if location else message)


class BundleError(KaopingError):
    """A campaign bundle (C1) cannot be read or is invalid; nothing may be computed."""

    default_code = "invalid_bundle"


class AHPError(KaopingError):
    """A pairwise comparison matrix is unusable (not square, not positive, not reciprocal)."""

    default_code = "invalid_matrix"


class CalendarError(KaopingError):
    """A date lies outside the years the official calendar knows."""

    default_code = "calendar_out_of_range"
