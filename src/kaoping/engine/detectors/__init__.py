"""Screening detectors behind :func:`kaoping.engine.integrity.detect` (R5, C2 alerts).

Each module holds small pure functions over numpy arrays prepared once by
:func:`~kaoping.engine.detectors.common.prepare`; numpy is imported only when these
modules are, i.e. only when the screening detectors run.

* :mod:`.common` — thresholds (:class:`~.common.Thresholds`), the score columns and the
  consensus (per unit-and-indicator median), robust statistics;
* :mod:`.raters` — ``rater_lenient`` / ``rater_severe``, ``straight_line``,
  ``rater_unknown_target``;
* :mod:`.collusion` — ``mutual_high`` (pairs and rings);
* :mod:`.rotation` — ``rotation``.
"""
