"""The catalog: which trials are indexed (the manifest) and their parsed records, on disk.

The manifest is the index's single commit point. A trial version is visible only once the manifest
names it, and the manifest is replaced atomically (`index.storage.write_atomic`). Everything else is
keyed by that version and written before the manifest names it:

- `trials/REF@VERSION.json` and `trials/REF@VERSION.rules.json`: the parsed record and its rules;
- chunks in Chroma whose metadata `key` is `REF@VERSION`.

Readers trust only what the manifest names, so a file or chunk of a version it does not name is a
leftover of an interrupted run: nobody sees it, and the next `trialscreen index` removes it. A reader
holding an older manifest whose record was since replaced re-reads the manifest once and goes on.

The manifest also names the data directory's Chroma collection and its identity (`index_id`), so
data directories that share one Chroma server never share a collection (see `index.store`).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from index.storage import write_atomic
from trialscreen.config import Settings
from trialscreen.errors import StorageError, TrialscreenError, UnknownTrialError
from trialscreen.model import Trial

MANIFEST_VERSION = 2
LEGACY_COLLECTION = "trialscreen_chunks"
KNOWN_SHOWN = 20  # trials an unknown-reference message names  # where manifest version 1 kept every data dir's chunks


@dataclass(frozen=True)
class Entry:
    ref: str
    path: str  # the absolute path of the file it was indexed from
    source: str  # that file's name
    sha256: str  # of that file's bytes (a table of trials: the whole table)
    version: str
    stem: str
    nct_id: str | None
    chunks: int  # how many chunks of this version the store holds
    content_sha256: str = ""  # of the trial's own text (a table's row); "" in older manifests: the file's

    @property
    def content(self) -> str:
        """The hash the version is keyed by: the trial's own text."""
        return self.content_sha256 or self.sha256

    @property
    def key(self) -> str:
        """What ties the record, the rules and the chunks of this trial version together."""
        return version_key(self.ref, self.version)


def version_key(ref: str, version: str) -> str:
    return f"{ref}@{version}"


@dataclass(frozen=True)
class _State:
    entries: dict[str, Entry]
    index_id: str
    collection: str
    exists: bool  # a manifest of this version is on disk
    outdated: bool  # a manifest of an older format is on disk: the index must be rebuilt


class Catalog:
    def __init__(self, settings: Settings) -> None:
        self._base = settings
        self._state: _State | None = None
        self._trials: dict[str, Trial] = {}

    # -- manifest ---------------------------------------------------------------------------
    @property
    def _manifest(self) -> _State:
        if self._state is None:
            self._state = self._load()
        return self._state

    def reload(self) -> None:
        """Forget what was read: the next access reads the manifest as it is on disk now."""
        self._state = None
        self._trials.clear()

    def _planned(self, outdated: bool = False) -> _State:
        index_id = uuid.uuid4().hex
        name = self._base.index_name or index_id[:12]
        return _State({}, index_id, self._base.collection or f"trialscreen-{name}", False, outdated)

    def _load(self) -> _State:
        path = self._base.manifest_path
        try:
            text = path.read_text("utf-8")
        except FileNotFoundError:
            return self._planned()
        except OSError as err:
            raise StorageError(
                f"cannot read the index manifest {path} ({err.strerror or err}); check that the data directory "
                "is readable"
            ) from err
        try:
            raw: dict[str, Any] = json.loads(text)
            if raw.get("version") != MANIFEST_VERSION:
                return self._planned(outdated=True)
            entries = {ref: Entry(**e) for ref, e in raw["trials"].items()}
            state = _State(entries, str(raw["index_id"]), str(raw["collection"]), True, False)
        except (ValueError, TypeError, KeyError, AttributeError) as err:
            raise TrialscreenError(
                f"the index manifest {path} is damaged ({type(err).__name__}: {err}); it is only ever replaced "
                f"whole, so something else wrote it: delete {self._base.data_dir} and run `trialscreen index` again"
            ) from err
        wanted = self._base.index_name
        if wanted and state.collection != f"trialscreen-{wanted}":
            if not state.entries:  # nothing indexed yet: the data dir may still take another name
                return replace(state, collection=f"trialscreen-{wanted}")
            raise TrialscreenError(
                f"the data dir {self._base.data_dir} holds the index in collection {state.collection!r}, not "
                f"'trialscreen-{wanted}'; leave out --index, or use another --data-dir for the index {wanted!r}"
            )
        return state

    @property
    def settings(self) -> Settings:
        """The settings, with the Chroma collection this data directory's manifest names."""
        return replace(self._base, collection=self._manifest.collection)

    @property
    def collection_name(self) -> str:
        return self._manifest.collection

    @property
    def index_id(self) -> str:
        return self._manifest.index_id

    @property
    def exists(self) -> bool:
        return self._manifest.exists

    @property
    def outdated(self) -> bool:
        """The data directory holds an index written by an older trialscreen (it is rebuilt on the next run)."""
        return self._manifest.outdated

    @property
    def entries(self) -> Mapping[str, Entry]:
        return self._manifest.entries

    def is_empty(self) -> bool:
        return not self.entries

    def committed_keys(self) -> set[str]:
        return {e.key for e in self.entries.values()}

    def committed_chunks(self) -> int:
        return sum(e.chunks for e in self.entries.values())

    def commit(self, updates: Mapping[str, Entry | None], before_replace: Callable[[], None] | None = None) -> None:
        """Make `updates` visible at once (None drops a trial): the manifest is rewritten atomically.

        Only the writer calls this, holding the data directory's lock (`index.lock`).
        """
        state = self._manifest
        entries = dict(state.entries)
        for ref, entry in updates.items():
            if entry is None:
                entries.pop(ref, None)
            else:
                entries[ref] = entry
        data = {
            "version": MANIFEST_VERSION,
            "index_id": state.index_id,
            "collection": state.collection,
            "trials": {ref: asdict(e) for ref, e in sorted(entries.items())},
        }
        write_atomic(self._base.manifest_path, json.dumps(data, indent=1), before_replace)
        self._state = replace(state, entries=entries, exists=True, outdated=False)
        for ref in updates:
            self._trials.pop(ref, None)

    # -- trial records ----------------------------------------------------------------------
    def record_paths(self, ref: str, version: str) -> tuple[Path, Path]:
        """Where a trial version's parsed record and compiled rules are stored."""
        base = self._base.trials_dir / version_key(ref, version)
        return base.with_name(base.name + ".json"), base.with_name(base.name + ".rules.json")

    def committed_files(self) -> set[Path]:
        return {p for e in self.entries.values() for p in self.record_paths(e.ref, e.version)}

    def write_records(
        self, trial: Trial, version: str, rules: list[dict[str, Any]] | None, compiler_version: str = ""
    ) -> None:
        """Store a trial version's record and rules; nobody sees them until `commit` names the version."""
        trial_path, rules_path = self.record_paths(trial.ref, version)
        payload = {"compiler_version": compiler_version, "criteria": rules}
        write_atomic(rules_path, json.dumps(payload, ensure_ascii=False))
        write_atomic(trial_path, json.dumps(trial.to_dict(), ensure_ascii=False))

    def _read(self, key: str, which: int) -> Any:
        """A committed record file of trial `key` (0: record, 1: rules), following a newer manifest if need be."""
        for attempt in (0, 1):
            entry = self.entries.get(key)
            if entry is None:
                break
            try:
                return json.loads(self.record_paths(key, entry.version)[which].read_text("utf-8"))
            except FileNotFoundError:
                if attempt == 0:  # replaced by an index run since this manifest was read: read it again
                    self.reload()
                    continue
                raise
        raise UnknownTrialError(f"the trial {key} was removed from the index while it was being read; try again")

    def rules(self, ref: str) -> tuple[str, list[dict[str, Any]] | None]:
        """The rules stored beside a trial at index time, as written: (compiler version, criteria)."""
        key = self.resolve(ref)
        try:
            payload = self._read(key, 1)
            return str(payload.get("compiler_version", "")), payload.get("criteria")
        except (OSError, ValueError, AttributeError):
            return "", None

    def resolve(self, ref: str) -> str:
        """The indexed trial a user's reference names: NCT number, file stem or file name."""
        wanted = ref.strip().lower()
        by_file: list[str] = []
        for entry in self.entries.values():
            if wanted == entry.ref.lower() or (entry.nct_id and wanted == entry.nct_id.lower()):
                return entry.ref
            if wanted in (entry.stem.lower(), entry.source.lower()):
                by_file.append(entry.ref)
        if len(by_file) == 1:
            return by_file[0]
        if by_file:
            some = ", ".join(sorted(by_file)[:5])
            raise UnknownTrialError(
                f"{ref!r} is a file of {len(by_file)} indexed trials ({some}, ...); name one by its NCT number"
            )
        refs = sorted(self.entries)
        known = ", ".join(refs[:KNOWN_SHOWN]) or "none: run `trialscreen index PATH` first"
        if len(refs) > KNOWN_SHOWN:  # a table of trials indexes thousands: name some, say how to list all
            known += f", ... ({len(refs)} in all: `trialscreen trials` lists them)"
        raise UnknownTrialError(f"no indexed trial {ref!r}; indexed trials: {known}")

    def trial(self, ref: str) -> Trial:
        key = self.resolve(ref)
        if key not in self._trials:
            try:
                data = self._read(key, 0)
                self._trials[key] = Trial.from_dict(data)
            except (OSError, ValueError, TypeError) as err:
                raise TrialscreenError(
                    f"the stored record of {key} is missing or damaged ({err}); run `trialscreen index` on its "
                    "file again"
                ) from err
        return self._trials[key]

    def trials(self) -> list[Trial]:
        return [self.trial(ref) for ref in sorted(self.entries)]

    def version_of(self, ref: str) -> str | None:
        entry = self.entries.get(ref)
        return entry.version if entry else None
