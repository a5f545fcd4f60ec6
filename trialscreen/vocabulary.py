"""The shared vocabulary (drugs, conditions, classification standards) from `trialscreen/data/vocabulary.toml`.

Our table (canonical drug names, their classes, prednisone equivalents) is the layer on top of the
packages' vocabularies (`trialscreen.vocab`): each of our drugs also answers to every name
`drug-named-entity-recognition` lists for it ("Benlysta", "Deltasone", "ciclosporin") and to the drug
abbreviations of `trialscreen/data/abbreviations.toml` ("RTX", "AZA"). `drugs_in(text, unknown=True)`
also returns drugs the package knows and our table does not, with no class.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from trialscreen.errors import TrialscreenError
from trialscreen.vocab import abbreviations as vocab_abbreviations
from trialscreen.vocab import drugs as vocab_drugs
from trialscreen.vocab.phrases import Normaliser, PhraseIndex, trie_pattern

_PLAIN = re.compile(r"[a-z0-9][a-z0-9 \-]*[a-z0-9]")  # a regex that is just a name


@dataclass(frozen=True)
class Term:
    name: str
    patterns: tuple[re.Pattern[str], ...]
    classes: tuple[str, ...] = ()
    disease: str = ""
    # The package's names for this drug (lower case). When set, the last pattern reads them too, for
    # callers that walk `patterns`; `found_in` looks them up in a word trie instead (much faster).
    names: tuple[str, ...] = ()
    # A drug class's neighbours that some trials count inside it (vocabulary.toml `may_include`).
    may_include: tuple[str, ...] = ()

    def found_in(self, text: str) -> bool:
        return self._joined().search(text) is not None or (bool(self.names) and self.name in _named_in(text))

    def _joined(self) -> re.Pattern[str]:
        joined: re.Pattern[str] | None = getattr(self, "_one", None)
        if joined is None:
            own = self.patterns[:-1] if self.names else self.patterns
            parts = [f"(?:{p.pattern})" if p.flags & re.IGNORECASE else f"(?-i:{p.pattern})" for p in own]
            joined = re.compile("|".join(parts), re.IGNORECASE)
            object.__setattr__(self, "_one", joined)
        return joined


@lru_cache(maxsize=1)
def _names_index() -> PhraseIndex[str]:
    index: PhraseIndex[str] = PhraseIndex(Normaliser())
    for d in vocabulary().drugs:
        for n in d.names:
            index.add(n, d.name)
    return index


@lru_cache(maxsize=1024)
def _named_in(text: str) -> frozenset[str]:
    """Our drugs that `text` names by one of the package's names for them."""
    return frozenset(v for hit in _names_index().find(text) for v in hit.values)


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

    def may_include(self, drug_class: str) -> tuple[str, ...]:
        """The classes some trials count inside `drug_class` (steroids as immunosuppressants)."""
        return next((c.may_include for c in self.drug_classes if c.name == drug_class), ())

    def prednisone_equivalent(self, drug: str, mg: float) -> float | None:
        factor = dict(self.prednisone_factor).get(drug)
        return None if factor is None else mg * factor

    def drugs_in(self, text: str, unknown: bool = False) -> list[Term]:
        """Our drugs named in `text` (by any name); with `unknown`, also the package's other drugs, classless."""
        ours = [d for d in self.drugs if d.found_in(text)]
        if not unknown:
            return ours
        names = {d.name for d in ours}
        extra: dict[str, Term] = {}
        for mention in vocab_drugs.drugs_in(text):
            if any(d.found_in(mention.text) for d in ours):
                continue  # one of ours, by a name our patterns already read
            name = mention.names[0]
            if name not in names and name not in extra:
                extra[name] = Term(name, (re.compile(rf"\b{re.escape(mention.text)}\b", re.IGNORECASE),))
        return ours + list(extra.values())

    def conditions_in(self, text: str) -> list[Term]:
        return [c for c in self.conditions if c.found_in(text)]

    def diagnosis_key(self, condition: str) -> str:
        """The patient fact key (dx:KEY) for a condition's diagnosis, when the vocabulary names one."""
        return dict(self.diagnoses).get(condition, "")

    def classifications_in(self, text: str) -> list[Term]:
        return [c for c in self.classifications if c.found_in(text)]


def _compile(patterns: list[str]) -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(p, re.IGNORECASE) for p in patterns)


def _names_of_ours(drugs: tuple[Term, ...], classes: tuple[Term, ...]) -> tuple[Term, ...]:
    """Our drugs, each with the package's names for it and our drug abbreviations added as one more pattern.

    A package drug is one of ours when our name or a plain synonym of ours is one of its names
    ("cellcept" -> mycophenolate); a name that another of our drugs' patterns reads is left out.
    """
    catalogue = vocab_drugs.drug_names()
    plain = {
        d.name: {d.name.lower()} | {p.pattern.lower() for p in d.patterns if _PLAIN.fullmatch(p.pattern)} for d in drugs
    }
    found = catalogue.canonicals_for(set().union(*plain.values()))
    claims: dict[str, set[str]] = {}
    for d in drugs:
        for canonical in set().union(*(found.get(n, set()) for n in plain[d.name])):
            claims.setdefault(canonical, set()).add(d.name)
    extra: dict[str, set[str]] = {d.name: set() for d in drugs}
    for canonical, owners in claims.items():
        if len(owners) == 1:
            extra[next(iter(owners))].update(n for n in catalogue.names_of.get(canonical, ()) if _PLAIN.fullmatch(n))
    by_abbreviation: dict[str, list[str]] = {}
    for a in vocab_abbreviations.abbreviations().data.abbreviation:
        if a.drug:
            by_abbreviation.setdefault(a.drug, []).append(a.short if a.case == "exact" else f"(?i:{a.short})")
    unknown = set(by_abbreviation) - {d.name for d in drugs}
    if unknown:
        raise TrialscreenError(
            f"trialscreen/data/abbreviations.toml names drugs not in trialscreen/data/vocabulary.toml: "
            f"{sorted(unknown)}; use a canonical name from vocabulary.toml"
        )
    out = []
    for d in drugs:
        names = sorted(
            n
            for n in extra[d.name]
            if vocab_drugs.searchable(n)
            and not any(o.found_in(n) for o in drugs)
            and not any(c.found_in(n) for c in classes)  # "anti-tumor necrosis factor" is a class, not one drug
        )
        patterns = list(d.patterns)
        if d.name in by_abbreviation:
            body = "|".join(s if s.startswith("(?i:") else re.escape(s) for s in by_abbreviation[d.name])
            patterns.append(re.compile(rf"(?<![\w/\-])(?:{body})(?![\w\-])"))
        if names:
            patterns.append(re.compile(r"\b(?:" + trie_pattern(names) + r")\b", re.IGNORECASE))
        out.append(Term(d.name, tuple(patterns), d.classes, d.disease, tuple(names)))
    return tuple(out)


@lru_cache(maxsize=1)
def vocabulary() -> Vocabulary:
    raw = tomllib.loads(resources.files("trialscreen").joinpath("data/vocabulary.toml").read_text("utf-8"))
    ours = tuple(Term(d["name"], _compile(d["synonyms"]), tuple(d.get("classes", []))) for d in raw["drug"])
    drug_classes = tuple(
        Term(c["name"], _compile(c["patterns"]), may_include=tuple(c.get("may_include", [])))
        for c in raw.get("drug_class", [])
    )
    known = {c.name for c in drug_classes}
    unknown = sorted({n for c in drug_classes for n in c.may_include} - known)
    if unknown:
        raise TrialscreenError(
            f"trialscreen/data/vocabulary.toml: may_include names {unknown}, which no [[drug_class]] defines; "
            "use a class name from that file"
        )
    return Vocabulary(
        drugs=_names_of_ours(ours, drug_classes),
        conditions=tuple(Term(c["name"], _compile(c["synonyms"])) for c in raw["condition"]),
        classifications=tuple(
            Term(c["name"], _compile(c["patterns"]), disease=c["disease"]) for c in raw["classification"]
        ),
        drug_classes=drug_classes,
        prednisone_factor=tuple((k, float(v)) for k, v in raw.get("prednisone_equivalent", {}).items()),
        diagnoses=tuple((c["name"], c["dx"]) for c in raw["condition"] if c.get("dx")),
    )
