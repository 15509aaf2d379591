#!/usr/bin/env python3
"""Generates the XLSForm test corpus that `crates/forms/tests/corpus.rs` checks.

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
sheet, row and column the importer is expected to report (the Rust test holds the same table).
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

# survey row 3, column 'type': geopoint is a known XLSForm type Reintegra does not collect.
INVALID_FORMS["unsupported_geopoint.xlsx"] = xlsx(form(
    survey=[
        ["type", "name", "label"],
        ["text", "village", "Town or village"],
        ["geopoint", "home_location", "Location of the dwelling"],
    ],
))

# survey row 3, column 'type': 'select_one occupations or_other'.
INVALID_FORMS["select_or_other.xlsx"] = xlsx(form(
    survey=[
        ["type", "name", "label"],
        ["text", "head_name", "Name of the household head"],
        ["select_one occupations or_other", "occupation", "Main occupation before leaving"],
    ],
    choices=[
        CHOICES_HEADER,
        ["occupations", "farmer", "Farmer"],
        ["occupations", "trader", "Trader"],
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

# survey row 4, column 'calculation': sum() is not a supported function.
INVALID_FORMS["unknown_function.xlsx"] = xlsx(form(
    survey=[
        ["type", "name", "label", "calculation"],
        ["integer", "adults", "Adults"],
        ["integer", "children", "Children"],
        ["calculate", "members", "", "sum(${adults}, ${children})"],
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

# survey row 3, column 'required': 'oui' is neither yes nor empty.
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

# survey row 3, column 'repeat_count': a column Reintegra refuses rather than ignores.
INVALID_FORMS["unsupported_column.xlsx"] = xlsx(form(
    survey=[
        ["type", "name", "label", "repeat_count"],
        ["integer", "household_size", "Household size"],
        ["begin_repeat", "members", "Household member", "${household_size}"],
        ["text", "member_name", "Name"],
        ["end_repeat"],
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
