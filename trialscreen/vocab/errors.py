"""Errors of the vocabulary adapters: each names the file or unit and says how to fix it."""

from __future__ import annotations

from trialscreen.errors import TrialscreenError


class VocabularyDataError(TrialscreenError):
    """A vocabulary data file is missing, unreadable or fails its checks."""


class UnknownUnitError(TrialscreenError, ValueError):
    """A unit spelling that neither trialscreen/data/units.toml nor pint knows."""


class UnitMismatchError(TrialscreenError, ValueError):
    """Two units that measure different things (mass per volume vs cells per volume)."""
