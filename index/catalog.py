"""The catalog: which trials are indexed (the manifest) and their parsed records, on disk.

A trial counts as indexed only once its manifest entry is written, and the manifest is replaced
atomically. Chunks in Chroma whose version the manifest does not name are leftovers of an
interrupted run: searches ignore them and the next `trialscreen index` removes them.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from index.model import Trial
from trialscreen.config import Settings
from trialscreen.errors import TrialscreenError, UnknownTrialError

MANIFEST_VERSION = 1


def write_atomic(path: Path, data: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@dataclass
class Entry:
    ref: str
    path: str
    source: str
    sha256: str
    version: str
    stem: str
    nct_id: str | None


class Catalog:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._entries: dict[str, Entry] | None = None
        self._trials: dict[str, Trial] = {}
        self._compiled: dict[str, list[Any]] = {}

    # -- manifest ---------------------------------------------------------------------------
    @property
    def entries(self) -> dict[str, Entry]:
        if self._entries is None:
            self._entries = self._load()
        return self._entries

    def _load(self) -> dict[str, Entry]:
        path = self.settings.manifest_path
        if not path.exists():
            return {}
        try:
            raw: dict[str, Any] = json.loads(path.read_text("utf-8"))
            return {ref: Entry(**e) for ref, e in raw.get("trials", {}).items()}
        except (OSError, ValueError, TypeError) as err:
            raise TrialscreenError(
                f"the index manifest {path} is unreadable ({err}); delete {self.settings.data_dir} and "
                "run `trialscreen index` again"
            ) from err

    def save(self) -> None:
        data = {
            "version": MANIFEST_VERSION,
            "trials": {ref: vars(e) for ref, e in sorted(self.entries.items())},
        }
        write_atomic(self.settings.manifest_path, json.dumps(data, indent=1))

    def is_empty(self) -> bool:
        return not self.entries

    # -- trial records ----------------------------------------------------------------------
    def _trial_path(self, ref: str) -> Path:
        return self.settings.trials_dir / f"{ref}.json"

    def _rules_path(self, ref: str) -> Path:
        return self.settings.trials_dir / f"{ref}.rules.json"

    def store_trial(self, trial: Trial, path: Path, version: str, rules: list[dict[str, Any]] | None = None) -> None:
        if rules is not None:
            from eligibility.compiler import COMPILER_VERSION

            payload = {"compiler_version": COMPILER_VERSION, "criteria": rules}
            write_atomic(self._rules_path(trial.ref), json.dumps(payload, ensure_ascii=False))
        write_atomic(self._trial_path(trial.ref), json.dumps(trial.to_dict(), ensure_ascii=False))
        self._trials[trial.ref] = trial
        self.entries[trial.ref] = Entry(
            ref=trial.ref,
            path=str(path.resolve()),
            source=trial.source,
            sha256=trial.content_hash,
            version=version,
            stem=trial.stem,
            nct_id=trial.nct_id,
        )

    def drop(self, ref: str) -> None:
        self.entries.pop(ref, None)
        self._trials.pop(ref, None)
        self._trial_path(ref).unlink(missing_ok=True)
        self._rules_path(ref).unlink(missing_ok=True)

    def compiled(self, ref: str) -> list[Any]:
        """The trial's compiled criteria as stored at index time (compiled anew if the store is older)."""
        from eligibility.compiler import COMPILER_VERSION, CompiledCriterion, compile_trial

        key = self.resolve(ref)
        if key in self._compiled:
            return self._compiled[key]
        trial = self.trial(key)
        compiled: list[Any] | None = None
        try:
            payload = json.loads(self._rules_path(key).read_text("utf-8"))
            if payload.get("compiler_version") == COMPILER_VERSION:
                compiled = [CompiledCriterion.from_dict(c) for c in payload["criteria"]]
        except (OSError, ValueError, KeyError):
            compiled = None
        if compiled is None or len(compiled) != len(trial.criteria):
            compiled = compile_trial(trial)
        self._compiled[key] = compiled
        return compiled

    def resolve(self, ref: str) -> str:
        """The indexed trial a user's reference names: NCT number, file stem or file name."""
        wanted = ref.strip().lower()
        for entry in self.entries.values():
            names = {entry.ref.lower(), entry.stem.lower(), entry.source.lower()}
            if entry.nct_id:
                names.add(entry.nct_id.lower())
            if wanted in names:
                return entry.ref
        known = ", ".join(sorted(self.entries)) or "none: run `trialscreen index PATH` first"
        raise UnknownTrialError(f"no indexed trial {ref!r}; indexed trials: {known}")

    def trial(self, ref: str) -> Trial:
        key = self.resolve(ref)
        if key not in self._trials:
            try:
                data = json.loads(self._trial_path(key).read_text("utf-8"))
            except (OSError, ValueError) as err:
                raise TrialscreenError(
                    f"the stored record of {key} is missing or damaged ({err}); run `trialscreen index` again"
                ) from err
            self._trials[key] = Trial.from_dict(data)
        return self._trials[key]

    def trials(self) -> list[Trial]:
        return [self.trial(ref) for ref in sorted(self.entries)]

    def version_of(self, ref: str) -> str | None:
        entry = self.entries.get(ref)
        return entry.version if entry else None
