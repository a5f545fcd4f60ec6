"""The shared vocabulary (drugs, conditions, classification standards) from `trialscreen/data/vocabulary.toml`."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources


@dataclass(frozen=True)
class Term:
    name: str
    patterns: tuple[re.Pattern[str], ...]
    classes: tuple[str, ...] = ()
    disease: str = ""

    def found_in(self, text: str) -> bool:
        return self._joined().search(text) is not None

    def _joined(self) -> re.Pattern[str]:
        joined: re.Pattern[str] | None = getattr(self, "_one", None)
        if joined is None:
            joined = re.compile("|".join(f"(?:{p.pattern})" for p in self.patterns), re.IGNORECASE)
            object.__setattr__(self, "_one", joined)
        return joined


@dataclass(frozen=True)
class Vocabulary:
    drugs: tuple[Term, ...]
    conditions: tuple[Term, ...]
    classifications: tuple[Term, ...]
    drug_classes: tuple[Term, ...] = ()
    prednisone_factor: tuple[tuple[str, float], ...] = ()
    diagnoses: tuple[tuple[str, str], ...] = ()  # condition name -> dx fact key

    def drug(self, name: str) -> Term | None:
        return self._by_name().get(name)

    def _by_name(self) -> dict[str, Term]:
        cached: dict[str, Term] | None = getattr(self, "_drug_index", None)
        if cached is None:
            cached = {d.name: d for d in self.drugs}
            object.__setattr__(self, "_drug_index", cached)
        return cached

    def drug_classes_in(self, text: str) -> list[Term]:
        return [c for c in self.drug_classes if c.found_in(text)]

    def members(self, drug_class: str) -> list[Term]:
        return [d for d in self.drugs if drug_class in d.classes]

    def prednisone_equivalent(self, drug: str, mg: float) -> float | None:
        factor = dict(self.prednisone_factor).get(drug)
        return None if factor is None else mg * factor

    def drugs_in(self, text: str) -> list[Term]:
        return [d for d in self.drugs if d.found_in(text)]

    def conditions_in(self, text: str) -> list[Term]:
        return [c for c in self.conditions if c.found_in(text)]

    def diagnosis_key(self, condition: str) -> str:
        """The patient fact key (dx:KEY) for a condition's diagnosis, when the vocabulary names one."""
        return dict(self.diagnoses).get(condition, "")

    def classifications_in(self, text: str) -> list[Term]:
        return [c for c in self.classifications if c.found_in(text)]


def _compile(patterns: list[str]) -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(p, re.IGNORECASE) for p in patterns)


@lru_cache(maxsize=1)
def vocabulary() -> Vocabulary:
    raw = tomllib.loads(resources.files("trialscreen").joinpath("data/vocabulary.toml").read_text("utf-8"))
    return Vocabulary(
        drugs=tuple(Term(d["name"], _compile(d["synonyms"]), tuple(d.get("classes", []))) for d in raw["drug"]),
        conditions=tuple(Term(c["name"], _compile(c["synonyms"])) for c in raw["condition"]),
        classifications=tuple(
            Term(c["name"], _compile(c["patterns"]), disease=c["disease"]) for c in raw["classification"]
        ),
        drug_classes=tuple(Term(c["name"], _compile(c["patterns"])) for c in raw.get("drug_class", [])),
        prednisone_factor=tuple((k, float(v)) for k, v in raw.get("prednisone_equivalent", {}).items()),
        diagnoses=tuple((c["name"], c["dx"]) for c in raw["condition"] if c.get("dx")),
    )
