//! The returnee's registration and edit form.

use std::collections::HashMap;

use domain::ValidationErrors;
use domain::case::{
    HouseholdMember, Relationship, ReturnType, ReturneeProfile, Sex, Vulnerability,
};
use domain::consent::{ConsentMethod, ConsentPurpose};
use serde::Deserialize;
use time::Date;

use super::read;
use super::{Choice, FieldBuilder, Fieldset, names};
use crate::i18n::Tr;

/// The registration / edit form, exactly as typed.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct ProfileForm {
    pub version: String,
    pub office: String,
    pub case_manager: String,
    pub given_name: String,
    pub family_name: String,
    pub sex: String,
    pub gender: String,
    pub date_of_birth: String,
    pub age_at_return: String,
    pub nationality: String,
    pub return_date: String,
    pub returned_from: String,
    pub absence_years: String,
    pub absence_months: String,
    pub return_type: String,
    pub free_choice: String,
    pub informed_decision: String,
    pub return_country: String,
    pub return_province: String,
    pub return_community: String,
    pub community_is_origin: String,
    pub vulnerabilities: Vec<String>,
    pub vulnerability_details: String,
    pub restricted: String,
    pub phone: String,
    pub email: String,
    pub address: String,
    pub preferred_language: String,
    pub hh_name: Vec<String>,
    pub hh_relationship: Vec<String>,
    pub hh_sex: Vec<String>,
    pub hh_date_of_birth: Vec<String>,
    pub hh_together: Vec<String>,
    pub hh_notes: Vec<String>,
    /// Consent asked at registration.
    pub consent_case_management: String,
    pub consent_contact: String,
    pub consent_method: String,
    /// "yes": the person registering saw the possible matches and says this is someone else.
    pub confirm_new: String,
    /// The id of a possible match the person registering says is this person: nothing is
    /// registered, that case is opened.
    pub same_as: String,
    /// "add_member" asks for one more household row instead of saving.
    pub action: String,
}

/// One household row as typed.
pub struct HouseholdRow {
    pub index: usize,
    pub name: String,
    pub relationship: String,
    pub sex: String,
    pub date_of_birth: String,
    pub together: String,
    pub notes: String,
    pub relationship_choices: Vec<Choice>,
    pub sex_choices: Vec<Choice>,
    pub together_choices: Vec<Choice>,
    pub error: String,
}

fn yes_no_text(v: Option<bool>) -> String {
    match v {
        Some(true) => "yes".into(),
        Some(false) => "no".into(),
        None => String::new(),
    }
}

fn opt_text(v: &Option<String>) -> String {
    v.clone().unwrap_or_default()
}

fn opt_num<T: ToString>(v: Option<T>) -> String {
    v.map(|n| n.to_string()).unwrap_or_default()
}

impl ProfileForm {
    pub fn from_profile(p: &ReturneeProfile) -> Self {
        let (years, months) = match p.absence_months {
            Some(m) => ((m / 12).to_string(), (m % 12).to_string()),
            None => (String::new(), String::new()),
        };
        ProfileForm {
            given_name: p.given_name.clone(),
            family_name: p.family_name.clone(),
            sex: p.sex.to_string(),
            gender: opt_text(&p.gender),
            date_of_birth: opt_num(p.date_of_birth),
            age_at_return: opt_num(p.age_at_return),
            nationality: p.nationality.clone(),
            return_date: p.return_date.to_string(),
            returned_from: p.returned_from.clone(),
            absence_years: years,
            absence_months: months,
            return_type: p.return_type.to_string(),
            free_choice: yes_no_text(p.free_choice),
            informed_decision: yes_no_text(p.informed_decision),
            return_country: p.return_country.clone(),
            return_province: p.return_province.clone(),
            return_community: opt_text(&p.return_community),
            community_is_origin: yes_no_text(p.community_is_origin),
            vulnerabilities: p.vulnerabilities.iter().map(|v| v.to_string()).collect(),
            vulnerability_details: opt_text(&p.vulnerability_details),
            restricted: if p.restricted {
                "on".into()
            } else {
                String::new()
            },
            phone: opt_text(&p.phone),
            email: opt_text(&p.email),
            address: opt_text(&p.address),
            preferred_language: opt_text(&p.preferred_language),
            hh_name: p.household.iter().map(|m| m.name.clone()).collect(),
            hh_relationship: p
                .household
                .iter()
                .map(|m| m.relationship.to_string())
                .collect(),
            hh_sex: p.household.iter().map(|m| opt_num(m.sex)).collect(),
            hh_date_of_birth: p
                .household
                .iter()
                .map(|m| opt_num(m.date_of_birth))
                .collect(),
            hh_together: p
                .household
                .iter()
                .map(|m| yes_no_text(m.returned_together))
                .collect(),
            hh_notes: p.household.iter().map(|m| opt_text(&m.notes)).collect(),
            ..Default::default()
        }
    }

    /// Household rows as typed, in order, dropping rows left entirely blank.
    fn typed_household(&self) -> Vec<[String; 6]> {
        let n = self.hh_name.len().max(self.hh_relationship.len());
        let at =
            |v: &Vec<String>, i: usize| v.get(i).map(|s| s.trim().to_string()).unwrap_or_default();
        (0..n)
            .map(|i| {
                [
                    at(&self.hh_name, i),
                    at(&self.hh_relationship, i),
                    at(&self.hh_sex, i),
                    at(&self.hh_date_of_birth, i),
                    at(&self.hh_together, i),
                    at(&self.hh_notes, i),
                ]
            })
            .filter(|row| row.iter().any(|v| !v.is_empty()))
            .collect()
    }

    /// Parses into a profile, collecting every problem: first what cannot be read at all
    /// (dates, numbers, choices), then the domain's rules.
    pub fn parse(&self, today: Date) -> Result<ReturneeProfile, ValidationErrors> {
        let mut e = ValidationErrors::new();
        let text = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
        let sex = read::choice(&mut e, "sex", &self.sex, Sex::parse, true);
        let return_type = read::choice(
            &mut e,
            "return_type",
            &self.return_type,
            ReturnType::parse,
            true,
        );
        let return_date = read::date(&mut e, "return_date", &self.return_date, true);
        let date_of_birth = read::date(&mut e, "date_of_birth", &self.date_of_birth, false);
        let age_at_return = read::number::<u16>(&mut e, "age_at_return", &self.age_at_return);
        let years = read::number::<u32>(&mut e, "absence_months", &self.absence_years);
        let months = read::number::<u32>(&mut e, "absence_months", &self.absence_months);
        let absence_months = match (years, months) {
            (None, None) => None,
            (y, m) => Some(
                y.unwrap_or(0)
                    .saturating_mul(12)
                    .saturating_add(m.unwrap_or(0)),
            ),
        };
        let mut vulnerabilities = Vec::new();
        for v in &self.vulnerabilities {
            if let Some(v) = read::choice(&mut e, "vulnerabilities", v, Vulnerability::parse, false)
            {
                vulnerabilities.push(v);
            }
        }
        let mut household = Vec::new();
        for (i, row) in self.typed_household().iter().enumerate() {
            let [name, rel, sex, dob, together, notes] = row;
            let field = |f: &str| format!("household.{i}.{f}");
            let relationship = read::choice(
                &mut e,
                &field("relationship"),
                rel,
                Relationship::parse,
                true,
            );
            household.push(HouseholdMember {
                name: name.clone(),
                relationship: relationship.unwrap_or(Relationship::Other),
                sex: read::choice(&mut e, &field("sex"), sex, Sex::parse, false),
                date_of_birth: read::date(&mut e, &field("date_of_birth"), dob, false),
                returned_together: read::yes_no(&mut e, &field("together"), together),
                notes: text(notes),
            });
        }
        let profile = ReturneeProfile {
            given_name: self.given_name.clone(),
            family_name: self.family_name.clone(),
            sex: sex.unwrap_or(Sex::Female),
            gender: text(&self.gender),
            date_of_birth,
            age_at_return,
            nationality: self.nationality.clone(),
            return_date: return_date.unwrap_or(today),
            returned_from: self.returned_from.clone(),
            absence_months,
            return_type: return_type.unwrap_or(ReturnType::Other),
            free_choice: read::yes_no(&mut e, "free_choice", &self.free_choice),
            informed_decision: read::yes_no(&mut e, "informed_decision", &self.informed_decision),
            return_country: self.return_country.clone(),
            return_province: self.return_province.clone(),
            return_community: text(&self.return_community),
            community_is_origin: read::yes_no(
                &mut e,
                "community_is_origin",
                &self.community_is_origin,
            ),
            vulnerabilities,
            vulnerability_details: text(&self.vulnerability_details),
            restricted: !self.restricted.is_empty(),
            phone: text(&self.phone),
            email: text(&self.email),
            address: text(&self.address),
            preferred_language: text(&self.preferred_language),
            household,
        }
        .normalised();
        if let Err(rules) = profile.check(today) {
            for err in rules.0 {
                // A field that could not be read already has its message.
                if e.for_field(&err.field).is_none() {
                    e.0.push(err);
                }
            }
        }
        e.into_result(profile)
    }

    /// The consent decisions asked at registration, with the method they were given by.
    pub fn registration_consents(
        &self,
    ) -> Result<
        Vec<(
            ConsentPurpose,
            domain::consent::ConsentDecision,
            ConsentMethod,
        )>,
        ValidationErrors,
    > {
        use domain::consent::ConsentDecision;
        let mut e = ValidationErrors::new();
        let mut out = Vec::new();
        let method = ConsentMethod::parse(&self.consent_method);
        for (field, purpose, value) in [
            (
                "consent_case_management",
                ConsentPurpose::CaseManagement,
                &self.consent_case_management,
            ),
            (
                "consent_contact",
                ConsentPurpose::Contact,
                &self.consent_contact,
            ),
        ] {
            let decision = match value.as_str() {
                "" => continue,
                "given" => ConsentDecision::Given,
                "refused" => ConsentDecision::Refused,
                _ => {
                    e.add(field, "error-choice");
                    continue;
                }
            };
            match method {
                Some(m) => out.push((purpose, decision, m)),
                None => e.add("consent_method", "error-consent-method-required"),
            }
        }
        e.into_result(out)
    }

    /// Field groups of the profile for the template.
    pub fn fieldsets(&self, tr: &Tr, errors: &HashMap<String, String>) -> Vec<Fieldset> {
        let b = FieldBuilder { tr, errors };
        let sexes = names(Sex::ALL, Sex::as_str);
        let mut absence = b.input("absence_years", "number", &self.absence_years, false);
        absence.error = errors.get("absence_months").cloned().unwrap_or_default();
        vec![
            Fieldset {
                legend: tr.t("legend-person"),
                fields: vec![
                    b.input("given_name", "text", &self.given_name, true),
                    b.input("family_name", "text", &self.family_name, true),
                    b.select("sex", &self.sex, "sex", &sexes, true),
                    b.input("gender", "text", &self.gender, false),
                    b.input("date_of_birth", "date", &self.date_of_birth, false),
                    b.input("age_at_return", "number", &self.age_at_return, false),
                    b.input("nationality", "text", &self.nationality, true),
                    b.input(
                        "preferred_language",
                        "text",
                        &self.preferred_language,
                        false,
                    ),
                ],
            },
            Fieldset {
                legend: tr.t("legend-return"),
                fields: vec![
                    b.input("return_date", "date", &self.return_date, true),
                    b.input("returned_from", "text", &self.returned_from, true),
                    absence,
                    b.input("absence_months", "number", &self.absence_months, false),
                    b.select(
                        "return_type",
                        &self.return_type,
                        "return-type",
                        &names(ReturnType::ALL, ReturnType::as_str),
                        true,
                    ),
                    b.yes_no("free_choice", &self.free_choice),
                    b.yes_no("informed_decision", &self.informed_decision),
                ],
            },
            Fieldset {
                legend: tr.t("legend-place"),
                fields: vec![
                    b.input("return_country", "text", &self.return_country, true),
                    b.input("return_province", "text", &self.return_province, true),
                    b.input("return_community", "text", &self.return_community, false),
                    b.yes_no("community_is_origin", &self.community_is_origin),
                ],
            },
            Fieldset {
                legend: tr.t("legend-vulnerability"),
                fields: vec![
                    b.checkboxes(
                        "vulnerabilities",
                        &self.vulnerabilities,
                        "vulnerability",
                        &names(Vulnerability::ALL, Vulnerability::as_str),
                    ),
                    b.input(
                        "vulnerability_details",
                        "textarea",
                        &self.vulnerability_details,
                        false,
                    ),
                    {
                        let mut f = b.input("restricted", "checkbox", &self.restricted, false);
                        f.choices.push(Choice {
                            value: "on".into(),
                            label: tr.t("field-restricted-label"),
                            selected: !self.restricted.is_empty(),
                        });
                        f
                    },
                ],
            },
            Fieldset {
                legend: tr.t("legend-contact"),
                fields: vec![
                    b.input("phone", "tel", &self.phone, false),
                    b.input("email", "email", &self.email, false),
                    b.input("address", "textarea", &self.address, false),
                ],
            },
        ]
    }

    /// The consent questions asked at registration.
    pub fn consent_fieldset(&self, tr: &Tr, errors: &HashMap<String, String>) -> Fieldset {
        let b = FieldBuilder { tr, errors };
        Fieldset {
            legend: tr.t("legend-consent"),
            fields: vec![
                b.select(
                    "consent_case_management",
                    &self.consent_case_management,
                    "decision",
                    &["given", "refused"],
                    false,
                ),
                b.select(
                    "consent_contact",
                    &self.consent_contact,
                    "decision",
                    &["given", "refused"],
                    false,
                ),
                b.select(
                    "consent_method",
                    &self.consent_method,
                    "method",
                    &names(ConsentMethod::ALL, ConsentMethod::as_str),
                    false,
                ),
            ],
        }
    }

    /// Household rows for the template: the typed ones plus `blank` empty rows.
    pub fn household_rows(
        &self,
        tr: &Tr,
        errors: &HashMap<String, String>,
        blank: usize,
    ) -> Vec<HouseholdRow> {
        let b = FieldBuilder { tr, errors };
        let mut rows: Vec<[String; 6]> = self.typed_household();
        rows.extend(std::iter::repeat_with(Default::default).take(blank));
        rows.into_iter()
            .enumerate()
            .map(|(index, [name, relationship, sex, dob, together, notes])| {
                let rel = b.select(
                    "hh",
                    &relationship,
                    "relationship",
                    &names(Relationship::ALL, Relationship::as_str),
                    false,
                );
                let sx = b.select("hh", &sex, "sex", &names(Sex::ALL, Sex::as_str), false);
                let tg = b.select("hh", &together, "together", &["yes", "no"], false);
                let error = errors
                    .iter()
                    .filter(|(k, _)| k.starts_with(&format!("household.{index}.")))
                    .map(|(k, v)| {
                        format!(
                            "{}: {v}",
                            tr.t(&format!(
                                "field-hh-{}",
                                k.rsplit('.').next().unwrap_or_default().replace('_', "-")
                            ))
                        )
                    })
                    .collect::<Vec<_>>()
                    .join(" ");
                HouseholdRow {
                    index,
                    name,
                    relationship,
                    sex,
                    date_of_birth: dob,
                    together,
                    notes,
                    relationship_choices: rel.choices,
                    sex_choices: sx.choices,
                    together_choices: tg.choices,
                    error,
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn filled() -> ProfileForm {
        ProfileForm {
            given_name: "Aminata".into(),
            family_name: "Diallo".into(),
            sex: "female".into(),
            date_of_birth: "1995-03-14".into(),
            nationality: "Senegal".into(),
            return_date: "2026-02-10".into(),
            returned_from: "Libya".into(),
            absence_years: "2".into(),
            absence_months: "6".into(),
            return_type: "assisted_voluntary".into(),
            free_choice: "yes".into(),
            return_country: "Senegal".into(),
            return_province: "Kolda".into(),
            hh_name: vec!["Moussa".into(), "".into()],
            hh_relationship: vec!["child".into(), "".into()],
            hh_sex: vec!["male".into(), "".into()],
            hh_date_of_birth: vec!["2019-06-01".into(), "".into()],
            hh_together: vec!["yes".into(), "".into()],
            hh_notes: vec!["".into(), "".into()],
            ..Default::default()
        }
    }

    #[test]
    fn a_filled_form_parses_and_blank_household_rows_are_ignored() {
        let p = filled().parse(date!(2026 - 11 - 23)).unwrap();
        assert_eq!(p.absence_months, Some(30));
        assert_eq!(p.free_choice, Some(true));
        assert_eq!(p.informed_decision, None);
        assert_eq!(p.household.len(), 1);
        assert_eq!(p.household[0].relationship, Relationship::Child);
        // And back again, as the edit form shows it.
        let again = ProfileForm::from_profile(&p);
        assert_eq!(again.parse(date!(2026 - 11 - 23)).unwrap(), p);
    }

    #[test]
    fn unreadable_values_are_named_without_duplicating_rule_errors() {
        let f = ProfileForm {
            return_date: "10/02/2026".into(),
            sex: "".into(),
            age_at_return: "thirty".into(),
            hh_relationship: vec!["cousin".into(), "".into()],
            ..filled()
        };
        let e = f.parse(date!(2026 - 11 - 23)).unwrap_err();
        assert_eq!(e.for_field("return_date"), Some("error-date-format"));
        assert_eq!(e.for_field("sex"), Some("error-required"));
        assert_eq!(e.for_field("age_at_return"), Some("error-number"));
        assert_eq!(
            e.for_field("household.0.relationship"),
            Some("error-choice")
        );
        assert_eq!(e.0.iter().filter(|x| x.field == "return_date").count(), 1);
    }

    #[test]
    fn registration_consent_needs_a_method() {
        let f = ProfileForm {
            consent_contact: "given".into(),
            ..filled()
        };
        assert_eq!(
            f.registration_consents()
                .unwrap_err()
                .for_field("consent_method"),
            Some("error-consent-method-required")
        );
        let f = ProfileForm {
            consent_method: "verbal_by_phone".into(),
            ..f
        };
        assert_eq!(f.registration_consents().unwrap().len(), 1);
    }
}
