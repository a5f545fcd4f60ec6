"""Eligibility texts in the shapes real registry records take: headings in many forms, lists with no
heading, "Must"/"Must not" sentences, parts and cohorts, flattened and wrapped text. Every criterion's
span stays exact (`source_text[start:end]` is its text modulo escapes and white space)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from index.criteria import display_text, split_criteria
from index.criteria_cues import load_criteria_cues
from index.readers import read_trial
from index.readers.text import read_text
from index.textio import DocumentError, RawDocument
from trialscreen.errors import TrialscreenError
from trialscreen.model import Criterion, Population

LUPUS = Path("/work/shared/data/external/lupus")


def _exact(text: str, criteria: list[Criterion]) -> None:
    for c in criteria:
        raw = text[c.start : c.end]
        assert raw == raw.strip() and display_text(raw) == c.text, c


def _texts(criteria: list[Criterion], kind: str) -> list[str]:
    return [c.text for c in criteria if c.kind == kind]


def test_must_and_must_not_sentences_without_a_heading() -> None:
    text = (
        "Must be 18 years of age or older.\n"
        "Must have a diagnosis of systemic lupus erythematosus for at least 6 months.\n"
        "Participants must not be pregnant or breastfeeding.\n"
        "Must not have received rituximab within 12 months before screening.\n"
    )
    got = split_criteria(text)
    _exact(text, got)
    assert _texts(got, "inclusion") == [
        "Must be 18 years of age or older.",
        "Must have a diagnosis of systemic lupus erythematosus for at least 6 months.",
    ]
    # The exclusion is what the sentence forbids: nothing negates it twice.
    assert _texts(got, "exclusion") == [
        "be pregnant or breastfeeding.",
        "have received rituximab within 12 months before screening.",
    ]


def test_numbered_list_with_no_heading_before_the_exclusions_is_the_inclusion_list() -> None:
    text = (
        "1. Adults aged 18 to 65 years\n"
        "2. Active lupus nephritis (ISN/RPS class III or IV) on a biopsy within 6 months\n"
        "3. Urine protein/creatinine ratio >= 1.0 g/g\n\n"
        "Exclusion Criteria:\n\n"
        "1. eGFR < 30 mL/min/1.73 m2\n"
        "2. Pregnancy\n"
    )
    got = split_criteria(text)
    _exact(text, got)
    assert len(_texts(got, "inclusion")) == 3 and _texts(got, "exclusion") == ["eGFR < 30 mL/min/1.73 m2", "Pregnancy"]
    assert [c.number for c in got] == [1, 2, 3, 1, 2]


@pytest.mark.parametrize(
    ("inc", "exc"),
    [
        ("Key Inclusion Criteria:", "Key Exclusion Criteria:"),
        ("INCLUSION:", "EXCLUSION:"),
        ("Major Inclusion Criteria", "Major Exclusion Criteria"),
        ("Key inclusion criteria include:", "Key exclusion criteria include:"),
        ("Subject inclusion criteria", "Subject exclusion criteria"),
        ("Inclusion Criteria (all must be met)：", "Non-inclusion criteria:"),
        (
            "Patients must meet all of the following criteria:",
            "Patients meeting any of the following are not eligible:",
        ),
        ("People may be eligible for this study if they:", "People will not be eligible for this study if they:"),
        ("Eligibility:", "Ineligibility Criteria:"),
    ],
)
def test_headings_in_the_forms_registries_use(inc: str, exc: str) -> None:
    text = f"{inc}\n\n- Age 18 or older\n- Diagnosis of SLE\n\n{exc}\n\n- Active tuberculosis\n"
    got = split_criteria(text)
    _exact(text, got)
    assert _texts(got, "inclusion") == ["Age 18 or older", "Diagnosis of SLE"]
    assert _texts(got, "exclusion") == ["Active tuberculosis"]


def test_a_sentence_that_mentions_criteria_is_not_a_heading() -> None:
    text = (
        "Inclusion Criteria:\n\n"
        "- Completed the parent study\n"
        "- Exclusion criteria of the parent study were not met at its end\n"
        "- Meets all inclusion criteria of the parent study\n\n"
        "Exclusion Criteria:\n\n- Pregnancy\n"
    )
    got = split_criteria(text)
    assert len(_texts(got, "inclusion")) == 3 and _texts(got, "exclusion") == ["Pregnancy"]


def test_headings_run_into_their_text() -> None:
    text = (
        "Inclusion Criteria: - Male or female, age at least 18 years - HbA1c 7.0 - 10.0 % (both inclusive) "
        "- Body mass index below 40 kg/m2 Exclusion Criteria: - Pregnancy or breastfeeding - Previous "
        "pancreatitis\n"
    )
    got = split_criteria(text)
    _exact(text, got)
    assert _texts(got, "inclusion") == [
        "Male or female, age at least 18 years",
        "HbA1c 7.0 - 10.0 % (both inclusive)",  # a range's dash is not a bullet
        "Body mass index below 40 kg/m2",
    ]
    assert _texts(got, "exclusion") == ["Pregnancy or breastfeeding", "Previous pancreatitis"]


def test_nested_lists_and_lettered_runs_keep_their_lead_in() -> None:
    text = (
        "Inclusion Criteria:\n\n"
        "1. Diagnosis of SLE\n"
        "2. Subjects fulfilling at least one of the following: a) proteinuria > 0.5 g/day b) active "
        "nephritis on biopsy c) SLEDAI-2K >= 6\n"
        "3. Age 18 to 70 years\n"
        "   a. women of childbearing potential must use contraception\n"
    )
    got = split_criteria(text)
    _exact(text, got)
    lettered = [c for c in got if c.context.startswith("Subjects fulfilling at least one")]
    assert [c.text for c in lettered] == ["proteinuria > 0.5 g/day", "active nephritis on biopsy", "SLEDAI-2K >= 6"]
    nested = next(c for c in got if c.text.startswith("women of childbearing"))
    assert nested.context == "Age 18 to 70 years"


def test_parts_with_their_own_lists_become_sections_with_a_population() -> None:
    text = (
        "Part 1: Key Inclusion Criteria For Healthy Volunteers\n\n"
        "- Body mass index 18 to 30 kg/m2\n- No clinically significant illness\n\n"
        "Part 1: Key Exclusion Criteria For Healthy Volunteers\n\n- Any chronic medication\n\n"
        "Part 2: Key Inclusion Criteria For Patients\n\n"
        "- Diagnosis of SLE for at least 6 months\n- SLEDAI-2K >= 6\n\n"
        "Part 2: Key Exclusion Criteria For Patients\n\n- Active lupus nephritis\n"
    )
    got = split_criteria(text)
    _exact(text, got)
    sections = {(c.kind, c.text): (c.section, c.population) for c in got}
    healthy = ("Part 1: Healthy Volunteers", (Population.HEALTHY_VOLUNTEERS,))
    patients = ("Part 2: Patients", (Population.PATIENTS,))
    assert sections[("inclusion", "No clinically significant illness")] == healthy
    assert sections[("exclusion", "Any chronic medication")] == healthy
    assert sections[("inclusion", "SLEDAI-2K >= 6")] == patients
    assert sections[("exclusion", "Active lupus nephritis")] == patients
    # Numbered per kind across sections: chunk ids stay unique.
    keys = [c.chunk_key for c in got]
    assert len(keys) == len(set(keys)) and keys[:2] == ["inc-01", "inc-02"]


def test_groups_under_one_heading_and_a_part_above_its_headings() -> None:
    text = (
        "Inclusion Criteria:\n\nFor SLE Subjects:\n\n* SLEDAI-2K >= 4\n\nFor Healthy Control Subjects:\n\n"
        "* No chronic illness\n\nExclusion Criteria for all groups:\n\n* Pregnancy\n\n"
        "Cohort B (paediatric participants)\n\nInclusion Criteria:\n\n* Age 6 to 17 years\n"
    )
    got = split_criteria(text)
    by_text = {c.text: c for c in got}
    assert by_text["SLEDAI-2K >= 4"].section == "SLE Subjects"
    assert by_text["No chronic illness"].population == (Population.HEALTHY_VOLUNTEERS,)
    assert by_text["Pregnancy"].section == "" and by_text["Pregnancy"].kind == "exclusion"
    assert by_text["Age 6 to 17 years"].population == (Population.CHILDREN,)
    assert by_text["Age 6 to 17 years"].section.startswith("Cohort B")


def test_a_topic_heading_is_not_a_section() -> None:
    text = (
        "Inclusion Criteria:\n\nPATIENT CHARACTERISTICS:\n\n- ECOG 0-1\n\nLaboratory:\n\n- Platelets >= 100,000/mm3\n"
    )
    got = split_criteria(text)
    assert [c.section for c in got] == ["", ""]
    assert got[1].context.endswith("Laboratory:")


def test_flattened_list_is_cut_into_items_under_its_labels() -> None:
    text = (
        "Hepatic: Bilirubin less than 2.0 mg/dL AST less than 2 times upper limit of normal Alkaline "
        "phosphatase less than 2 times ULN Renal: Creatinine less than 2.5 mg/dL OR Creatinine clearance at "
        "least 50 mL/min Cardiovascular: No symptomatic heart disease Ejection fraction greater than 45% by "
        "echocardiogram No uncontrolled hypertension Other: Not pregnant Negative pregnancy test\n"
    )
    got = split_criteria(text)
    _exact(text, got)
    assert all(c.kind == "inclusion" for c in got)
    renal = [c.text for c in got if c.context == "Renal:"]
    assert renal == ["Creatinine less than 2.5 mg/dL OR Creatinine clearance at least 50 mL/min"]
    assert "No uncontrolled hypertension" in [c.text for c in got if c.context == "Cardiovascular:"]


def test_wrapped_lines_join_but_one_criterion_a_line_does_not() -> None:
    wrapped = (
        "Inclusion criteria: moderate to severe ankylosing spondylitis with prior radiographic evidence\n"
        "according to the modified New York criteria, inadequate response to at least two NSAIDs over\n"
        "four weeks.\n"
    )
    got = split_criteria(wrapped)
    assert len(got) == 1 and got[0].text.endswith("over four weeks.")
    per_line = "Inclusion Criteria\n\nage 18 to 75 years\nSLEDAI-2K of 8 or more\nnegative pregnancy test\n"
    assert len(split_criteria(per_line)) == 3


def test_placeholders_and_notes_are_not_criteria() -> None:
    text = (
        "Inclusion Criteria:\n\n- Diagnosis of SLE\n- Other protocol-defined inclusion/exclusion criteria may apply\n\n"
        "Exclusion Criteria:\n\n- None\n"
    )
    got = split_criteria(text)
    assert [c.text for c in got] == ["Diagnosis of SLE"]


def test_text_that_is_not_requirements_is_rejected_but_a_bare_list_reads(tmp_path: Path) -> None:
    page = tmp_path / "about.txt"
    page.write_text("About lupus\n\nLupus is a long-term autoimmune disease that can affect many organs.\n", "utf-8")
    with pytest.raises(DocumentError, match="no eligibility criteria"):
        read_trial(page)
    bare = RawDocument(
        path=Path("NCT0000001.txt"),
        text="NCT0000001\n\n- Patients with SLE aged 18 or over\n- Not pregnant\n\nExclusion Criteria:\n- Active TB\n",
        sha256="x",
    )
    trial = read_text(bare)
    assert [c.kind for c in trial.criteria] == ["inclusion", "inclusion", "exclusion"]


# -- hypothesis: random list shapes keep their spans exact ------------------------------------------

_ITEM = st.sampled_from(
    [
        "Age \\>= 18 years",
        "Diagnosis of SLE (ACR 1997 criteria)",
        "eGFR < 30 mL/min",
        "No live vaccine within 4 weeks",
        "Prednisone <= 10 mg/day, stable for 4 weeks",
        "Women of childbearing potential must use contraception",
    ]
)
_MARK = st.sampled_from(["* ", "- ", "• ", "-  ", "1. ", "2) ", "a. ", ""])
_HEAD = st.sampled_from(["Inclusion Criteria:", "INCLUSION CRITERIA", "Key Inclusion Criteria:", ""])


@settings(max_examples=60, deadline=None, derandomize=True)
@given(
    head=_HEAD,
    items=st.lists(st.tuples(_MARK, _ITEM, st.integers(0, 2), st.booleans()), min_size=1, max_size=8),
    exclusions=st.lists(st.tuples(_MARK, _ITEM), max_size=4),
)
def test_any_bullet_style_and_nesting_keeps_spans_exact(
    head: str, items: list[tuple[str, str, int, bool]], exclusions: list[tuple[str, str]]
) -> None:
    lines = [head, ""] if head else []
    for mark, item, depth, blank in items:
        lines.append("  " * depth + mark + item)
        if blank:
            lines.append("")
    if exclusions:
        lines += ["", "Exclusion Criteria:", ""] + [mark + item for mark, item in exclusions]
    text = "\n".join(lines) + "\n"
    got = split_criteria(text)
    _exact(text, got)
    assert got, text
    for c in got:
        assert not text[c.start : c.end].startswith(("* ", "- ", "• ", "1. ")), c
    if exclusions:
        assert [c for c in got if c.kind == "exclusion"]
    for kind in ("inclusion", "exclusion"):
        numbers = [c.number for c in got if c.kind == kind]
        assert numbers == list(range(1, len(numbers) + 1))


# -- the cue file is checked on load ------------------------------------------------------------------


def test_a_broken_cue_file_says_which_entry_to_fix() -> None:
    good = (Path(__file__).resolve().parents[1] / "index" / "data" / "criteria.toml").read_text("utf-8")
    load_criteria_cues(good)
    with pytest.raises(TrialscreenError, match=r"\[heading\] inclusion"):
        load_criteria_cues(good.replace("inclusion = 'inclusions?|inclusionary'", "inclusion = '(inclusions'"))
    with pytest.raises(TrialscreenError, match="population"):
        load_criteria_cues(good.replace('name = "children"', 'name = "kids"'))


# -- the 43 real lupus records -----------------------------------------------------------------------


def _lupus() -> list[Path]:
    if not LUPUS.is_dir():
        pytest.skip(f"{LUPUS} is not on this machine")
    return sorted(LUPUS.glob("*.json"))


def test_every_real_lupus_record_reads_with_both_lists_where_it_has_them() -> None:
    files = _lupus()
    assert len(files) == 43
    for path in files:
        trial = read_trial(path)
        raw = json.loads(path.read_text("utf-8"))["raw_criteria"]
        inc, exc = trial.criteria_of("inclusion"), trial.criteria_of("exclusion")
        assert inc, path.name
        _exact(trial.source_text, trial.criteria_of("inclusion") + exc)
        # Where the text has an exclusion list with something in it, it is read.
        lower = raw.lower()
        stated = "exclusion criteria" in lower or "not be eligible" in lower
        placeholder = any(w in lower.split("exclusion criteria")[-1][:40] for w in ("nil", "none", "\\-"))
        if stated and not placeholder:
            assert exc, path.name
        keys = [c.chunk_key for c in trial.criteria]
        assert len(keys) == len(set(keys)), path.name


def test_pdq_layout_reads_as_requirements() -> None:
    text = (
        "DISEASE CHARACTERISTICS:\n\n  -  Histologically confirmed small cell lung cancer\n\n"
        "PATIENT CHARACTERISTICS:\n\nHepatic:\n\n  -  Bilirubin no greater than 1.5 mg/dL\n\n"
        "  -  Not pregnant or nursing\n\nPRIOR CONCURRENT THERAPY:\n\n  -  No prior chemotherapy\n"
    )
    got = split_criteria(text)
    _exact(text, got)
    assert [c.kind for c in got] == ["inclusion"] * 4
    assert got[1].context == "Hepatic:"


@settings(max_examples=30, deadline=None)
@given(breaks=st.lists(st.booleans(), min_size=5, max_size=5))
def test_a_numbered_run_wrapped_at_any_number_is_split_at_every_number(breaks: list[bool]) -> None:
    """A registry's flattened bullet ("- 1. ... 5. Subject has completed any radiation ... Form 6.\\n
    Subject has received ...", NCT02323906): a number that ends a wrapped line still starts an item."""
    items = [
        "Subject has received previous systemic therapy",
        "Subject has received any local anticancer therapy",
        "Subject has undergone major surgery within the last 4 weeks",
        "Subject has completed any radiation treatment",
        "Subject has received the last dose of ribavirin",
        "Subject has a history of persistent skin rash",
    ]
    body = items[0]
    for n, (item, wrapped) in enumerate(zip(items[1:], breaks, strict=True), start=2):
        body += f" {n}.\n             {item}" if wrapped else f" {n}. {item}"
    text = f"Exclusion Criteria:\n\n          -  1. {body}\n"
    got = split_criteria(text)
    _exact(text, got)
    assert _texts(got, "exclusion") == items
