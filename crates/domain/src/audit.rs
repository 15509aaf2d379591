//! Audit entries: who did what to which record, with field-level before and after.

use serde::{Deserialize, Serialize};

use crate::case::named_enum;

named_enum!(
    AuditAction {
        Create = "create",
        Update = "update",
        View = "view",
        SignIn = "sign_in",
        PasswordChange = "password_change",
        TokenCreate = "token_create",
        TokenRevoke = "token_revoke",
        /// Two-step sign-in turned on for an account (recovery codes issued with it).
        TwoFactorEnable = "two_factor_enable",
        /// Two-step sign-in turned off, by its owner or reset by an administrator.
        TwoFactorRemove = "two_factor_remove",
        /// A new set of recovery codes replaced the old one.
        RecoveryCodesIssue = "recovery_codes_issue",
        /// A case's personal data removed (retention period passed, or erasure approved).
        Anonymise = "anonymise",
        /// The returnee asked for their data to be erased.
        ErasureRequest = "erasure_request",
        /// A programme manager refused an erasure request.
        ErasureRefuse = "erasure_refuse",
        Publish = "publish",
        /// Personal data shown to someone outside the programme (a partner, a provider link).
        Disclose = "disclose",
        /// Records written to a file (an export), with what, how many and which filter.
        Export = "export",
        /// Records created from a file (a bulk import), naming the file's hash.
        Import = "import",
        /// Two cases of one person merged; the entry names both.
        Merge = "merge",
        /// A merge split back.
        Unmerge = "unmerge",
        /// Two cases found to be different people (the duplicate check stops proposing them).
        MarkDistinct = "mark_distinct",
        /// The returnee's consent to hand their case over to a partner instance.
        HandoverConsent = "handover_consent",
        /// A hand-over packet made for a partner instance.
        HandoverSend = "handover_send",
        /// A case received from a partner instance.
        HandoverReceive = "handover_receive",
    }
);

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct FieldChange {
    pub field: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

impl FieldChange {
    /// A fact an event records (no value before it): an import's file, an export's row count.
    pub fn noted(field: &str, after: impl Into<String>) -> Self {
        FieldChange {
            field: field.into(),
            before: None,
            after: Some(after.into()),
        }
    }
}

/// The fields whose values differ between two (field, value) lists, in the order of `after`
/// then any fields only `before` had. Empty values count as absent.
pub fn diff(before: &[(String, String)], after: &[(String, String)]) -> Vec<FieldChange> {
    let value = |list: &[(String, String)], field: &str| {
        list.iter()
            .find(|(f, _)| f == field)
            .map(|(_, v)| v.clone())
            .filter(|v| !v.is_empty())
    };
    let mut changes = Vec::new();
    let fields = after.iter().map(|(f, _)| f).chain(
        before
            .iter()
            .map(|(f, _)| f)
            .filter(|f| value(after, f).is_none()),
    );
    for field in fields {
        let (b, a) = (value(before, field), value(after, field));
        if b != a && !changes.iter().any(|c: &FieldChange| &c.field == field) {
            changes.push(FieldChange {
                field: field.clone(),
                before: b,
                after: a,
            });
        }
    }
    changes
}

/// Changes for a record that did not exist before.
pub fn created(after: &[(String, String)]) -> Vec<FieldChange> {
    diff(&[], after)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    #[test]
    fn diff_lists_changed_added_and_removed_fields() {
        let before = fields(&[("name", "Awa"), ("phone", "1"), ("household.1", "Moussa")]);
        let after = fields(&[("name", "Awa"), ("phone", "2"), ("email", "a@b.sn")]);
        let d = diff(&before, &after);
        assert_eq!(
            d,
            vec![
                FieldChange {
                    field: "phone".into(),
                    before: Some("1".into()),
                    after: Some("2".into())
                },
                FieldChange {
                    field: "email".into(),
                    before: None,
                    after: Some("a@b.sn".into())
                },
                FieldChange {
                    field: "household.1".into(),
                    before: Some("Moussa".into()),
                    after: None
                },
            ]
        );
        assert!(diff(&after, &after).is_empty());
        assert_eq!(created(&fields(&[("a", ""), ("b", "x")])).len(), 1);
    }
}
