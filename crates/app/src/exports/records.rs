//! Exports of the records a programme keeps besides the case list: a form's submissions (one
//! sheet per repeat group, linked by `_index` and `_parent_index` as KoboToolbox links them),
//! plans with their disbursements, referrals, and community projects with their participants.
//!
//! Each holds personal data, so each comes encrypted under the passphrase the user types. Each
//! covers what the user may read (their office's cases and records), walked a page at a time,
//! one pass per sheet, so memory stays flat.

use std::collections::HashMap;

use domain::audit::FieldChange;
use domain::authz::{Action, Actor, Resource, authorize, authorize_record};
use domain::community::Project;
use domain::pathway::plan::Disbursement;
use forms::{Answer, Answers, Compiled, Kind};
use store::{CaseQuery, CaseRecord, EntryKind, Subject};

use super::{ExportedFile, Exporter, Format, Sheet};
use crate::{App, Error};

/// Submissions read at a time.
const PAGE: u32 = 500;

/// Where an export's rows go: the file's format, name and passphrase, and the progress count.
struct Output {
    format: Format,
    stem: String,
    passphrase: String,
    progress: Option<std::sync::Arc<std::sync::atomic::AtomicU64>>,
}

impl Output {
    fn start(&self, sheets: Vec<Sheet>) -> Exporter {
        Exporter::start(
            self.format,
            sheets,
            &self.stem,
            Some(&self.passphrase),
            self.progress.clone(),
        )
    }
}

/// What to export.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Records {
    /// A form's completed submissions.
    Submissions,
    /// Each case's current plan, item by item, and the disbursements made.
    Plans,
    Referrals,
    /// Community projects and who takes part in them.
    Projects,
}

impl Records {
    pub const ALL: &'static [Records] = &[
        Records::Submissions,
        Records::Plans,
        Records::Referrals,
        Records::Projects,
    ];

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|r| r.as_str() == s.trim())
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Records::Submissions => "submissions",
            Records::Plans => "plans",
            Records::Referrals => "referrals",
            Records::Projects => "projects",
        }
    }
}

/// What the user asked for.
#[derive(Clone, Debug, Default)]
pub struct RecordsExport {
    /// One of [`Records`].
    pub what: String,
    /// The form, for submissions.
    pub form_id: String,
    /// Headers and choices as labels in `language` instead of names.
    pub labels: bool,
    pub language: String,
    /// `csv` or `xlsx`.
    pub format: String,
    /// Required: every one of these files holds personal data. Never stored or logged.
    pub passphrase: Option<String>,
    /// Counts the rows written, for a progress page.
    pub progress: Option<std::sync::Arc<std::sync::atomic::AtomicU64>>,
}

/// Exports the records asked for, those the actor may read.
pub async fn export_records(
    app: &App,
    actor: &Actor,
    request: RecordsExport,
) -> Result<ExportedFile, Error> {
    authorize(actor, Action::ExportPersonal, Resource::Programme)?;
    let mut problems = domain::ValidationErrors::new();
    let what = Records::parse(&request.what);
    if what.is_none() {
        problems.add("what", "error-choice");
    }
    let format = Format::parse(&request.format);
    if format.is_none() {
        problems.add("format", "error-choice");
    }
    let passphrase = super::passphrase_of(&request.passphrase, true, &mut problems);
    let form = match what {
        Some(Records::Submissions) => {
            match app.store.latest_published_form(&request.form_id).await {
                Ok(v) => Some(crate::forms::compiled(app, &v).await?),
                Err(store::StoreError::NotFound) => {
                    problems.add("form_id", "error-choice");
                    None
                }
                Err(e) => return Err(e.into()),
            }
        }
        _ => None,
    };
    let (Some(what), Some(format), Some(passphrase), true) =
        (what, format, passphrase, problems.is_empty())
    else {
        return Err(Error::validation(problems));
    };
    let (query, _) = crate::cases::list_query(actor, &crate::cases::CaseFilters::default())?;
    let stem = match what {
        Records::Submissions => format!("{}-{}", request.form_id, app.today()),
        _ => format!("{}-{}", what.as_str(), app.today()),
    };
    let out = Output {
        format,
        stem,
        passphrase,
        progress: request.progress.clone(),
    };
    let done = match (what, form) {
        (Records::Submissions, Some(form)) => {
            submissions(app, actor, &form, &request, &out).await?
        }
        (Records::Plans, _) => plans(app, &query, &out).await?,
        (Records::Referrals, _) => referrals(app, actor, &out).await?,
        (Records::Projects, _) => projects(app, actor, &out).await?,
        (Records::Submissions, None) => return Err(Error::invalid("form_id", "error-choice")),
    };
    let mut changes = vec![
        FieldChange::noted("what", what.as_str()),
        FieldChange::noted("format", format.extension()),
        FieldChange::noted("rows", done.rows.to_string()),
        FieldChange::noted("encrypted", "yes"),
    ];
    if what == Records::Submissions {
        changes.push(FieldChange::noted("form", &request.form_id));
    }
    super::audit_export(app, actor, changes).await?;
    Ok(done)
}

/// A form's completed submissions: the main sheet, then one sheet per repeat group.
async fn submissions(
    app: &App,
    actor: &Actor,
    c: &Compiled,
    request: &RecordsExport,
    output: &Output,
) -> Result<ExportedFile, Error> {
    let language = c.form.language_for(&request.language);
    let names = Names {
        c,
        labels: request.labels,
        language: &language,
    };
    let repeats: Vec<usize> = c
        .form
        .questions
        .iter()
        .enumerate()
        .filter(|(_, q)| q.kind == Kind::BeginRepeat)
        .map(|(i, _)| i)
        .collect();
    let mut sheets = vec![Sheet {
        name: c.form.settings.form_id.clone(),
        headers: names.headers(None),
    }];
    sheets.extend(repeats.iter().map(|r| Sheet {
        name: names.question(*r),
        headers: names.headers(Some(*r)),
    }));
    let mut out = output.start(sheets);
    // Submissions completed while the export runs are left to the next one, so that every
    // pass (one per sheet) reads the same submissions and the `_index` links hold.
    let until = app.now();
    let mut readable: HashMap<Subject, Option<String>> = HashMap::new();
    for (sheet, target) in std::iter::once(None)
        .chain(repeats.iter().map(|r| Some(*r)))
        .enumerate()
    {
        let mut after = None;
        let mut index = 0usize;
        let mut counters: HashMap<usize, usize> = HashMap::new();
        loop {
            let page = app
                .store
                .completed_submissions_page(store::CompletedQuery {
                    form_id: c.form.settings.form_id.clone(),
                    since: None,
                    after,
                    limit: PAGE,
                })
                .await?;
            let Some(last) = page.last() else { break };
            after = Some((last.completed_at.unwrap_or(last.updated_at), last.id));
            let mut rows = Vec::new();
            for sub in page
                .iter()
                .filter(|s| s.completed_at.is_some_and(|t| t <= until))
            {
                let subject = match readable.get(&sub.subject) {
                    Some(s) => s.clone(),
                    None => {
                        let s = subject_label(app, actor, sub.subject).await?;
                        readable.insert(sub.subject, s.clone());
                        s
                    }
                };
                let Some(subject) = subject else { continue };
                index += 1;
                let answers: Answers = serde_json::from_str(&sub.answers).unwrap_or_default();
                match target {
                    None => {
                        let mut row = vec![index.to_string(), subject];
                        row.extend(names.values(&answers, None));
                        row.extend([
                            sub.interview_date.to_string(),
                            sub.interviewer_name.clone(),
                            sub.form_version.clone(),
                            sub.id.to_string(),
                        ]);
                        rows.push(row);
                    }
                    Some(target) => names.repeat_rows(
                        &answers,
                        None,
                        (index, c.form.settings.form_id.as_str()),
                        target,
                        &mut counters,
                        &mut rows,
                    ),
                }
            }
            out.send(sheet, rows).await?;
        }
    }
    out.finish().await
}

/// The case number a submission is about, or the record's name, when the actor may read it.
async fn subject_label(
    app: &App,
    actor: &Actor,
    subject: Subject,
) -> Result<Option<String>, Error> {
    Ok(match subject {
        Subject::Case(id) => {
            let case = app.store.case(id).await?;
            authorize_record(actor, Action::ReadCase, Resource::Case(case.access()))
                .is_ok()
                .then(|| case.number.to_string())
        }
        Subject::Document(id) => {
            let record = app.store.document(id).await?;
            let office = Resource::Office(record.office.unwrap_or_default());
            authorize(actor, Action::ReadCommunity, office)
                .is_ok()
                .then_some(record.name)
        }
    })
}

/// Headers and values of a form's sheets, as names or as labels in one language.
struct Names<'a> {
    c: &'a Compiled,
    labels: bool,
    language: &'a str,
}

impl Names<'_> {
    /// The questions whose answers go on the sheet of `repeat` (`None`: the main sheet).
    fn columns(&self, repeat: Option<usize>) -> impl Iterator<Item = usize> + '_ {
        (0..self.c.form.questions.len()).filter(move |i| {
            self.c.question(*i).kind.holds_value()
                && self.c.nodes[*i].repeats.last().copied() == repeat
        })
    }

    fn question(&self, i: usize) -> String {
        let q = self.c.question(i);
        let label = forms::pick(
            &q.label,
            self.language,
            self.c.form.settings.default_language.as_deref(),
        );
        if self.labels && !label.trim().is_empty() {
            label.trim().to_string()
        } else {
            q.name.clone()
        }
    }

    fn headers(&self, repeat: Option<usize>) -> Vec<String> {
        let mut out: Vec<String> = match repeat {
            None => vec!["_index".into(), "_subject".into()],
            Some(_) => vec![
                "_index".into(),
                "_parent_index".into(),
                "_parent_table_name".into(),
            ],
        };
        out.extend(self.columns(repeat).map(|i| self.question(i)));
        if repeat.is_none() {
            out.extend(
                ["_interview_date", "_interviewer", "_version", "_id"]
                    .iter()
                    .map(|s| s.to_string()),
            );
        }
        out
    }

    /// The values of one item (the submission, or a repeat item) for the sheet of `repeat`.
    fn values(&self, item: &Answers, repeat: Option<usize>) -> Vec<String> {
        self.columns(repeat)
            .map(|i| {
                let value = item.text(self.c.key(i));
                if self.labels {
                    self.choice_labels(i, value)
                } else {
                    value.to_string()
                }
            })
            .collect()
    }

    /// A choice answer's labels (several, for a multiple choice, separated by spaces as
    /// KoboToolbox does); other answers as they are.
    fn choice_labels(&self, i: usize, value: &str) -> String {
        let Some(list) = self
            .c
            .question(i)
            .kind
            .list()
            .and_then(|l| self.c.form.list(l))
        else {
            return value.to_string();
        };
        let default = self.c.form.settings.default_language.as_deref();
        value
            .split_whitespace()
            .map(|v| {
                list.choices
                    .iter()
                    .find(|ch| ch.name == v)
                    .map(|ch| forms::pick(&ch.label, self.language, default).to_string())
                    .filter(|l| !l.is_empty())
                    .unwrap_or_else(|| v.to_string())
            })
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// The rows of the `target` repeat's sheet found under `item` (whose sheet is `enclosing`,
    /// its row `parent`), numbering every repeat's items in the same order on every pass.
    fn repeat_rows(
        &self,
        item: &Answers,
        enclosing: Option<usize>,
        parent: (usize, &str),
        target: usize,
        counters: &mut HashMap<usize, usize>,
        rows: &mut Vec<Vec<String>>,
    ) {
        let inner: Vec<usize> = (0..self.c.form.questions.len())
            .filter(|r| {
                self.c.question(*r).kind == Kind::BeginRepeat
                    && self.c.nodes[*r].repeats.last().copied() == enclosing
            })
            .collect();
        for r in inner {
            let Some(Answer::Repeat(items)) = item.0.get(self.c.key(r)) else {
                continue;
            };
            let name = self.c.question(r).name.clone();
            for it in items {
                let n = counters.entry(r).or_default();
                *n += 1;
                let index = *n;
                if r == target {
                    let mut row = vec![
                        index.to_string(),
                        parent.0.to_string(),
                        parent.1.to_string(),
                    ];
                    row.extend(self.values(it, Some(r)));
                    rows.push(row);
                }
                self.repeat_rows(it, Some(r), (index, &name), target, counters, rows);
            }
        }
    }
}

/// Each case's current plan, one row per item, then every disbursement.
async fn plans(app: &App, query: &CaseQuery, output: &Output) -> Result<ExportedFile, Error> {
    let sheets = vec![
        sheet(
            "plan_items",
            &[
                "case_number",
                "plan_version",
                "plan_status",
                "item",
                "kind",
                "details",
                "modality",
                "provider",
                "responsible",
                "duration",
                "status",
                "beneficiary",
                "budget",
            ],
        ),
        sheet(
            "disbursements",
            &[
                "case_number",
                "item",
                "date",
                "amount",
                "instalment",
                "channel",
                "notes",
            ],
        ),
    ];
    let mut out = output.start(sheets);
    for pass in 0..2 {
        let mut after = None;
        loop {
            let page = app.store.export_cases(query, after.clone(), 1_000).await?;
            let Some(last) = page.last() else { break };
            after = Some(last.number.to_string());
            let numbers: HashMap<_, _> =
                page.iter().map(|c| (c.id, c.number.to_string())).collect();
            let ids: Vec<_> = page.iter().map(|c| c.id).collect();
            let rows = if pass == 0 {
                plan_rows(app.store.plans_of_cases(ids).await?, &numbers)
            } else {
                disbursement_rows(app.store.entries_of_cases(ids).await?, &numbers)
            };
            out.send(pass, rows).await?;
        }
    }
    out.finish().await
}

fn plan_rows(
    versions: Vec<store::PlanVersionRecord>,
    numbers: &HashMap<domain::CaseId, String>,
) -> Vec<Vec<String>> {
    // The newest version of each case's plan (versions come by case, then version).
    let mut latest: HashMap<domain::CaseId, store::PlanVersionRecord> = HashMap::new();
    for v in versions {
        latest.insert(v.case, v);
    }
    let mut latest: Vec<_> = latest.into_values().collect();
    latest.sort_by(|a, b| numbers.get(&a.case).cmp(&numbers.get(&b.case)));
    let mut rows = Vec::new();
    for v in latest {
        let number = numbers.get(&v.case).cloned().unwrap_or_default();
        for i in &v.content.items {
            rows.push(vec![
                number.clone(),
                v.version.to_string(),
                v.status().as_str().to_string(),
                i.key.to_string(),
                i.kind.as_str().to_string(),
                i.details.clone(),
                i.modality.as_str().to_string(),
                i.provider.clone(),
                i.responsible.as_str().to_string(),
                i.duration.clone(),
                i.status.as_str().to_string(),
                i.beneficiary.clone().unwrap_or_default(),
                i.budget.map(|b| b.to_string()).unwrap_or_default(),
            ]);
        }
    }
    rows
}

fn disbursement_rows(
    entries: Vec<store::Entry>,
    numbers: &HashMap<domain::CaseId, String>,
) -> Vec<Vec<String>> {
    entries
        .into_iter()
        .filter(|e| e.kind == EntryKind::Disbursement)
        .filter_map(|e| {
            let d: Disbursement = serde_json::from_str(&e.body).ok()?;
            Some(vec![
                numbers.get(&e.case).cloned().unwrap_or_default(),
                d.item_key.to_string(),
                d.date.to_string(),
                d.amount.to_string(),
                d.instalment.to_string(),
                d.channel,
                d.notes,
            ])
        })
        .collect()
}

/// Every referral of the cases the actor may read.
async fn referrals(app: &App, actor: &Actor, output: &Output) -> Result<ExportedFile, Error> {
    let sheets = vec![sheet(
        "referrals",
        &[
            "case_number",
            "service",
            "provider",
            "status",
            "sent_on",
            "answer_due",
            "created_by",
            "created_at",
            "updated_at",
        ],
    )];
    let filter = store::ReferralFilter {
        office: actor.office,
        ..Default::default()
    };
    let rows: Vec<Vec<String>> = app
        .store
        .referrals(&filter)
        .await?
        .into_iter()
        .filter(|r| authorize(actor, Action::ReadReferral, Resource::Referral(r.access())).is_ok())
        .map(|r| {
            vec![
                r.case_number,
                r.service_name,
                r.provider_name,
                r.status.as_str().to_string(),
                r.sent_on.map(|d| d.to_string()).unwrap_or_default(),
                r.answer_due.map(|d| d.to_string()).unwrap_or_default(),
                r.created_by_name.unwrap_or_default(),
                r.created_at.date().to_string(),
                r.updated_at.date().to_string(),
            ]
        })
        .collect();
    let mut out = output.start(sheets);
    out.send(0, rows).await?;
    out.finish().await
}

/// Community projects of the actor's offices, then who takes part in each.
async fn projects(app: &App, actor: &Actor, output: &Output) -> Result<ExportedFile, Error> {
    authorize(actor, Action::ReadParticipants, Resource::Programme)?;
    let projects: Vec<crate::community::Doc<Project>> = crate::community::list(app, actor, None)
        .await?
        .into_iter()
        .filter(|p: &crate::community::Doc<Project>| {
            authorize(
                actor,
                Action::ReadParticipants,
                Resource::Office(p.rec.office.unwrap_or_default()),
            )
            .is_ok()
        })
        .collect();
    let sheets = vec![
        sheet(
            "projects",
            &[
                "project_id",
                "name",
                "kind",
                "status",
                "budget",
                "currency",
                "start",
                "end",
                "participants",
            ],
        ),
        sheet(
            "participants",
            &[
                "project_id",
                "project",
                "kind",
                "case_number",
                "name",
                "sex",
                "role",
                "joined",
                "left",
            ],
        ),
    ];
    let mut out = output.start(sheets);
    let date = |d: Option<time::Date>| d.map(|d| d.to_string()).unwrap_or_default();
    let rows = projects
        .iter()
        .map(|p| {
            let b = &p.body;
            vec![
                p.rec.id.to_string(),
                b.name.clone(),
                b.kind.as_str().to_string(),
                b.status().as_str().to_string(),
                b.budget.map(|x| x.to_string()).unwrap_or_default(),
                b.currency.clone(),
                date(b.start),
                date(b.end),
                b.participants.len().to_string(),
            ]
        })
        .collect();
    out.send(0, rows).await?;
    let mut numbers: HashMap<domain::CaseId, String> = HashMap::new();
    for p in &projects {
        let mut rows = Vec::new();
        for x in &p.body.participants {
            let number = match x.case {
                Some(id) => match numbers.get(&id) {
                    Some(n) => n.clone(),
                    None => {
                        let case: CaseRecord = app.store.case(id).await?;
                        numbers.insert(id, case.number.to_string());
                        case.number.to_string()
                    }
                },
                None => String::new(),
            };
            rows.push(vec![
                p.rec.id.to_string(),
                p.body.name.clone(),
                x.kind.as_str().to_string(),
                number,
                x.name.clone(),
                x.sex.map(|s| s.as_str().to_string()).unwrap_or_default(),
                x.role.as_str().to_string(),
                x.joined.to_string(),
                date(x.left),
            ]);
        }
        out.send(1, rows).await?;
    }
    out.finish().await
}

fn sheet(name: &str, headers: &[&str]) -> Sheet {
    Sheet {
        name: name.into(),
        headers: headers.iter().map(|h| h.to_string()).collect(),
    }
}
