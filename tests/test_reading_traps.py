"""Criterion and note wordings that trap a reader, each with what a careful reader decides. They came
from a review of the readers of conditions with windows and durations, ages in months, weeks of
gestation and bounds a condition sets: a condition the note does not date, two conditions dated in one
clause, a symptom's time that is another thing's, words before a name that make it another thing, an
infant beside the adult who writes."""

from __future__ import annotations

from datetime import date

import pytest

from eligibility.engine import screen
from eligibility.extract import read_patient
from tests.test_reading import trial_of

TODAY = date(2014, 6, 1)

POSTMENOPAUSAL_AND_55 = (
    "Women >2 years postmenopausal (defined as 1 year or longer since last menstrual period) AND more than 55 "
    "years of age."
)

CASES = [
    ("Women aged 18-45 with asthma", "inclusion", "30 yo man with asthma.", "unknown"),
    (
        "Onset of stroke or TIA symptoms within the previous 60 days",
        "inclusion",
        "70 yo man. PMH: stroke, HTN, DM.",
        "unknown",
    ),
    (
        "Onset of stroke or TIA symptoms within the previous 60 days",
        "inclusion",
        "70 yo man with old stroke and residual left hemiparesis",
        "unknown",
    ),
    (
        "Onset of stroke or TIA symptoms within the previous 60 days",
        "inclusion",
        "70 yo man with stroke (2005)",
        "unknown",
    ),
    ("Myocardial infarction within the past 6 months", "exclusion", "PMH: MI (2010), HTN.", "unknown"),
    ("Stroke or TIA within the past 3 months", "exclusion", "History of stroke 5 years ago and TIA last week.", "met"),
    (
        "Myocardial infarction within the past 6 months",
        "exclusion",
        "Prior MI in 2010 and a stroke 2 months ago",
        "not_met",
    ),
    ("Cough lasting at least 3 weeks", "exclusion", "Cough x 2 months. 2 days of worsening cough.", "met"),
    (
        "Cough lasting at least 3 weeks",
        "exclusion",
        "COPD with chronic cough; now 3 days of worsening cough.",
        "unknown",
    ),
    ("Fever for more than 7 days", "inclusion", "Fever, now afebrile for 10 days.", "unknown"),
    ("Fever for more than 7 days", "inclusion", "Fever began 10 days ago; afebrile for the past 3 days", "unknown"),
    ("Asthma for at least 1 year", "inclusion", "asthma, stable for 3 months on inhaled steroids", "unknown"),
    ("Migraine", "inclusion", "Past history of migraine that began in 2003; no headaches for 5 years.", "unknown"),
    (
        "Seizures",
        "exclusion",
        "History of seizures that started in 2001, seizure-free since 2005 off medication.",
        "unknown",
    ),
    ("BMI > 25", "inclusion", "40 yo non-obese man.", "unknown"),
    ("BMI >= 27", "inclusion", "An obese 8-year-old boy with asthma.", "unknown"),
    ("BMI > 25", "inclusion", "45 yo woman with central obesity", "unknown"),
    ("BMI > 25", "inclusion", "45 yo woman, formerly obese, after gastric bypass", "unknown"),
    ("Symptoms: cough and fever", "inclusion", "50 yo man with cough.", "unknown"),
    ("Women aged 18 years or older who are 6 to 12 weeks postpartum", "inclusion", "30 yo woman", "unknown"),
    ("Age over 75 years, or 2 to 4 weeks after surgery", "exclusion", "80 yo man", "met"),
    # the sex an inclusion names is read or asked, never dropped beside an age (a verdict review of HINT trials)
    ("Be Female aged 18-100 years", "inclusion", "A 44 yo male", "not_met"),
    ("Patient is a female ≥ 18 years of age", "inclusion", "A 67-year-old man comes to the clinic", "not_met"),
    ("Patients must be male and 18 or older", "inclusion", "A 30 yo woman", "unknown"),
    ("Male or female, aged 18 to 65", "inclusion", "A 30 yo woman", "met"),
    # "essential" narrows: a note's bare hypertension may be secondary
    ("Diagnosis of essential hypertension", "inclusion", "Hypertension, renal-artery stenosis, CKD.", "unknown"),
    ("Diagnosis of essential hypertension", "inclusion", "History of essential hypertension.", "met"),
    # what a condition required says how severe it was: taking the medicine is no case of it (HINT, a review)
    (
        "Has a history of (non-infectious) pneumonitis that required steroids or current pneumonitis",
        "exclusion",
        "On prednisone 10 mg daily for lupus.",
        "unknown",
    ),
    ("Asthma requiring oral steroids in the past year", "exclusion", "On prednisone 10 mg daily for lupus.", "unknown"),
    # an age the rest of an exclusion is said of excludes no one on its own (HINT trials, a verdict review)
    (POSTMENOPAUSAL_AND_55, "exclusion", "63-year-old woman", "unknown"),
    (POSTMENOPAUSAL_AND_55, "exclusion", "40-year-old woman", "not_met"),
    (
        "women are considered to be in a postmenopausal state when >= 54 years of age with cessation of previously "
        "occurring menses for >= 12 months without an alternative cause",
        "exclusion",
        "57-year-old woman",
        "unknown",
    ),
    ("Age >= 18", "inclusion", "I'm 32 and my 4-month-old has a cold.", "met"),
    ("Pregnancy", "exclusion", "30 yo woman, had a miscarriage at 11 weeks gestation last year", "unknown"),
    (
        "Pregnancy",
        "exclusion",
        "30 yo woman seen at 32 weeks gestation for preeclampsia and delivered by C-section",
        "unknown",
    ),
    ("Preterm infants born at less than 32 weeks gestation", "inclusion", "3-day-old boy born at 28 weeks", "unknown"),
    (
        "Gestational age 10-14 weeks and maternal age 18 to 45 years",
        "inclusion",
        "50 yo woman, 12 weeks pregnant",
        "not_met",
    ),
    ("Women 18-45 years, gestational age 10-14 weeks", "inclusion", "50 yo woman, 12 weeks pregnant", "not_met"),
    ("Weight >= 50 kg", "inclusion", "Follow-up weight 70 kg", "met"),
    ("Weight >= 50 kg", "inclusion", "5 kg weight loss, currently 45 kg", "not_met"),
    ("Weight loss", "exclusion", "interested in weight loss surgery", "unknown"),
]


@pytest.mark.parametrize("criterion, kind, note, status", CASES)
def test_a_careful_reading(criterion: str, kind: str, note: str, status: str) -> None:
    inclusion, exclusion = ([criterion], []) if kind == "inclusion" else ([], [criterion])
    trial, compiled = trial_of(inclusion, exclusion)
    verdict = screen(trial, compiled, read_patient(note, TODAY), TODAY).verdicts[0]
    assert verdict.status == status, verdict.reason
