#!/usr/bin/env python3
"""Generates the XLSForm test corpus that `crates/forms/tests/it/corpus.rs` checks.

Every workbook is defined below as plain data, so the corpus can be reviewed as a diff of
this file and rebuilt with

    python3 crates/forms/tests/corpus/make_corpus.py

(needs `openpyxl`). Output goes to `valid/` and `invalid/` next to this script; both are
emptied first. The files are byte-for-byte reproducible: zip timestamps and document
properties are fixed.

Conventions:
- a sheet is a list of rows; the first row is the header (spreadsheet row 1);
- `None` as a row leaves that spreadsheet row blank;
- every cell is written as text, as XLSForm authors type it; empty strings are not written.

Each invalid workbook has exactly one defect, described in its comment together with the
sheet, row and column the importer is expected to report (the Rust test holds the same table,
`INVALID_CASES` in `crates/forms/tests/it/corpus_cases.rs`, with what the valid forms added with
the XLSForm features must say).
"""

import io
import re
import shutil
import zipfile
from pathlib import Path

from openpyxl import Workbook

HERE = Path(__file__).resolve().parent
VALID = HERE / "valid"
INVALID = HERE / "invalid"

FIXED_TIME = (2026, 11, 23, 0, 0, 0)
FIXED_ISO = "2026-11-23T00:00:00Z"


# ---------------------------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------------------------


def reproducible(data: bytes) -> bytes:
    """Rewrites a zip with fixed timestamps (and fixed document-property dates)."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                body = re.sub(
                    rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(<)",
                    rb"\g<1>" + FIXED_ISO.encode() + rb"\2",
                    body,
                )
            zi = zipfile.ZipInfo(info.filename, date_time=FIXED_TIME)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o644 << 16
            dst.writestr(zi, body)
    return out.getvalue()


def xlsx(sheets):
    """The bytes of a workbook with the given (name, rows) sheets, in order."""
    wb = Workbook()
    wb.remove(wb.active)
    for name, rows in sheets:
        ws = wb.create_sheet(name)
        for r, row in enumerate(rows, start=1):
            if row is None:
                continue
            for c, value in enumerate(row, start=1):
                if value is None or value == "":
                    continue
                value = str(value)
                # openpyxl would store a leading '=' as a formula.
                assert not value.startswith("="), value
                ws.cell(row=r, column=c, value=value)
    buf = io.BytesIO()
    wb.save(buf)
    return reproducible(buf.getvalue())


def form(survey, choices=None, settings=None):
    """The usual XLSForm sheets: survey, then choices and settings when given."""
    sheets = [("survey", survey)]
    if choices is not None:
        sheets.append(("choices", choices))
    if settings is not None:
        sheets.append(("settings", settings))
    return sheets


def settings(form_id, title, version="1", default_language=None):
    header = ["form_id", "form_title", "version"]
    row = [form_id, title, version]
    if default_language is not None:
        header.append("default_language")
        row.append(default_language)
    return [header, row]


CHOICES_HEADER = ["list_name", "name", "label"]
YES_NO = [["yes_no", "yes", "Yes"], ["yes_no", "no", "No"]]

# ---------------------------------------------------------------------------------------------
# Valid forms
# ---------------------------------------------------------------------------------------------

VALID_FORMS = {}

# Basic types (text, integer, decimal, date, note), required / required_message, constraints
# on `.` with constraint_message, a hint.
VALID_FORMS["household_profile.xlsx"] = form(
    survey=[
        ["type", "name", "label", "hint", "required", "required_message", "constraint",
         "constraint_message"],
        ["note", "intro", "This interview records the situation of the returnee household on arrival."],
        ["text", "head_name", "Name of the household head", "", "yes",
         "Enter the name of the household head."],
        ["integer", "household_size", "How many people live in the household?",
         "Count everyone who usually sleeps here.", "yes", "", ". >= 1 and . <= 30",
         "A household has between 1 and 30 members."],
        ["decimal", "monthly_income", "Household income last month (local currency)", "", "", "",
         ". >= 0", "Income cannot be negative."],
        ["date", "return_date", "Date of return", "", "yes", "", ". <= today()",
         "The return date cannot be in the future."],
        ["text", "address", "Current address or description of the location"],
    ],
    settings=settings("household_profile", "Household profile", "2026112301"),
)

# Translations: label, hint, required_message and constraint_message in English and French,
# translated choice labels, default_language. Also the form the engine test fills.
VALID_FORMS["returnee_translated.xlsx"] = form(
    survey=[
        ["type", "name", "label::English (en)", "label::French (fr)", "hint::English (en)",
         "hint::French (fr)", "required", "required_message::English (en)",
         "required_message::French (fr)", "relevant", "constraint",
         "constraint_message::English (en)", "constraint_message::French (fr)", "calculation"],
        ["note", "welcome", "Welcome. This intake takes about ten minutes.",
         "Bienvenue. Cet entretien dure environ dix minutes."],
        ["text", "respondent_name", "Full name", "Nom complet", "As on the travel document",
         "Comme sur le document de voyage", "yes", "Enter the returnee's name.",
         "Saisissez le nom de la personne."],
        ["integer", "age", "Age in years", "Âge en années", "", "", "yes", "", "", "",
         ". >= 0 and . <= 120", "Age must be between 0 and 120.",
         "L'âge doit être compris entre 0 et 120."],
        ["select_one yes_no", "has_children", "Do you have children?", "Avez-vous des enfants ?"],
        ["integer", "children_count", "How many children?", "Combien d'enfants ?", "", "", "", "",
         "", "${has_children} = 'yes'", ". >= 1", "Enter at least 1.", "Saisissez au moins 1."],
        ["calculate", "age_group", "", "", "", "", "", "", "", "", "", "", "",
         "if(${age} < 18, 'minor', 'adult')"],
        ["date", "return_date", "Date of return", "Date du retour", "Day of arrival in the country",
         "Jour d'arrivée dans le pays", "", "", "", "", ". <= today()",
         "The date cannot be in the future.", "La date ne peut pas être dans le futur."],
        ["select_one countries", "host_country", "Country you returned from",
         "Pays d'où vous revenez"],
    ],
    choices=[
        ["list_name", "name", "label::English (en)", "label::French (fr)"],
        ["yes_no", "yes", "Yes", "Oui"],
        ["yes_no", "no", "No", "Non"],
        ["countries", "ly", "Libya", "Libye"],
        ["countries", "ma", "Morocco", "Maroc"],
        ["countries", "dz", "Algeria", "Algérie"],
        ["countries", "ne", "Niger", "Niger"],
    ],
    settings=settings("returnee_intake", "Returnee intake", "3", "English (en)"),
)

# No settings sheet: the form id and title come from the file name.
VALID_FORMS["skills-inventory-v2.xlsx"] = form(
    survey=[
        ["type", "name", "label", "required", "relevant"],
        ["select_multiple skills", "trade_skills", "Which trades can you practise?", "yes"],
        ["text", "other_skill", "Other trade", "", "selected(${trade_skills}, 'other')"],
        ["integer", "years_experience", "Years of experience in your main trade", "",
         "count-selected(${trade_skills}) > 0"],
        ["select_one levels", "literacy", "Can you read and write?"],
    ],
    choices=[
        CHOICES_HEADER,
        ["skills", "tailoring", "Tailoring"],
        ["skills", "carpentry", "Carpentry"],
        ["skills", "masonry", "Masonry"],
        ["skills", "mechanics", "Motor mechanics"],
        ["skills", "agriculture", "Farming"],
        ["skills", "hairdressing", "Hairdressing"],
        ["skills", "other", "Other"],
        ["levels", "none", "No"],
        ["levels", "basic", "A little"],
        ["levels", "fluent", "Yes, fluently"],
    ],
)

# Headers in another case and with spaces; type cells in another case; yes() spellings;
# the 'constraint_msg' alias.
VALID_FORMS["case_insensitive_headers.xlsx"] = form(
    survey=[
        ["Type", "Name", "Label", "Hint", "Required", "Constraint", "Constraint_Msg", "Read Only"],
        ["Text", "phone_number", "Phone number", "Including the country code", "Yes",
         "string-length(.) >= 8", "Enter at least 8 characters."],
        ["select_one yes_no", "has_whatsapp", "Is this number on WhatsApp?", "", "TRUE"],
        ["Integer", "contact_attempts", "Contact attempts so far", "", "", "", "", "yes"],
    ],
    choices=[["List Name", "Name", "Label"]] + YES_NO,
    settings=[["Form_ID", "Form Title", "Version"], ["contact_details", "Contact details", "1.2"]],
)

# Columns Reintegra does not interpret, on all three sheets: kept for the round trip.
VALID_FORMS["extra_columns.xlsx"] = form(
    survey=[
        ["type", "name", "label", "enumerator_note", "Source question", "media::image"],
        ["text", "id_document", "Identity document number", "Ask to see the document",
         "IOM RRF 2.1"],
        ["select_one doc_types", "id_document_type", "Type of document", "", "", "id_types.png"],
        ["text", "notes", "Other remarks"],
    ],
    choices=[
        ["list_name", "name", "label", "issuer"],
        ["doc_types", "passport", "Passport", "Ministry of the Interior"],
        ["doc_types", "national_id", "National identity card", "Civil registry"],
        ["doc_types", "laissez_passer", "Laissez-passer", "Embassy or consulate"],
        ["doc_types", "none", "No document"],
    ],
    settings=[
        ["form_id", "form_title", "version", "style", "instance_name"],
        ["identity_documents", "Identity documents", "1", "pages",
         "concat(${id_document}, '-', today())"],
    ],
)

# Blank rows in the middle of the survey and choices: skipped, row numbers kept.
VALID_FORMS["blank_rows.xlsx"] = form(
    survey=[
        ["type", "name", "label", "required"],
        ["text", "referral_id", "Referral reference"],  # row 2
        None,  # row 3
        ["date", "referral_date", "Referral date", "yes"],  # row 4
        None,  # row 5
        None,  # row 6
        ["select_one services", "service", "Service referred to"],  # row 7
        ["text", "partner", "Receiving organisation"],  # row 8
    ],
    choices=[
        CHOICES_HEADER,
        ["services", "health", "Health care"],  # row 2
        ["services", "legal", "Legal assistance"],  # row 3
        None,  # row 4
        ["services", "shelter", "Shelter"],  # row 5
    ],
    settings=settings("referral_slip", "Referral slip"),
)

# Groups: begin_group/end_group and the spaced spellings, nested, with relevance and
# appearance.
VALID_FORMS["groups.xlsx"] = form(
    survey=[
        ["type", "name", "label", "relevant", "appearance", "calculation"],
        ["begin_group", "household", "Household", "", "field-list"],  # 0
        ["integer", "adults", "Adults (18 and over)"],  # 1
        ["integer", "minors", "Children under 18"],  # 2
        ["end_group"],  # 3
        ["begin group", "livelihood", "Livelihood"],  # 4
        ["select_one yes_no", "employed", "Do you currently have paid work?"],  # 5
        ["begin group", "work", "Current work", "${employed} = 'yes'"],  # 6
        ["text", "occupation", "Occupation"],  # 7
        ["decimal", "weekly_hours", "Hours worked per week"],  # 8
        ["end group"],  # 9
        ["end group"],  # 10
        ["calculate", "household_total", "", "", "", "${adults} + ${minors}"],  # 11
    ],
    choices=[CHOICES_HEADER] + YES_NO,
    settings=settings("livelihood_groups", "Household and livelihood"),
)

# Repeats: begin_repeat/end_repeat with a nested 'begin repeat'/'end repeat'.
VALID_FORMS["household_members_repeat.xlsx"] = form(
    survey=[
        ["type", "name", "label", "required", "relevant", "constraint", "constraint_message"],
        ["integer", "household_size", "How many people live in the household?", "yes", "",
         ". >= 1"],  # 0
        ["begin_repeat", "members", "Household member"],  # 1
        ["text", "member_name", "Name", "yes"],  # 2
        ["integer", "member_age", "Age", "", "", ". >= 0 and . < 120"],  # 3
        ["select_one relationship", "member_relationship", "Relationship to the household head"],
        ["select_one yes_no", "worked_abroad", "Did this person work abroad?"],  # 5
        ["begin repeat", "jobs", "Jobs held abroad", "", "${worked_abroad} = 'yes'"],  # 6
        ["text", "job_title", "Job"],  # 7
        ["text", "job_country", "Country"],  # 8
        ["integer", "job_months", "Duration (months)", "", "",
         ". > 0 and . <= ${member_age} * 12", "Longer than the person's life."],  # 9
        ["end repeat"],  # 10
        ["end_repeat"],  # 11
        ["note", "done", "Thank you. Check that every household member is listed."],  # 12
    ],
    choices=[
        CHOICES_HEADER,
        ["relationship", "head", "Household head"],
        ["relationship", "spouse", "Spouse"],
        ["relationship", "child", "Son or daughter"],
        ["relationship", "parent", "Parent"],
        ["relationship", "sibling", "Brother or sister"],
        ["relationship", "other_relative", "Other relative"],
    ]
    + YES_NO,
    settings=settings("household_members", "Household members"),
)

# Every spelling of the select types.
VALID_FORMS["select_spellings.xlsx"] = form(
    survey=[
        ["type", "name", "label", "relevant"],
        ["select_one yes_no", "received_assistance",
         "Have you received assistance since your return?"],
        ["select one from assistance_types", "assistance_kind", "What kind of assistance?",
         "${received_assistance} = 'yes'"],
        ["select_multiple needs", "priority_needs", "What are your priority needs?"],
        ["select all that apply from needs", "unmet_needs", "Which needs are not met today?"],
        ["select multiple needs", "needs_referred", "Which needs were already referred?"],
        ["select one yes_no", "wants_followup", "Would you like a follow-up visit?"],
    ],
    choices=[
        CHOICES_HEADER,
        *YES_NO,
        ["assistance_types", "cash", "Cash"],
        ["assistance_types", "in_kind", "Goods"],
        ["assistance_types", "training", "Training"],
        ["assistance_types", "counselling", "Counselling"],
        ["needs", "food", "Food"],
        ["needs", "shelter", "Shelter"],
        ["needs", "health", "Health care"],
        ["needs", "education", "Schooling"],
        ["needs", "employment", "Work"],
        ["needs", "documentation", "Civil documents"],
        ["needs", "psychosocial", "Psychosocial support"],
    ],
    settings=settings("assistance_needs", "Assistance and needs"),
)

# Cascading selects: choice_filter on a column of the choices sheet.
VALID_FORMS["choice_filter.xlsx"] = form(
    survey=[
        ["type", "name", "label", "required", "choice_filter"],
        ["select_one countries", "country", "Country of return", "yes"],
        ["select_one regions", "region", "Region", "yes", "country = ${country}"],
        ["select_one districts", "district", "District", "", "region = ${region}"],
        ["text", "village", "Town or village"],
    ],
    choices=[
        ["list_name", "name", "label", "country", "region"],
        ["countries", "sn", "Senegal"],
        ["countries", "ml", "Mali"],
        ["countries", "gn", "Guinea"],
        ["regions", "dakar", "Dakar", "sn"],
        ["regions", "thies", "Thiès", "sn"],
        ["regions", "kayes", "Kayes", "ml"],
        ["regions", "bamako", "Bamako", "ml"],
        ["regions", "conakry", "Conakry", "gn"],
        ["regions", "kankan", "Kankan", "gn"],
        ["districts", "pikine", "Pikine", "", "dakar"],
        ["districts", "rufisque", "Rufisque", "", "dakar"],
        ["districts", "mbour", "Mbour", "", "thies"],
        ["districts", "kita", "Kita", "", "kayes"],
        ["districts", "nioro", "Nioro du Sahel", "", "kayes"],
        ["districts", "kaloum", "Kaloum", "", "conakry"],
        ["districts", "siguiri", "Siguiri", "", "kankan"],
    ],
    settings=settings("return_location", "Place of return"),
)

# Metadata filled in by the server, a consent acknowledgement, a calculation on today.
VALID_FORMS["metadata_consent.xlsx"] = form(
    survey=[
        ["type", "name", "label", "required", "calculation"],
        ["start", "started"],
        ["end", "ended"],
        ["today", "visit_day"],
        ["note", "consent_info",
         "We use your answers to plan your support. You can stop at any time."],
        ["acknowledge", "consent", "I agree to take part", "yes"],
        ["text", "interviewer", "Interviewer name", "yes"],
        ["calculate", "visit_label", "", "", "concat('Visit on ', ${visit_day})"],
    ],
    settings=settings("consent_visit", "Consent and visit"),
)

# Logical functions: not, selected, count-selected, if, coalesce, concat, true, false; and, or.
VALID_FORMS["needs_assessment_logic.xlsx"] = form(
    survey=[
        ["type", "name", "label", "relevant", "constraint", "constraint_message", "calculation"],
        ["select_multiple needs", "needs", "Which needs does the household have?", "",
         "count-selected(.) <= 3", "Choose at most three priority needs."],
        ["select_one yes_no", "has_medical_condition", "Does anyone need medical care?",
         "selected(${needs}, 'health')"],
        ["text", "condition_details", "Describe the care needed",
         "selected(${needs}, 'health') and ${has_medical_condition} = 'yes'"],
        ["select_one yes_no", "has_shelter", "Does the household have safe shelter tonight?",
         "not(selected(${needs}, 'shelter')) or count-selected(${needs}) = 0"],
        ["calculate", "urgent", "", "", "", "",
         "if(${has_medical_condition} = 'yes' or ${has_shelter} = 'no', true(), false())"],
        ["calculate", "need_count", "", "", "", "", "count-selected(${needs})"],
        ["text", "caregiver_name", "Name of the main caregiver"],
        ["calculate", "contact_name", "", "", "", "",
         "coalesce(${caregiver_name}, 'household head')"],
        ["calculate", "summary", "", "", "", "",
         "concat(${need_count}, ' needs; urgent: ', if(${urgent} = 'true', 'yes', 'no'))"],
        ["note", "summary_note", "Summary of needs: ${summary}"],
    ],
    choices=[
        CHOICES_HEADER,
        ["needs", "food", "Food"],
        ["needs", "shelter", "Shelter"],
        ["needs", "health", "Health care"],
        ["needs", "employment", "Work"],
        ["needs", "documentation", "Civil documents"],
    ]
    + YES_NO,
    settings=settings("needs_logic", "Needs assessment"),
)

# Text and number functions: string-length, regex, contains, starts-with, number, string, int,
# round, today.
VALID_FORMS["text_number_functions.xlsx"] = form(
    survey=[
        ["type", "name", "label", "relevant", "constraint", "constraint_message", "calculation"],
        ["text", "phone", "Phone number", "", r"regex(., '^\+?[0-9]{8,15}$')",
         "Use 8 to 15 digits, optionally after a +."],
        ["text", "national_id", "National ID number", "",
         "string-length(.) = 13 and (starts-with(., '1') or starts-with(., '2'))",
         "13 digits, starting with 1 or 2."],
        ["text", "email", "Email address, if any", "", "contains(., '@')",
         "An email address contains @."],
        ["date", "birth_date", "Date of birth", "", ". < today()", "Must be in the past."],
        ["calculate", "age_years", "", "", "", "", "int((today() - ${birth_date}) div 365.25)"],
        ["decimal", "grant_amount", "Reintegration grant received"],
        ["integer", "members", "Household members", "", ". > 0"],
        ["calculate", "grant_per_member", "", "", "", "",
         "round(number(${grant_amount}) div ${members}, 2)"],
        ["calculate", "grant_text", "", "", "", "",
         "concat(string(${grant_per_member}), ' per member')"],
        ["note", "grant_note", "Grant per member: ${grant_text}",
         "string-length(${grant_text}) > 0"],
    ],
    settings=settings("grant_and_identity", "Grant and identity"),
)

# Operators: = != < <= > >=, + - * div mod, unary minus, parentheses.
VALID_FORMS["operators.xlsx"] = form(
    survey=[
        ["type", "name", "label", "relevant", "constraint", "constraint_message", "calculation"],
        ["integer", "adults", "Adults in the household", "", ". >= 1"],
        ["integer", "children", "Children in the household", "", ". >= 0"],
        ["decimal", "debt", "Debt taken on for the journey", "", ". >= 0"],
        ["decimal", "savings", "Savings at hand", "", ". >= 0"],
        ["decimal", "monthly_repayment", "Monthly repayment", "${debt} > 0",
         ". > 0 and . <= ${debt}", "Between 0 and the whole debt."],
        ["calculate", "members", "", "", "", "", "${adults} + ${children}"],
        ["calculate", "dependency_ratio", "", "", "", "", "${children} div ${adults}"],
        ["calculate", "shelter_kits", "", "", "", "",
         "(${members} - ${members} mod 4) div 4 + if(${members} mod 4 != 0, 1, 0)"],
        ["calculate", "net_position", "", "", "", "", "-${debt} + ${savings}"],
        ["calculate", "months_to_repay", "", "", "", "",
         "int((${debt} + ${monthly_repayment} - 1) div ${monthly_repayment})"],
        ["calculate", "kit_cost", "", "", "", "", "${shelter_kits} * 45.5"],
        ["note", "large_household", "Large household: plan a shelter assessment.",
         "${members} >= 8"],
        ["note", "small_household", "Small household.", "${members} < 3 and ${members} != 0"],
        ["note", "mid_household", "Medium-sized household.",
         "${members} <= 7 and ${members} > 2"],
        ["note", "no_children", "No children in the household.", "${children} = 0"],
    ],
    settings=settings("debt_and_household", "Debt and household size"),
)

# default (including today()), read_only, appearance, and the spellings of yes and no.
VALID_FORMS["defaults_readonly_appearance.xlsx"] = form(
    survey=[
        ["type", "name", "label", "required", "default", "read_only", "appearance"],
        ["date", "interview_date", "Interview date", "yes", "today()", "no"],
        ["text", "office", "Field office", "", "Dakar", "yes"],
        ["select_one yes_no", "first_visit", "Is this the first visit?", "", "yes", "",
         "minimal"],
        ["text", "observations", "Observations", "", "", "", "multiline"],
        ["select_one satisfaction", "satisfaction",
         "How satisfied are you with the support so far?", "", "", "", "likert"],
        ["integer", "previous_visits", "Number of previous visits", "1", "0", "false"],
    ],
    choices=[
        CHOICES_HEADER,
        *YES_NO,
        ["satisfaction", "very_unsatisfied", "Very unsatisfied"],
        ["satisfaction", "unsatisfied", "Unsatisfied"],
        ["satisfaction", "neutral", "Neither"],
        ["satisfaction", "satisfied", "Satisfied"],
        ["satisfaction", "very_satisfied", "Very satisfied"],
    ],
    settings=settings("followup_visit", "Follow-up visit", "4"),
)

# A realistic referral plan: groups, needs, a choice filter with a function, consent.
VALID_FORMS["referral_plan.xlsx"] = form(
    survey=[
        ["type", "name", "label", "hint", "required", "relevant", "constraint",
         "constraint_message", "calculation", "appearance", "choice_filter"],
        ["begin_group", "case", "Case", "", "", "", "", "", "", "field-list"],
        ["text", "case_number", "Case number", "As on the case file, e.g. RET-2026-0042", "yes",
         "", "regex(., '^RET-[0-9]{4}-[0-9]{4}$')", "Use the form RET-2026-0042."],
        ["end_group"],
        ["begin_group", "needs_group", "Needs"],
        ["select_multiple needs", "needs", "Needs identified", "", "yes"],
        ["text", "other_need", "Other need", "", "yes", "selected(${needs}, 'other')"],
        ["select_one urgency", "urgency", "How urgent is support?", "", "yes"],
        ["end_group"],
        ["begin_group", "referral", "Referral", "", "", "count-selected(${needs}) > 0"],
        ["select_one services", "referred_to", "Refer to", "", "yes", "", "", "", "", "",
         "selected(${needs}, need)"],
        ["date", "appointment", "Appointment date", "", "", "", ". >= today()",
         "The appointment must be today or later."],
        ["acknowledge", "referral_consent",
         "The returnee agrees to share their details with the service", "", "yes"],
        ["end_group"],
        ["calculate", "priority", "", "", "", "", "", "",
         "if(${urgency} = 'high', 1, if(${urgency} = 'medium', 2, 3))"],
    ],
    choices=[
        ["list_name", "name", "label", "need"],
        ["needs", "health", "Health care"],
        ["needs", "shelter", "Shelter"],
        ["needs", "employment", "Work or training"],
        ["needs", "education", "School for the children"],
        ["needs", "documentation", "Civil documents"],
        ["needs", "psychosocial", "Psychosocial support"],
        ["needs", "other", "Other"],
        ["urgency", "high", "Within a week"],
        ["urgency", "medium", "Within a month"],
        ["urgency", "low", "When possible"],
        ["services", "clinic", "District health centre", "health"],
        ["services", "transit_shelter", "Transit shelter", "shelter"],
        ["services", "tvet", "Vocational training centre", "employment"],
        ["services", "job_centre", "Employment agency", "employment"],
        ["services", "school", "School enrolment office", "education"],
        ["services", "civil_registry", "Civil registry", "documentation"],
        ["services", "counsellor", "Psychosocial counsellor", "psychosocial"],
    ],
    settings=settings("referral_plan", "Referral plan", "7"),
)

# Older spellings: 'label:English' with one colon, the 'relevance', 'calculate' and
# 'readonly' column names.
VALID_FORMS["old_style_headers.xlsx"] = form(
    survey=[
        ["type", "name", "label:English", "hint:English", "relevance", "constraint",
         "constraint_message:English", "calculate", "readonly"],
        ["integer", "months_abroad", "Months spent abroad", "Round to whole months", "",
         ". >= 0", "Cannot be negative."],
        ["calculate", "years_abroad", "", "", "", "", "", "round(${months_abroad} div 12, 1)"],
        ["text", "reason_for_return", "Main reason for return", "", "${months_abroad} > 0"],
        ["text", "caseworker", "Caseworker", "", "", "", "", "", "yes"],
    ],
    settings=settings("migration_history", "Migration history", "1", "English"),
)

# ---------------------------------------------------------------------------------------------
# Valid forms: the XLSForm features read with pyxform's semantics
# ---------------------------------------------------------------------------------------------

LANGUAGES = ["English (en)", "French (fr)", "Arabic (ar)"]


def translated(*bases):
    """Header cells `base::English (en)`, `base::French (fr)`, `base::Arabic (ar)` per base."""
    return [f"{base}::{lang}" for base in bases for lang in LANGUAGES]


def settings_with(form_id, title, version="1", **extra):
    """A settings sheet with more columns (instance_name, style, allow_choice_duplicates …)."""
    header = ["form_id", "form_title", "version"] + list(extra)
    return [header, [form_id, title, version] + list(extra.values())]


# Formerly refused: a geopoint (and the location of the interview) is now collected.
VALID_FORMS["dwelling_location.xlsx"] = form(
    survey=[
        ["type", "name", "label", "hint", "required", "appearance"],
        ["text", "village", "Town or village", "", "yes"],
        ["geopoint", "home_location", "Location of the dwelling",
         "Stand at the door of the dwelling and wait for an accuracy under 10 m.", "yes"],
        ["geopoint", "workplace_location", "Location of the workplace, if any", "", "",
         "placement-map"],
    ],
    settings=settings("dwelling_location", "Dwelling location"),
)

# The field visit the HTTP and browser journeys fill: a photo, a location typed by hand, a repeat
# counted by an answer and a select with or_other.
VALID_FORMS["field_visit.xlsx"] = form(
    survey=[
        ["type", "name", "label", "hint", "required", "repeat_count", "constraint"],
        ["select_one support or_other", "main_support", "Main support received since the last visit",
         "", "yes"],
        ["geopoint", "home_location", "Location of the home", "", "yes"],
        ["integer", "children", "Children living in the home", "", "yes", "", ". >= 0 and . <= 12"],
        ["begin_repeat", "child", "Child", "", "", "${children}"],
        ["text", "child_name", "Name of the child", "", "yes"],
        ["select_one yes_no", "in_school", "Goes to school?"],
        ["end_repeat"],
        ["image", "home_photo", "Photo of the home", "With the returnee's consent only."],
    ],
    choices=[
        ["list_name", "name", "label"],
        ["support", "cash", "Cash grant"],
        ["support", "training", "Vocational training"],
        ["support", "counselling", "Psychosocial counselling"],
        ["yes_no", "yes", "Yes"],
        ["yes_no", "no", "No"],
    ],
    settings=settings("field_visit", "Field visit", "2026.1"),
)

# Formerly refused: 'or_other' adds an 'other' choice and a text question occupation_other.
VALID_FORMS["occupation_or_other.xlsx"] = form(
    survey=[
        ["type", "name", "label"],
        ["text", "head_name", "Name of the household head"],
        ["select_one occupations or_other", "occupation", "Main occupation before leaving"],
        ["select_one occupations", "current_occupation", "Main occupation now"],
    ],
    choices=[
        CHOICES_HEADER,
        ["occupations", "farmer", "Farmer"],
        ["occupations", "trader", "Trader"],
        ["occupations", "construction", "Construction worker"],
        ["occupations", "domestic", "Domestic worker"],
        ["occupations", "unemployed", "No work"],
    ],
    settings=settings("occupation_history", "Occupation before and after migration"),
)

# Formerly refused: repeat_count from an earlier answer.
VALID_FORMS["members_repeat_count.xlsx"] = form(
    survey=[
        ["type", "name", "label", "constraint", "repeat_count"],
        ["integer", "household_size", "Household size", ". >= 1 and . <= 30"],
        ["begin_repeat", "members", "Household member", "", "${household_size}"],
        ["text", "member_name", "Name"],
        ["integer", "member_age", "Age", ". >= 0 and . < 120"],
        ["end_repeat"],
    ],
    settings=settings("household_members_counted", "Household members (counted)"),
)

# time, dateTime and the server-filled start, end and today; decimal-time,
# decimal-date-time and format-date-time on the answers.
VALID_FORMS["visit_timing.xlsx"] = form(
    survey=[
        ["type", "name", "label", "required", "constraint", "constraint_message", "calculation"],
        ["start", "visit_start"],
        ["end", "visit_end"],
        ["today", "visit_day"],
        ["dateTime", "arrival_at", "When did the returnee arrive at the reception centre?", "yes",
         ". <= now()", "The arrival cannot be in the future."],
        ["time", "appointment_time", "Time of the next appointment", "",
         "decimal-time(.) >= decimal-time('08:00') and decimal-time(.) <= decimal-time('17:00')",
         "The office is open from 08:00 to 17:00."],
        ["calculate", "arrival_label", "", "", "", "",
         "format-date-time(${arrival_at}, '%e %b %Y at %H:%M')"],
        ["calculate", "arrival_day_number", "", "", "", "",
         "floor(decimal-date-time(${arrival_at}))"],
        ["note", "arrival_note", "Arrival recorded: ${arrival_label}"],
    ],
    settings=settings("visit_timing", "Visit timing"),
)

# geotrace and geoshape with area() and distance(); a geopoint with parameters.
VALID_FORMS["farm_plot_mapping.xlsx"] = form(
    survey=[
        ["type", "name", "label", "hint", "parameters", "calculation", "constraint",
         "constraint_message"],
        ["geopoint", "plot_entrance", "Entrance of the plot", "", "capture-accuracy=10"],
        ["geoshape", "plot_boundary", "Walk around the boundary of the plot",
         "Close the shape at the first point."],
        ["calculate", "plot_area_m2", "", "", "", "round(area(${plot_boundary}), 0)"],
        ["calculate", "plot_area_ha", "", "", "", "round(${plot_area_m2} div 10000, 2)"],
        ["geotrace", "access_path", "Walk the path from the road to the plot"],
        ["calculate", "path_length_m", "", "", "", "round(distance(${access_path}), 0)"],
        ["decimal", "declared_area_ha", "Area declared by the returnee (hectares)", "", "", "",
         ". > 0 and . < 100", "Between 0 and 100 hectares."],
        ["note", "area_note",
         "Measured: ${plot_area_ha} ha; path of ${path_length_m} m from the road."],
    ],
    settings=settings("farm_plot_mapping", "Agricultural plot mapping"),
)

# barcode: scanning the beneficiary card, with a constraint on the scanned text.
VALID_FORMS["beneficiary_card_scan.xlsx"] = form(
    survey=[
        ["type", "name", "label", "hint", "required", "relevant", "constraint",
         "constraint_message"],
        ["barcode", "card_code", "Scan the beneficiary card", "The QR code on the back", "yes",
         "", "starts-with(., 'RB-') and string-length(.) = 12", "The card code starts with RB-."],
        ["select_one yes_no", "card_damaged", "Is the card damaged?"],
        ["text", "card_remarks", "Describe the damage", "", "", "${card_damaged} = 'yes'"],
        ["note", "card_note", "Card ${card_code} checked."],
    ],
    choices=[CHOICES_HEADER] + YES_NO,
    settings=settings("beneficiary_card", "Beneficiary card check"),
)

# range: default parameters, explicit start/end/step (spaces or ';' between them), a decimal
# step, a descending scale; the rating and picker appearances.
VALID_FORMS["wellbeing_scales.xlsx"] = form(
    survey=[
        ["type", "name", "label", "parameters", "appearance", "required"],
        ["range", "life_satisfaction", "How satisfied are you with your life today? (1-10)",
         "", "", "yes"],
        ["range", "sleep_quality", "How well did you sleep this week? (0 = very badly)",
         "start=0 end=4 step=1", "", "yes"],
        ["range", "safety_feeling", "How safe do you feel in your community?",
         "start=1;end=5;step=1", "rating"],
        ["range", "hours_of_work", "Hours of paid work per day", "start=0 end=12 step=0.5",
         "picker"],
        ["range", "stress_level", "Stress level (10 = none, 0 = extreme)",
         "start=10 end=0 step=-1"],
        ["note", "scales_done", "Thank you. Satisfaction: ${life_satisfaction}/10."],
    ],
    settings=settings("wellbeing_scales", "Well-being scales"),
)

# rank: the returnee orders their priority needs; selected-at() reads the first.
VALID_FORMS["priority_ranking.xlsx"] = form(
    survey=[
        ["type", "name", "label", "hint", "required", "calculation"],
        ["rank priorities", "priority_order", "Put your needs in order, most urgent first",
         "Drag the items", "yes"],
        ["calculate", "first_priority", "", "", "", "selected-at(${priority_order}, 0)"],
        ["calculate", "first_priority_label", "", "", "",
         "jr:choice-name(${first_priority}, '${priority_order}')"],
        ["note", "first_priority_note", "Most urgent: ${first_priority_label}"],
    ],
    choices=[
        CHOICES_HEADER,
        ["priorities", "housing", "Housing"],
        ["priorities", "income", "Income"],
        ["priorities", "health", "Health care"],
        ["priorities", "schooling", "Schooling for the children"],
        ["priorities", "documents", "Civil documents"],
    ],
    settings=settings("priority_ranking", "Priority ranking"),
)

# hidden: values with no control, set by a default or by the client.
VALID_FORMS["hidden_case_fields.xlsx"] = form(
    survey=[
        ["type", "name", "label", "default", "calculation"],
        ["hidden", "programme_code", "", "RET-WA"],
        ["hidden", "case_reference"],
        ["text", "caseworker_name", "Caseworker"],
        ["calculate", "record_key", "", "", "concat(${programme_code}, '/', ${case_reference})"],
    ],
    settings=settings("case_fields", "Case fields"),
)

# image, audio, video and file answers; parameters on the image (max-pixels).
VALID_FORMS["support_evidence_media.xlsx"] = form(
    survey=[
        ["type", "name", "label", "hint", "parameters", "appearance", "required"],
        ["image", "receipt_photo", "Photo of the purchase receipt", "Hold the phone flat",
         "max-pixels=1024", "", "yes"],
        ["image", "signature", "Signature of the returnee", "", "", "signature"],
        ["audio", "testimony", "Recorded testimony (optional)", "", "quality=normal"],
        ["video", "business_tour", "Short video of the business premises"],
        ["file", "business_plan_document", "Business plan (PDF or spreadsheet)"],
        ["note", "media_done", "Check that the receipt is readable before you submit."],
    ],
    settings=settings("support_evidence", "Evidence of support received"),
)

# select_one_from_file and select_multiple_from_file with .csv, .xml and .geojson files; a
# choice filter on a column of the file.
VALID_FORMS["villages_from_file.xlsx"] = form(
    survey=[
        ["type", "name", "label", "choice_filter", "required"],
        ["select_one_from_file regions.csv", "region", "Region of return", "", "yes"],
        ["select_one_from_file villages.csv", "village", "Village", "region = ${region}", "yes"],
        ["select_multiple_from_file services.xml", "services_nearby",
         "Which services exist in the village?"],
        ["select_one_from_file health_facilities.geojson", "nearest_facility",
         "Nearest health facility"],
    ],
    settings=settings("villages_from_file", "Village of return"),
)

# Device metadata: what a field client records about itself.
VALID_FORMS["device_metadata.xlsx"] = form(
    survey=[
        ["type", "name", "label", "parameters"],
        ["start", "started"],
        ["end", "ended"],
        ["deviceid", "device_id"],
        ["username", "enumerator_account"],
        ["email", "enumerator_email"],
        ["phonenumber", "device_phone"],
        ["simserial", "sim_serial"],
        ["subscriberid", "subscriber_id"],
        ["start-geopoint", "interview_location"],
        ["audit", "audit", "", "location-priority=balanced location-min-interval=60 "
                                "location-max-age=120"],
        ["background-audio", "interview_audio", "", "quality=voice-only"],
        ["text", "respondent_name", "Name of the respondent"],
    ],
    settings=settings("device_metadata", "Interview with device metadata"),
)

# pyxform's other spellings of the types: 'q int', 'gps', 'photo', 'imei', 'location',
# 'select one from', 'add text prompt', 'date time', 'get today' …
VALID_FORMS["legacy_type_aliases.xlsx"] = form(
    survey=[
        ["type", "name", "label"],
        ["get start time", "started"],
        ["get today", "visit_day"],
        ["imei", "device_id"],
        ["add text prompt", "head_name", "Name of the household head"],
        ["q int", "household_size", "Household size"],
        ["q decimal", "monthly_income", "Monthly income"],
        ["int", "rooms", "Rooms in the dwelling"],
        ["string", "street", "Street or neighbourhood"],
        ["q date", "return_date", "Date of return"],
        ["date time", "interview_at", "Date and time of the interview"],
        ["gps", "dwelling_point", "Location of the dwelling"],
        ["location", "market_point", "Location of the nearest market"],
        ["photo", "dwelling_photo", "Photo of the dwelling"],
        ["q audio", "voice_note", "Voice note"],
        ["q note", "alias_note", "Thank you."],
        ["select one from yes_no", "has_land", "Does the household own land?"],
        ["get end time", "ended"],
    ],
    choices=[CHOICES_HEADER] + YES_NO,
    settings=settings("legacy_aliases", "Household (older type spellings)"),
)

# Types that imply a constraint: 'phone number' (text of digits), 'percentage',
# 'number of days in last month' …
VALID_FORMS["implied_constraints.xlsx"] = form(
    survey=[
        ["type", "name", "label"],
        ["phone number", "contact_phone", "Phone number of a relative (digits only)"],
        ["percentage", "income_share_remittances", "Share of income from remittances (%)"],
        ["number of days in last month", "days_worked", "Days worked last month"],
        ["number of days in last six months", "days_ill", "Days ill in the last six months"],
        ["number of days in last year", "days_abroad", "Days spent abroad in the last year"],
    ],
    settings=settings("implied_constraints", "Work and contact"),
)

# Metadata spelled the older ways: 'sim id', 'subscriber id', 'device id', 'get phone number',
# 'uri:username'.
VALID_FORMS["metadata_aliases.xlsx"] = form(
    survey=[
        ["type", "name", "label"],
        ["start time", "started"],
        ["end time", "ended"],
        ["device id", "device"],
        ["sim id", "sim"],
        ["subscriber id", "subscriber"],
        ["get phone number", "phone"],
        ["uri:username", "user"],
        ["uri:email", "user_email"],
        ["acknowledge", "consent", "The returnee agrees to be interviewed"],
    ],
    settings=settings("metadata_aliases", "Interview metadata (older spellings)"),
)

# Media types spelled the older ways.
VALID_FORMS["media_aliases.xlsx"] = form(
    survey=[
        ["type", "name", "label"],
        ["q image", "id_front", "Front of the identity document"],
        ["q picture", "id_back", "Back of the identity document"],
        ["add image prompt", "face_photo", "Photo of the returnee (with consent)"],
        ["add audio prompt", "oral_consent", "Oral consent"],
        ["q video", "workshop_video", "Video of the workshop"],
        ["add video prompt", "shop_video", "Video of the shop"],
        ["add file prompt", "scan", "Scanned certificate"],
        ["q barcode", "card", "Beneficiary card"],
        ["q geopoint", "home", "Home"],
        ["q geotrace", "route", "Route to the market"],
        ["q geoshape", "field", "Field boundary"],
    ],
    settings=settings("media_aliases", "Documents and media (older spellings)"),
)

# or_other on a select_multiple and a select_one with translated labels (the added question
# and choice are untranslated, as in pyxform).
VALID_FORMS["needs_or_other_translated.xlsx"] = form(
    survey=[
        ["type", "name"] + translated("label") + ["required"],
        ["select_multiple needs or_other", "needs", "What does the household need most?",
         "De quoi le ménage a-t-il le plus besoin ?", "ما هي أكثر احتياجات الأسرة؟", "yes"],
        ["select_one barriers or_other", "main_barrier",
         "What stops you from meeting this need?", "Qu'est-ce qui vous en empêche ?",
         "ما الذي يمنعك من تلبية هذه الحاجة؟"],
    ],
    choices=[
        ["list_name", "name"] + translated("label"),
        ["needs", "food", "Food", "Nourriture", "غذاء"],
        ["needs", "shelter", "Shelter", "Logement", "مأوى"],
        ["needs", "health", "Health care", "Soins de santé", "رعاية صحية"],
        ["needs", "work", "Work", "Travail", "عمل"],
        ["barriers", "cost", "Cost", "Coût", "التكلفة"],
        ["barriers", "distance", "Distance", "Distance", "المسافة"],
        ["barriers", "documents", "No documents", "Pas de papiers", "لا وثائق"],
    ],
    settings=settings("needs_or_other", "Needs (with other)", "1", "English (en)"),
)

# repeat_count as a fixed number: three references to contact.
VALID_FORMS["references_fixed_count.xlsx"] = form(
    survey=[
        ["type", "name", "label", "repeat_count", "required", "calculation"],
        ["begin_repeat", "references", "Person who can vouch for the returnee", "3"],
        ["text", "reference_name", "Name", "", "yes"],
        ["phone number", "reference_phone", "Phone number"],
        ["calculate", "reference_number", "", "", "", "position(..)"],
        ["end_repeat"],
    ],
    settings=settings("references", "References"),
)

# repeat_count from an expression over several answers.
VALID_FORMS["children_schooling.xlsx"] = form(
    survey=[
        ["type", "name", "label", "relevant", "constraint", "repeat_count", "calculation"],
        ["integer", "boys", "Boys of school age", "", ". >= 0"],
        ["integer", "girls", "Girls of school age", "", ". >= 0"],
        ["calculate", "children", "", "", "", "", "coalesce(${boys}, 0) + coalesce(${girls}, 0)"],
        ["begin_repeat", "child", "Child of school age", "${children} > 0", "",
         "if(${children} > 12, 12, ${children})"],
        ["text", "child_name", "First name"],
        ["select_one yes_no", "enrolled", "Is the child enrolled in school?"],
        ["select_one barriers", "not_enrolled_reason", "Why not?", "${enrolled} = 'no'"],
        ["end_repeat"],
        ["calculate", "enrolled_count", "", "", "", "",
         "count(${child}) - count-non-empty(${not_enrolled_reason})"],
    ],
    choices=[
        CHOICES_HEADER,
        *YES_NO,
        ["barriers", "fees", "School fees"],
        ["barriers", "documents", "No birth certificate"],
        ["barriers", "language", "Language of teaching"],
        ["barriers", "work", "The child works"],
    ],
    settings=settings("children_schooling", "Schooling of the children"),
)

# trigger: a calculation recomputed only when a chosen question changes.
VALID_FORMS["trigger_timestamps.xlsx"] = form(
    survey=[
        ["type", "name", "label", "calculation", "trigger"],
        ["select_one yes_no", "consent", "Does the returnee consent to the interview?"],
        ["calculate", "consent_time", "", "now()", "${consent}"],
        ["decimal", "grant_amount", "Grant amount"],
        ["calculate", "grant_recorded_on", "", "today()", "${grant_amount}"],
        ["text", "grant_currency", "Currency", "'XOF'", "${grant_amount}"],
    ],
    choices=[CHOICES_HEADER] + YES_NO,
    settings=settings("trigger_timestamps", "Consent and grant"),
)

# media columns: media::image, media::audio and media::video on questions and choices,
# media::image translated; a note with an image and no label.
VALID_FORMS["illustrated_consent.xlsx"] = form(
    survey=[
        ["type", "name", "label::English (en)", "label::French (fr)", "media::image",
         "media::audio::English (en)", "media::audio::French (fr)", "media::video"],
        ["note", "programme_logo", "", "", "logo.png"],
        ["note", "consent_explanation", "Listen to the explanation before you answer.",
         "Écoutez l'explication avant de répondre.", "", "consent_en.mp3", "consent_fr.mp3",
         "consent.mp4"],
        ["select_one consent", "consent", "Do you agree?", "Êtes-vous d'accord ?"],
    ],
    choices=[
        ["list_name", "name", "label::English (en)", "label::French (fr)", "media::image"],
        ["consent", "yes", "Yes", "Oui", "thumb_up.png"],
        ["consent", "no", "No", "Non", "thumb_down.png"],
    ],
    settings=settings("illustrated_consent", "Consent (illustrated)", "1", "English (en)"),
)

# required as an expression, with a required_message.
VALID_FORMS["conditional_required.xlsx"] = form(
    survey=[
        ["type", "name", "label", "required", "required_message"],
        ["integer", "age", "Age in years", "yes"],
        ["text", "national_id", "National identity number", "${age} >= 18",
         "Adults must give their identity number."],
        ["select_one yes_no", "has_guardian", "Is a guardian present?", "${age} < 18"],
        ["text", "guardian_name", "Name of the guardian", "${has_guardian} = 'yes'"],
        ["text", "remarks", "Remarks", "false()"],
    ],
    choices=[CHOICES_HEADER] + YES_NO,
    settings=settings("conditional_required", "Identity and guardian"),
)

# allow_choice_duplicates: one name in two regions of a cascade.
VALID_FORMS["cascade_duplicate_choices.xlsx"] = form(
    survey=[
        ["type", "name", "label", "choice_filter"],
        ["select_one regions", "region", "Region"],
        ["select_one districts", "district", "District", "region = ${region}"],
    ],
    choices=[
        ["list_name", "name", "label", "region"],
        ["regions", "north", "North"],
        ["regions", "south", "South"],
        ["districts", "central", "Central district (north)", "north"],
        ["districts", "lakeside", "Lakeside", "north"],
        ["districts", "central", "Central district (south)", "south"],
        ["districts", "coast", "Coast", "south"],
    ],
    settings=settings_with("district_cascade", "District", "1", allow_choice_duplicates="yes"),
)

# instance_name, public_key, style and submission_url in the settings.
VALID_FORMS["instance_name_settings.xlsx"] = form(
    survey=[
        ["type", "name", "label"],
        ["text", "head_name", "Name of the household head"],
        ["text", "village", "Village"],
        ["today", "visit_day"],
    ],
    settings=settings_with(
        "household_visit", "Household visit", "2026112301",
        instance_name="concat(${head_name}, ' - ', ${village}, ' - ', ${visit_day})",
        public_key="MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAwq9",
        style="theme-grid",
        submission_url="https://example.org/submission",
    ),
)

# Comment rows (no type, name or label) between questions, skipped.
VALID_FORMS["comment_rows.xlsx"] = form(
    survey=[
        ["type", "name", "label", "hint", "designer_comment"],
        ["text", "head_name", "Name of the household head"],
        ["", "", "", "", "Section B follows: livelihood"],
        ["integer", "income", "Income last month"],
        ["", "", "", "Hints for section C are on the training sheet"],
        ["select_one yes_no", "has_debt", "Does the household have debts?"],
    ],
    choices=[CHOICES_HEADER] + YES_NO,
    settings=settings("comment_rows", "Livelihood with comments"),
)

# The same name in two different groups, never referred to by ${...}.
VALID_FORMS["same_name_in_two_groups.xlsx"] = form(
    survey=[
        ["type", "name", "label"],
        ["begin_group", "respondent", "Respondent"],
        ["text", "full_name", "Full name"],
        ["integer", "age", "Age"],
        ["end_group"],
        ["begin_group", "spouse", "Spouse"],
        ["text", "full_name", "Full name"],
        ["integer", "age", "Age"],
        ["end_group"],
    ],
    settings=settings("respondent_and_spouse", "Respondent and spouse"),
)

# The same name inside a repeat and outside it.
VALID_FORMS["same_name_repeat_and_form.xlsx"] = form(
    survey=[
        ["type", "name", "label", "relevant"],
        ["begin_group", "head", "Household head"],
        ["text", "name_given", "Name"],
        ["select_one yes_no", "works", "Does the head work?"],
        ["end_group"],
        ["begin_repeat", "other_members", "Other household member"],
        ["text", "name_given", "Name"],
        ["select_one yes_no", "member_works", "Does this person work?"],
        ["text", "work_place", "Where?", "../member_works = 'yes'"],
        ["end_repeat"],
    ],
    choices=[CHOICES_HEADER] + YES_NO,
    settings=settings("household_work", "Work in the household"),
)

# The choices sheet names its choices in a 'value' column.
VALID_FORMS["choices_value_column.xlsx"] = form(
    survey=[
        ["type", "name", "label"],
        ["select_one housing", "housing_type", "Type of housing"],
        ["select_multiple assets", "assets", "Which of these does the household own?"],
    ],
    choices=[
        ["list_name", "value", "label"],
        ["housing", "owned", "Owned house"],
        ["housing", "rented", "Rented"],
        ["housing", "hosted", "Hosted by family"],
        ["housing", "shelter", "Collective shelter"],
        ["assets", "phone", "Mobile phone"],
        ["assets", "radio", "Radio"],
        ["assets", "motorbike", "Motorbike"],
        ["assets", "livestock", "Livestock"],
    ],
    settings=settings("housing_assets", "Housing and assets"),
)

# Smart quotes typed by a spreadsheet program are read as straight quotes.
VALID_FORMS["smart_quotes.xlsx"] = form(
    survey=[
        ["type", "name", "label", "relevant", "calculation"],
        ["select_one yes_no", "returned_alone", "Did you return alone?"],
        ["integer", "companions", "How many people returned with you?",
         "${returned_alone} = \u2018no\u2019"],
        ["calculate", "group_label", "", "",
         "if(${returned_alone} = \u201cyes\u201d, \u2018alone\u2019, \u2018with others\u2019)"],
    ],
    choices=[CHOICES_HEADER] + YES_NO,
    settings=settings("return_companions", "Return companions"),
)

# References inside labels, hints, messages and choice labels.
VALID_FORMS["references_in_texts.xlsx"] = form(
    survey=[
        ["type", "name", "label", "hint", "constraint", "constraint_message", "required",
         "required_message"],
        ["text", "head_name", "Name of the household head", "", "", "", "yes"],
        ["integer", "household_size", "How many people live with ${head_name}?",
         "Count ${head_name} too.", ". >= 1", "${head_name}'s household has at least 1 person.",
         "yes", "Enter the size of ${head_name}'s household."],
        ["select_one who", "respondent", "Who is answering?"],
    ],
    choices=[
        CHOICES_HEADER,
        ["who", "head", "${head_name} in person"],
        ["who", "other", "Another member of ${head_name}'s household"],
    ],
    settings=settings("references_in_texts", "Household size"),
)

# Relative paths: ../name and current()/../name inside a repeat, a choice filter on the
# repeat's own answer.
VALID_FORMS["relative_paths.xlsx"] = form(
    survey=[
        ["type", "name", "label", "relevant", "choice_filter", "constraint", "calculation"],
        ["begin_repeat", "trips", "Migration journey stage"],
        ["select_one countries", "trip_country", "Country"],
        ["select_one cities", "trip_city", "City", "", "country = current()/../trip_country"],
        ["integer", "trip_months", "Months spent there", "../trip_country != ''", "",
         ". >= 0 and . <= 240"],
        ["calculate", "trip_years", "", "", "", "", "round(../trip_months div 12, 1)"],
        ["end_repeat"],
    ],
    choices=[
        ["list_name", "name", "label", "country"],
        ["countries", "ne", "Niger"],
        ["countries", "ly", "Libya"],
        ["cities", "agadez", "Agadez", "ne"],
        ["cities", "niamey", "Niamey", "ne"],
        ["cities", "sabha", "Sabha", "ly"],
        ["cities", "tripoli", "Tripoli", "ly"],
    ],
    settings=settings("migration_journey", "Migration journey"),
)

# Functions over repeats: sum, count, count-non-empty, max, min, join, position and
# indexed-repeat.
VALID_FORMS["household_income_roster.xlsx"] = form(
    survey=[
        ["type", "name", "label", "constraint", "calculation"],
        ["begin_repeat", "earners", "Household member with an income"],
        ["text", "earner_name", "Name"],
        ["decimal", "earner_income", "Income last month", ". >= 0"],
        ["text", "earner_phone", "Phone number (if any)"],
        ["calculate", "earner_number", "", "", "position(..)"],
        ["end_repeat"],
        ["calculate", "earner_count", "", "", "count(${earners})"],
        ["calculate", "phones_given", "", "", "count-non-empty(${earner_phone})"],
        ["calculate", "total_income", "", "", "sum(${earner_income})"],
        ["calculate", "highest_income", "", "", "max(${earner_income})"],
        ["calculate", "lowest_income", "", "", "min(${earner_income})"],
        ["calculate", "earner_names", "", "", "join(', ', ${earner_name})"],
        ["calculate", "first_earner", "", "", "indexed-repeat(${earner_name}, ${earners}, 1)"],
        ["note", "income_summary",
         "${earner_count} earners (${earner_names}); total ${total_income}, "
         "from ${lowest_income} to ${highest_income}. First listed: ${first_earner}."],
    ],
    settings=settings("household_income", "Household income roster"),
)

# once(), uuid(), uuid(n), now() and random().
VALID_FORMS["case_identifiers.xlsx"] = form(
    survey=[
        ["type", "name", "label", "calculation"],
        ["calculate", "case_uuid", "", "once(uuid())"],
        ["calculate", "short_code", "", "once(uuid(8))"],
        ["calculate", "created_at", "", "once(now())"],
        ["calculate", "audit_draw", "", "once(random())"],
        ["calculate", "selected_for_audit", "", "if(${audit_draw} < 0.1, 'yes', 'no')"],
        ["text", "returnee_name", "Name of the returnee"],
        ["note", "code_note", "Give the returnee this code: ${short_code}"],
    ],
    settings=settings("case_identifiers", "Case registration"),
)

# Dates: format-date, date(), decimal-date-time, arithmetic on dates.
VALID_FORMS["return_dates.xlsx"] = form(
    survey=[
        ["type", "name", "label", "constraint", "constraint_message", "calculation"],
        ["date", "departure_date", "When did you leave the country?", ". < today()",
         "Must be in the past."],
        ["date", "return_date", "When did you come back?", ". >= ${departure_date}",
         "The return comes after the departure."],
        ["calculate", "days_abroad", "", "", "",
         "decimal-date-time(${return_date}) - decimal-date-time(${departure_date})"],
        ["calculate", "return_month", "", "", "", "format-date(${return_date}, '%b %Y')"],
        ["calculate", "eligibility_end", "", "", "",
         "format-date(date(decimal-date-time(${return_date}) + 365), '%Y-%m-%d')"],
        ["calculate", "programme_start", "", "", "", "date('2025-01-01')"],
        ["note", "dates_note",
         "Abroad for ${days_abroad} days; returned in ${return_month}; eligible until "
         "${eligibility_end}."],
    ],
    settings=settings("return_dates", "Dates of migration"),
)

# Text functions: substr, substring, substring-before, substring-after, translate,
# normalize-space, ends-with.
VALID_FORMS["contact_text_functions.xlsx"] = form(
    survey=[
        ["type", "name", "label", "constraint", "constraint_message", "calculation"],
        ["text", "full_name", "Full name"],
        ["text", "phone", "Phone number with country code", "starts-with(., '+')",
         "Start with + and the country code."],
        ["text", "email", "Email address", "contains(., '@') and not(ends-with(., '.'))",
         "Check the email address."],
        ["calculate", "clean_name", "", "", "", "normalize-space(${full_name})"],
        ["calculate", "initial", "", "", "", "substring(${clean_name}, 1, 1)"],
        ["calculate", "country_code", "", "", "", "substr(${phone}, 0, 4)"],
        ["calculate", "email_user", "", "", "", "substring-before(${email}, '@')"],
        ["calculate", "email_domain", "", "", "", "substring-after(${email}, '@')"],
        ["calculate", "upper_name", "", "", "",
         "translate(${clean_name}, 'abcdefghijklmnopqrstuvwxyz', "
         "'ABCDEFGHIJKLMNOPQRSTUVWXYZ')"],
        ["note", "contact_note", "${upper_name} (${initial}), ${country_code}, ${email_domain}"],
    ],
    settings=settings("contact_text", "Contact details"),
)

# Maths: pow, abs, log, log10, exp, exp10, sqrt, floor, ceiling, pi.
VALID_FORMS["loan_repayment_maths.xlsx"] = form(
    survey=[
        ["type", "name", "label", "constraint", "calculation"],
        ["decimal", "loan_amount", "Amount of the start-up loan", ". > 0"],
        ["decimal", "monthly_rate", "Monthly interest rate (e.g. 0.02)", ". >= 0 and . < 1"],
        ["integer", "months", "Months to repay", ". > 0"],
        ["calculate", "growth", "", "", "pow(1 + ${monthly_rate}, ${months})"],
        ["calculate", "instalment", "", "",
         "if(${monthly_rate} = 0, ${loan_amount} div ${months}, "
         "${loan_amount} * ${monthly_rate} * ${growth} div (${growth} - 1))"],
        ["calculate", "instalment_rounded", "", "", "ceiling(${instalment})"],
        ["calculate", "instalment_floor", "", "", "floor(${instalment})"],
        ["calculate", "rounding_gap", "", "", "abs(${instalment} - ${instalment_rounded})"],
        ["calculate", "log_amount", "", "", "log(${loan_amount})"],
        ["calculate", "amount_digits", "", "", "floor(log10(${loan_amount})) + 1"],
        ["calculate", "continuous_growth", "", "",
         "exp(${monthly_rate} * ${months})"],
        ["calculate", "scale_unit", "", "", "exp10(${amount_digits} - 1)"],
        ["calculate", "volatility", "", "", "sqrt(${months}) * ${monthly_rate}"],
        ["calculate", "circle_plot", "", "", "pi() * pow(10, 2)"],
        ["note", "loan_note", "Monthly instalment: ${instalment_rounded}"],
    ],
    settings=settings("loan_repayment", "Start-up loan repayment"),
)

# Trigonometry: the distance between the dwelling and the office from coordinates, with sin,
# cos, tan, asin, acos, atan and atan2.
VALID_FORMS["distance_to_office.xlsx"] = form(
    survey=[
        ["type", "name", "label", "constraint", "calculation"],
        ["decimal", "home_lat", "Latitude of the dwelling", ". >= -90 and . <= 90"],
        ["decimal", "home_lon", "Longitude of the dwelling", ". >= -180 and . <= 180"],
        ["calculate", "office_lat", "", "", "14.6928"],
        ["calculate", "office_lon", "", "", "-17.4467"],
        ["calculate", "rad", "", "", "pi() div 180"],
        ["calculate", "d_lat", "", "", "(${home_lat} - ${office_lat}) * ${rad}"],
        ["calculate", "d_lon", "", "", "(${home_lon} - ${office_lon}) * ${rad}"],
        ["calculate", "haversine", "", "",
         "pow(sin(${d_lat} div 2), 2) + cos(${home_lat} * ${rad}) * cos(${office_lat} * ${rad})"
         " * pow(sin(${d_lon} div 2), 2)"],
        ["calculate", "distance_km", "", "",
         "round(2 * 6371 * atan2(sqrt(${haversine}), sqrt(1 - ${haversine})), 1)"],
        ["calculate", "central_angle", "", "", "2 * asin(sqrt(${haversine}))"],
        ["calculate", "angle_check", "", "", "acos(cos(${central_angle}))"],
        ["calculate", "bearing_slope", "", "", "atan(tan(${d_lat}))"],
        ["note", "distance_note", "The office is ${distance_km} km away."],
    ],
    settings=settings("distance_to_office", "Distance to the office"),
)

# boolean() and boolean-from-string().
VALID_FORMS["eligibility_flags.xlsx"] = form(
    survey=[
        ["type", "name", "label", "calculation", "relevant"],
        ["text", "referral_code", "Referral code, if any"],
        ["text", "eligible_flag", "Eligibility flag from the case file (true or false)"],
        ["calculate", "has_referral", "", "boolean(string-length(${referral_code}))"],
        ["calculate", "eligible", "", "boolean-from-string(${eligible_flag})"],
        ["note", "eligible_note", "The returnee is eligible for the grant.", "",
         "${eligible} = 'true' or boolean-from-string(${eligible_flag})"],
        ["note", "referral_note", "Ask for the referral letter.", "", "boolean(${referral_code})"],
    ],
    settings=settings("eligibility_flags", "Eligibility"),
)

# checklist() and weighted-checklist(): a vulnerability screening.
VALID_FORMS["vulnerability_checklist.xlsx"] = form(
    survey=[
        ["type", "name", "label", "calculation", "relevant"],
        ["select_one yes_no", "chronic_illness", "Does anyone have a chronic illness?"],
        ["select_one yes_no", "single_parent", "Is the head a single parent?"],
        ["select_one yes_no", "no_income", "Is the household without any income?"],
        ["select_one yes_no", "unsafe_shelter", "Is the shelter unsafe?"],
        ["calculate", "two_or_more", "",
         "checklist(2, -1, ${chronic_illness} = 'yes', ${single_parent} = 'yes', "
         "${no_income} = 'yes', ${unsafe_shelter} = 'yes')"],
        ["calculate", "weighted", "",
         "weighted-checklist(3, -1, ${chronic_illness} = 'yes', 2, ${single_parent} = 'yes', 1,"
         " ${no_income} = 'yes', 2, ${unsafe_shelter} = 'yes', 1)"],
        ["note", "vulnerable_note", "The household is vulnerable: refer for a full assessment.",
         "", "${two_or_more} = 'true' or ${weighted} = 'true'"],
    ],
    choices=[CHOICES_HEADER] + YES_NO,
    settings=settings("vulnerability_checklist", "Vulnerability screening"),
)

# selected-at and jr:choice-name with the question named by a path string or a reference.
VALID_FORMS["choice_names.xlsx"] = form(
    survey=[
        ["type", "name", "label::English (en)", "label::French (fr)", "calculation"],
        ["select_multiple skills", "skills", "Which trades do you know?",
         "Quels métiers connaissez-vous ?"],
        ["select_one districts", "district", "District", "District"],
        ["calculate", "first_skill", "", "", "selected-at(${skills}, 0)"],
        ["calculate", "second_skill", "", "", "selected-at(${skills}, 1)"],
        ["calculate", "first_skill_label", "", "",
         "jr:choice-name(${first_skill}, '${skills}')"],
        ["calculate", "district_label", "", "", "jr:choice-name(${district}, '${district}')"],
        ["note", "skills_note", "Main trade: ${first_skill_label}; district: ${district_label}",
         "Métier principal : ${first_skill_label} ; district : ${district_label}"],
    ],
    choices=[
        ["list_name", "name", "label::English (en)", "label::French (fr)"],
        ["skills", "tailoring", "Tailoring", "Couture"],
        ["skills", "welding", "Welding", "Soudure"],
        ["skills", "farming", "Farming", "Agriculture"],
        ["districts", "pikine", "Pikine", "Pikine"],
        ["districts", "rufisque", "Rufisque", "Rufisque"],
    ],
    settings=settings("choice_names", "Trades and district", "1", "English (en)"),
)

# A choice filter on dotted and prefixed columns of the choices sheet.
VALID_FORMS["choice_filter_extra_columns.xlsx"] = form(
    survey=[
        ["type", "name", "label", "choice_filter"],
        ["select_one yes_no", "urban", "Does the returnee live in a town?"],
        ["select_one services", "service", "Service to refer to",
         "filter_urban = ${urban} or filter_urban = 'both'"],
        ["select_one partners", "partner", "Partner organisation",
         "service_code = ${service}"],
    ],
    choices=[
        ["list_name", "name", "label", "filter_urban", "service_code"],
        *YES_NO,
        ["services", "clinic", "Health centre", "both"],
        ["services", "job_centre", "Employment agency", "yes"],
        ["services", "cooperative", "Farmers' cooperative", "no"],
        ["partners", "red_cross", "Red Cross clinic", "", "clinic"],
        ["partners", "anpe", "National employment agency", "", "job_centre"],
        ["partners", "coop_union", "Union of cooperatives", "", "cooperative"],
    ],
    settings=settings("service_partners", "Service and partner"),
)

# current() in a choice filter outside any repeat.
VALID_FORMS["current_in_choice_filter.xlsx"] = form(
    survey=[
        ["type", "name", "label", "choice_filter"],
        ["select_one provinces", "province", "Province"],
        ["select_one communes", "commune", "Commune", "province = current()/../province"],
    ],
    choices=[
        ["list_name", "name", "label", "province"],
        ["provinces", "kadiogo", "Kadiogo"],
        ["provinces", "houet", "Houet"],
        ["communes", "ouagadougou", "Ouagadougou", "kadiogo"],
        ["communes", "komsilga", "Komsilga", "kadiogo"],
        ["communes", "bobo", "Bobo-Dioulasso", "houet"],
    ],
    settings=settings("province_commune", "Province and commune"),
)

# ---------------------------------------------------------------------------------------------
# Valid forms: field instruments of a reintegration programme, combining the features
# ---------------------------------------------------------------------------------------------

FREQUENCY = [
    ["frequency", "0", "Not at all", "Pas du tout", "أبدا"],
    ["frequency", "1", "Several days", "Plusieurs jours", "عدة أيام"],
    ["frequency", "2", "More than half the days", "Plus de la moitié du temps",
     "أكثر من نصف الأيام"],
    ["frequency", "3", "Nearly every day", "Presque tous les jours", "تقريبا كل يوم"],
]

# Psychosocial well-being in English, French and Arabic: ranges, translated hints and
# messages, instance_name, default language.
VALID_FORMS["psychosocial_wellbeing_trilingual.xlsx"] = form(
    survey=[
        ["type", "name"] + translated("label", "hint") + ["required"]
        + translated("required_message") + ["parameters", "calculation"],
        ["note", "intro", "These questions are about how you have felt in the last two weeks.",
         "Ces questions portent sur ce que vous avez ressenti ces deux dernières semaines.",
         "تتعلق هذه الأسئلة بما شعرت به خلال الأسبوعين الماضيين."],
        ["text", "respondent_code", "Respondent code", "Code du répondant", "رمز المستجيب",
         "From the case file", "Du dossier", "من الملف", "yes", "Enter the code.",
         "Saisissez le code.", "أدخل الرمز."],
        ["range", "hope", "How hopeful do you feel about the future?",
         "Quel espoir avez-vous pour l'avenir ?", "ما مدى تفاؤلك بالمستقبل؟",
         "0 = none, 10 = very", "0 = aucun, 10 = beaucoup", "0 = لا شيء، 10 = كثير", "yes",
         "", "", "", "start=0 end=10 step=1"],
        ["range", "belonging", "How much do you feel part of your community?",
         "Vous sentez-vous membre de votre communauté ?", "إلى أي مدى تشعر بالانتماء لمجتمعك؟",
         "", "", "", "yes", "", "", "", "start=0 end=10 step=1"],
        ["select_one frequency", "sleep_problems", "Trouble sleeping",
         "Difficultés à dormir", "صعوبة في النوم"],
        ["select_one frequency", "worry", "Worrying too much", "Vous inquiéter trop",
         "القلق المفرط"],
        ["calculate", "distress_score", "", "", "", "", "", "", "", "", "", "", "",
         "coalesce(number(${sleep_problems}), 0) + coalesce(number(${worry}), 0)"],
        ["note", "refer_note", "Offer a session with the counsellor (score ${distress_score}).",
         "Proposez une séance avec le conseiller (score ${distress_score}).",
         "اقترح جلسة مع المستشار (النتيجة ${distress_score})."],
    ],
    choices=[["list_name", "name"] + translated("label")] + FREQUENCY,
    settings=settings_with("psychosocial_wellbeing", "Psychosocial well-being", "5",
                           default_language="English (en)",
                           instance_name="concat('PSS-', ${respondent_code})"),
)

# PHQ-9 depression screening: nine items on one list, a total and a severity band.
VALID_FORMS["phq9_screening.xlsx"] = form(
    survey=[
        ["type", "name", "label", "required", "relevant", "calculation", "appearance"],
        ["begin_group", "phq", "Over the last 2 weeks, how often have you been bothered by…",
         "", "", "", "table-list"],
        ["select_one freq", "phq1", "Little interest or pleasure in doing things", "yes"],
        ["select_one freq", "phq2", "Feeling down, depressed, or hopeless", "yes"],
        ["select_one freq", "phq3", "Trouble falling or staying asleep", "yes"],
        ["select_one freq", "phq4", "Feeling tired or having little energy", "yes"],
        ["select_one freq", "phq5", "Poor appetite or overeating", "yes"],
        ["select_one freq", "phq6", "Feeling bad about yourself", "yes"],
        ["select_one freq", "phq7", "Trouble concentrating", "yes"],
        ["select_one freq", "phq8", "Moving or speaking slowly, or being restless", "yes"],
        ["select_one freq", "phq9", "Thoughts that you would be better off dead", "yes"],
        ["end_group"],
        ["calculate", "phq_total", "", "", "",
         "number(${phq1}) + number(${phq2}) + number(${phq3}) + number(${phq4}) + "
         "number(${phq5}) + number(${phq6}) + number(${phq7}) + number(${phq8}) + "
         "number(${phq9})"],
        ["calculate", "severity", "", "", "",
         "if(${phq_total} >= 20, 'severe', if(${phq_total} >= 15, 'moderately severe', "
         "if(${phq_total} >= 10, 'moderate', if(${phq_total} >= 5, 'mild', 'minimal'))))"],
        ["note", "urgent_note", "Item 9 answered: refer to the mental health focal point today.",
         "", "${phq9} != '0'"],
        ["note", "severity_note", "Score ${phq_total}: ${severity} depression."],
    ],
    choices=[
        CHOICES_HEADER,
        ["freq", "0", "Not at all"],
        ["freq", "1", "Several days"],
        ["freq", "2", "More than half the days"],
        ["freq", "3", "Nearly every day"],
    ],
    settings=settings("phq9", "PHQ-9 screening"),
)

# A business plan: or_other on the business type, rank of risks, photo and location of the
# premises, a budget repeat summed.
VALID_FORMS["livelihood_business_plan.xlsx"] = form(
    survey=[
        ["type", "name", "label", "hint", "required", "relevant", "constraint",
         "constraint_message", "calculation", "repeat_count"],
        ["begin_group", "business", "The business"],
        ["select_one business_types or_other", "business_type", "Type of business", "", "yes"],
        ["text", "business_name", "Name of the business"],
        ["geopoint", "premises_location", "Location of the premises"],
        ["image", "premises_photo", "Photo of the premises"],
        ["end_group"],
        ["begin_group", "budget", "Budget"],
        ["integer", "budget_lines", "How many items will you buy with the grant?", "", "yes",
         "", ". >= 1 and . <= 10", "Between 1 and 10 items."],
        ["begin_repeat", "budget_items", "Item", "", "", "", "", "", "", "${budget_lines}"],
        ["text", "item_description", "Item", "", "yes"],
        ["decimal", "item_cost", "Cost", "", "yes", "", ". > 0"],
        ["end_repeat"],
        ["calculate", "budget_total", "", "", "", "", "", "", "sum(${item_cost})"],
        ["end_group"],
        ["rank risks", "risk_order", "Order these risks, the most likely first"],
        ["note", "plan_summary", "Budget of ${budget_total} for ${business_name}."],
    ],
    choices=[
        CHOICES_HEADER,
        ["business_types", "retail", "Small shop"],
        ["business_types", "tailoring", "Tailoring workshop"],
        ["business_types", "livestock", "Livestock rearing"],
        ["business_types", "transport", "Motorbike taxi"],
        ["risks", "prices", "Rising prices"],
        ["risks", "competition", "Competition"],
        ["risks", "illness", "Illness of the owner"],
        ["risks", "theft", "Theft"],
    ],
    settings=settings_with("business_plan", "Business plan", "3",
                           instance_name="concat('Plan ', ${business_name})"),
)

# A monitoring visit to the business: products listed as many times as chosen,
# indexed-repeat and selected-at on position().
VALID_FORMS["business_monitoring_visit.xlsx"] = form(
    survey=[
        ["type", "name", "label", "required", "relevant", "constraint", "calculation",
         "repeat_count"],
        ["today", "visit_day"],
        ["select_one yes_no", "business_open", "Is the business operating?", "yes"],
        ["select_multiple products", "products", "Which products does it sell?", "yes",
         "${business_open} = 'yes'"],
        ["begin_repeat", "product_sales", "Sales of a product", "", "${business_open} = 'yes'",
         "", "", "count-selected(${products})"],
        ["calculate", "product_code", "", "", "", "",
         "selected-at(${products}, position(..) - 1)"],
        ["calculate", "product_label", "", "", "", "",
         "jr:choice-name(${product_code}, '${products}')"],
        ["decimal", "weekly_sales", "Sales of ${product_label} last week", "yes", "", ". >= 0"],
        ["end_repeat"],
        ["calculate", "total_sales", "", "", "", "", "sum(${weekly_sales})"],
        ["calculate", "first_product_sales", "", "", "", "",
         "indexed-repeat(${weekly_sales}, ${product_sales}, 1)"],
        ["note", "sales_note", "Weekly sales: ${total_sales}.", "", "${business_open} = 'yes'"],
    ],
    choices=[
        CHOICES_HEADER,
        *YES_NO,
        ["products", "rice", "Rice"],
        ["products", "oil", "Cooking oil"],
        ["products", "soap", "Soap"],
        ["products", "phone_credit", "Phone credit"],
    ],
    settings=settings("business_monitoring", "Business monitoring visit", "2"),
)

# A health referral: facilities from a CSV file filtered by district, an appointment
# dateTime, the audit log.
VALID_FORMS["health_referral.xlsx"] = form(
    survey=[
        ["type", "name", "label", "required", "relevant", "choice_filter", "constraint",
         "constraint_message", "parameters"],
        ["audit", "audit", "", "", "", "", "", "", "track-changes=true"],
        ["select_one districts", "district", "District", "yes"],
        ["select_multiple conditions", "conditions", "Health conditions reported", "yes"],
        ["select_one_from_file facilities.csv", "facility", "Refer to which facility?", "yes",
         "not(selected(${conditions}, 'none'))", "district = ${district}"],
        ["dateTime", "appointment", "Appointment", "", "${facility} != ''", "",
         "decimal-date-time(.) > decimal-date-time(now())", "The appointment is in the future."],
        ["select_one yes_no", "transport_needed", "Does the returnee need transport?"],
    ],
    choices=[
        CHOICES_HEADER,
        *YES_NO,
        ["districts", "kayes", "Kayes"],
        ["districts", "sikasso", "Sikasso"],
        ["conditions", "injury", "Injury from the journey"],
        ["conditions", "chronic", "Chronic illness"],
        ["conditions", "pregnancy", "Pregnancy"],
        ["conditions", "mental", "Mental distress"],
        ["conditions", "none", "None"],
    ],
    settings=settings("health_referral", "Health referral"),
)

# A community project: the road repaired (geotrace), the garden (geoshape), photos before
# and after, satisfaction on a range.
VALID_FORMS["community_project_mapping.xlsx"] = form(
    survey=[
        ["type", "name", "label", "parameters", "calculation", "relevant"],
        ["select_one project_types", "project_type", "Type of community project"],
        ["geotrace", "road_section", "Walk the section of road repaired", "", "",
         "${project_type} = 'road'"],
        ["geoshape", "garden_area", "Walk around the community garden", "", "",
         "${project_type} = 'garden'"],
        ["calculate", "road_length_m", "", "", "round(distance(${road_section}), 0)"],
        ["calculate", "garden_m2", "", "", "round(area(${garden_area}), 0)"],
        ["image", "photo_before", "Photo before the works", "max-pixels=2048"],
        ["image", "photo_after", "Photo after the works", "max-pixels=2048"],
        ["integer", "returnees_involved", "Returnees who worked on the project"],
        ["integer", "residents_involved", "Residents who worked on the project"],
        ["range", "community_rating", "How useful is the project for the community? (1-5)",
         "start=1 end=5 step=1"],
    ],
    choices=[
        CHOICES_HEADER,
        ["project_types", "road", "Road repair"],
        ["project_types", "garden", "Community garden"],
        ["project_types", "well", "Well"],
    ],
    settings=settings("community_project", "Community project"),
)

# Community perception in three languages: a select_multiple with or_other, ranges.
VALID_FORMS["community_perception.xlsx"] = form(
    survey=[
        ["type", "name"] + translated("label") + ["parameters", "required"],
        ["select_one agreement", "welcome", "Returnees are welcome in this community.",
         "Les personnes de retour sont les bienvenues dans cette communauté.",
         "العائدون مرحب بهم في هذا المجتمع.", "", "yes"],
        ["select_multiple contributions or_other", "contributions",
         "How do returnees contribute to the community?",
         "Comment les personnes de retour contribuent-elles à la communauté ?",
         "كيف يساهم العائدون في المجتمع؟"],
        ["range", "trust", "How much do you trust returnees? (0-5)",
         "Quelle confiance accordez-vous aux personnes de retour ? (0-5)",
         "ما مدى ثقتك بالعائدين؟ (0-5)", "start=0 end=5 step=1"],
    ],
    choices=[
        ["list_name", "name"] + translated("label"),
        ["agreement", "agree", "Agree", "D'accord", "موافق"],
        ["agreement", "neutral", "Neither agree nor disagree", "Ni d'accord ni pas d'accord",
         "محايد"],
        ["agreement", "disagree", "Disagree", "Pas d'accord", "غير موافق"],
        ["contributions", "skills", "New skills", "De nouvelles compétences", "مهارات جديدة"],
        ["contributions", "business", "Businesses", "Des entreprises", "مشاريع تجارية"],
        ["contributions", "labour", "Work on projects", "Du travail sur les projets",
         "العمل في المشاريع"],
    ],
    settings=settings("community_perception", "Community perception", "1", "French (fr)"),
)

# A follow-up visit at three months: a hidden visit number, metadata, two fixed contacts,
# the card scanned again.
VALID_FORMS["followup_three_months.xlsx"] = form(
    survey=[
        ["type", "name", "label", "default", "required", "relevant", "repeat_count",
         "calculation"],
        ["start", "started"],
        ["end", "ended"],
        ["deviceid", "device"],
        ["hidden", "visit_number", "", "2"],
        ["barcode", "card", "Scan the beneficiary card", "", "yes"],
        ["select_one yes_no", "still_at_address", "Does the returnee still live here?", "",
         "yes"],
        ["geopoint", "new_address", "Location of the new address", "", "",
         "${still_at_address} = 'no'"],
        ["begin_repeat", "contacts", "Contact person", "", "", "", "2"],
        ["text", "contact_name", "Name"],
        ["phone number", "contact_phone", "Phone"],
        ["end_repeat"],
        ["select_one progress", "progress", "How is the reintegration plan going?", "", "yes"],
        ["calculate", "next_visit", "", "", "", "", "",
         "format-date(date(decimal-date-time(today()) + 90), '%Y-%m-%d')"],
    ],
    choices=[
        CHOICES_HEADER,
        *YES_NO,
        ["progress", "on_track", "On track"],
        ["progress", "delayed", "Delayed"],
        ["progress", "stopped", "Stopped"],
    ],
    settings=settings("followup_3m", "Follow-up visit (3 months)", "2"),
)

# Sustainability at twelve months: weighted-checklist over economic, social and psychosocial
# dimensions.
VALID_FORMS["followup_sustainability.xlsx"] = form(
    survey=[
        ["type", "name", "label", "calculation", "relevant"],
        ["select_one yes_no", "has_income", "Regular income?"],
        ["select_one yes_no", "food_secure", "Enough food for the household?"],
        ["select_one yes_no", "has_housing", "Adequate housing?"],
        ["select_one yes_no", "children_school", "Children at school?"],
        ["select_one yes_no", "feels_safe", "Feels safe?"],
        ["select_one yes_no", "plans_to_leave", "Plans to migrate again?"],
        ["calculate", "economic", "",
         "weighted-checklist(2, -1, ${has_income} = 'yes', 2, ${food_secure} = 'yes', 1)"],
        ["calculate", "social", "",
         "checklist(1, -1, ${has_housing} = 'yes', ${children_school} = 'yes')"],
        ["calculate", "psychosocial", "",
         "checklist(2, 2, ${feels_safe} = 'yes', ${plans_to_leave} = 'no')"],
        ["calculate", "sustainable", "",
         "${economic} = 'true' and ${social} = 'true' and ${psychosocial} = 'true'"],
        ["note", "sustainable_note", "Reintegration looks sustainable.", "",
         "${sustainable} = 'true'"],
    ],
    choices=[CHOICES_HEADER] + YES_NO,
    settings=settings("followup_12m", "Follow-up (12 months)"),
)

# Housing condition: the footprint of the dwelling, photos, ratings.
VALID_FORMS["housing_assessment.xlsx"] = form(
    survey=[
        ["type", "name", "label", "parameters", "calculation", "constraint",
         "constraint_message"],
        ["geoshape", "footprint", "Walk around the dwelling"],
        ["calculate", "floor_area", "", "", "round(area(${footprint}), 1)"],
        ["integer", "occupants", "People sleeping in the dwelling", "", "", ". > 0",
         "At least one person."],
        ["calculate", "m2_per_person", "", "", "round(${floor_area} div ${occupants}, 1)"],
        ["range", "roof_condition", "Condition of the roof (1 poor - 5 good)",
         "start=1 end=5 step=1"],
        ["range", "walls_condition", "Condition of the walls (1 poor - 5 good)",
         "start=1 end=5 step=1"],
        ["image", "roof_photo", "Photo of the roof"],
        ["note", "crowding_note", "${m2_per_person} m² per person."],
    ],
    settings=settings("housing_assessment", "Housing assessment"),
)

# Training attendance: ten sessions, position(), arrival and departure times.
VALID_FORMS["training_attendance.xlsx"] = form(
    survey=[
        ["type", "name", "label", "repeat_count", "calculation", "relevant", "constraint",
         "constraint_message"],
        ["text", "trainee", "Name of the trainee"],
        ["begin_repeat", "sessions", "Training session", "10"],
        ["calculate", "session_number", "", "", "position(..)"],
        ["select_one yes_no", "attended", "Present at session ${session_number}?"],
        ["time", "time_in", "Arrival time", "", "", "${attended} = 'yes'"],
        ["time", "time_out", "Departure time", "", "", "${attended} = 'yes'",
         "decimal-time(.) > decimal-time(${time_in})", "Departure comes after arrival."],
        ["calculate", "hours", "", "",
         "if(${attended} = 'yes', round((decimal-time(${time_out}) - decimal-time(${time_in}))"
         " * 24, 2), 0)"],
        ["end_repeat"],
        ["calculate", "total_hours", "", "", "sum(${hours})"],
        ["calculate", "sessions_attended", "", "", "count-non-empty(${time_in})"],
    ],
    choices=[CHOICES_HEADER] + YES_NO,
    settings=settings("training_attendance", "Vocational training attendance"),
)

# The grant paid out: a voucher scanned, the amounts, a signature, the date in words.
VALID_FORMS["grant_disbursement.xlsx"] = form(
    survey=[
        ["type", "name", "label", "appearance", "required", "constraint", "calculation"],
        ["barcode", "voucher", "Scan the voucher", "", "yes"],
        ["decimal", "amount_approved", "Amount approved", "", "yes", ". > 0"],
        ["decimal", "amount_paid", "Amount paid today", "", "yes",
         ". > 0 and . <= ${amount_approved}"],
        ["calculate", "balance", "", "", "", "", "${amount_approved} - ${amount_paid}"],
        ["today", "paid_on"],
        ["calculate", "paid_on_text", "", "", "", "", "format-date(${paid_on}, '%e %b %Y')"],
        ["image", "recipient_signature", "Signature of the recipient", "signature", "yes"],
        ["note", "receipt", "Paid ${amount_paid} on ${paid_on_text}; remaining ${balance}."],
    ],
    settings=settings_with("grant_disbursement", "Grant disbursement", "4",
                           instance_name="concat(${voucher}, ' ', ${paid_on})"),
)

# Family tracing: mother and father described in two groups with the same names inside (never
# referred to), a repeat of siblings.
VALID_FORMS["family_tracing.xlsx"] = form(
    survey=[
        ["type", "name", "label"],
        ["begin_group", "mother", "Mother"],
        ["text", "given_name", "Given name"],
        ["select_one alive", "status", "Is she alive?"],
        ["text", "last_known_place", "Last known place"],
        ["end_group"],
        ["begin_group", "father", "Father"],
        ["text", "given_name", "Given name"],
        ["select_one alive", "status", "Is he alive?"],
        ["text", "last_known_place", "Last known place"],
        ["end_group"],
        ["begin_repeat", "siblings", "Brother or sister"],
        ["text", "sibling_name", "Name"],
        ["select_one alive", "sibling_status", "Alive?"],
        ["end_repeat"],
    ],
    choices=[
        CHOICES_HEADER,
        ["alive", "alive", "Alive"],
        ["alive", "deceased", "Deceased"],
        ["alive", "unknown", "Unknown"],
    ],
    settings=settings("family_tracing", "Family tracing"),
)

# The journey back, stage by stage: dates and places, the first and last stage.
VALID_FORMS["return_journey_timeline.xlsx"] = form(
    survey=[
        ["type", "name", "label", "constraint", "constraint_message", "calculation"],
        ["begin_repeat", "stages", "Stage of the journey"],
        ["text", "stage_place", "Place"],
        ["geopoint", "stage_point", "Point on the map (if known)"],
        ["dateTime", "stage_arrival", "Arrived on"],
        ["dateTime", "stage_departure", "Left on",
         "decimal-date-time(.) >= decimal-date-time(${stage_arrival})",
         "Leaving comes after arriving."],
        ["calculate", "stage_days", "", "", "",
         "round(decimal-date-time(${stage_departure}) - decimal-date-time(${stage_arrival}), 1)"],
        ["end_repeat"],
        ["calculate", "journey_days", "", "", "", "sum(${stage_days})"],
        ["calculate", "longest_stay", "", "", "", "max(${stage_days})"],
        ["calculate", "first_place", "", "", "", "indexed-repeat(${stage_place}, ${stages}, 1)"],
        ["calculate", "last_place", "", "", "",
         "indexed-repeat(${stage_place}, ${stages}, count(${stages}))"],
        ["note", "journey_note", "From ${first_place} to ${last_place} in ${journey_days} days."],
    ],
    settings=settings("return_journey", "Return journey"),
)

# Civil documents to recover: file uploads, a select_multiple read back by jr:choice-name.
VALID_FORMS["document_recovery.xlsx"] = form(
    survey=[
        ["type", "name", "label", "relevant", "calculation"],
        ["select_multiple documents", "missing_documents", "Which documents are missing?"],
        ["file", "birth_certificate_scan", "Upload the copy of the birth certificate",
         "not(selected(${missing_documents}, 'birth_certificate'))"],
        ["image", "id_card_photo", "Photo of the identity card",
         "not(selected(${missing_documents}, 'id_card'))"],
        ["calculate", "first_missing", "", "",
         "jr:choice-name(selected-at(${missing_documents}, 0), '${missing_documents}')"],
        ["note", "documents_note", "Start with: ${first_missing}",
         "count-selected(${missing_documents}) > 0"],
    ],
    choices=[
        CHOICES_HEADER,
        ["documents", "birth_certificate", "Birth certificate"],
        ["documents", "id_card", "National identity card"],
        ["documents", "passport", "Passport"],
        ["documents", "diploma", "School or training diploma"],
    ],
    settings=settings("document_recovery", "Civil documents"),
)

# Debts: a repeat of creditors, interest with pow(), a required expression.
VALID_FORMS["debt_situation.xlsx"] = form(
    survey=[
        ["type", "name", "label", "required", "relevant", "constraint", "calculation"],
        ["select_one yes_no", "has_debt", "Does the household owe money?", "yes"],
        ["begin_repeat", "creditors", "Debt", "", "${has_debt} = 'yes'"],
        ["select_one creditor_types", "creditor", "Who is owed?", "yes"],
        ["decimal", "principal", "Amount owed", "yes", "", ". > 0"],
        ["decimal", "yearly_rate", "Yearly interest (%)", "${creditor} = 'lender'", "",
         ". >= 0 and . <= 200"],
        ["calculate", "owed_in_a_year", "", "", "", "",
         "${principal} * pow(1 + coalesce(${yearly_rate}, 0) div 100, 1)"],
        ["end_repeat"],
        ["calculate", "total_debt", "", "", "", "", "sum(${principal})"],
        ["calculate", "biggest_debt", "", "", "", "", "max(${principal})"],
        ["note", "debt_note", "Total owed: ${total_debt}.", "", "${has_debt} = 'yes'"],
    ],
    choices=[
        CHOICES_HEADER,
        *YES_NO,
        ["creditor_types", "family", "Family or friends"],
        ["creditor_types", "smuggler", "Smuggler or intermediary"],
        ["creditor_types", "lender", "Money lender"],
        ["creditor_types", "bank", "Bank or microfinance"],
    ],
    settings=settings("debt_situation", "Debt situation"),
)

# A group counselling session: participants counted, mood before and after, a recording.
VALID_FORMS["group_counselling_session.xlsx"] = form(
    survey=[
        ["type", "name", "label", "parameters", "repeat_count", "calculation", "required"],
        ["date", "session_date", "Date of the session", "", "", "", "yes"],
        ["integer", "participant_count", "Participants present", "", "", "", "yes"],
        ["begin_repeat", "participants", "Participant", "", "${participant_count}"],
        ["text", "participant_code", "Code"],
        ["range", "mood_before", "Mood before the session (1-5)", "start=1 end=5 step=1"],
        ["range", "mood_after", "Mood after the session (1-5)", "start=1 end=5 step=1"],
        ["calculate", "mood_change", "", "", "", "${mood_after} - ${mood_before}"],
        ["end_repeat"],
        ["calculate", "average_change", "", "", "",
         "round(sum(${mood_change}) div count(${participants}), 2)"],
        ["rank topics", "topics_priority", "Topics to cover next time, most wanted first"],
        ["audio", "facilitator_notes", "Facilitator's spoken notes", "quality=low"],
    ],
    choices=[
        CHOICES_HEADER,
        ["topics", "stigma", "Stigma and rejection"],
        ["topics", "stress", "Managing stress"],
        ["topics", "family", "Family relations"],
        ["topics", "work", "Looking for work"],
    ],
    settings=settings("group_counselling", "Group counselling session"),
)

# A quality check by the supervisor: a random draw, the enumerator's account and device.
VALID_FORMS["enumerator_quality_check.xlsx"] = form(
    survey=[
        ["type", "name", "label", "calculation", "relevant", "parameters"],
        ["username", "supervisor_account"],
        ["deviceid", "device"],
        ["audit", "audit", "", "", "", "location-priority=high-accuracy "
                                       "location-min-interval=30 location-max-age=60"],
        ["calculate", "draw", "", "once(random())"],
        ["calculate", "back_check", "", "${draw} < 0.2"],
        ["text", "enumerator_code", "Code of the enumerator checked"],
        ["select_one yes_no", "respondent_confirms", "Does the respondent confirm the visit?",
         "", "${back_check} = 'true'"],
        ["note", "no_check", "No back-check needed for this interview.", "",
         "${back_check} != 'true'"],
    ],
    choices=[CHOICES_HEADER] + YES_NO,
    settings=settings("quality_check", "Supervisor quality check"),
)

# Land access: plots from a GeoJSON file, the plot drawn, tenure with or_other.
VALID_FORMS["land_access.xlsx"] = form(
    survey=[
        ["type", "name", "label", "calculation", "relevant"],
        ["select_one_from_file plots.geojson", "registered_plot", "Registered plot, if any"],
        ["select_one tenure or_other", "tenure", "How does the household hold the land?"],
        ["geoshape", "plot_drawn", "Walk around the plot", "", "${registered_plot} = ''"],
        ["calculate", "plot_hectares", "", "round(area(${plot_drawn}) div 10000, 2)"],
        ["select_multiple crops", "crops", "Crops grown this season"],
    ],
    choices=[
        CHOICES_HEADER,
        ["tenure", "owned", "Owned with a title"],
        ["tenure", "customary", "Customary right"],
        ["tenure", "rented", "Rented"],
        ["tenure", "sharecropping", "Sharecropping"],
        ["crops", "millet", "Millet"],
        ["crops", "sorghum", "Sorghum"],
        ["crops", "groundnut", "Groundnut"],
        ["crops", "vegetables", "Vegetables"],
    ],
    settings=settings("land_access", "Access to land"),
)

# Functioning (Washington Group short set) in English and French, with a count of domains.
VALID_FORMS["functioning_short_set.xlsx"] = form(
    survey=[
        ["type", "name", "label::English (en)", "label::French (fr)", "calculation"],
        ["select_one difficulty", "seeing", "Do you have difficulty seeing, even with glasses?",
         "Avez-vous des difficultés à voir, même avec des lunettes ?"],
        ["select_one difficulty", "hearing", "Difficulty hearing, even with a hearing aid?",
         "Des difficultés à entendre, même avec un appareil ?"],
        ["select_one difficulty", "walking", "Difficulty walking or climbing steps?",
         "Des difficultés à marcher ou à monter des marches ?"],
        ["select_one difficulty", "remembering", "Difficulty remembering or concentrating?",
         "Des difficultés à vous souvenir ou à vous concentrer ?"],
        ["select_one difficulty", "self_care", "Difficulty washing or dressing?",
         "Des difficultés à vous laver ou à vous habiller ?"],
        ["select_one difficulty", "communicating", "Difficulty communicating?",
         "Des difficultés à communiquer ?"],
        ["calculate", "domains_with_difficulty", "", "",
         "count-selected(concat(if(${seeing} = 'lot' or ${seeing} = 'cannot', 'a ', ''), "
         "if(${hearing} = 'lot' or ${hearing} = 'cannot', 'b ', ''), "
         "if(${walking} = 'lot' or ${walking} = 'cannot', 'c', '')))"],
    ],
    choices=[
        ["list_name", "name", "label::English (en)", "label::French (fr)"],
        ["difficulty", "none", "No difficulty", "Aucune difficulté"],
        ["difficulty", "some", "Some difficulty", "Quelques difficultés"],
        ["difficulty", "lot", "A lot of difficulty", "Beaucoup de difficultés"],
        ["difficulty", "cannot", "Cannot do at all", "Ne peut pas du tout"],
    ],
    settings=settings("functioning", "Functioning", "1", "English (en)"),
)

# Feedback on a cash transfer: satisfaction range, ranked uses, complaint with or_other.
VALID_FORMS["cash_transfer_feedback.xlsx"] = form(
    survey=[
        ["type", "name", "label", "parameters", "relevant", "required"],
        ["select_one yes_no", "received", "Did you receive the transfer?", "", "", "yes"],
        ["range", "satisfaction", "Satisfaction with the transfer (1-5)", "start=1 end=5",
         "${received} = 'yes'"],
        ["rank uses", "uses", "What did you spend it on? Most first.", "", "${received} = 'yes'"],
        ["select_one complaints or_other", "complaint", "What went wrong?", "",
         "${received} = 'no'"],
    ],
    choices=[
        CHOICES_HEADER,
        *YES_NO,
        ["uses", "food", "Food"],
        ["uses", "rent", "Rent"],
        ["uses", "business", "Business stock"],
        ["uses", "debt", "Paying back debts"],
        ["complaints", "not_on_list", "Not on the list"],
        ["complaints", "agent_absent", "Agent absent"],
        ["complaints", "wrong_amount", "Wrong amount"],
    ],
    settings=settings("cash_feedback", "Cash transfer feedback"),
)

# A farming season: sowing and harvest dates, the months in between.
VALID_FORMS["seasonal_agriculture.xlsx"] = form(
    survey=[
        ["type", "name", "label", "constraint", "constraint_message", "calculation"],
        ["date", "sowing_date", "Sowing date"],
        ["date", "harvest_date", "Harvest date", ". > ${sowing_date}",
         "The harvest comes after sowing."],
        ["calculate", "season_days", "", "", "",
         "decimal-date-time(${harvest_date}) - decimal-date-time(${sowing_date})"],
        ["calculate", "season_months", "", "", "", "round(${season_days} div 30.4, 1)"],
        ["decimal", "harvest_kg", "Harvest (kg)", ". >= 0"],
        ["decimal", "sold_kg", "Sold (kg)", ". >= 0 and . <= ${harvest_kg}",
         "Cannot sell more than the harvest."],
        ["calculate", "share_sold", "", "", "",
         "if(${harvest_kg} > 0, round(100 * ${sold_kg} div ${harvest_kg}, 0), 0)"],
        ["note", "season_note",
         "Season of ${season_months} months from ${sowing_date}; ${share_sold}% sold."],
    ],
    settings=settings("agriculture_season", "Farming season"),
)

# Skills recognition: trades from a CSV file, certificates uploaded.
VALID_FORMS["skills_recognition.xlsx"] = form(
    survey=[
        ["type", "name", "label", "relevant", "calculation"],
        ["select_multiple_from_file trades.csv", "trades", "Trades practised abroad"],
        ["select_one yes_no", "has_certificate", "Do you have a certificate for them?"],
        ["file", "certificate", "Upload the certificate", "${has_certificate} = 'yes'"],
        ["calculate", "trade_count", "", "", "count-selected(${trades})"],
    ],
    choices=[CHOICES_HEADER] + YES_NO,
    settings=settings("skills_recognition", "Skills recognition"),
)

# A protection follow-up: read-only fields, hidden reference, trigger on the case status.
VALID_FORMS["protection_followup.xlsx"] = form(
    survey=[
        ["type", "name", "label", "default", "read_only", "calculation", "trigger",
         "required"],
        ["hidden", "case_reference"],
        ["text", "caseworker", "Caseworker", "Protection focal point", "yes"],
        ["select_one status", "case_status", "Status of the case", "", "", "", "", "yes"],
        ["calculate", "status_changed_at", "", "", "", "now()", "${case_status}"],
        ["text", "action_taken", "Action taken", "", "", "", "", "yes"],
    ],
    choices=[
        CHOICES_HEADER,
        ["status", "open", "Open"],
        ["status", "referred", "Referred"],
        ["status", "closed", "Closed"],
    ],
    settings=settings("protection_followup", "Protection follow-up"),
)

# A savings group meeting: contributions of each member, the largest and smallest.
VALID_FORMS["savings_group_meeting.xlsx"] = form(
    survey=[
        ["type", "name", "label", "constraint", "calculation"],
        ["date", "meeting_date", "Date of the meeting"],
        ["begin_repeat", "members", "Member"],
        ["text", "member_name", "Name"],
        ["decimal", "contribution", "Contribution", ". >= 0"],
        ["decimal", "loan_taken", "Loan taken", ". >= 0"],
        ["end_repeat"],
        ["calculate", "total_saved", "", "", "sum(${contribution})"],
        ["calculate", "total_lent", "", "", "sum(${loan_taken})"],
        ["calculate", "largest", "", "", "max(${contribution})"],
        ["calculate", "smallest", "", "", "min(${contribution})"],
        ["calculate", "cash_in_box", "", "", "${total_saved} - ${total_lent}"],
        ["note", "box_note", "Cash in the box: ${cash_in_box} (contributions ${smallest} to "
                             "${largest})."],
    ],
    settings=settings("savings_group", "Savings group meeting"),
)

# Registration at arrival, in three languages: groups with style pages, instance_name, many
# types together.
VALID_FORMS["arrival_registration_trilingual.xlsx"] = form(
    survey=[
        ["type", "name"] + translated("label") + ["required", "relevant", "appearance",
                                                  "calculation"],
        ["start", "started"],
        ["begin_group", "identity", "Identity", "Identité", "الهوية", "", "", "field-list"],
        ["text", "full_name", "Full name", "Nom complet", "الاسم الكامل", "yes"],
        ["date", "birth_date", "Date of birth", "Date de naissance", "تاريخ الميلاد", "yes"],
        ["select_one sex", "sex", "Sex", "Sexe", "الجنس", "yes"],
        ["image", "photo", "Photo", "Photo", "صورة"],
        ["end_group"],
        ["begin_group", "arrival", "Arrival", "Arrivée", "الوصول"],
        ["dateTime", "arrived_at", "Arrival date and time", "Date et heure d'arrivée",
         "تاريخ ووقت الوصول", "yes"],
        ["select_one transport or_other", "transport", "How did you travel?",
         "Comment avez-vous voyagé ?", "كيف سافرت؟"],
        ["geopoint", "arrival_point", "Place of arrival", "Lieu d'arrivée", "مكان الوصول"],
        ["end_group"],
        ["calculate", "age", "", "", "", "", "", "",
         "int((decimal-date-time(today()) - decimal-date-time(${birth_date})) div 365.25)"],
        ["note", "minor_note", "Unaccompanied minor? Call the child protection officer.",
         "Mineur non accompagné ? Appelez le responsable de la protection de l'enfance.",
         "قاصر غير مصحوب؟ اتصل بمسؤول حماية الطفل.", "", "${age} < 18"],
        ["end", "ended"],
    ],
    choices=[
        ["list_name", "name"] + translated("label"),
        ["sex", "female", "Female", "Femme", "أنثى"],
        ["sex", "male", "Male", "Homme", "ذكر"],
        ["transport", "plane", "Plane", "Avion", "طائرة"],
        ["transport", "bus", "Bus", "Bus", "حافلة"],
        ["transport", "boat", "Boat", "Bateau", "قارب"],
    ],
    settings=settings_with("arrival_registration", "Arrival registration", "7",
                           default_language="Arabic (ar)", style="pages",
                           instance_name="concat(${full_name}, ' ', ${arrived_at})"),
)

# Nutrition screening of children under five: MUAC, oedema, a photo of the card.
VALID_FORMS["child_nutrition_screening.xlsx"] = form(
    survey=[
        ["type", "name", "label", "constraint", "constraint_message", "calculation",
         "relevant", "repeat_count"],
        ["integer", "children_under_five", "Children under five", ". >= 0 and . <= 10"],
        ["begin_repeat", "child", "Child", "", "", "", "${children_under_five} > 0",
         "${children_under_five}"],
        ["integer", "age_months", "Age in months", ". >= 6 and . < 60",
         "MUAC is measured from 6 to 59 months."],
        ["decimal", "muac_mm", "MUAC (mm)", ". >= 80 and . <= 250", "Check the measurement."],
        ["select_one yes_no", "oedema", "Bilateral pitting oedema?"],
        ["calculate", "status", "", "", "",
         "if(${oedema} = 'yes' or ${muac_mm} < 115, 'SAM', if(${muac_mm} < 125, 'MAM', "
         "'normal'))"],
        ["note", "refer", "Refer child ${child_number} to the nutrition centre.", "", "",
         "${status} != 'normal'"],
        ["calculate", "child_number", "", "", "", "position(..)"],
        ["end_repeat"],
        ["image", "health_card", "Photo of the health card"],
    ],
    choices=[CHOICES_HEADER] + YES_NO,
    settings=settings("nutrition_screening", "Child nutrition screening"),
)

# Remittances received and sent: dateTime, currencies with allow_choice_duplicates no.
VALID_FORMS["remittances.xlsx"] = form(
    survey=[
        ["type", "name", "label", "required", "relevant", "constraint", "calculation"],
        ["select_one yes_no", "receives", "Does the household receive money from abroad?",
         "yes"],
        ["select_one channels or_other", "channel", "How does it arrive?", "",
         "${receives} = 'yes'"],
        ["decimal", "amount_last", "Amount last received", "${receives} = 'yes'",
         "${receives} = 'yes'", ". > 0"],
        ["dateTime", "received_at", "When?", "", "${receives} = 'yes'"],
        ["calculate", "days_since", "", "", "", "",
         "floor(decimal-date-time(now()) - decimal-date-time(${received_at}))"],
    ],
    choices=[
        CHOICES_HEADER,
        *YES_NO,
        ["channels", "mobile", "Mobile money"],
        ["channels", "agency", "Transfer agency"],
        ["channels", "hand", "Carried by someone"],
    ],
    settings=settings_with("remittances", "Remittances", "1", allow_choice_duplicates="no"),
)

# ---------------------------------------------------------------------------------------------
# Invalid forms: one defect each
# ---------------------------------------------------------------------------------------------

INVALID_FORMS = {}

# A CSV export renamed to .xlsx: not a zip at all. Workbook problem.
INVALID_FORMS["not_xlsx.xlsx"] = b"type,name,label\ntext,head_name,Name of the household head\n"


def zip_without_workbook():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        zi = zipfile.ZipInfo("survey.csv", date_time=FIXED_TIME)
        zi.external_attr = 0o644 << 16
        z.writestr(zi, "type,name,label\ntext,head_name,Name of the household head\n")
    return out.getvalue()


# A zip file (starts with PK) that is not a workbook: zipped CSV files. Workbook problem.
INVALID_FORMS["zip_not_workbook.xlsx"] = zip_without_workbook()

def unpacks_too_large():
    """A zip bomb in miniature: a sheet of 60 MB of blanks, a few kilobytes packed."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        for name, text in [("[Content_Types].xml", "<Types/>"),
                           ("xl/workbook.xml", "<workbook/>")]:
            zi = zipfile.ZipInfo(name, date_time=FIXED_TIME)
            zi.external_attr = 0o644 << 16
            z.writestr(zi, text, compress_type=zipfile.ZIP_DEFLATED)
        zi = zipfile.ZipInfo("xl/worksheets/sheet1.xml", date_time=FIXED_TIME)
        zi.external_attr = 0o644 << 16
        z.writestr(zi, " " * (60 * 1024 * 1024), compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


# Small on disk, huge once unpacked: refused before it is unpacked. Workbook problem.
INVALID_FORMS["unpacks_too_large.xlsx"] = unpacks_too_large()

# The questions are on a sheet called 'questions'. Workbook problem.
INVALID_FORMS["no_survey_sheet.xlsx"] = xlsx([
    ("questions", [["type", "name", "label"], ["text", "head_name", "Name of the household head"]]),
    ("choices", [CHOICES_HEADER] + YES_NO),
    ("settings", settings("no_survey", "No survey")),
])

# The type column is headed 'question type'. Workbook problem (no sheet, row or column).
INVALID_FORMS["survey_without_type_column.xlsx"] = xlsx(form(
    survey=[
        ["question type", "name", "label"],
        ["text", "head_name", "Name of the household head"],
        ["integer", "household_size", "Household size"],
    ],
))

# survey row 3, column 'type': 'number' is not a type.
INVALID_FORMS["unknown_type.xlsx"] = xlsx(form(
    survey=[
        ["type", "name", "label"],
        ["text", "head_name", "Name of the household head"],
        ["number", "household_size", "Household size"],
    ],
))

# survey row 3, column 'type': the list 'skill_levels' is not on the choices sheet.
INVALID_FORMS["missing_choice_list.xlsx"] = xlsx(form(
    survey=[
        ["type", "name", "label"],
        ["select_one yes_no", "has_skills", "Do you have a trade?"],
        ["select_one skill_levels", "skill_level", "How well do you know your trade?"],
    ],
    choices=[CHOICES_HEADER] + YES_NO,
))

# survey row 5, column 'name': 'phone' is already used on row 3.
INVALID_FORMS["duplicate_question_name.xlsx"] = xlsx(form(
    survey=[
        ["type", "name", "label"],
        ["text", "head_name", "Name of the household head"],
        ["text", "phone", "Phone number of the household head"],
        ["text", "relative_name", "Name of a relative to contact"],
        ["text", "phone", "Phone number of the relative"],
    ],
))

# choices row 5, column 'name': the list 'needs' already has 'health' (row 3).
INVALID_FORMS["duplicate_choice.xlsx"] = xlsx(form(
    survey=[
        ["type", "name", "label"],
        ["select_multiple needs", "needs", "Needs identified"],
    ],
    choices=[
        CHOICES_HEADER,
        ["needs", "food", "Food"],
        ["needs", "health", "Health care"],
        ["needs", "shelter", "Shelter"],
        ["needs", "health", "Medical care"],
    ],
))

# survey row 3, column 'relevant': the expression stops after '>='.
INVALID_FORMS["unparseable_relevant.xlsx"] = xlsx(form(
    survey=[
        ["type", "name", "label", "relevant"],
        ["integer", "age", "Age in years"],
        ["select_one yes_no", "in_school", "Do you go to school?", "${age} >="],
    ],
    choices=[CHOICES_HEADER] + YES_NO,
))

# survey row 3, column 'relevant': a field named without ${...}.
INVALID_FORMS["bare_name_in_relevant.xlsx"] = xlsx(form(
    survey=[
        ["type", "name", "label", "relevant"],
        ["integer", "age", "Age in years"],
        ["text", "employer", "Employer", "age >= 18"],
    ],
))

# survey row 3, column 'constraint': ${household_size} does not exist (it is hh_size).
INVALID_FORMS["unknown_field_in_constraint.xlsx"] = xlsx(form(
    survey=[
        ["type", "name", "label", "constraint"],
        ["integer", "hh_size", "Household size"],
        ["integer", "children", "Children", ". <= ${household_size}"],
    ],
))

# survey row 4, column 'calculation': median() is not a function XLSForm knows.
INVALID_FORMS["unknown_function.xlsx"] = xlsx(form(
    survey=[
        ["type", "name", "label", "calculation"],
        ["integer", "adults", "Adults"],
        ["integer", "children", "Children"],
        ["calculate", "middle", "", "median(${adults}, ${children})"],
    ],
))

# survey row 3, column 'calculation': if() with two arguments.
INVALID_FORMS["wrong_argument_count.xlsx"] = xlsx(form(
    survey=[
        ["type", "name", "label", "calculation"],
        ["integer", "age", "Age in years"],
        ["calculate", "age_group", "", "if(${age} < 18, 'minor')"],
    ],
))

# survey row 2, column 'constraint': the regex literal has an unclosed character class.
INVALID_FORMS["invalid_regex.xlsx"] = xlsx(form(
    survey=[
        ["type", "name", "label", "constraint"],
        ["text", "phone", "Phone number", "regex(., '^[0-9{8,15}$')"],
    ],
))

# survey row 4, column 'calculation': support_total → support_per_member → support_total.
INVALID_FORMS["cyclic_calculations.xlsx"] = xlsx(form(
    survey=[
        ["type", "name", "label", "calculation"],
        ["integer", "household_size", "Household size"],
        ["decimal", "grant", "Grant"],
        ["calculate", "support_total", "", "${support_per_member} * ${household_size}"],
        ["calculate", "support_per_member", "", "${support_total} div ${household_size}"],
    ],
))

# survey row 2, column 'type': the group 'household' is never closed.
INVALID_FORMS["unclosed_group.xlsx"] = xlsx(form(
    survey=[
        ["type", "name", "label"],
        ["begin_group", "household", "Household"],
        ["integer", "adults", "Adults"],
        ["integer", "children", "Children"],
        ["text", "remarks", "Remarks"],
    ],
))

# survey row 5, column 'type': end_repeat closes the group 'members' (row 3).
INVALID_FORMS["end_repeat_closes_group.xlsx"] = xlsx(form(
    survey=[
        ["type", "name", "label"],
        ["integer", "household_size", "Household size"],
        ["begin_group", "members", "Household members"],
        ["text", "member_name", "Name"],
        ["end_repeat"],
    ],
))

# survey row 4, column 'type': end_group without a begin_group.
INVALID_FORMS["end_group_without_begin.xlsx"] = xlsx(form(
    survey=[
        ["type", "name", "label"],
        ["text", "head_name", "Name of the household head"],
        ["integer", "household_size", "Household size"],
        ["end_group"],
    ],
))

# survey row 3, column 'required': 'oui' is neither yes, no nor an expression (a bare word).
INVALID_FORMS["required_not_yes.xlsx"] = xlsx(form(
    survey=[
        ["type", "name", "label", "required"],
        ["text", "head_name", "Name of the household head", "yes"],
        ["integer", "household_size", "Household size", "oui"],
    ],
))

# survey row 4, column 'calculation': a calculate row with an empty calculation.
INVALID_FORMS["calculate_without_calculation.xlsx"] = xlsx(form(
    survey=[
        ["type", "name", "label", "calculation"],
        ["integer", "adults", "Adults"],
        ["integer", "children", "Children"],
        ["calculate", "total_members", ""],
    ],
))

# survey row 3, column 'choice_filter': the list 'districts' has no column 'region'.
INVALID_FORMS["choice_filter_unknown_column.xlsx"] = xlsx(form(
    survey=[
        ["type", "name", "label", "choice_filter"],
        ["select_one countries", "country", "Country of return"],
        ["select_one districts", "district", "District", "region = ${country}"],
    ],
    choices=[
        ["list_name", "name", "label", "country"],
        ["countries", "sn", "Senegal"],
        ["countries", "ml", "Mali"],
        ["districts", "pikine", "Pikine", "sn"],
        ["districts", "kita", "Kita", "ml"],
    ],
))

# survey row 3, column 'choice_filter': a text question cannot filter choices.
INVALID_FORMS["choice_filter_on_text.xlsx"] = xlsx(form(
    survey=[
        ["type", "name", "label", "choice_filter"],
        ["select_one countries", "country", "Country of return"],
        ["text", "village", "Town or village", "country = ${country}"],
    ],
    choices=[CHOICES_HEADER, ["countries", "sn", "Senegal"], ["countries", "ml", "Mali"]],
))

# survey row 3, column 'label': an integer question without a label.
INVALID_FORMS["question_without_label.xlsx"] = xlsx(form(
    survey=[
        ["type", "name", "label"],
        ["text", "head_name", "Name of the household head"],
        ["integer", "years_abroad", ""],
    ],
))

# survey row 3, column 'name': a name with a space.
INVALID_FORMS["invalid_name.xlsx"] = xlsx(form(
    survey=[
        ["type", "name", "label"],
        ["text", "head_name", "Name of the household head"],
        ["integer", "household size", "Household size"],
    ],
))

# survey row 4, column 'relevant': a group has no answer to compare.
INVALID_FORMS["reference_to_group.xlsx"] = xlsx(form(
    survey=[
        ["type", "name", "label", "relevant"],
        ["begin_group", "household", "Household"],
        ["integer", "adults", "Adults"],
        ["text", "remarks", "Remarks", "${household} != ''"],
        ["end_group"],
    ],
))

# survey row 1, column 'label': the label column appears twice.
INVALID_FORMS["duplicate_column.xlsx"] = xlsx(form(
    survey=[
        ["type", "name", "label", "hint", "label"],
        ["text", "head_name", "Name of the household head", "", "Head of household"],
    ],
))

# Workbook problem: the choices sheet has no list_name column.
INVALID_FORMS["choices_without_list_name.xlsx"] = xlsx(form(
    survey=[
        ["type", "name", "label"],
        ["select_one yes_no", "has_children", "Do you have children?"],
    ],
    choices=[["list", "name", "label"], ["yes_no", "yes", "Yes"], ["yes_no", "no", "No"]],
))

# settings row 2, column 'form_id': not a valid form id.
INVALID_FORMS["invalid_form_id.xlsx"] = xlsx(form(
    survey=[["type", "name", "label"], ["text", "head_name", "Name of the household head"]],
    settings=settings("returnees/2026", "Returnee survey"),
))


# ---------------------------------------------------------------------------------------------
# Invalid forms: the XLSForm features, one defect each
# ---------------------------------------------------------------------------------------------

# survey row 9, column 'relevant': ${age} names the respondent's age (row 4) and the spouse's
# (row 8).
INVALID_FORMS["ambiguous_reference.xlsx"] = xlsx(form(
    survey=[
        ["type", "name", "label", "relevant"],
        ["begin_group", "respondent", "Respondent"],
        ["text", "full_name", "Full name"],
        ["integer", "age", "Age"],
        ["end_group"],
        ["begin_group", "spouse", "Spouse"],
        ["text", "full_name", "Full name"],
        ["integer", "age", "Age"],
        ["text", "spouse_employer", "Employer of the spouse", "${age} >= 18"],
        ["end_group"],
    ],
))

# survey row 8, column 'label': the label refers to ${visit_date}, a name used in two groups.
INVALID_FORMS["ambiguous_reference_in_label.xlsx"] = xlsx(form(
    survey=[
        ["type", "name", "label"],
        ["begin_group", "first_visit", "First visit"],
        ["date", "visit_date", "Date of the first visit"],
        ["end_group"],
        ["begin_group", "second_visit", "Second visit"],
        ["date", "visit_date", "Date of the second visit"],
        ["end_group"],
        ["note", "visit_summary", "Last visit on ${visit_date}."],
    ],
))

# survey row 5, column 'repeat_count': ${size} is used in two groups.
INVALID_FORMS["ambiguous_repeat_count.xlsx"] = xlsx(form(
    survey=[
        ["type", "name", "label", "repeat_count"],
        ["begin_group", "before", "Before migration"],
        ["integer", "size", "Household size before migration"],
        ["end_group"],
        ["begin_repeat", "members", "Member", "${size}"],
        ["text", "member_name", "Name"],
        ["end_repeat"],
        ["begin_group", "after", "After return"],
        ["integer", "size", "Household size after return"],
        ["end_group"],
    ],
))

# settings row 2, column 'instance_name': ${name_given} is used in two groups.
INVALID_FORMS["ambiguous_instance_name.xlsx"] = xlsx(form(
    survey=[
        ["type", "name", "label"],
        ["begin_group", "head", "Household head"],
        ["text", "name_given", "Name"],
        ["end_group"],
        ["begin_group", "respondent", "Respondent"],
        ["text", "name_given", "Name"],
        ["end_group"],
    ],
    settings=settings_with("ambiguous_instance_name", "Household", "1",
                           instance_name="concat('HH ', ${name_given})"),
))

# survey row 3, column 'name': 'meta' is kept for the form's metadata.
INVALID_FORMS["name_meta.xlsx"] = xlsx(form(
    survey=[
        ["type", "name", "label"],
        ["text", "head_name", "Name of the household head"],
        ["begin_group", "meta", "Interview details"],
        ["text", "interviewer", "Interviewer"],
        ["end_group"],
    ],
))

# survey row 5, column 'name': 'phone' twice in the group 'contact'.
INVALID_FORMS["duplicate_name_in_group.xlsx"] = xlsx(form(
    survey=[
        ["type", "name", "label"],
        ["begin_group", "contact", "Contact"],
        ["text", "phone", "Phone of the returnee"],
        ["text", "relative", "Name of a relative"],
        ["text", "phone", "Phone of the relative"],
        ["end_group"],
    ],
))

# survey row 6, column 'name': 'member_age' twice in the repeat.
INVALID_FORMS["duplicate_name_in_repeat.xlsx"] = xlsx(form(
    survey=[
        ["type", "name", "label"],
        ["begin_repeat", "members", "Member"],
        ["text", "member_name", "Name"],
        ["integer", "member_age", "Age"],
        ["select_one sex", "member_sex", "Sex"],
        ["integer", "member_age", "Age at departure"],
        ["end_repeat"],
    ],
    choices=[CHOICES_HEADER, ["sex", "f", "Female"], ["sex", "m", "Male"]],
))

# survey row 4, column 'name': or_other added 'occupation_other' after row 3.
INVALID_FORMS["or_other_name_taken.xlsx"] = xlsx(form(
    survey=[
        ["type", "name", "label"],
        ["text", "head_name", "Name of the household head"],
        ["select_one occupations or_other", "occupation", "Main occupation"],
        ["text", "occupation_other", "Other occupation (describe)"],
    ],
    choices=[CHOICES_HEADER, ["occupations", "farmer", "Farmer"],
             ["occupations", "trader", "Trader"]],
))

# survey row 3, column 'label': ${household_head} does not exist (it is head_name).
INVALID_FORMS["missing_reference_in_label.xlsx"] = xlsx(form(
    survey=[
        ["type", "name", "label"],
        ["text", "head_name", "Name of the household head"],
        ["integer", "household_size", "How many people live with ${household_head}?"],
    ],
))

# survey row 3, column 'hint': ${return_day} does not exist.
INVALID_FORMS["missing_reference_in_hint.xlsx"] = xlsx(form(
    survey=[
        ["type", "name", "label", "hint"],
        ["date", "return_date", "Date of return"],
        ["integer", "months_abroad", "Months abroad", "Count up to ${return_day}."],
    ],
))

# choices row 2, column 'label': ${head} does not exist (it is head_name).
INVALID_FORMS["missing_reference_in_choice_label.xlsx"] = xlsx(form(
    survey=[
        ["type", "name", "label"],
        ["text", "head_name", "Name of the household head"],
        ["select_one who", "respondent", "Who is answering?"],
    ],
    choices=[
        CHOICES_HEADER,
        ["who", "head", "${head} in person"],
        ["who", "other", "Another member"],
    ],
))

# survey row 3, column 'constraint_message': ${max_size} does not exist.
INVALID_FORMS["missing_reference_in_constraint_message.xlsx"] = xlsx(form(
    survey=[
        ["type", "name", "label", "constraint", "constraint_message"],
        ["integer", "household_size", "Household size"],
        ["integer", "children", "Children", ". <= ${household_size}",
         "At most ${max_size} children."],
    ],
))

# survey row 3, column 'required_message': ${respondent} does not exist.
INVALID_FORMS["missing_reference_in_required_message.xlsx"] = xlsx(form(
    survey=[
        ["type", "name", "label", "required", "required_message"],
        ["text", "head_name", "Name of the household head"],
        ["phone number", "phone", "Phone number", "yes", "Ask ${respondent} for a number."],
    ],
))

# settings row 2, column 'instance_name': ${village_name} does not exist (it is village).
INVALID_FORMS["missing_reference_in_instance_name.xlsx"] = xlsx(form(
    survey=[
        ["type", "name", "label"],
        ["text", "head_name", "Name of the household head"],
        ["text", "village", "Village"],
    ],
    settings=settings_with("visit", "Household visit", "1",
                           instance_name="concat(${head_name}, ' - ', ${village_name})"),
))

# settings row 2, column 'instance_name': the expression is never closed.
INVALID_FORMS["unparseable_instance_name.xlsx"] = xlsx(form(
    survey=[
        ["type", "name", "label"],
        ["text", "head_name", "Name of the household head"],
    ],
    settings=settings_with("visit", "Household visit", "1",
                           instance_name="concat(${head_name}, ' visit'"),
))

# survey row 3, column 'parameters': the start of the range is not a number.
INVALID_FORMS["range_start_not_number.xlsx"] = xlsx(form(
    survey=[
        ["type", "name", "label", "parameters"],
        ["text", "respondent_code", "Respondent code"],
        ["range", "hope", "How hopeful are you?", "start=low end=10 step=1"],
    ],
))

# survey row 2, column 'parameters': the end of the range is not a number.
INVALID_FORMS["range_end_not_number.xlsx"] = xlsx(form(
    survey=[
        ["type", "name", "label", "parameters"],
        ["range", "safety", "How safe do you feel?", "start=1 end=five"],
    ],
))

# survey row 3, column 'parameters': a step of 0.
INVALID_FORMS["range_step_zero.xlsx"] = xlsx(form(
    survey=[
        ["type", "name", "label", "parameters"],
        ["text", "respondent_code", "Respondent code"],
        ["range", "sleep_quality", "How well do you sleep?", "start=0 end=4 step=0"],
    ],
))

# choices row 3, column 'name': 'central' twice; allow_choice_duplicates is not set.
INVALID_FORMS["duplicate_choice_without_setting.xlsx"] = xlsx(form(
    survey=[
        ["type", "name", "label", "choice_filter"],
        ["select_one regions", "region", "Region"],
        ["select_one districts", "district", "District", "region = ${region}"],
    ],
    choices=[
        ["list_name", "name", "label", "region"],
        ["districts", "central", "Central district (north)", "north"],
        ["districts", "central", "Central district (south)", "south"],
        ["regions", "north", "North"],
        ["regions", "south", "South"],
    ],
    settings=settings("district_cascade", "District"),
))

# choices row 4, column 'name': allow_choice_duplicates is 'no'.
INVALID_FORMS["duplicate_choice_setting_no.xlsx"] = xlsx(form(
    survey=[
        ["type", "name", "label"],
        ["select_one channels", "channel", "How does the money arrive?"],
    ],
    choices=[
        CHOICES_HEADER,
        ["channels", "mobile", "Mobile money"],
        ["channels", "agency", "Transfer agency"],
        ["channels", "mobile", "Mobile wallet"],
    ],
    settings=settings_with("remittance_channel", "Remittance channel", "1",
                           allow_choice_duplicates="no"),
))

# survey row 3, column 'repeat_count': on a begin_group.
INVALID_FORMS["repeat_count_on_group.xlsx"] = xlsx(form(
    survey=[
        ["type", "name", "label", "repeat_count"],
        ["integer", "household_size", "Household size"],
        ["begin_group", "members", "Household members", "${household_size}"],
        ["text", "member_name", "Name"],
        ["end_group"],
    ],
))

# survey row 3, column 'repeat_count': on a question.
INVALID_FORMS["repeat_count_on_question.xlsx"] = xlsx(form(
    survey=[
        ["type", "name", "label", "repeat_count"],
        ["integer", "household_size", "Household size"],
        ["text", "member_names", "Names of the members", "${household_size}"],
    ],
))

# survey row 3, column 'repeat_count': the expression stops after '+'.
INVALID_FORMS["repeat_count_unparseable.xlsx"] = xlsx(form(
    survey=[
        ["type", "name", "label", "repeat_count"],
        ["integer", "adults", "Adults"],
        ["begin_repeat", "members", "Member", "${adults} +"],
        ["text", "member_name", "Name"],
        ["end_repeat"],
    ],
))

# survey row 3, column 'repeat_count': ${household_size} does not exist.
INVALID_FORMS["repeat_count_missing_reference.xlsx"] = xlsx(form(
    survey=[
        ["type", "name", "label", "repeat_count"],
        ["integer", "hh_size", "Household size"],
        ["begin_repeat", "members", "Member", "${household_size}"],
        ["text", "member_name", "Name"],
        ["end_repeat"],
    ],
))

# survey row 3, column 'trigger': a trigger names a question as ${...}.
INVALID_FORMS["trigger_not_reference.xlsx"] = xlsx(form(
    survey=[
        ["type", "name", "label", "calculation", "trigger"],
        ["select_one yes_no", "consent", "Consent given?"],
        ["calculate", "consent_time", "", "now()", "consent"],
    ],
    choices=[CHOICES_HEADER] + YES_NO,
))

# survey row 3, column 'trigger': ${agreement} does not exist.
INVALID_FORMS["trigger_missing_reference.xlsx"] = xlsx(form(
    survey=[
        ["type", "name", "label", "calculation", "trigger"],
        ["select_one yes_no", "consent", "Consent given?"],
        ["calculate", "consent_time", "", "now()", "${agreement}"],
    ],
    choices=[CHOICES_HEADER] + YES_NO,
))

# survey row 3, column 'type': the choices file must be .csv, .xml or .geojson.
INVALID_FORMS["select_from_file_txt.xlsx"] = xlsx(form(
    survey=[
        ["type", "name", "label"],
        ["text", "head_name", "Name of the household head"],
        ["select_one_from_file villages.txt", "village", "Village"],
    ],
))

# survey row 2, column 'type': select_multiple_from_file without a file.
INVALID_FORMS["select_from_file_without_file.xlsx"] = xlsx(form(
    survey=[
        ["type", "name", "label"],
        ["select_multiple_from_file", "services", "Services in the village"],
    ],
))

# survey row 2, column 'type': rank without a list.
INVALID_FORMS["rank_without_list.xlsx"] = xlsx(form(
    survey=[
        ["type", "name", "label"],
        ["rank", "priorities", "Put your needs in order"],
    ],
    choices=[CHOICES_HEADER, ["needs", "food", "Food"], ["needs", "housing", "Housing"]],
))

# survey row 2, column 'type': the list 'priorities' is not on the choices sheet.
INVALID_FORMS["rank_missing_list.xlsx"] = xlsx(form(
    survey=[
        ["type", "name", "label"],
        ["rank priorities", "priority_order", "Put your needs in order"],
    ],
    choices=[CHOICES_HEADER, ["needs", "food", "Food"], ["needs", "housing", "Housing"]],
))

# survey row 2, column 'type': or_other after two lists.
INVALID_FORMS["or_other_two_lists.xlsx"] = xlsx(form(
    survey=[
        ["type", "name", "label"],
        ["select_one occupations skills or_other", "occupation", "Main occupation"],
    ],
    choices=[CHOICES_HEADER, ["occupations", "farmer", "Farmer"], ["skills", "welding", "Welding"]],
))

# survey row 3, column 'type': select_one_external is not supported.
INVALID_FORMS["select_one_external.xlsx"] = xlsx(form(
    survey=[
        ["type", "name", "label"],
        ["text", "head_name", "Name of the household head"],
        ["select_one_external villages", "village", "Village"],
    ],
    choices=[CHOICES_HEADER, ["villages", "a", "A"]],
))

# survey row 3, column 'type': osm is not supported.
INVALID_FORMS["osm_question.xlsx"] = xlsx(form(
    survey=[
        ["type", "name", "label"],
        ["text", "head_name", "Name of the household head"],
        ["osm", "building", "Select the building on the map"],
    ],
))

# survey row 2, column 'type': xml-external is not supported.
INVALID_FORMS["xml_external.xlsx"] = xlsx(form(
    survey=[
        ["type", "name", "label"],
        ["xml-external", "facilities"],
        ["text", "facility_code", "Facility code"],
    ],
))

# survey row 2, column 'type': csv-external is not supported.
INVALID_FORMS["csv_external.xlsx"] = xlsx(form(
    survey=[
        ["type", "name", "label"],
        ["csv-external", "prices"],
        ["decimal", "rice_price", "Price of rice"],
    ],
))

# survey row 3, column 'calculation': pulldata() takes 4 arguments, not 2.
INVALID_FORMS["pulldata_function.xlsx"] = xlsx(form(
    survey=[
        ["type", "name", "label", "calculation"],
        ["text", "case_number", "Case number"],
        ["calculate", "grant_amount", "", "pulldata('cases', 'grant')"],
    ],
))

# pulldata() from a CSV attached to the form version (grants.csv).
VALID_FORMS["grant_lookup.xlsx"] = form(
    survey=[
        ["type", "name", "label", "calculation"],
        ["text", "grant_code", "Grant code"],
        ["calculate", "grant_amount", "", "pulldata('grants', 'amount', 'code', ${grant_code})"],
        ["note", "grant_note", "Amount of this grant: ${grant_amount}"],
    ],
    settings=settings("grant_lookup", "Grant lookup"),
)

# survey row 3, column 'calculation': instance('…') expressions are not supported.
INVALID_FORMS["instance_expression.xlsx"] = xlsx(form(
    survey=[
        ["type", "name", "label", "calculation"],
        ["select_one districts", "district", "District"],
        ["calculate", "district_count", "", "count(instance('districts')/root/item)"],
    ],
    choices=[CHOICES_HEADER, ["districts", "kayes", "Kayes"], ["districts", "sikasso", "Sikasso"]],
))

# survey row 3, column 'calculation': pow() with one argument.
INVALID_FORMS["pow_one_argument.xlsx"] = xlsx(form(
    survey=[
        ["type", "name", "label", "calculation"],
        ["decimal", "loan", "Loan"],
        ["calculate", "loan_squared", "", "pow(${loan})"],
    ],
))

# survey row 5, column 'calculation': indexed-repeat() with two arguments.
INVALID_FORMS["indexed_repeat_two_arguments.xlsx"] = xlsx(form(
    survey=[
        ["type", "name", "label", "calculation"],
        ["begin_repeat", "members", "Member"],
        ["text", "member_name", "Name"],
        ["end_repeat"],
        ["calculate", "first_member", "", "indexed-repeat(${member_name}, ${members})"],
    ],
))

# survey row 3, column 'calculation': format-date() without a format.
INVALID_FORMS["format_date_one_argument.xlsx"] = xlsx(form(
    survey=[
        ["type", "name", "label", "calculation"],
        ["date", "return_date", "Date of return"],
        ["calculate", "return_text", "", "format-date(${return_date})"],
    ],
))

# survey row 3, column 'calculation': substr() with one argument.
INVALID_FORMS["substr_one_argument.xlsx"] = xlsx(form(
    survey=[
        ["type", "name", "label", "calculation"],
        ["text", "phone", "Phone"],
        ["calculate", "prefix", "", "substr(${phone})"],
    ],
))

# survey row 4, column 'calculation': atan2() with one argument.
INVALID_FORMS["atan2_one_argument.xlsx"] = xlsx(form(
    survey=[
        ["type", "name", "label", "calculation"],
        ["decimal", "dy", "North offset"],
        ["decimal", "dx", "East offset"],
        ["calculate", "bearing", "", "atan2(${dy})"],
    ],
))

# survey row 3, column 'calculation': weighted-checklist() needs at least four arguments.
INVALID_FORMS["weighted_checklist_three_arguments.xlsx"] = xlsx(form(
    survey=[
        ["type", "name", "label", "calculation"],
        ["select_one yes_no", "no_income", "Without income?"],
        ["calculate", "vulnerable", "", "weighted-checklist(1, -1, ${no_income} = 'yes')"],
    ],
    choices=[CHOICES_HEADER] + YES_NO,
))

# survey row 3, column 'calculation': selected-at() with one argument.
INVALID_FORMS["selected_at_one_argument.xlsx"] = xlsx(form(
    survey=[
        ["type", "name", "label", "calculation"],
        ["select_multiple needs", "needs", "Needs"],
        ["calculate", "first_need", "", "selected-at(${needs})"],
    ],
    choices=[CHOICES_HEADER, ["needs", "food", "Food"], ["needs", "health", "Health"]],
))

# survey row 3, column 'calculation': jr:choice-name() with one argument.
INVALID_FORMS["choice_name_one_argument.xlsx"] = xlsx(form(
    survey=[
        ["type", "name", "label", "calculation"],
        ["select_one districts", "district", "District"],
        ["calculate", "district_label", "", "jr:choice-name(${district})"],
    ],
    choices=[CHOICES_HEADER, ["districts", "kayes", "Kayes"]],
))

# survey row 2, column 'calculation': random() takes no argument.
INVALID_FORMS["random_with_argument.xlsx"] = xlsx(form(
    survey=[
        ["type", "name", "label", "calculation"],
        ["calculate", "draw", "", "random(10)"],
        ["text", "enumerator", "Enumerator"],
    ],
))

# survey row 3, column 'calculation': once() with two arguments.
INVALID_FORMS["once_two_arguments.xlsx"] = xlsx(form(
    survey=[
        ["type", "name", "label", "calculation"],
        ["text", "case_number", "Case number"],
        ["calculate", "case_uuid", "", "once(uuid(), ${case_number})"],
    ],
))

# survey row 2, column 'calculation': sum() of two answers (it takes one node set).
INVALID_FORMS["sum_two_arguments.xlsx"] = xlsx(form(
    survey=[
        ["type", "name", "label", "calculation"],
        ["calculate", "members", "", "sum(${adults}, ${children})"],
        ["integer", "adults", "Adults"],
        ["integer", "children", "Children"],
    ],
))

# survey row 3, column 'required': the expression stops after '>='.
INVALID_FORMS["required_unparseable.xlsx"] = xlsx(form(
    survey=[
        ["type", "name", "label", "required"],
        ["integer", "age", "Age"],
        ["text", "national_id", "National identity number", "${age} >="],
    ],
))

# survey row 3, column 'required': ${adult} does not exist (it is age).
INVALID_FORMS["required_missing_reference.xlsx"] = xlsx(form(
    survey=[
        ["type", "name", "label", "required"],
        ["integer", "age", "Age"],
        ["text", "national_id", "National identity number", "${adult} = 'yes'"],
    ],
))

# survey row 2, column 'type': background-geopoint is not supported.
INVALID_FORMS["background_geopoint.xlsx"] = xlsx(form(
    survey=[
        ["type", "name", "label", "trigger"],
        ["background-geopoint", "where_answered", "", "${consent}"],
        ["acknowledge", "consent", "The returnee agrees to be interviewed"],
    ],
))

# survey row 3, column 'type': include is not supported.
INVALID_FORMS["include_form.xlsx"] = xlsx(form(
    survey=[
        ["type", "name", "label"],
        ["text", "head_name", "Name of the household head"],
        ["include", "household_module"],
    ],
))

# survey row 4, column 'choice_filter': the list 'cities' has no column 'region' (it is
# 'country'), in a repeat with current()/..
INVALID_FORMS["choice_filter_missing_column_in_repeat.xlsx"] = xlsx(form(
    survey=[
        ["type", "name", "label", "choice_filter"],
        ["begin_repeat", "trips", "Stage of the journey"],
        ["select_one countries", "trip_country", "Country"],
        ["select_one cities", "trip_city", "City", "region = current()/../trip_country"],
        ["end_repeat"],
    ],
    choices=[
        ["list_name", "name", "label", "country"],
        ["countries", "ne", "Niger"],
        ["cities", "agadez", "Agadez", "ne"],
    ],
))

# survey row 5, column 'relevant': ../trip_month names no question (it is trip_months).
INVALID_FORMS["relative_path_missing.xlsx"] = xlsx(form(
    survey=[
        ["type", "name", "label", "relevant"],
        ["begin_repeat", "trips", "Stage of the journey"],
        ["text", "trip_place", "Place"],
        ["integer", "trip_months", "Months there", "../trip_place != ''"],
        ["text", "trip_work", "Work there", "../trip_month > 1"],
        ["end_repeat"],
    ],
))

# survey row 3, column 'label': a geopoint question without a label.
INVALID_FORMS["geopoint_without_label.xlsx"] = xlsx(form(
    survey=[
        ["type", "name", "label"],
        ["text", "village", "Village"],
        ["geopoint", "home_location", ""],
    ],
))

# choices row 2, column 'label': ${n_children} is used in two groups.
INVALID_FORMS["ambiguous_reference_in_choice_label.xlsx"] = xlsx(form(
    survey=[
        ["type", "name", "label"],
        ["begin_group", "before", "Before migration"],
        ["integer", "n_children", "Children before migration"],
        ["end_group"],
        ["begin_group", "after", "After return"],
        ["integer", "n_children", "Children after return"],
        ["end_group"],
        ["select_one change", "change", "Has the number of children changed?"],
    ],
    choices=[
        CHOICES_HEADER,
        ["change", "same", "No, still ${n_children}"],
        ["change", "more", "Yes, more"],
        ["change", "fewer", "Yes, fewer"],
    ],
))

# survey row 3, column 'default': ${office_code} does not exist.
INVALID_FORMS["default_missing_reference.xlsx"] = xlsx(form(
    survey=[
        ["type", "name", "label", "default"],
        ["text", "office", "Field office"],
        ["text", "case_prefix", "Case number prefix", "concat(${office_code}, '-')"],
    ],
))

# survey row 3, column 'trigger': a calculate with a trigger and a default, but no calculation.
INVALID_FORMS["trigger_without_calculation.xlsx"] = xlsx(form(
    survey=[
        ["type", "name", "label", "default", "trigger"],
        ["decimal", "grant_amount", "Grant amount"],
        ["calculate", "grant_currency", "", "XOF", "${grant_amount}"],
    ],
))


def main():
    for d in (VALID, INVALID):
        if d.exists():
            shutil.rmtree(d)
        d.mkdir(parents=True)
    for name, sheets in VALID_FORMS.items():
        (VALID / name).write_bytes(xlsx(sheets))
    for name, data in INVALID_FORMS.items():
        (INVALID / name).write_bytes(data)
    print(f"{len(VALID_FORMS)} valid and {len(INVALID_FORMS)} invalid forms written to {HERE}")


if __name__ == "__main__":
    main()
