"""Thresholds of the screening detectors, read from the bundle's ``scoring.integrity``.

The table of keys, defaults and meanings is in :mod:`kaoping.engine.integrity`.
This module does not import numpy.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

from ..errors import BundleError

#: alert kinds of the screening detectors, in the order their alerts are listed
SCREENING_KINDS: tuple[str, ...] = (
    "rater_lenient", "rater_severe", "straight_line", "rater_unknown_target",
    "mutual_high", "rotation",
)


@dataclass(frozen=True, slots=True)
class Thresholds:
    """Every configurable threshold of the screening detectors, with its default.

    Examples
    --------
    >>> Thresholds.from_options({"integrity": {"lenient_z": 2.5}}).lenient_z
    2.5
    >>> Thresholds().mutual_points
    6.0
    """

    # consensus and rater deviation (rater_lenient / rater_severe)
    min_cell: int = 3
    min_scores: int = 20
    min_units: int = 5
    lenient_z: float = 4.0
    severe_z: float = 4.0
    bias_points: float = 5.0
    # straight_line
    straight_share: float = 0.9
    straight_tolerance: float = 5.0
    straight_sd_ratio: float = 0.35
    # mutual_high (pairs and rings)
    mutual_points: float = 6.0
    mutual_edge_z: float = 1.0
    ring_edge_z: float = 1.5
    mutual_alpha: float = 0.005
    mutual_min_scores: int = 3
    ring_max: int = 4
    # rotation
    rotation_min_periods: int = 4
    rotation_max_holders: int = 4
    rotation_off_rank: int = 5
    # rater_unknown_target
    unknown_ratio: float = 1.5
    unknown_extra: int = 5
    unknown_z: float = 3.5
    #: alert kinds not to screen for
    disabled: tuple[str, ...] = ()

    @classmethod
    def from_options(cls, options: Mapping[str, Any]) -> Thresholds:
        """Read ``options["integrity"]`` (the bundle's ``scoring.integrity``).

        Raises
        ------
        BundleError
            For an unknown key, a value of the wrong type, or a value out of range,
            naming ``scoring.integrity.<key>``.
        """
        raw = options.get("integrity")
        if raw is None:
            return cls()
        if not isinstance(raw, Mapping):
            raise BundleError("应为对象（阈值名: 数值）", code="wrong_type", location="scoring.integrity")
        known = {f.name: f for f in fields(cls)}
        values: dict[str, Any] = {}
        for key, value in raw.items():
            where = f"scoring.integrity.{key}"
            if key not in known:
                raise BundleError(
                    f"未知的阈值 {key}（可用：{'、'.join(known)}）", code="bad_parameter", location=where,
                )
            default = getattr(cls(), key)
            if key == "disabled":
                if not isinstance(value, list) or not all(v in SCREENING_KINDS for v in value):
                    raise BundleError(
                        f"应为预警类型列表（可用：{'、'.join(SCREENING_KINDS)}）",
                        code="bad_parameter", location=where,
                    )
                values[key] = tuple(value)
                continue
            if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
                raise BundleError(f"应为数值，实际为 {value!r}", code="not_a_number", location=where)
            if isinstance(default, int) and value != int(value):
                raise BundleError(f"应为整数，实际为 {value!r}", code="bad_parameter", location=where)
            if value < 0 or (key in _POSITIVE and value == 0):
                raise BundleError(f"应为正数，实际为 {value!r}", code="bad_parameter", location=where)
            if key in _SHARES and value > 1:
                raise BundleError(f"应在 0 与 1 之间，实际为 {value!r}", code="bad_parameter", location=where)
            values[key] = int(value) if isinstance(default, int) else float(value)
        return cls(**values)

    def enabled(self, kind: str) -> bool:
        return kind not in self.disabled


_POSITIVE = {
    "min_cell", "min_scores", "min_units", "lenient_z", "severe_z", "straight_share",
    "straight_sd_ratio", "mutual_alpha", "mutual_min_scores", "ring_max", "ring_edge_z", "rotation_min_periods",
    "rotation_max_holders", "rotation_off_rank", "unknown_ratio", "unknown_z",
}
_SHARES = {"straight_share", "mutual_alpha"}
