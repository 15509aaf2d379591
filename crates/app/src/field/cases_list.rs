//! The list of a device user's cases that devices download beside each form, to pick the
//! returnee from: the case number, first name, office, the survey round due and the next
//! visit. Nothing else, and only cases with consent on record for case management.

use domain::audit::{AuditAction, FieldChange};
use domain::authz::{Action, Actor, Resource, authorize};
use domain::pathway::followup::VisitState;
use store::AuditContext;

use crate::{App, Error};

/// The list's file name, as forms name it (`select_one_from_file cases.csv`).
pub const CASES_FILE: &str = "cases.csv";

/// The list as CSV: `name` (the case number) and `label` as ODK reads choices, then the
/// details a form may show or pull. Its download is audited: it names people.
pub async fn case_list(app: &App, actor: &Actor) -> Result<String, Error> {
    authorize(actor, Action::ReadForms, Resource::Programme)?;
    let today = app.today();
    let mut w = csv::Writer::from_writer(Vec::new());
    let header = [
        "name",
        "label",
        "first_name",
        "office",
        "due_round",
        "due_visit",
    ];
    w.write_record(header).map_err(Error::internal)?;
    let mut listed = 0usize;
    for case in super::own_cases(app, actor.user_id).await? {
        if authorize(actor, Action::FillForm, Resource::Case(case.access())).is_err() {
            continue;
        }
        if !super::consents_to_case_management(&app.store.consents(case.id).await?) {
            continue;
        }
        let due_round = crate::rss::due_round(app, &case).await?;
        let pathway = crate::pathway::Pathway::load(app, case).await?;
        let due_visit = pathway
            .visits(today)
            .into_iter()
            .find(|(_, state)| !matches!(state, VisitState::Done { .. }))
            .map(|(v, _)| format!("{} {}", v.key.as_str(), v.due))
            .unwrap_or_default();
        let case = &pathway.case;
        let number = case.number.to_string();
        let first_name = case.profile.given_name.as_str();
        w.write_record([
            number.as_str(),
            &format!("{number} {first_name}"),
            first_name,
            case.office.code.as_str(),
            due_round.as_str(),
            &due_visit,
        ])
        .map_err(Error::internal)?;
        listed += 1;
    }
    app.store
        .append_audit(AuditContext::by(actor.user_id, app.now()).entry(
            AuditAction::View,
            "case_list",
            actor.user_id.to_string(),
            vec![FieldChange {
                field: "cases".into(),
                before: None,
                after: Some(listed.to_string()),
            }],
        ))
        .await?;
    String::from_utf8(w.into_inner().map_err(Error::internal)?).map_err(Error::internal)
}
