"""Every criterion gets a reading, and nothing is dropped silently.

A rule that leaves a number, comparison or time span of its criterion unused is "partly understood":
it never makes anyone eligible. A criterion no rule reads is asked in its own words, or goes to the
study team when it needs a test result. `trialscreen rules REF` shows each reading in plain words, and
`screen --json` carries it as `reading`.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from eligibility.compiler import compile_trial
from eligibility.engine import screen
from eligibility.extract import read_patient
from eligibility.fallback import load_rules, question_for_text, team_reason
from eligibility.quantities import load_grammar, quantities, unused
from eligibility.reading import Mode
from index.readers import parse_document
from index.textio import RawDocument
from tests.conftest import BUNDLED, FakeEmbeddings, use_embedder
from trialscreen import cli
from trialscreen.errors import TrialscreenError
from trialscreen.keys import Decision

TODAY = date(2026, 11, 1)
LUPUS = Path(__file__).resolve().parents[2] / "shared" / "data" / "external" / "lupus"


def trial_of(inclusion: list[str], exclusion: list[str]):  # type: ignore[no-untyped-def]
    body = "NCT09999999\n\nEligibility\n\nInclusion Criteria:\n\n"
    body += "".join(f"- {c}\n" for c in inclusion)
    body += "\nExclusion Criteria:\n\n" + "".join(f"- {c}\n" for c in exclusion)
    trial = parse_document(RawDocument(path=Path("NCT09999999.txt"), text=body, sha256="x"))
    return trial, compile_trial(trial)


# -- the quantities of a criterion ------------------------------------------------------------------

COMPARATORS = ["more than", "less than", "at least", ">", "<", "≥", "≤", ">=", "<=", "up to", "no more than"]
UNITS = ["mg/day", "mg/dL", "g/dL", "kg", "mmHg", "%", "months", "weeks", "days", "years"]


@settings(max_examples=150, deadline=None)
@given(
    lead=st.sampled_from(["Current use of", "Treatment with", "Serum level", "History of infection", "Dose"]),
    op=st.sampled_from(COMPARATORS),
    value=st.one_of(st.integers(1, 5000), st.floats(0.1, 999, allow_nan=False).map(lambda x: round(x, 1))),
    unit=st.sampled_from(UNITS),
)
def test_every_stated_quantity_is_found_with_its_value(lead: str, op: str, value: float, unit: str) -> None:
    text = f"{lead} {op} {value:g} {unit} of the study drug"
    found = quantities(text)
    assert [q.value for q in found] == [pytest.approx(float(f"{value:g}"))]
    assert found[0].text.startswith(op) and unit.split("/")[0] in found[0].text
    assert unused(text, set()) == [found[0].text]  # a rule that keeps no number leaves it unused
    assert unused(text, {float(f"{value:g}")}) == []  # one that keeps it uses it


@pytest.mark.parametrize(
    "text",
    [
        "Fulfils the 1997 ACR classification criteria for SLE",
        "Received a COVID-19 vaccine",
        "Prior treatment with anti-CD20 or IL-2 therapy",
        "Neutrophils below 1.5 x 10^9/L",
        "Type 2 diabetes",
        "Within the window before Day 1",
    ],
)
def test_numbers_inside_names_are_not_quantities(text: str) -> None:
    values = [q.value for q in quantities(text)]
    assert values in ([], [1.5]), values


# Real criterion sentences (lupus and HINT trials): the numbers of citations, of a standard's year or
# version, of reference markers and of counts of classification criteria are names; the quantities
# next to them stay quantities (what is left is listed, in order).
NAMED_AND_QUANTITIES = [
    (
        "SCLE as defined by the Gilliam and Sontheimer classification (J Am Acad Dermatol 1981; "
        "4(4):471-475). SLE is defined by the most recent American College of Rheumatology criteria",
        [],
    ),
    (
        "Systemic Lupus Erythematosus subjects 4/11 of the American College of Rheumatology criteria for "
        "SLE (23), age less than 22 years.",
        [22.0],
    ),
    ("A diagnosis of SLE according to the ACR criteria (at least 4/11 criteria).", []),
    ("Fulfils 4 of 11 American College of Rheumatology classification criteria for SLE", []),
    (
        "The American College of Rheumatology established eleven criteria in 1982,which were revised in "
        "1997 as a classificatory instrument",
        [],
    ),
    (
        "Has a diagnosis of SLE defined by meeting either the 2012 Systemic Lupus International "
        "Collaborating Clinics (SLICC) criteria or the ACR criteria",
        [],
    ),
    (
        "History of clinically significant neuropathies of National Cancer Institute (NCI) Common "
        "Terminology Criteria for Adverse Events (CTCAE) v 4.03 Grade 2 or higher.",
        [2.0],
    ),
    ("Peripheral neuropathy ≥ grade 3 based on NCI CTCAE version 5.0", [3.0]),
    ("Adverse events coded with MedDRA 23.0 of grade 3 or more", [3.0]),
    ("Measurable disease according to RECIST v1.1 with at least 1 lesion ≥ 10 mm", [1.0, 10.0]),
    (
        "Systemic Lupus Erythematosus Disease Activity Index 2000 (SLEDAI-2K) score greater than or "
        "equal to [>=] 6 at screening",
        [6.0],
    ),
    ("SLEDAI-2000 score of at least 6", [6.0]),
    ("Measurable disease as defined by RECIST criteria (Therasse et al. 2000), creatinine < 1.5 mg/dL", [1.5]),
    ("Symptomatic myeloma based on standard CRAB criteria (5). Hemoglobin < 10 g/dL", [10.0]),
    ("Diagnosis according to WHO classification (2008), platelets > 100,000/mm3", [100000.0]),
    # a quantity written like a reference or beside a year stays a quantity
    ("Uncontrolled hypertension (BP > 140/90) or tachycardia (100) at screening visit", [140.0, 100.0]),
    ("Diagnosis of SLE made since 2015", [2015.0]),
    ("Received an investigational drug within 30 days (Day -30 to Day 1)", [30.0]),
]


@pytest.mark.parametrize(("text", "left"), NAMED_AND_QUANTITIES)
def test_citations_versions_and_criteria_counts_are_names(text: str, left: list[float]) -> None:
    assert [q.value for q in quantities(text)] == left


@settings(max_examples=80, deadline=None)
@given(
    version=st.sampled_from(["CTCAE v 4.03", "CTCAE version 5.0", "NCI CTCAE v4.0", "MedDRA 23.0", "RECIST 1.1"]),
    op=st.sampled_from(["≥", ">", "at least", "more than", "<"]),
    value=st.integers(1, 4),
    unit=st.sampled_from(["grade", "Grade"]),
)
def test_a_grade_beside_a_version_stays_a_quantity(version: str, op: str, value: int, unit: str) -> None:
    """'Neuropathy ≥ grade 2 (CTCAE v 4.03)': the version is a name, the grade is what the criterion sets."""
    for text in (f"Neuropathy {op} {unit} {value} per {version}", f"{version} {unit} {value} or higher neuropathy"):
        assert [q.value for q in quantities(text)] == [float(value)], text


def test_broken_grammar_files_say_which_entry() -> None:
    with pytest.raises(TrialscreenError, match=r"quantities.toml: \[quantity\] unit is missing"):
        load_grammar(
            "[quantity]\ncomparator='<'\nnumber='\\\\d'\nword_number='x'\ntime_unit='d'\n[names]\npatterns=['x']"
        )
    with pytest.raises(TrialscreenError, match=r"readings.toml: \[team\] patterns\[1\] is not a valid"):
        load_rules("[team]\npatterns=['ok', '(']\nunits='mg'\n[question]\nfallback='{text}'")
    with pytest.raises(TrialscreenError, match="needs a \\(\\?P<rest>"):
        load_rules(
            "[team]\npatterns=['ok']\nunits='mg'\n[question]\nfallback='{text}'\n[[question.template]]\nmatch='x'\ntext='y'"
        )


# -- readings -------------------------------------------------------------------------------------


def test_criteria_no_rule_reads_are_asked_in_their_own_words_or_go_to_the_team() -> None:
    trial, compiled = trial_of(
        ["Willing to attend all study visits"],
        ["History of thromboembolic events", "Hemoglobin below 8 g/dL at screening", "Tattoo on the forearm"],
    )
    readings = {c.text: cc.reading for c, cc in zip(trial.criteria, compiled, strict=True) if not c.field}
    assert readings["Willing to attend all study visits"].mode == Mode.TEAM
    assert readings["Hemoglobin below 8 g/dL at screening"].mode in (Mode.TEAM, Mode.RULE)
    history = readings["History of thromboembolic events"]
    assert history.mode in (Mode.QUESTION, Mode.RULE)
    tattoo = readings["Tattoo on the forearm"]
    assert tattoo.mode == Mode.QUESTION and "Tattoo on the forearm" in tattoo.question
    assert question_for_text("History of thromboembolic events") == "Have you ever had thromboembolic events?"
    assert team_reason("Tattoo on the forearm") is None


def test_a_question_in_own_words_decides_once_answered() -> None:
    trial, compiled = trial_of(["Systemic lupus erythematosus"], ["Tattoo on the forearm"])
    from eligibility.patient import profile_from_facts

    profile = read_patient("I am a 40 year old woman with SLE.", TODAY)
    first = screen(trial, compiled, profile, TODAY)
    assert first.decision == Decision.NEEDS_INFO
    assert any("Tattoo on the forearm" in q for q in first.questions)
    tattoo = next(v for v in first.verdicts if v.criterion.text == "Tattoo on the forearm")
    assert tattoo.question
    key = tattoo.compiled.rule.key  # type: ignore[union-attr]
    for answer, decision in ((True, Decision.INELIGIBLE), (False, None)):
        p = read_patient("I am a 40 year old woman with SLE.", TODAY)

        p = profile_from_facts({key: answer}, p)
        s = screen(trial, compiled, p, TODAY)
        verdict = next(v for v in s.verdicts if v.criterion.text == "Tattoo on the forearm")
        assert verdict.status == ("met" if answer else "not_met")
        if decision is not None:
            assert s.decision == decision


@settings(max_examples=40, deadline=None)
@given(cap=st.integers(5, 60), dose=st.floats(0.5, 100, allow_nan=False).map(lambda x: round(x, 1)))
def test_a_threshold_is_never_read_as_any_dose(cap: int, dose: float) -> None:
    """'Current use of more than N mg/day prednisone': a patient on less is never ruled out by it,
    and a patient on more is never eligible."""
    trial, compiled = trial_of(["Systemic lupus erythematosus"], [f"Current use of more than {cap} mg/day prednisone"])
    profile = read_patient(f"I have SLE. I take prednisone {dose:g} mg a day.", TODAY)
    s = screen(trial, compiled, profile, TODAY)
    verdict = next(v for v in s.verdicts if "prednisone" in v.criterion.text)
    if dose <= cap:
        assert not verdict.disqualifying, verdict.reason
    else:
        assert s.decision != Decision.ELIGIBLE


def test_partly_understood_rules_never_make_anyone_eligible() -> None:
    """Over the real lupus trials: a patient who says nothing about a partly understood criterion is
    never eligible while it stands, and its reading names the words it did not use."""
    if not LUPUS.is_dir():
        pytest.skip(f"{LUPUS} is not there")
    from index.readers import read_trial

    seen = 0
    for path in sorted(LUPUS.glob("*.json")):
        try:
            trial = read_trial(path)
        except TrialscreenError:
            continue
        compiled = compile_trial(trial)
        for c, cc in zip(trial.criteria, compiled, strict=True):
            assert cc.reading is not None and cc.reading.words
            if cc.reading.mode != Mode.PARTLY:
                continue
            seen += 1
            assert cc.reading.unused and all(w in cc.reading.words for w in cc.reading.unused)
            assert cc.rule is None or cc.rule.kind == "ask"
            s = screen(trial, compiled, read_patient("", TODAY), TODAY)
            verdict = next(v for v in s.verdicts if v.criterion is c)
            assert verdict.status in ("unknown", "not_met", "not_applicable", "met")
            assert not (verdict.status == "met" and c.kind == "inclusion")
    assert seen > 0


# -- what a coordinator sees -------------------------------------------------------------------------


def test_rules_command_shows_every_reading(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch) -> None:  # type: ignore[no-untyped-def]
    use_embedder(monkeypatch, FakeEmbeddings())
    assert cli.main(["index", str(BUNDLED), "--data-dir", str(tmp_path), "--quiet"]) == 0
    capsys.readouterr()
    assert cli.main(["rules", "NCT02084238", "--json", "--data-dir", str(tmp_path)]) == 0
    data = json.loads(capsys.readouterr().out)
    rows = data["criteria"]
    assert rows and all(r["mode"] in {"rule", "partly", "question", "team"} and r["reading"] for r in rows)
    sledai = next(r for r in rows if "SLEDAI" in r["text"])
    assert sledai["mode"] == "rule" and "8" in sledai["reading"]
    partly = [r for r in rows if r["mode"] == "partly"]
    assert all(r["unused"] and all(w in r["reading"] for w in r["unused"]) for r in partly)
    assert cli.main(["rules", "NCT02084238", "--data-dir", str(tmp_path)]) == 0
    text = capsys.readouterr().out
    assert "read as: SLEDAI >= 8" in text
    assert cli.main(["rules", "NCT00000000", "--data-dir", str(tmp_path)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "NCT00000000" in err[0]
    assert (
        cli.main(
            ["screen", "--trial", "NCT02084238", "--patient", "I have lupus", "--json", "--data-dir", str(tmp_path)]
        )
        == 0
    )
    screened = json.loads(capsys.readouterr().out)
    by_text = {r["text"]: r["reading"] for r in rows}
    for c in screened["criteria"]:
        assert c["reading"] == by_text.get(c["text"], c["reading"]) and isinstance(c["mentioned"], bool)


def test_a_no_to_one_of_several_alternatives_does_not_rule_out() -> None:
    """Inclusion items under "at least one of the following:" are alternatives: a "no" to one leaves it
    to the study team; a "yes" meets it."""
    from eligibility.patient import profile_from_facts

    body = (
        "NCT09999998\n\nInclusion Criteria:\n\n- Systemic lupus erythematosus\n"
        "- At least one of the following:\n  - Tattoo on the forearm\n  - Freckles on the nose\n"
        "\nExclusion Criteria:\n\n- Piercing of the tongue\n"
    )
    trial = parse_document(RawDocument(path=Path("NCT09999998.txt"), text=body, sha256="x"))
    compiled = compile_trial(trial)
    tattoo = next(cc for c, cc in zip(trial.criteria, compiled, strict=True) if c.text == "Tattoo on the forearm")
    assert tattoo.reading is not None and tattoo.reading.mode == Mode.QUESTION
    key = tattoo.rule.key  # type: ignore[union-attr]
    s = screen(trial, compiled, profile_from_facts({key: False}, read_patient("I have SLE.", TODAY)), TODAY)
    verdict = next(v for v in s.verdicts if v.criterion.text == "Tattoo on the forearm")
    assert not verdict.disqualifying and verdict.status == "unknown"
    s = screen(trial, compiled, profile_from_facts({key: True}, read_patient("I have SLE.", TODAY)), TODAY)
    assert next(v for v in s.verdicts if v.criterion.text == "Tattoo on the forearm").status == "met"


@settings(max_examples=60, deadline=None)
@given(
    cue=st.sampled_from(
        [
            "No",
            "No history of",
            "Must not have",
            "Must not have received",
            "Has not been treated with",
            "Without",
            "Free of",
            "Never had",
            "Patients must not have",
            "Absence of",
        ]
    ),
    thing=st.sampled_from(
        [
            ("cancer", "I had breast cancer 2 years ago."),
            ("rituximab", "I got rituximab 2 months ago."),
            ("HIV infection", "I have HIV."),
            ("belimumab", "I had belimumab last year."),
            ("tuberculosis", "I had tuberculosis in 2020."),
        ]
    ),
)
def test_an_inclusion_worded_as_an_absence_never_admits_someone_who_has_it(cue: str, thing: tuple[str, str]) -> None:
    """ "No history of cancer" as an inclusion: a patient with cancer is never eligible (it once read as
    'requires cancer')."""
    name, said = thing
    trial, compiled = trial_of(["Systemic lupus erythematosus", f"{cue} {name}"], ["Pregnant"])
    s = screen(trial, compiled, read_patient(f"I am a 40 year old man with SLE. {said}", TODAY), TODAY)
    assert s.decision != Decision.ELIGIBLE
    verdict = next(v for v in s.verdicts if v.criterion.text == f"{cue} {name}")
    assert verdict.status != "met", verdict.reason


def test_the_typed_reading_of_every_bundled_rule_names_its_own_kind_of_atom() -> None:
    """`rules --json` shows each rule's logic: a condition is a condition atom with its window, a dose
    cap a treatment atom with its limit, never the administrative catch-all of an unread rule."""
    from eligibility.atoms import AtomKind
    from eligibility.rules import Condition, DoseCap, Rule

    def parts(rule: Rule) -> list[Rule]:
        inner = [getattr(rule, "rule", None), *(getattr(rule, "rules", None) or [])]
        return [rule, *(p for r in inner if isinstance(r, Rule) for p in parts(r))]

    seen: set[type] = set()
    for path in sorted(BUNDLED.iterdir()):
        trial = parse_document(RawDocument(path=path, text=path.read_text(), sha256="x"))
        for cc in compile_trial(trial):
            for rule in parts(cc.rule) if cc.rule is not None else []:
                if not isinstance(rule, Condition | DoseCap):
                    continue
                atoms = _atoms(rule.logic())
                want = AtomKind.CONDITION if isinstance(rule, Condition) else AtomKind.TREATMENT
                assert atoms and all(a.kind == want for a in atoms), (rule.describe(), atoms)
                if isinstance(rule, DoseCap):
                    assert any(a.value == rule.max_mg_day for a in atoms), atoms
                seen.add(type(rule))
    assert seen == {Condition, DoseCap}


def _atoms(logic):  # type: ignore[no-untyped-def]
    if logic.atom is not None:
        return [logic.atom]
    return [a for part in logic.parts for a in _atoms(part)]
