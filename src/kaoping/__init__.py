"""Kaoping (考评): performance evaluation as a closed loop."""

__version__ = "0.1.0"
