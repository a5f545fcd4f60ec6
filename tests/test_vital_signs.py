"""Vital signs as notes write them ("T 101.3, HR 124, RR 28, SpO2 88% on RA") and as criteria state them
("Resting heart rate < 50 bpm", "Oxygen saturation < 90% on room air", "Temperature > 100.4 °F"), and the
findings their values define: a temperature of 38.0 °C or more is a fever, an adult's heart rate over 100
a tachycardia. A value the note dates reads as of then; a value taken on oxygen is not the room-air value
criteria mean; a measurement joined to a condition it does not define reads nothing of that condition."""

from __future__ import annotations

import operator
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from eligibility import findings
from eligibility.engine import screen
from eligibility.extract import read_patient
from tests.test_reading import trial_of
from trialscreen import datafile
from trialscreen.errors import TrialscreenError

TODAY = date(2014, 6, 1)
SETTINGS = settings(max_examples=40, derandomize=True, deadline=None)

HR_NAMES = ["heart rate", "HR", "pulse", "pulse rate", "Heart rate"]
RR_NAMES = ["respiratory rate", "RR", "respirations", "resp rate"]
SPO2_NAMES = ["SpO2", "oxygen saturation", "O2 sat", "O2 sats", "pulse ox"]
LINKS = [" ", ": ", " is ", " of ", " was ", " are ", " were "]
RATE_UNITS = ["", " bpm", "/min", " beats per minute", " beats/min"]
BREATH_UNITS = ["", "/min", " breaths/min", " breaths per minute"]
CELSIUS = [" C", " °C", "°C", " degrees Celsius", "ºC"]
FAHRENHEIT = [" F", " °F", "°F", " degrees Fahrenheit", ""]
OPS = {"<": operator.lt, ">": operator.gt, "<=": operator.le, ">=": operator.ge}


def value(key: str, note: str) -> float | None:
    facts = read_patient(note, TODAY).facts.get(key, [])
    return None if not facts else facts[0].value


def status(criterion: str, note: str, kind: str = "inclusion") -> str:
    inclusions, exclusions = ([criterion], []) if kind == "inclusion" else ([], [criterion])
    trial, compiled = trial_of(inclusions, exclusions)
    return str(screen(trial, compiled, read_patient(note, TODAY), TODAY).verdicts[0].status)


# a rate's names, units, plausible values and a note to write it in
RATES = {
    "lab:heart_rate": (HR_NAMES, RATE_UNITS, (30, 220), "A 60-year-old man with chest pain; {written}, BP 120/80."),
    "lab:respiratory_rate": (RR_NAMES, BREATH_UNITS, (8, 60), "Vital signs: {written}. Lungs are clear."),
}


@pytest.mark.parametrize("key", sorted(RATES))
@SETTINGS
@given(data=st.data())
def test_a_rate_is_read_however_it_is_written(key: str, data: st.DataObject) -> None:
    names, units, (low, high), note = RATES[key]
    name, link, unit = (data.draw(st.sampled_from(x)) for x in (names, LINKS, units))
    rate = data.draw(st.integers(low, high))
    assert value(key, note.format(written=f"{name}{link}{rate}{unit}")) == rate


@SETTINGS
@given(celsius=st.integers(350, 415).map(lambda x: x / 10), fahrenheit=st.booleans(), unit=st.integers(0, 4))
def test_a_temperature_in_either_scale_is_read_in_celsius(celsius: float, fahrenheit: bool, unit: int) -> None:
    written = f"{celsius * 9 / 5 + 32:.1f}{FAHRENHEIT[unit]}" if fahrenheit else f"{celsius}{CELSIUS[unit]}"
    read = value("lab:temperature", f"A 30-year-old woman with cough. Temperature {written}, pulse 80.")
    assert read == pytest.approx(celsius, abs=0.06)


@SETTINGS
@given(name=st.sampled_from(SPO2_NAMES), sat=st.integers(70, 100), air=st.sampled_from(["", " on room air", " on RA"]))
def test_an_oxygen_saturation_on_room_air_is_read(name: str, sat: int, air: str) -> None:
    assert value("lab:spo2", f"A 70-year-old man with dyspnea, {name} {sat}%{air}.") == sat


@SETTINGS
@given(
    name=st.sampled_from(SPO2_NAMES),
    sat=st.integers(70, 100),
    oxygen=st.sampled_from(
        ["on 2 L nasal cannula", "on 4L NC", "on supplemental oxygen", "while on a non-rebreather", "on BiPAP"]
    ),
)
def test_an_oxygen_saturation_on_oxygen_is_not_the_room_air_value(name: str, sat: int, oxygen: str) -> None:
    note = f"A 70-year-old man with dyspnea, {name} {sat}% {oxygen}."
    assert value("lab:spo2", note) is None
    assert status("Oxygen saturation < 92% on room air", note, "exclusion") == "unknown"


def test_a_decade_is_not_a_value() -> None:
    assert value("lab:spo2", "O2 sats in the 70s on BiPAP with 5L.") is None
    assert value("lab:spo2", "saturation high 80's to low 90's") is None


@SETTINGS
@given(
    op=st.sampled_from(sorted(OPS)),
    limit=st.integers(40, 130),
    rate=st.integers(35, 160),
    unit=st.sampled_from([" bpm", " beats per minute", "/min", ""]),
)
def test_a_heart_rate_criterion_is_decided_by_the_notes_rate(op: str, limit: int, rate: int, unit: str) -> None:
    got = status(f"Resting heart rate {op} {limit}{unit}", f"A 50-year-old woman. Pulse is {rate}/min.")
    assert got == ("met" if OPS[op](rate, limit) else "not_met")


@SETTINGS
@given(op=st.sampled_from(["<", ">="]), limit=st.integers(85, 96), sat=st.integers(75, 100))
def test_an_oxygen_saturation_criterion_is_decided_by_the_notes_value(op: str, limit: int, sat: int) -> None:
    got = status(f"SpO2 {op} {limit}% on room air", f"A 64-year-old man with COPD. SpO2 {sat}% on room air.")
    assert got == ("met" if OPS[op](sat, limit) else "not_met")


@SETTINGS
@given(fahrenheit=st.integers(1000, 1040).map(lambda x: x / 10), celsius=st.integers(365, 405).map(lambda x: x / 10))
def test_a_fahrenheit_threshold_meets_a_celsius_value_by_its_conversion(fahrenheit: float, celsius: float) -> None:
    got = status(f"Temperature > {fahrenheit}°F", f"A 25-year-old man. Temperature {celsius} C.")
    limit = (fahrenheit - 32) * 5 / 9
    if abs(celsius - limit) > 0.01:
        assert got == ("met" if celsius > limit else "not_met")


@SETTINGS
@given(celsius=st.integers(380, 415).map(lambda x: x / 10), criterion=st.sampled_from(["Fever", "Febrile", "Pyrexia"]))
def test_a_temperature_of_38_or_more_is_a_fever(celsius: float, criterion: str) -> None:
    note = f"A 35-year-old woman presents with sore throat. T {celsius}, HR 96."
    assert status(criterion, note) == "met"


@SETTINGS
@given(rate=st.integers(101, 180), age=st.integers(18, 90))
def test_an_adults_heart_rate_over_100_is_a_tachycardia(rate: int, age: int) -> None:
    assert status("Tachycardia", f"A {age}-year-old man with palpitations. HR {rate} bpm.") == "met"


@SETTINGS
@given(rate=st.integers(101, 160), age=st.integers(1, 12))
def test_a_childs_heart_rate_says_nothing_of_tachycardia(rate: int, age: int) -> None:
    """A child's heart beats faster: the adult cut-off does not apply."""
    assert status("Tachycardia", f"A {age}-year-old boy with a cold. HR {rate} bpm.") == "unknown"


@SETTINGS
@given(celsius=st.integers(385, 405).map(lambda x: x / 10), months=st.integers(2, 11))
def test_a_fever_the_note_dates_months_ago_is_not_recent(celsius: float, months: int) -> None:
    note = f"A 40-year-old man. {months} months ago his temperature was {celsius} C. Today he feels well."
    assert status("Fever within the past 2 weeks", note, "exclusion") == "not_met"
    assert status("Fever within the past 2 weeks", f"A 40-year-old man. Temperature {celsius} C.", "exclusion") == "met"


NOW = [
    "Fever at screening",
    "Current fever",
    "Febrile at the time of enrollment",
    "Fever at baseline",
    "Fever at randomization",
]


@SETTINGS
@given(criterion=st.sampled_from(NOW), celsius=st.integers(360, 375).map(lambda x: x / 10))
def test_a_normal_temperature_rules_out_a_fever_asked_of_now_only(criterion: str, celsius: float) -> None:
    note = f"A 30-year-old woman with a sore throat. Temperature {celsius} C, HR 84."
    assert status(criterion, note, "exclusion") == "not_met"
    # a normal temperature now says nothing of last week
    assert status("Fever within the past 2 weeks", note, "exclusion") == "unknown"


@SETTINGS
@given(criterion=st.sampled_from(NOW), celsius=st.integers(380, 410).map(lambda x: x / 10), months=st.integers(2, 24))
def test_a_fever_asked_of_now_is_met_by_one_now_and_not_by_one_long_ago(
    criterion: str, celsius: float, months: int
) -> None:
    assert status(criterion, f"A 30-year-old woman with a sore throat. T {celsius}, HR 84.", "exclusion") == "met"
    assert status(criterion, f"A 30-year-old woman. She had a fever {months} months ago.", "exclusion") == "not_met"


@SETTINGS
@given(
    pair=st.sampled_from(
        [("afebrile", "Fever"), ("apyrexial", "Fever"), ("anicteric", "Jaundice"), ("acyanotic", "Cyanosis")]
    ),
    when=st.sampled_from(["at screening", "at the time of enrollment", "at baseline"]),
)
def test_a_word_of_absence_rules_out_the_finding_now_only(pair: tuple[str, str], when: str) -> None:
    word, finding = pair
    note = f"A 62-year-old man with cough for a week. On exam he is {word}, with clear lungs."
    assert status(f"{finding} {when}", note, "exclusion") == "not_met"
    assert status(f"{finding} within the past 2 weeks", note, "exclusion") == "unknown"
    # not the person's, or taken back: nothing is denied
    assert status(f"{finding} {when}", f"A 62-year-old man. His wife was {word}.", "exclusion") == "unknown"
    assert status(f"{finding} {when}", f"A 62-year-old man. He is not {word}.", "exclusion") == "unknown"


@SETTINGS
@given(word=st.sampled_from(["febrile", "tachycardic", "tachypneic", "hypoxic", "diaphoretic", "icteric"]))
def test_a_finding_written_as_an_adjective_is_the_finding(word: str) -> None:
    criterion = {
        "febrile": "Fever",
        "tachycardic": "Tachycardia",
        "tachypneic": "Tachypnea",
        "hypoxic": "Hypoxemia",
        "diaphoretic": "Diaphoresis",
        "icteric": "Jaundice",
    }[word]
    assert status(criterion, f"A 55-year-old man is brought to the ER. He is {word}.") == "met"
    assert status(criterion, f"A 55-year-old man is brought to the ER. He is not {word}.") != "met"


@SETTINGS
@given(
    condition=st.sampled_from(["Atrial fibrillation", "Heart failure", "Asthma", "Pneumonia"]),
    measurement=st.sampled_from(["heart rate > 100 bpm", "respiratory rate > 24/min", "oxygen saturation < 92%"]),
)
def test_a_measurement_joined_to_another_condition_does_not_read_it(condition: str, measurement: str) -> None:
    """Having the value is not having the condition: "Atrial fibrillation with heart rate > 100" is asked
    of someone with a fast pulse whose note names no atrial fibrillation."""
    note = "A 60-year-old man. HR 130 bpm, RR 30/min, SpO2 85% on room air."
    assert status(f"{condition} with {measurement}", note) == "unknown"


@SETTINGS
@given(
    pair=st.sampled_from(
        [
            ("Anemia with hemoglobin < 8 g/dL", "Hb 7.1 g/dL"),
            ("Tachycardia with heart rate > 110 bpm", "HR 130 bpm"),
            ("Uncontrolled hypertension with systolic blood pressure > 160 mmHg", "BP 182/95"),
            ("Thrombocytopenia with platelets < 50,000/uL", "platelets 30,000/uL"),
        ]
    )
)
def test_a_measurement_joined_to_the_condition_it_defines_is_the_condition(pair: tuple[str, str]) -> None:
    criterion, value_words = pair
    assert status(criterion, f"A 60-year-old man. {value_words}.") == "met"


@SETTINGS
@given(
    pair=st.sampled_from(
        [
            ("Iron deficiency anemia with hemoglobin < 10 g/dL", "Hb 7.9 g/dL"),
            ("Type 2 diabetes mellitus with HbA1c > 7%", "HbA1c 9.1%"),
            ("Supraventricular tachycardia with heart rate > 150 bpm", "HR 170 bpm"),
        ]
    )
)
def test_a_value_does_not_say_which_kind_of_the_condition_it_is(pair: tuple[str, str]) -> None:
    """A haemoglobin says there is anemia, not that it comes from iron deficiency: a kind of the condition
    joined to the value is asked of a note that gives the value alone."""
    criterion, value_words = pair
    assert status(criterion, f"A 60-year-old man. {value_words}.") == "unknown"


@pytest.mark.parametrize(
    ("entry", "says"),
    [
        ('key = "lab:heart_rate"\ncode = "R00.0"\nwhy = "a fast heart"', "exactly one of"),
        (
            'key = "lab:heart_rate"\ncode = "R00.0"\nabove = 100.0\nabsent = [50.0, 120.0]\nwhy = "a fast heart"',
            "overlaps",
        ),
        ('key = "lab:heart_rate"\ncode = "R00.99"\nabove = 100.0\nwhy = "a fast heart"', "ICD-10-CM"),
        ('key = "pulse"\ncode = "R00.0"\nabove = 100.0\nwhy = "a fast heart"', "not a measured fact"),
    ],
)
def test_a_wrong_finding_is_refused_with_the_file_and_the_fix(entry: str, says: str) -> None:
    with pytest.raises(TrialscreenError) as err:
        datafile.parse(findings.FindingsData, "[[finding]]\n" + entry, findings.FILE)
    assert findings.FILE in str(err.value) and says in str(err.value)


def test_the_shipped_findings_load() -> None:
    assert {f.code for f in findings.findings()} >= {"R50.9", "R00.0", "R09.02"}
