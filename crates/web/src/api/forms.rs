//! Forms and their data in the JSON API: the form library (list, upload an XLSForm, publish,
//! download as XLSForm or XForm), submissions of a form (paged, for incremental pulls) and of
//! a case, a case's survey scores, and answers submitted as JSON. Same use cases as the pages.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use store::{FormVersionInfo, Submission, SubmissionFile};
use time::OffsetDateTime;
use utoipa::{IntoParams, ToSchema};

use super::ApiJson;
use crate::AppState;
use crate::auth::ApiCaller;
use crate::error::{AppError, ErrorKind};
use crate::i18n::Tr;

/// A form version, without its definition.
#[derive(Serialize, ToSchema)]
pub struct FormVersionJson {
    pub form_id: String,
    pub version: String,
    pub title: String,
    pub published: bool,
    /// `shipped` with Reintegra, or `upload`ed as an XLSForm.
    pub origin: String,
    #[schema(value_type = String, format = DateTime)]
    #[serde(with = "time::serde::rfc3339")]
    pub uploaded_at: OffsetDateTime,
    #[schema(value_type = Option<String>, format = DateTime)]
    #[serde(with = "time::serde::rfc3339::option")]
    pub published_at: Option<OffsetDateTime>,
}

impl From<FormVersionInfo> for FormVersionJson {
    fn from(v: FormVersionInfo) -> Self {
        FormVersionJson {
            form_id: v.form_id,
            version: v.version,
            title: v.title,
            published: v.published,
            origin: v.origin.as_str().to_string(),
            uploaded_at: v.uploaded_at,
            published_at: v.published_at,
        }
    }
}

/// Every version of every form, newest first within a form.
#[utoipa::path(get, path = "/api/v1/forms", tag = "forms",
    responses((status = 200, body = [FormVersionJson])))]
pub async fn list(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
) -> Result<Json<Vec<FormVersionJson>>, AppError> {
    let all = app::lookups::form_versions(&state, &caller.actor()).await?;
    Ok(Json(all.into_iter().map(FormVersionJson::from).collect()))
}

/// The upload: an XLSForm workbook in the part named `file`.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct XlsFormUpload {
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
}

/// Uploads an XLSForm as a draft version to try out and publish. A workbook with problems is
/// refused with 422, every problem in `fields` (field `file`), each naming its sheet, row and
/// column.
#[utoipa::path(post, path = "/api/v1/forms", tag = "forms",
    request_body(content = XlsFormUpload, content_type = "multipart/form-data"),
    responses((status = 201, body = FormVersionJson), (status = 422)))]
pub async fn upload(
    State(state): State<AppState>,
    tr: Tr,
    headers: HeaderMap,
    ApiCaller(caller): ApiCaller,
    request: axum::extract::Request,
) -> Result<Response, AppError> {
    let actor = caller.actor();
    domain::authz::authorize(
        &actor,
        domain::authz::Action::ManageForms,
        domain::authz::Resource::Programme,
    )?;
    let workbook = crate::forms::api_file_part(
        &headers,
        request,
        ::forms::xlsx::MAX_FILE_BYTES,
        "form.xlsx",
        "the workbook",
    )
    .await?;
    let Some((name, bytes)) = workbook else {
        let mut e = domain::ValidationErrors::new();
        e.add("file", "error-required");
        return Err(AppError::validation(e));
    };
    use app::forms::Refusal;
    let problems = match app::forms::upload_xlsx(&state, &actor, bytes, name).await? {
        Ok(form) => {
            let s = &form.settings;
            let v = app::lookups::form_version(&state, &actor, &s.form_id, &s.version).await?;
            return Ok((StatusCode::CREATED, Json(FormVersionJson::from(v.info))).into_response());
        }
        Err(Refusal::Problems(problems)) => problems,
        Err(Refusal::TooSlow) => {
            vec![tr.t1(
                "form-upload-too-slow",
                "seconds",
                app::forms::READ_BUDGET.as_secs(),
            )]
        }
        Err(Refusal::Published { form_id, version }) => vec![tr.t2(
            "form-version-published",
            "id",
            &form_id,
            "version",
            &version,
        )],
    };
    Ok(crate::error::api_problems(
        &tr,
        problems
            .into_iter()
            .map(|p| ("file".to_string(), "form-problem", p))
            .collect(),
    ))
}

/// Publishes a draft version: from then on it is filled, and never changes.
#[utoipa::path(post, path = "/api/v1/forms/{form}/versions/{version}/publish", tag = "forms",
    params(("form" = String, Path), ("version" = String, Path)),
    responses((status = 200, body = FormVersionJson), (status = 409), (status = 422)))]
pub async fn publish(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path((form, version)): Path<(String, String)>,
) -> Result<Json<FormVersionJson>, AppError> {
    let actor = caller.actor();
    app::forms::publish(&state, &actor, &form, &version).await?;
    let v = app::lookups::form_version(&state, &actor, &form, &version).await?;
    Ok(Json(FormVersionJson::from(v.info)))
}

async fn stored_form(
    state: &AppState,
    caller: &crate::auth::Caller,
    form: &str,
    version: &str,
) -> Result<::forms::Form, AppError> {
    let v = app::lookups::form_version(state, &caller.actor(), form, version).await?;
    serde_json::from_str(&v.definition).map_err(|e| AppError::internal(format!("stored form: {e}")))
}

/// The version as an ODK XForm.
#[utoipa::path(get, path = "/api/v1/forms/{form}/versions/{version}/xform", tag = "forms",
    params(("form" = String, Path), ("version" = String, Path)),
    responses((status = 200, content_type = "text/xml", body = String)))]
pub async fn xform(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path((form, version)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let form = stored_form(&state, &caller, &form, &version).await?;
    let xml = ::forms::export_xform(&form)
        .map_err(|p| AppError::internal(format!("stored form does not compile: {p:?}")))?;
    Ok(([(header::CONTENT_TYPE, "text/xml; charset=utf-8")], xml).into_response())
}

/// The version as an XLSForm workbook.
#[utoipa::path(get, path = "/api/v1/forms/{form}/versions/{version}/xlsform", tag = "forms",
    params(("form" = String, Path), ("version" = String, Path)),
    responses((status = 200,
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        body = Vec<u8>)))]
pub async fn xlsform(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path((form, version)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let form = stored_form(&state, &caller, &form, &version).await?;
    let bytes = ::forms::export_xlsx(&form).map_err(AppError::internal)?;
    Ok((
        [(
            header::CONTENT_TYPE,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )],
        bytes,
    )
        .into_response())
}

/// A file given as an answer.
#[derive(Serialize, ToSchema)]
pub struct SubmissionFileJson {
    /// The answer's value.
    pub name: String,
    /// The question it answers (`photo`, `household/0/photo`).
    pub question: String,
    pub media_type: String,
    pub size: u64,
}

/// A set of answers given with a form version.
#[derive(Serialize, ToSchema)]
pub struct SubmissionJson {
    pub id: String,
    pub form_id: String,
    pub form_version: String,
    /// The case it is about; null for a community-level record.
    pub case_id: Option<String>,
    /// The community-level record it is about, if it is.
    pub record_id: Option<String>,
    /// `draft`, `complete` or `interrupted`.
    pub status: String,
    pub interview_date: String,
    pub interviewer: String,
    pub interviewer_name: String,
    #[schema(value_type = Option<String>, format = DateTime)]
    #[serde(with = "time::serde::rfc3339::option")]
    pub completed_at: Option<OffsetDateTime>,
    /// Answers by question (the name, or the group path when names repeat); a repeat is a
    /// list of such objects.
    #[schema(value_type = Object)]
    pub answers: serde_json::Value,
    pub files: Vec<SubmissionFileJson>,
}

fn submission_json(s: Submission, files: Vec<SubmissionFile>) -> SubmissionJson {
    let (case_id, record_id) = match s.subject {
        store::Subject::Case(c) => (Some(c.to_string()), None),
        store::Subject::Document(d) => (None, Some(d.to_string())),
    };
    SubmissionJson {
        id: s.id.to_string(),
        form_id: s.form_id,
        form_version: s.form_version,
        case_id,
        record_id,
        status: s.status.as_str().to_string(),
        interview_date: s.interview_date.to_string(),
        interviewer: s.interviewer.to_string(),
        interviewer_name: s.interviewer_name,
        completed_at: s.completed_at,
        answers: serde_json::from_str(&s.answers).unwrap_or_default(),
        files: files
            .into_iter()
            .map(|f| SubmissionFileJson {
                name: f.name,
                question: f.question,
                media_type: f.media_type,
                size: f.size,
            })
            .collect(),
    }
}

#[derive(Serialize, ToSchema)]
pub struct SubmissionPageJson {
    pub items: Vec<SubmissionJson>,
    /// Give this as `after` for the next page; null on the last page.
    pub next: Option<String>,
}

#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
#[serde(default)]
pub struct PullParams {
    /// Only submissions completed at or after this moment (RFC 3339).
    pub since: Option<String>,
    /// The `next` of the previous page.
    pub after: Option<String>,
    /// 1 to 100; 100 by default.
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<String>,
}

/// A form's completed submissions that the caller may read, oldest completion first, a page
/// at a time: pull incrementally with `since`, then `after` the last page's `next`. Reading a
/// case's submission is audited as opening the case.
#[utoipa::path(get, path = "/api/v1/forms/{form}/submissions", tag = "forms",
    params(("form" = String, Path), PullParams),
    responses((status = 200, body = SubmissionPageJson), (status = 422)))]
pub async fn form_submissions(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(form): Path<String>,
    Query(q): Query<PullParams>,
) -> Result<Json<SubmissionPageJson>, AppError> {
    let mut problems = domain::ValidationErrors::new();
    let since = q.since.as_deref().filter(|s| !s.is_empty()).and_then(|s| {
        let parsed = OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).ok();
        if parsed.is_none() {
            problems.add("since", "error-date-time");
        }
        parsed
    });
    let after = q.after.as_deref().filter(|s| !s.is_empty()).and_then(|s| {
        let parsed = parse_cursor(s);
        if parsed.is_none() {
            problems.add("after", "error-cursor");
        }
        parsed
    });
    let limit = match q.limit.as_deref().filter(|s| !s.is_empty()) {
        None => app::submissions::MAX_PAGE,
        Some(l) => match l.parse::<u32>() {
            Ok(n) if (1..=app::submissions::MAX_PAGE).contains(&n) => n,
            _ => {
                problems.add("limit", "error-limit");
                1
            }
        },
    };
    if !problems.is_empty() {
        return Err(AppError::validation(problems));
    }
    let page =
        app::submissions::completed_of_form(&state, &caller.actor(), &form, since, after, limit)
            .await?;
    Ok(Json(SubmissionPageJson {
        items: page
            .items
            .into_iter()
            .map(|(s, f)| submission_json(s, f))
            .collect(),
        next: page
            .next
            .map(|(at, id)| format!("{}.{id}", at.unix_timestamp())),
    }))
}

/// `seconds.uuid`, as `next` gives it.
fn parse_cursor(s: &str) -> Option<(OffsetDateTime, uuid::Uuid)> {
    let (secs, id) = s.split_once('.')?;
    let at = OffsetDateTime::from_unix_timestamp(secs.parse().ok()?).ok()?;
    Some((at, id.parse().ok()?))
}

/// The submissions about a case, newest first, with their files. Audited as opening the case.
#[utoipa::path(get, path = "/api/v1/cases/{id}/submissions", tag = "forms",
    params(("id" = String, Path, description = "Case id")),
    responses((status = 200, body = [SubmissionJson])))]
pub async fn case_submissions(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
) -> Result<Json<Vec<SubmissionJson>>, AppError> {
    let actor = caller.actor();
    let case =
        app::cases::authorized_case(&state, &actor, &id, domain::authz::Action::ReadCase).await?;
    app::cases::audit_view(&state, &actor, &case).await?;
    let all = app::submissions::about_case_with_files(&state, &actor, &case).await?;
    Ok(Json(
        all.into_iter()
            .map(|(s, files)| submission_json(s, files))
            .collect(),
    ))
}

/// One scored survey.
#[derive(Serialize, ToSchema)]
pub struct RssScoreJson {
    pub submission: String,
    /// `baseline`, `intermediate`, `final` or `extra`.
    pub round: String,
    pub interview_date: String,
    pub interviewer_name: String,
    /// Economic, social, psychosocial and composite scores (0 to 1), the count of "don't
    /// know" and "won't answer", the low-accuracy flag, the model (`id/version`) and each
    /// indicator's contribution.
    #[schema(value_type = Object)]
    pub scores: serde_json::Value,
}

/// A case's scored surveys, oldest interview first, each with its breakdown and model.
#[utoipa::path(get, path = "/api/v1/cases/{id}/rss-scores", tag = "forms",
    params(("id" = String, Path, description = "Case id")),
    responses((status = 200, body = [RssScoreJson])))]
pub async fn case_rss_scores(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
) -> Result<Json<Vec<RssScoreJson>>, AppError> {
    let actor = caller.actor();
    let case =
        app::cases::authorized_case(&state, &actor, &id, domain::authz::Action::ReadCase).await?;
    app::cases::audit_view(&state, &actor, &case).await?;
    let scores = app::rss::scores_of(&state, &case).await?;
    Ok(Json(
        scores
            .into_iter()
            .map(|s| RssScoreJson {
                submission: s.submission.to_string(),
                round: s.round.as_str().to_string(),
                interview_date: s.interview_date.to_string(),
                interviewer_name: s.interviewer_name,
                scores: serde_json::to_value(&s.scores).unwrap_or_default(),
            })
            .collect(),
    ))
}

/// Answers to a form about a case, sent whole.
#[derive(Deserialize, ToSchema)]
pub struct NewSubmissionJson {
    pub form_id: String,
    /// The version answered; the latest published one when left out.
    #[serde(default)]
    pub form_version: Option<String>,
    /// Answers by question, as `answers` of a submission reads them: text values, and for a
    /// repeat a list of such objects.
    #[schema(value_type = Object)]
    pub answers: ::forms::Answers,
    /// Your id for these answers: sent again, they are recognised and stored once.
    #[serde(default)]
    pub instance_id: Option<String>,
}

/// Completes a submission about a case from answers sent whole: checked, scored (the survey)
/// and followed up as a page submission is, and stored at once or not at all. 201 when stored;
/// 200 with the stored submission when the same `instance_id` was stored before; 422 with each
/// problem, naming its question, when the answers break the form's rules.
#[utoipa::path(post, path = "/api/v1/cases/{id}/submissions", tag = "forms",
    params(("id" = String, Path, description = "Case id")),
    request_body = NewSubmissionJson,
    responses((status = 201, body = SubmissionJson), (status = 200, body = SubmissionJson),
        (status = 404), (status = 409), (status = 422)))]
pub async fn submit(
    State(state): State<AppState>,
    tr: Tr,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<NewSubmissionJson>,
) -> Result<Response, AppError> {
    use app::field::{Received, Refusal};
    let actor = caller.actor();
    let sent = app::field::SubmittedAnswers {
        form_id: body.form_id,
        version: body.form_version,
        answers: body.answers,
        instance_id: body.instance_id,
    };
    let received = app::field::submit_answers(&state, &actor, &id, sent, tr.lang()).await?;
    let (status, sub_id) = match received {
        Ok(Received::Stored(s)) => (StatusCode::CREATED, s),
        Ok(Received::AlreadyStored(s)) => (StatusCode::OK, s),
        Ok(
            Received::PartKept
            | Received::Held
            | Received::AlreadyHeld
            | Received::Sealed
            | Received::AlreadySealed,
        ) => {
            return Err(AppError::internal(
                "a JSON submission is neither split nor held",
            ));
        }
        Err(Refusal::UnknownForm) => {
            let mut e = domain::ValidationErrors::new();
            e.add("form_id", "error-form-not-published");
            return Err(AppError::validation(e));
        }
        Err(Refusal::Invalid(errors)) => {
            let problems = errors
                .into_iter()
                .map(|e| {
                    let (path, text) = crate::forms::said(&tr, e);
                    (format!("answers.{path}"), "form-answer", text)
                })
                .collect();
            return Ok(crate::error::api_problems(&tr, problems));
        }
        Err(Refusal::NotScored(problem)) => {
            let text = tr.t1("openrosa-not-scored", "problem", problem);
            return Ok(crate::error::api_problems(
                &tr,
                vec![("answers".into(), "form-answer", text)],
            ));
        }
        Err(other) => {
            return Err(AppError::with_detail(
                ErrorKind::Conflict,
                format!("{other:?}"),
            ));
        }
    };
    // The stored submission, read back through the case (an id sent again by someone else
    // names nothing they may see).
    let (_, sub, _, _) = app::submissions::of_case(
        &state,
        &actor,
        &id,
        &sub_id.to_string(),
        domain::authz::Action::ReadCase,
    )
    .await
    .map_err(|_| AppError::with_detail(ErrorKind::Conflict, "this instance_id is taken"))?;
    let files = app::attachments::of_submission(&state, &actor, &id, &sub.id.to_string()).await?;
    Ok((status, Json(submission_json(sub, files))).into_response())
}
