"""A rule of another kind (a pregnancy flag, a lab limit, an allergy, another trial, refractory disease)
decides only when it reads every condition its criterion names. HINT held 300 criteria whose rule
dropped one: "Positive test result for serum hCG consistent with pregnancy, HIV, Hepatitis B ..." was
read as "pregnant", so a man with HIV was not excluded. Criteria in quotes are from the HINT trials
(shared/data/external/hint/)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from eligibility.reading import Mode
from tests.test_unread import compiled, status

EXAMPLES = settings(max_examples=40, derandomize=True, deadline=None)


@pytest.mark.parametrize(
    "text, kind, note, dropped",
    [
        (
            "Positive test result for serum hCG consistent with pregnancy (females only), HIV, Hepatitis B surface "
            "antigen, or Hepatitis C antibody.",
            "exclusion",
            "A 40-year-old man with HIV on antiretroviral therapy.",
            "HIV",
        ),
        (
            "Severe depression; and pregnant or lactating female.",
            "exclusion",
            "A 35-year-old woman with severe depression. Not pregnant, not breastfeeding.",
            "depression",
        ),
        (
            "Patients with known hepatic failure, AST/ALT> 3 x Upper Limit of Normal;",
            "exclusion",
            "Known hepatic failure. ALT 30 U/L (ULN 40), AST 25 U/L (ULN 40).",
            "hepatic failure",
        ),
        (
            "Diabetes mellitus or significant glucose intolerance",
            "exclusion",
            "Type 2 diabetes on metformin. No known drug allergies.",
            "Diabetes",
        ),
        (  # treatments no rule reads: read as another trial alone, it cleared a patient just off chemotherapy
            "Prior chemotherapy, radiation therapy, surgery, or investigational agent within 4 weeks prior to study "
            "entry",
            "exclusion",
            "Chemotherapy completed 2 weeks ago. Not in any other clinical trial.",
            "chemotherapy",
        ),
        (  # a vaccine received: read as pregnancy alone, it cleared a man just vaccinated
            "Pregnant women; patients who received influenza vaccine",
            "exclusion",
            "A 45-year-old man. Flu shot last month.",
            "received influenza vaccine",
        ),
        (
            "Patients must have a diagnosis of relapsed or refractory AML or ALL",
            "inclusion",
            "SLE with an inadequate response to hydroxychloroquine and prednisone. No cancer.",
            "AML",
        ),
    ],
)
def test_a_condition_the_rule_does_not_read_keeps_the_criterion_open(
    text: str, kind: str, note: str, dropped: str
) -> None:
    cc = compiled(text, kind)
    assert cc.reading is not None and cc.reading.mode == Mode.QUESTION, cc.reading
    assert f"'{dropped}'" in cc.reading.words and "not read" in cc.reading.words
    # the rule alone cleared the exclusion, or met the inclusion; the named condition now keeps it open
    assert (
        status(text, note, kind) == ("met" if kind == "exclusion" else "unknown")
        or status(text, note, kind) == "unknown"
    )


@pytest.mark.parametrize(
    "text, kind",
    [
        ("Renal insufficiency (eGFR < 30ml/min)", "exclusion"),  # the measurement defines the condition
        ("Significant thrombocytopenia: <100 x 10^9 /L", "exclusion"),
        ("Known severe renal impairment, as indicated by estimated CrCl <30 mL/min (by Cockcroft-Gault)", "exclusion"),
        ("No concurrent steroids for asthma", "inclusion"),  # what the treatment is for
        ("Subjects using allowed pre-existing lupus treatments, if stable for at least 6 weeks", "inclusion"),
        (  # what the allergy shows as
            "History of hypersensitivity reaction to penicillin (e.g. anaphylaxis, angioedema, exfoliative skin "
            "conditions)",
            "exclusion",
        ),
        (  # a sentence that allows something
            "AST or ALT greater than 2.5 x ULN. Elevated bilirubin due only to Gilbert's syndrome is not exclusionary.",
            "exclusion",
        ),
        ("Has taken NSAIDs within 10 days prior to the scheduled surgery.", "exclusion"),  # surgery only sets a time
        ("Males must agree to use barrier contraception or have documented surgical sterilization", "inclusion"),
        (  # the people a limit is changed for
            "SGPT/ALT and SGOT/AST ≤ 2.5 x ULN for patients with liver metastasis",
            "inclusion",
        ),
    ],
)
def test_a_condition_the_rule_reads_or_needs_not_read_leaves_it_a_rule(text: str, kind: str) -> None:
    cc = compiled(text, kind)
    assert cc.reading is not None and cc.reading.mode == Mode.RULE, cc.reading


def test_a_condition_named_inside_another_word_does_not_make_a_rule() -> None:
    # "unstable angina" is no stable treatment regimen, "lactose intolerance" no drug allergy: the conditions
    # kind reads them
    mi = "Myocardial infarction or unstable angina within 6 months prior to registration"
    assert status(mi, "Myocardial infarction 2 months ago.") == "met"
    assert status("Lactose intolerance, lactase deficit", "No known drug allergies. Lactose intolerance.") != "not_met"


BASES = [
    "Pregnant or breastfeeding women",
    "Participation in another clinical trial within 30 days",
    "ALT > 3 x ULN",
    "Known allergy to penicillin",
    "Current use of systemic corticosteroids",
]
CONDITIONS = ["HIV infection", "hepatitis C", "epilepsy", "multiple sclerosis", "heart failure", "Crohn's disease"]


@EXAMPLES
@given(
    base=st.sampled_from(BASES), condition=st.sampled_from(CONDITIONS), joiner=st.sampled_from([", or ", "; ", " or "])
)
def test_a_named_alternative_is_never_cleared_by_the_rule_beside_it(base: str, condition: str, joiner: str) -> None:
    text = f"{base}{joiner}{condition}"
    note = f"A 45-year-old woman with {condition}, not pregnant, no drug allergies, ALT 20 U/L (ULN 40)."
    assert status(text, note) in ("met", "unknown"), text


GROUPS = [
    ("neonates", "A 10-day-old boy."),
    ("preterm infants", "A 3-week-old boy born at 31 weeks."),
    ("infants", "An 8-month-old boy."),
    ("elderly patients", "An 82-year-old man."),
    ("children", "A 6-year-old boy."),
]


@EXAMPLES
@given(group=st.sampled_from(GROUPS), base=st.sampled_from(["pregnancy", "Pregnant women", "lactating women"]))
def test_an_age_group_beside_a_pregnancy_flag_is_not_dropped_for_a_boy_or_a_man(
    group: tuple[str, str], base: str
) -> None:
    # "Preterm and neonates, pregnancy" (a TrialGPT trial) was read as "pregnant", which does not apply to men:
    # a newborn boy, one of the people it excludes, came out "not applicable"
    words, note = group
    for text in (f"{words.capitalize()}, {base}", f"{base} and {words}"):
        assert status(text, note) in ("met", "unknown"), text


@pytest.mark.parametrize(
    "text, note, expected",
    [
        ("Children under 3 years, pregnancy", "A 10-day-old boy.", "met"),  # the age group opens the age limit
        ("Children under 3 years, pregnancy", "A 40-year-old man.", "not_met"),
        ("Infants less than 6 months", "A 2-month-old girl.", "met"),
        ("Infants less than 6 months", "A 1-year-old girl.", "not_met"),
        ("infants </=12 months of age", "A 12-month-old boy.", "met"),  # CT.gov's "</=" is "at most"
        ("Children and adolescents aged 7-18 years old", "A 16-year-old boy.", "met"),  # groups share the limit
    ],
)
def test_an_age_group_with_a_limit_is_an_age_rule(text: str, note: str, expected: str) -> None:
    assert status(text, note) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Women who are pregnant or plan to have children",  # the children one has are no age group
        "Pregnant women or women of child-bearing potential not using contraception",
        "Pregnancy or lactation, or mothers of infants",
    ],
)
def test_children_one_has_or_bears_are_no_age_group(text: str) -> None:
    assert status(text, "A 40-year-old man.") == "not_applicable", text


NOTE = (
    "A 40-year-old man with HIV on antiretroviral therapy and hepatitis C. Ischemic stroke 2 months ago. "
    "Chemotherapy (carboplatin) completed 2 weeks ago. Major surgery 2 weeks ago. Not in any other clinical trial."
)


@pytest.mark.parametrize(
    "text",
    [
        # a treatment received, not a time ("Receipt of", "Use of")
        "Receipt of chemotherapy or an investigational agent within 4 weeks prior to study entry",
        "Use of any chemotherapy or investigational drug within 28 days before enrollment",
        # a second time span: the rule's own window is not all the criterion asks
        "Participation in another clinical trial within 30 days, or stroke within 6 months",
        "Investigational drug within 30 days or major surgery within 4 weeks",
        # a test's result, or a condition that needs treatment: no treatment rule reads it
        "Pregnancy, or positive test for HIV or hepatitis C",
        "Pregnancy or breastfeeding, or HIV requiring therapy",
        # an allowance or a reason holds for its own piece of the list only
        "Pregnant or breastfeeding women, HIV infection, or hepatitis B (inactive carriers are allowed)",
        "Pregnant women due to the potential teratogenic effects, or known HIV",
    ],
)
def test_what_a_reviewer_found_the_rule_beside_it_still_cleared(text: str) -> None:
    assert status(text, NOTE) in ("met", "unknown"), text


def test_an_inclusion_naming_a_test_beside_a_pregnancy_flag_is_not_met_by_the_flag() -> None:
    assert status("Not pregnant, and negative for HIV", "32 year old woman with HIV, not pregnant.", "inclusion") != (
        "met"
    )


@pytest.mark.parametrize(
    "text, note",
    [
        ("Spinal muscular atrophy (type 2 or 3)", "18 month old with spinal muscular atrophy type 1, on nusinersen."),
        ("Bipolar disorder (type I)", "Bipolar II disorder, on lamotrigine."),
    ],
)
def test_the_subtypes_a_bracket_lists_are_what_an_inclusion_asks_for(text: str, note: str) -> None:
    assert status(text, note, "inclusion") != "met"


@pytest.mark.parametrize(
    "text, note",
    [
        (
            "Patient is a women who is pregnant or breastfeeding. Patient has an active infection that requires "
            "antibiotics",
            "A 50-year-old man with pneumonia on amoxicillin.",
        ),
        ("Total bilirubin > 1.5 x ULN (except Gilbert's syndrome) or active hepatitis", "Bilirubin 0.5 x ULN."),
    ],
)
def test_a_condition_icd_gives_no_name_of_its_own_is_not_dropped(text: str, note: str) -> None:
    # ICD-10-CM has no code for "infection" or "hepatitis" alone: the rule beside them read the whole criterion
    assert status(text, note) in ("met", "unknown"), text


@pytest.mark.parametrize(
    "text, note",
    [
        # weeks of gestation are no age of the infant
        ("Infants < 32 weeks gestational age", "A 10-month-old boy, born at 28 weeks gestation."),
        ("Infants < 37 weeks gestation (at birth)", "A 10-month-old boy, born at 28 weeks gestation."),
        # the ages of the children one lives or works with are not one's own
        ("Household contact with children under 2 years", "A 30-year-old woman living with her 1-year-old son."),
        ("Working with children under 5 years (e.g. day care)", "A 25-year-old daycare worker."),
        # a number after the age group that is no age
        ("Children > 95th percentile BMI", "A 10-year-old boy with a BMI at the 97th percentile."),
        ("Children < 3 doses of DTP vaccine", "A 4-year-old girl with 2 doses of DTP."),
        # an age group in its own piece of the list is not read by the age limit in another
        ("Pregnant or lactating women, minors, and patients over 75 years of age", "A 16-year-old boy with asthma."),
    ],
)
def test_an_age_group_is_the_persons_age_only_when_a_limit_says_it(text: str, note: str) -> None:
    assert status(text, note) in ("met", "unknown"), text


def test_an_age_group_of_an_inclusion_with_weeks_of_gestation_does_not_rule_a_newborn_out() -> None:
    assert status("Neonates ≥ 35 weeks of gestation", "A 3-day-old boy born at 39 weeks.", "inclusion") != "not_met"


@pytest.mark.parametrize(
    "text",
    [
        "Pregnant women; patients who received the influenza vaccine",
        "Pregnant women; patients who have received the COVID-19 vaccine within 14 days",
        "Pregnant women; patients who have received a live, attenuated vaccine within 4 weeks",
        "Pregnant women; prior influenza vaccination this season",
    ],
)
def test_a_vaccine_received_is_never_cleared_by_a_pregnancy_flag(text: str) -> None:
    note = "40M. Received influenza vaccine (Fluzone) and the COVID-19 vaccine and MMR live vaccine last week."
    assert status(text, note) in ("met", "unknown"), text


@pytest.mark.parametrize(
    "text",
    [
        "Women of childbearing potential must use contraception while receiving the vaccine and for 30 days after",
        "Participation in an investigational drug trial or having received an investigational vaccine within 30 days",
    ],
)
def test_the_study_s_own_vaccine_or_a_trial_s_is_no_treatment_named_beside(text: str) -> None:
    assert compiled(text, "inclusion" if text.startswith("Women") else "exclusion").reading.mode == Mode.RULE, text


@pytest.mark.parametrize(
    "text, note",
    [
        (  # "infection" beside a treatment rule and the conditions it reads: it was read as the bracket's list
            "Active infection, or chronic or persistent infection that might worsen with immunosuppressive treatment "
            "(e.g., Human Immunodeficiency Virus [HIV], hepatitis B or C, tuberculosis)",
            "Pneumonia on IV ceftriaxone. HIV, hepatitis B and C negative, no TB. No immunosuppressive medications.",
        ),
        (  # "chemotherapy for cancer" was read as biologics or any cancer
            "Patients must not have had radiation therapy, hormonal therapy, biologic therapy or chemotherapy for "
            "cancer within the 28 days prior to study day 1.",
            "Breast cancer. Chemotherapy (paclitaxel) last week. Never had biologics.",
        ),
        (
            "Age<60 yrs with any one of the following risk factors: Diabetes, coronary artery disease, peripheral "
            "artery disease and/or cerebrovascular disease",
            "A 45-year-old man with coronary artery disease. No diabetes.",
        ),
    ],
)
def test_a_condition_beside_a_treatment_and_the_conditions_read_with_it_is_not_dropped(text: str, note: str) -> None:
    # the rule of a treatment and conditions used to go unchecked for the other conditions its criterion names
    kind = "inclusion" if text.startswith(("Patients must not", "Age")) else "exclusion"
    assert status(text, note, kind) == "unknown", text


def test_the_condition_a_treatment_is_required_for_is_read_with_the_treatment() -> None:
    text = "Lupus nephritis requiring hemodialysis, cyclophosphamide (Cytoxan), or high-dose prednisone (> 100 mg/day)"
    assert compiled(text).reading.mode == Mode.RULE
    assert status(text, "Lupus nephritis, on cyclophosphamide since last month.") == "met"


@pytest.mark.parametrize(
    "text, kind",
    [
        ("No other concurrent anticancer agents or therapies for this cancer.", "inclusion"),
        ("No prior therapy for this cancer", "inclusion"),
        (
            "Currently receiving any therapeutic treatment for their malignancy including other investigational agents",
            "exclusion",
        ),
        ("Patients receiving concurrent therapy for their tumor (with the exception of steroids)", "exclusion"),
    ],
)
def test_a_cancer_named_as_what_a_therapy_is_for_does_not_rule_out_every_cancer_patient(text: str, kind: str) -> None:
    # read as the cancer itself, these ruled out every patient of a cancer trial ("not (cancer)")
    note = "A 60-year-old woman with metastatic breast cancer, newly diagnosed."
    assert status(text, note, kind) == "unknown", text


@pytest.mark.parametrize(
    "text",
    [
        "Patients receiving any other standard or investigational treatment for their cancer, or any other "
        "investigational agent for any indication.",
        "Patients currently receiving medication (steroid or anticonvulsant therapy) for seizure disorder",
    ],
)
def test_a_treatment_joined_to_the_one_the_rule_reads_is_not_dropped(text: str) -> None:
    # read as another trial (or steroids) alone, these cleared a patient on standard chemotherapy (or phenytoin)
    note = "On carboplatin and on phenytoin for seizures. Not in any other clinical trial. No steroids."
    assert status(text, note) in ("met", "unknown"), text


@pytest.mark.parametrize(
    "text",
    [
        "No concurrent steroids for asthma",
        "Use of any of the following medications for the treatment of Interstitial Lung Disease (ILD): "
        "azathioprine (AZA), cyclosporine, MMF, tacrolimus",
        "Currently receiving any other investigational agents for the treatment of their cancer.",
    ],
)
def test_a_condition_named_as_what_the_rules_own_treatment_is_for_leaves_it_a_rule(text: str) -> None:
    kind = "inclusion" if text.startswith("No ") else "exclusion"
    assert compiled(text, kind).reading.mode == Mode.RULE, text


def test_the_next_alternative_after_an_indication_is_not_its_treatment() -> None:
    # "steroid therapy" after "for the cancer or" is another alternative, not the drug therapy "for the
    # cancer" is about: read as "no steroids", a patient on letrozole met it (found by a review)
    text = "No current other drug therapy for the cancer or steroid therapy."
    assert status(text, "Metastatic breast cancer on letrozole and palbociclib. No steroids.", "inclusion") != "met"
