//! `FormStore`: form definitions, submissions of answers and the scored surveys (RSS).

use std::collections::BTreeMap;
use std::sync::Arc;

use domain::audit::AuditAction;
use domain::rss::{Breakdown, IndicatorScore, Round, Scores};
use domain::{CaseId, Role, UserId};
use store::*;
use time::Date;
use time::macros::date;

use super::{NOW, new_case, profile, user};

pub async fn run(s: Arc<dyn Store>) {
    drafts_are_published_once_and_listed_newest_first(&s).await;
    shipped_forms_are_installed_once(&s).await;
    submissions_save_complete_and_refuse_stale_or_final_changes(&s).await;
    files_given_as_answers_are_kept_once_listed_and_refused_once_final(&s).await;
    scores_are_saved_rescored_and_read_oldest_interview_first(&s).await;
    the_last_scoring_model_activated_scores_new_surveys(&s).await;
}

fn at(actor: UserId, minutes: i64) -> AuditContext {
    AuditContext::by(actor, NOW + time::Duration::minutes(minutes))
}

pub fn form(id: &str, version: &str, definition: &str, origin: FormOrigin) -> NewFormVersion {
    NewFormVersion {
        form_id: id.into(),
        version: version.into(),
        title: format!("{id} {version}"),
        definition: definition.into(),
        origin,
    }
}

async fn drafts_are_published_once_and_listed_newest_first(s: &Arc<dyn Store>) {
    let o = super::office(s, "FRM").await;
    let pm = user(s, "frm.pm", Role::ProgrammeManager, Some(o.id)).await;
    let intake = |version: &str, definition: &str| {
        form("conf.intake", version, definition, FormOrigin::Upload)
    };
    assert!(matches!(
        s.form_version("conf.intake", "1").await,
        Err(StoreError::NotFound)
    ));
    s.save_form_draft(intake("1", r#"{"fields":["a"]}"#), at(pm.id, 0))
        .await
        .unwrap();
    let v1 = s.form_version("conf.intake", "1").await.unwrap();
    assert_eq!(v1.definition, r#"{"fields":["a"]}"#, "kept as it was given");
    assert_eq!(v1.info.title, "conf.intake 1");
    assert!(!v1.info.published);
    assert_eq!(v1.info.origin, FormOrigin::Upload);
    assert_eq!(v1.info.uploaded_by.as_deref(), Some("frm.pm"));
    assert_eq!(v1.info.uploaded_at, NOW);
    assert_eq!((v1.info.published_by, v1.info.published_at), (None, None));
    // A draft is not what new answers use.
    assert!(matches!(
        s.latest_published_form("conf.intake").await,
        Err(StoreError::NotFound)
    ));
    // Uploading the same unpublished version again replaces it for preview.
    s.save_form_draft(intake("1", r#"{"fields":["a","b"]}"#), at(pm.id, 1))
        .await
        .unwrap();
    assert_eq!(
        s.form_version("conf.intake", "1").await.unwrap().definition,
        r#"{"fields":["a","b"]}"#
    );

    s.publish_form("conf.intake", "1", at(pm.id, 2))
        .await
        .unwrap();
    let v1 = s.form_version("conf.intake", "1").await.unwrap();
    assert!(v1.info.published);
    assert_eq!(v1.info.published_by.as_deref(), Some("frm.pm"));
    assert_eq!(v1.info.published_at, Some(NOW + time::Duration::minutes(2)));
    assert!(matches!(
        s.publish_form("conf.intake", "1", at(pm.id, 3)).await,
        Err(StoreError::Conflict)
    ));
    // A published version is never replaced.
    assert!(matches!(
        s.save_form_draft(intake("1", "{}"), at(pm.id, 3)).await,
        Err(StoreError::Conflict)
    ));
    assert_eq!(
        s.form_version("conf.intake", "1").await.unwrap().definition,
        r#"{"fields":["a","b"]}"#
    );
    assert!(matches!(
        s.publish_form("conf.intake", "9", at(pm.id, 3)).await,
        Err(StoreError::NotFound)
    ));
    let latest = s.latest_published_form("conf.intake").await.unwrap();
    assert_eq!(latest.info.version, "1");
    assert_eq!(latest.definition, r#"{"fields":["a","b"]}"#);

    // Version 2 is used once published; a draft of version 3 changes nothing.
    s.save_form_draft(intake("2", r#"{"v":2}"#), at(pm.id, 4))
        .await
        .unwrap();
    assert_eq!(
        s.latest_published_form("conf.intake")
            .await
            .unwrap()
            .info
            .version,
        "1"
    );
    s.publish_form("conf.intake", "2", at(pm.id, 5))
        .await
        .unwrap();
    s.save_form_draft(intake("3", r#"{"v":3}"#), at(pm.id, 6))
        .await
        .unwrap();
    s.save_form_draft(
        form("conf.other", "1", "{}", FormOrigin::Upload),
        at(pm.id, 7),
    )
    .await
    .unwrap();
    let latest = s.latest_published_form("conf.intake").await.unwrap();
    assert_eq!(
        (latest.info.version.as_str(), latest.definition.as_str()),
        ("2", r#"{"v":2}"#)
    );

    let listed: Vec<_> = s
        .form_versions()
        .await
        .unwrap()
        .into_iter()
        .filter(|v| v.form_id == "conf.intake")
        .map(|v| (v.version, v.published))
        .collect();
    assert_eq!(
        listed,
        [
            ("3".to_string(), false),
            ("2".to_string(), true),
            ("1".to_string(), true)
        ],
        "newest first within a form"
    );
    assert!(
        s.form_versions()
            .await
            .unwrap()
            .iter()
            .any(|v| v.form_id == "conf.other")
    );
}

async fn shipped_forms_are_installed_once(s: &Arc<dyn Store>) {
    let shipped = form(
        "conf.shipped",
        "2024.1",
        r#"{"shipped":1}"#,
        FormOrigin::Shipped,
    );
    assert!(
        s.install_shipped_form(shipped.clone(), AuditContext::system(NOW, "start-up"))
            .await
            .unwrap()
    );
    let v = s.form_version("conf.shipped", "2024.1").await.unwrap();
    assert!(v.info.published, "installed as published");
    assert_eq!(v.info.origin, FormOrigin::Shipped);
    assert_eq!(v.info.uploaded_by, None, "installed by the system");
    // The next start finds it and changes nothing.
    let again = NewFormVersion {
        definition: r#"{"shipped":2}"#.into(),
        ..shipped
    };
    assert!(
        !s.install_shipped_form(again, AuditContext::system(NOW, "start-up"))
            .await
            .unwrap()
    );
    let latest = s.latest_published_form("conf.shipped").await.unwrap();
    assert_eq!(latest.info.version, "2024.1");
    assert_eq!(latest.definition, r#"{"shipped":1}"#);
}

fn answers(interviewer: UserId, id: uuid::Uuid, subject: Subject, form_id: &str) -> NewSubmission {
    NewSubmission {
        id,
        form_id: form_id.into(),
        form_version: "1".into(),
        subject,
        answers: r#"{"q1":"yes"}"#.into(),
        interviewer,
        interview_date: date!(2026 - 11 - 20),
    }
}

fn update(id: uuid::Uuid, version: i64, status: SubmissionStatus) -> SubmissionUpdate {
    SubmissionUpdate {
        follow_on: None,
        id,
        expected_version: version,
        answers: r#"{"q1":"no","q2":"3"}"#.into(),
        interview_date: date!(2026 - 11 - 21),
        status,
        score: None,
    }
}

async fn submissions_save_complete_and_refuse_stale_or_final_changes(s: &Arc<dyn Store>) {
    let o = super::office(s, "SUB").await;
    let cm = user(s, "sub.cm", Role::CaseManager, Some(o.id)).await;
    let case = new_case(s, o.id, cm.id, profile("Mariama", "Sane")).await;
    let about_case = Subject::Case(case.id);
    let visit = form("conf.visit", "1", "{}", FormOrigin::Upload);
    s.save_form_draft(visit, at(cm.id, 0)).await.unwrap();
    let id1 = uuid::Uuid::new_v4();
    // Answers are taken on published versions only.
    assert!(matches!(
        s.create_submission(answers(cm.id, id1, about_case, "conf.visit"), at(cm.id, 0))
            .await,
        Err(StoreError::NotFound)
    ));
    s.publish_form("conf.visit", "1", at(cm.id, 0))
        .await
        .unwrap();

    let created = s
        .create_submission(answers(cm.id, id1, about_case, "conf.visit"), at(cm.id, 1))
        .await
        .unwrap();
    assert_eq!(created.id, id1);
    assert_eq!(
        (created.status, created.version),
        (SubmissionStatus::Draft, 1)
    );
    assert_eq!(created.subject, about_case);
    assert_eq!(
        (created.form_id.as_str(), created.form_version.as_str()),
        ("conf.visit", "1")
    );
    assert_eq!(created.form_title, "conf.visit 1");
    assert_eq!(created.answers, r#"{"q1":"yes"}"#);
    assert_eq!(
        (created.interviewer, created.interviewer_name.as_str()),
        (cm.id, "SUB.CM")
    );
    assert_eq!(created.interview_date, date!(2026 - 11 - 20));
    assert_eq!(created.created_at, NOW + time::Duration::minutes(1));
    assert_eq!(created.completed_at, None);
    assert!(matches!(
        s.create_submission(answers(cm.id, id1, about_case, "conf.visit"), at(cm.id, 1))
            .await,
        Err(StoreError::Duplicate("submission"))
    ));
    assert!(matches!(
        s.submission(uuid::Uuid::new_v4()).await,
        Err(StoreError::NotFound)
    ));

    // Saving a draft's answers.
    let saved = s
        .update_submission(update(id1, 1, SubmissionStatus::Draft), at(cm.id, 2))
        .await
        .unwrap();
    assert_eq!((saved.status, saved.version), (SubmissionStatus::Draft, 2));
    assert_eq!(saved.answers, r#"{"q1":"no","q2":"3"}"#);
    assert_eq!(saved.interview_date, date!(2026 - 11 - 21));
    assert_eq!(saved.updated_at, NOW + time::Duration::minutes(2));
    // A stale save is refused and changes nothing.
    let mut stale = update(id1, 1, SubmissionStatus::Draft);
    stale.answers = r#"{"q1":"stale"}"#.into();
    assert!(matches!(
        s.update_submission(stale, at(cm.id, 3)).await,
        Err(StoreError::Conflict)
    ));
    let read = s.submission(id1).await.unwrap();
    assert_eq!(
        (read.version, read.answers.as_str()),
        (2, r#"{"q1":"no","q2":"3"}"#)
    );

    // Completing; a completed submission is final.
    let done = s
        .update_submission(update(id1, 2, SubmissionStatus::Complete), at(cm.id, 4))
        .await
        .unwrap();
    assert_eq!(done.status, SubmissionStatus::Complete);
    assert_eq!(done.completed_at, Some(NOW + time::Duration::minutes(4)));
    assert!(matches!(
        s.update_submission(
            update(id1, done.version, SubmissionStatus::Draft),
            at(cm.id, 5)
        )
        .await,
        Err(StoreError::Conflict)
    ));
    assert_eq!(
        s.submission(id1).await.unwrap().status,
        SubmissionStatus::Complete
    );

    // An interrupted interview is kept as it was, never resumed.
    let id2 = uuid::Uuid::new_v4();
    s.create_submission(answers(cm.id, id2, about_case, "conf.visit"), at(cm.id, 6))
        .await
        .unwrap();
    let stopped = s
        .update_submission(update(id2, 1, SubmissionStatus::Interrupted), at(cm.id, 7))
        .await
        .unwrap();
    assert_eq!(stopped.status, SubmissionStatus::Interrupted);
    assert_eq!(stopped.completed_at, None);
    assert!(matches!(
        s.update_submission(
            update(id2, stopped.version, SubmissionStatus::Draft),
            at(cm.id, 8)
        )
        .await,
        Err(StoreError::Conflict)
    ));

    // About a community record rather than a case.
    let community = domain::DocumentId::new();
    let id3 = uuid::Uuid::new_v4();
    s.create_submission(
        answers(cm.id, id3, Subject::Document(community), "conf.visit"),
        at(cm.id, 9),
    )
    .await
    .unwrap();
    let mut of_case: Vec<_> = s
        .submissions_for(about_case)
        .await
        .unwrap()
        .into_iter()
        .map(|x| x.id)
        .collect();
    of_case.sort();
    let mut expected = vec![id1, id2];
    expected.sort();
    assert_eq!(of_case, expected);
    let of_community = s
        .submissions_for(Subject::Document(community))
        .await
        .unwrap();
    assert_eq!(of_community.len(), 1);
    assert_eq!(
        (of_community[0].id, of_community[0].subject),
        (id3, Subject::Document(community))
    );
    assert!(
        s.submissions_for(Subject::Case(CaseId::new()))
            .await
            .unwrap()
            .is_empty()
    );

    // Completed submissions of the form, oldest first; drafts and interrupted ones left out.
    let id4 = uuid::Uuid::new_v4();
    s.create_submission(answers(cm.id, id4, about_case, "conf.visit"), at(cm.id, 10))
        .await
        .unwrap();
    s.update_submission(update(id4, 1, SubmissionStatus::Complete), at(cm.id, 11))
        .await
        .unwrap();
    assert_eq!(
        s.completed_submissions("conf.visit").await.unwrap(),
        [id1, id4]
    );
    assert!(
        s.completed_submissions("conf.nothing")
            .await
            .unwrap()
            .is_empty()
    );
}

fn breakdown(value: Option<f64>) -> Breakdown {
    Breakdown(vec![IndicatorScore {
        question: 19,
        name: "Access to health care".into(),
        answer: "2".into(),
        value,
        note: String::new(),
        weights: BTreeMap::new(),
        cross_cutting: false,
    }])
}

fn score(
    submission: uuid::Uuid,
    case: CaseId,
    interviewer: UserId,
    round: Round,
    interview_date: Date,
    composite: f64,
) -> NewRssScore {
    NewRssScore {
        submission,
        case,
        round,
        interview_date,
        interviewer,
        scores: Scores {
            economic: Some(0.5),
            social: None,
            psychosocial: Some(0.25),
            composite: Some(composite),
            dk_dwa_count: 1,
            low_accuracy: false,
            model: "default/1".into(),
            breakdown: breakdown(Some(0.5)),
        },
    }
}

async fn scores_are_saved_rescored_and_read_oldest_interview_first(s: &Arc<dyn Store>) {
    let o = super::office(s, "RSS").await;
    let cm = user(s, "rss.cm", Role::CaseManager, Some(o.id)).await;
    let case = new_case(s, o.id, cm.id, profile("Seynabou", "Mbaye")).await;
    let other = new_case(s, o.id, cm.id, profile("Penda", "Mbaye")).await;
    s.install_shipped_form(
        form("conf.survey", "1", "{}", FormOrigin::Shipped),
        AuditContext::system(NOW, "start-up"),
    )
    .await
    .unwrap();
    // Completed surveys, the later interview recorded first.
    let mut surveys = Vec::new();
    for _ in 0..2 {
        let id = uuid::Uuid::new_v4();
        s.create_submission(
            answers(cm.id, id, Subject::Case(case.id), "conf.survey"),
            at(cm.id, 0),
        )
        .await
        .unwrap();
        s.update_submission(update(id, 1, SubmissionStatus::Complete), at(cm.id, 1))
            .await
            .unwrap();
        surveys.push(id);
    }
    let (late, early) = (surveys[0], surveys[1]);
    assert!(s.rss_score(late).await.unwrap().is_none());
    let late_score = score(
        late,
        case.id,
        cm.id,
        Round::Intermediate,
        date!(2026 - 09 - 01),
        0.75,
    );
    assert!(
        s.save_rss_score(late_score.clone(), at(cm.id, 2))
            .await
            .unwrap()
    );
    assert!(
        s.save_rss_score(
            score(
                early,
                case.id,
                cm.id,
                Round::Baseline,
                date!(2026 - 03 - 01),
                0.5
            ),
            at(cm.id, 3)
        )
        .await
        .unwrap()
    );
    let read = s.rss_score(late).await.unwrap().unwrap();
    assert_eq!((read.submission, read.case), (late, case.id));
    assert_eq!(read.round, Round::Intermediate);
    assert_eq!(read.interview_date, date!(2026 - 09 - 01));
    assert_eq!(
        (read.interviewer, read.interviewer_name.as_str()),
        (cm.id, "RSS.CM")
    );
    assert_eq!(
        read.scores, late_score.scores,
        "the scores read back as saved"
    );
    assert_eq!(read.scored_at, NOW + time::Duration::minutes(2));
    let order: Vec<_> = s
        .rss_scores(case.id)
        .await
        .unwrap()
        .into_iter()
        .map(|x| x.submission)
        .collect();
    assert_eq!(order, [early, late], "oldest interview first");
    assert!(s.rss_scores(other.id).await.unwrap().is_empty());
    // Many returnees at once: the same surveys, by case.
    let batch: Vec<_> = s
        .rss_scores_of_cases(vec![other.id, case.id])
        .await
        .unwrap()
        .into_iter()
        .map(|x| x.submission)
        .collect();
    assert_eq!(batch, [early, late]);

    // Scoring again with the same result changes nothing.
    assert!(
        !s.save_rss_score(late_score.clone(), at(cm.id, 4))
            .await
            .unwrap()
    );
    assert_eq!(
        s.rss_score(late).await.unwrap().unwrap().scored_at,
        NOW + time::Duration::minutes(2)
    );
    // A new model's result replaces the scores, with what changed audited.
    let mut rescored = late_score.clone();
    rescored.scores.composite = Some(0.875);
    rescored.scores.model = "default/2".into();
    assert!(
        s.save_rss_score(rescored.clone(), at(cm.id, 5))
            .await
            .unwrap()
    );
    let read = s.rss_score(late).await.unwrap().unwrap();
    assert_eq!(read.scores, rescored.scores);
    assert_eq!(read.scored_at, NOW + time::Duration::minutes(5));
    assert_eq!(
        s.rss_scores(case.id).await.unwrap().len(),
        2,
        "replaced, not added"
    );
    // A change in the breakdown alone is a change.
    let mut explained = rescored.clone();
    explained.scores.breakdown = breakdown(None);
    assert!(s.save_rss_score(explained, at(cm.id, 6)).await.unwrap());
    let trail = s
        .audit_for_record("rss_score", &late.to_string(), AuditScope::Changes)
        .await
        .unwrap();
    let actions: Vec<_> = trail.iter().map(|e| e.action).collect();
    assert_eq!(
        actions,
        [
            AuditAction::Create,
            AuditAction::Update,
            AuditAction::Update
        ]
    );
    let fields: Vec<_> = trail[1].changes.iter().map(|c| c.field.as_str()).collect();
    assert!(
        fields.contains(&"composite") && fields.contains(&"model"),
        "{fields:?}"
    );
    assert!(
        !fields.contains(&"economic"),
        "unchanged scores are not listed"
    );
    assert!(trail[1].changes.iter().all(|c| c.before.is_some()));

    // Completing a survey with its scores stores both, or neither.
    let third = uuid::Uuid::new_v4();
    s.create_submission(
        answers(cm.id, third, Subject::Case(case.id), "conf.survey"),
        at(cm.id, 7),
    )
    .await
    .unwrap();
    let with_score = |version: i64| SubmissionUpdate {
        follow_on: None,
        score: Some(score(
            third,
            case.id,
            cm.id,
            Round::Final,
            date!(2026 - 11 - 21),
            0.25,
        )),
        ..update(third, version, SubmissionStatus::Complete)
    };
    assert!(matches!(
        s.update_submission(with_score(7), at(cm.id, 8)).await,
        Err(StoreError::Conflict)
    ));
    assert!(
        s.rss_score(third).await.unwrap().is_none(),
        "a refused completion scores nothing"
    );
    let done = s
        .update_submission(with_score(1), at(cm.id, 8))
        .await
        .unwrap();
    assert_eq!(done.status, SubmissionStatus::Complete);
    let stored = s.rss_score(third).await.unwrap().unwrap();
    assert_eq!(
        (stored.round, stored.scores.composite),
        (Round::Final, Some(0.25))
    );
    assert_eq!(s.rss_scores(case.id).await.unwrap().len(), 3);
}

async fn the_last_scoring_model_activated_scores_new_surveys(s: &Arc<dyn Store>) {
    assert_eq!(
        s.active_scoring_model().await.unwrap(),
        None,
        "none loaded yet"
    );
    let by = |m| AuditContext::system(NOW + time::Duration::minutes(m), "model loaded");
    s.activate_scoring_model("conf-model", "1", "[model]\nversion = 1", by(0))
        .await
        .unwrap();
    assert_eq!(
        s.active_scoring_model().await.unwrap().as_deref(),
        Some("[model]\nversion = 1")
    );
    s.activate_scoring_model("conf-model", "2", "[model]\nversion = 2", by(1))
        .await
        .unwrap();
    assert_eq!(
        s.active_scoring_model().await.unwrap().as_deref(),
        Some("[model]\nversion = 2")
    );
    // Loading an earlier version again makes it the active one, as loaded now.
    s.activate_scoring_model("conf-model", "1", "[model]\nversion = 1 # again", by(2))
        .await
        .unwrap();
    assert_eq!(
        s.active_scoring_model().await.unwrap().as_deref(),
        Some("[model]\nversion = 1 # again")
    );
}

async fn files_given_as_answers_are_kept_once_listed_and_refused_once_final(s: &Arc<dyn Store>) {
    let o = super::office(s, "FIL").await;
    let cm = user(s, "fil.cm", Role::CaseManager, Some(o.id)).await;
    let case = new_case(s, o.id, cm.id, profile("Awa", "Ndiaye")).await;
    s.save_form_draft(
        form("conf.photo", "1", "{}", FormOrigin::Upload),
        at(cm.id, 0),
    )
    .await
    .unwrap();
    s.publish_form("conf.photo", "1", at(cm.id, 0))
        .await
        .unwrap();
    let id = uuid::Uuid::new_v4();
    s.create_submission(
        answers(cm.id, id, Subject::Case(case.id), "conf.photo"),
        at(cm.id, 1),
    )
    .await
    .unwrap();

    // The content is kept once per content, and read back as it was.
    let hash = s.put_file(b"a photo of the house".to_vec()).await.unwrap();
    assert_eq!(hash.len(), 64);
    assert_eq!(
        s.put_file(b"a photo of the house".to_vec()).await.unwrap(),
        hash
    );
    assert_eq!(s.read_file(&hash).await.unwrap(), b"a photo of the house");
    assert!(matches!(
        s.read_file(&"0".repeat(64)).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        s.read_file("../etc/passwd").await,
        Err(StoreError::NotFound)
    ));

    let file = NewSubmissionFile {
        submission: id,
        name: format!("{}.png", &hash[..16]),
        question: "home_photo".into(),
        media_type: "image/png".into(),
        size: 20,
        sha256: hash.clone(),
        added_by: cm.id,
        added_at: NOW + time::Duration::minutes(2),
    };
    s.add_submission_file(file.clone(), at(cm.id, 2))
        .await
        .unwrap();
    // Attaching the same file again (a retry) changes nothing.
    s.add_submission_file(file.clone(), at(cm.id, 3))
        .await
        .unwrap();
    assert_eq!(s.submission_files(id).await.unwrap(), vec![file.clone()]);
    let trail = s
        .audit_for_record("submission", &id.to_string(), AuditScope::Changes)
        .await
        .unwrap();
    assert_eq!(
        trail
            .iter()
            .filter(|e| e.changes.iter().any(|c| c.field == "file home_photo"))
            .count(),
        1,
        "the attachment is audited once"
    );
    // A file for a submission that does not exist, or one already final, is refused.
    let mut stray = file.clone();
    stray.submission = uuid::Uuid::new_v4();
    assert!(matches!(
        s.add_submission_file(stray, at(cm.id, 4)).await,
        Err(StoreError::NotFound)
    ));
    s.update_submission(update(id, 1, SubmissionStatus::Complete), at(cm.id, 5))
        .await
        .unwrap();
    let mut late = file;
    late.name = "late.png".into();
    assert!(matches!(
        s.add_submission_file(late, at(cm.id, 6)).await,
        Err(StoreError::Conflict)
    ));
    assert_eq!(s.submission_files(id).await.unwrap().len(), 1);

    // Anonymising the case takes its files: the rows, and the content no one else names.
    s.anonymise_case(case.id, Anonymised::default(), at(cm.id, 7))
        .await
        .unwrap();
    assert!(s.submission_files(id).await.unwrap().is_empty());
    assert!(matches!(
        s.read_file(&hash).await,
        Err(StoreError::NotFound)
    ));
}
