//! My work and approvals

use super::*;

pub struct WorkRow {
    pub id: String,
    pub number: String,
    pub name: String,
    pub stage: String,
    pub urgent: usize,
    pub urgent_text: String,
    pub due: Vec<DueView>,
}

/// A returnee sampled for a monitoring round, still to be reached.
pub struct SampledRow {
    pub case_href: String,
    pub number: String,
    pub name: String,
    pub what: String,
    /// The sample's survey round, proposed when the survey is started from here.
    pub round: &'static str,
    pub coverage_href: String,
}

#[derive(Template)]
#[template(path = "my_work.html")]
pub struct MyWorkPage {
    pub(super) c: Chrome,
    pub(super) rows: Vec<WorkRow>,
    pub(super) summary: String,
    pub(super) sampled: Vec<SampledRow>,
}

/// A case manager's worklist: urgent referrals, overdue and upcoming visits, surveys due,
/// plans waiting for agreement, tasks. Cases with nothing pending are left out.
pub async fn my_work(
    State(state): State<AppState>,
    tr: Tr,
    SignedIn(caller): SignedIn,
) -> Result<Response, AppError> {
    let actor = caller.actor();
    let today = state.today();
    let mut rows = Vec::new();
    let (pathways, unanswered) = pw::my_work(&state, &actor).await?;
    for p in pathways {
        let urgent = p.urgent().iter().filter(|(e, _)| e.open).count();
        let mut due: Vec<DueView> = due_items(&tr, &p, today)
            .into_iter()
            .map(|(_, d)| d)
            .collect();
        // Referrals past the time the service agreed to answer in.
        for r in unanswered.iter().filter(|r| {
            r.case == p.case.id && domain::referral::is_overdue(r.status, r.answer_due, today)
        }) {
            due.push(DueView {
                text: tr.t2(
                    "due-referral-answer",
                    "service",
                    &r.service_name,
                    "date",
                    r.answer_due.map(|d| d.to_string()).unwrap_or_default(),
                ),
                overdue: true,
            });
        }
        if p.latest_plan().map(|v| v.status()) == Some(PlanStatus::Draft) {
            due.push(DueView {
                text: tr.t("due-plan-agreement"),
                overdue: false,
            });
        }
        if urgent == 0 && due.is_empty() {
            continue;
        }
        rows.push(WorkRow {
            id: p.case.id.to_string(),
            number: p.case.number.to_string(),
            name: format!(
                "{} {}",
                p.case.profile.given_name, p.case.profile.family_name
            ),
            stage: tr.t_of("stage", p.case.stage.as_str()),
            urgent,
            urgent_text: if urgent > 0 {
                tr.tn("my-work-urgent", urgent as u64)
            } else {
                String::new()
            },
            due,
        });
    }
    rows.sort_by_key(|r| (r.urgent == 0, !r.due.iter().any(|d| d.overdue)));
    let urgent: usize = rows.iter().map(|r| r.urgent).sum();
    let overdue: usize = rows
        .iter()
        .map(|r| r.due.iter().filter(|d| d.overdue).count())
        .sum();
    let summary = tr.t2("my-work-summary", "urgent", urgent, "overdue", overdue)
        + " · "
        + &tr.tn("my-work-cases", rows.len() as u64);
    let sampled = app::samples::to_reach(&state, &actor)
        .await?
        .into_iter()
        .map(|(sample, m)| SampledRow {
            case_href: format!("/cases/{}", m.case.id),
            number: m.case.number.clone(),
            name: format!("{} {}", m.case.given_name, m.case.family_name),
            what: tr.t2(
                "my-work-sample-round",
                "sample",
                &sample.label,
                "round",
                tr.t_of("rss-round", sample.design.round.as_str()),
            ),
            round: sample.design.round.as_str(),
            coverage_href: format!("/cases/{}/samples/{}/coverage", m.case.id, sample.id),
        })
        .collect();
    render(&MyWorkPage {
        c: Chrome::new(&state, tr.clone(), Some(&caller)),
        rows,
        summary,
        sampled,
    })
}

pub struct ApprovalRow {
    pub href: String,
    pub number: String,
    pub name: String,
    pub what: String,
    pub case_manager: String,
    pub since: String,
}

#[derive(Template)]
#[template(path = "approvals.html")]
pub struct ApprovalsPage {
    pub(super) c: Chrome,
    pub(super) rows: Vec<ApprovalRow>,
    /// Field submissions held for review.
    pub(super) held: Vec<super::held::HeldRow>,
    /// Why the submission just accepted could not be stored.
    pub(super) held_problem: String,
}

/// Plans and closures waiting for the caller's approval: only those they may approve.
pub async fn approvals(
    State(state): State<AppState>,
    tr: Tr,
    SignedIn(caller): SignedIn,
) -> Result<Response, AppError> {
    render(&approvals_page(&state, tr, &caller, String::new()).await?)
}

/// The approvals page, with what to say about a held submission just refused.
pub(super) async fn approvals_page(
    state: &AppState,
    tr: Tr,
    caller: &Caller,
    held_problem: String,
) -> Result<ApprovalsPage, AppError> {
    let erasures = app::retention::erasure_requests(state, &caller.actor())
        .await?
        .into_iter()
        .map(|r| ApprovalRow {
            href: format!("/cases/{}#erasure", r.case),
            number: r.case_number,
            name: String::new(),
            what: tr.t("approval-erasure"),
            case_manager: r.requested_by_name.unwrap_or_default(),
            since: r.requested_at.date().to_string(),
        });
    let mut rows: Vec<ApprovalRow> = pw::pending_approvals(state, &caller.actor())
        .await?
        .into_iter()
        .map(|a| ApprovalRow {
            href: match a.plan_version {
                Some(v) => format!("/cases/{}/plan?version={v}", a.case.id),
                None => format!("/cases/{}/closure", a.case.id),
            },
            number: a.case.number.clone(),
            name: format!("{} {}", a.case.given_name, a.case.family_name),
            what: match a.plan_version {
                Some(v) => tr.t1("approval-plan", "version", v),
                None => tr.t("approval-closure"),
            },
            case_manager: a.case.case_manager_name.clone().unwrap_or_default(),
            since: a.since.date().to_string(),
        })
        .collect();
    rows.extend(erasures);
    let held = super::held::rows(state, &tr, caller).await?;
    Ok(ApprovalsPage {
        c: Chrome::new(state, tr.clone(), Some(caller)),
        rows,
        held,
        held_problem,
    })
}
