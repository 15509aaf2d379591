//! `AccountStore`: offices, accounts, sessions, sign-in throttling and API tokens.

use std::sync::Arc;

use domain::audit::AuditAction;
use domain::{OfficeCode, OfficeId, Role, UserId, Username};
use store::*;

use super::{NOW, changed_fields, user};

pub async fn run(s: Arc<dyn Store>) {
    s.health().await.unwrap();
    offices_and_users(&s).await;
    office_lookups_and_listing(&s).await;
    users_counted_listed_and_found_by_name(&s).await;
    case_managers_are_active_case_managers_of_the_office(&s).await;
    sessions_tokens_and_throttling(&s).await;
    password_change_is_stored_audited_and_ends_sessions(&s).await;
    api_tokens_record_use_belong_to_their_user_and_are_audited(&s).await;
    replies_to_posts_are_kept_once_per_key_and_route_for_a_day(&s).await;
    copies_of_a_post_are_answered_once(&s).await;
    the_preferred_language_is_kept_and_its_changes_audited(&s).await;
    failures_are_found_by_key_and_prefix_and_devices_remembered(&s).await;
    two_step_codes_are_accepted_once_and_changes_audited(&s).await;
}

async fn two_step_codes_are_accepted_once_and_changes_audited(s: &Arc<dyn Store>) {
    let u = user(s, "two.step", Role::ProgrammeManager, None).await;
    assert!(!u.two_factor);
    assert_eq!(s.two_factor(u.id).await.unwrap(), None);
    // Setting up: a secret being set up can be replaced, and does not count yet.
    s.begin_two_factor(u.id, "FIRST", NOW).await.unwrap();
    s.begin_two_factor(u.id, "SECOND", NOW).await.unwrap();
    let pending = s.two_factor(u.id).await.unwrap().unwrap();
    assert_eq!(
        (pending.secret.as_str(), pending.enabled_at),
        ("SECOND", None)
    );
    assert!(!s.user(u.id).await.unwrap().two_factor);
    let codes = vec!["h1".to_string(), "h2".to_string()];
    s.enable_two_factor(u.id, 100, codes, AuditContext::by(u.id, NOW))
        .await
        .unwrap();
    // Confirmed: it counts, cannot be confirmed twice, and its secret is not replaced.
    assert!(s.user(u.id).await.unwrap().two_factor);
    assert!(matches!(
        s.enable_two_factor(u.id, 101, vec![], AuditContext::by(u.id, NOW))
            .await,
        Err(StoreError::Conflict)
    ));
    s.begin_two_factor(u.id, "THIRD", NOW).await.unwrap();
    let on = s.two_factor(u.id).await.unwrap().unwrap();
    assert_eq!(
        (on.secret.as_str(), on.last_step, on.recovery_codes_left),
        ("SECOND", 100, 2)
    );
    // A step is accepted once, and never one before it.
    assert!(!s.accept_code_step(u.id, 100).await.unwrap());
    assert!(s.accept_code_step(u.id, 102).await.unwrap());
    assert!(!s.accept_code_step(u.id, 101).await.unwrap());
    // A recovery code works once, and only for its owner.
    let other = user(s, "two.other", Role::Admin, None).await;
    assert!(!s.use_recovery_code(other.id, "h1", NOW).await.unwrap());
    assert!(s.use_recovery_code(u.id, "h1", NOW).await.unwrap());
    assert!(!s.use_recovery_code(u.id, "h1", NOW).await.unwrap());
    assert_eq!(
        s.two_factor(u.id)
            .await
            .unwrap()
            .unwrap()
            .recovery_codes_left,
        1
    );
    s.replace_recovery_codes(u.id, vec!["h3".into()], AuditContext::by(u.id, NOW))
        .await
        .unwrap();
    assert!(!s.use_recovery_code(u.id, "h2", NOW).await.unwrap());
    // The second step of a sign-in: found until deleted; old ones go with any deletion.
    s.create_second_step("step-a", u.id, NOW).await.unwrap();
    s.create_second_step("step-old", u.id, NOW - time::Duration::days(2))
        .await
        .unwrap();
    assert_eq!(s.second_step("step-a").await.unwrap(), Some((u.id, NOW)));
    s.delete_second_step("step-a", NOW).await.unwrap();
    assert_eq!(s.second_step("step-a").await.unwrap(), None);
    assert_eq!(s.second_step("step-old").await.unwrap(), None);
    // Turned off by an administrator: gone, and audited with who did it.
    s.remove_two_factor(u.id, AuditContext::by(other.id, NOW))
        .await
        .unwrap();
    assert!(!s.user(u.id).await.unwrap().two_factor);
    assert!(matches!(
        s.remove_two_factor(u.id, AuditContext::by(other.id, NOW))
            .await,
        Err(StoreError::NotFound)
    ));
    let trail = s
        .audit_for_record("user", &u.id.to_string(), AuditScope::ChangesAndViews)
        .await
        .unwrap();
    let actions: Vec<AuditAction> = trail.iter().map(|e| e.action).collect();
    for a in [
        AuditAction::TwoFactorEnable,
        AuditAction::RecoveryCodesIssue,
        AuditAction::TwoFactorRemove,
    ] {
        assert!(actions.contains(&a), "{a:?} in {actions:?}");
    }
    assert_eq!(
        trail.last().unwrap().actor,
        Some(other.id),
        "the administrator's reset names them"
    );
}

async fn failures_are_found_by_key_and_prefix_and_devices_remembered(s: &Arc<dyn Store>) {
    let t = |m: i64| NOW + time::Duration::minutes(m);
    assert_eq!(
        s.last_login_failure("pair:dev_user|1.2.3.4").await.unwrap(),
        None
    );
    s.record_login_failure(&["pair:dev_user|1.2.3.4".into()], t(1))
        .await
        .unwrap();
    s.record_login_failure(&["pair:dev_user|5.6.7.8".into()], t(3))
        .await
        .unwrap();
    s.record_login_failure(&["pair:dev_user|1.2.3.4".into()], t(2))
        .await
        .unwrap();
    // A name with LIKE's wildcards matches only itself.
    s.record_login_failure(&["pair:devXuser|9.9.9.9".into()], t(4))
        .await
        .unwrap();
    assert_eq!(
        s.last_login_failure("pair:dev_user|1.2.3.4").await.unwrap(),
        Some(t(2))
    );
    let found = s
        .login_failures_under("pair:dev_user|", t(0))
        .await
        .unwrap();
    assert_eq!(
        found,
        [
            ("5.6.7.8".to_string(), t(3)),
            ("1.2.3.4".to_string(), t(2)),
            ("1.2.3.4".to_string(), t(1)),
        ]
    );
    assert_eq!(
        s.login_failures_under("pair:dev_user|", t(2))
            .await
            .unwrap()
            .len(),
        2
    );

    let u = user(s, "device.user", Role::Viewer, None).await;
    let other = user(s, "device.other", Role::Viewer, None).await;
    assert!(!s.is_known_device(u.id, "d1").await.unwrap());
    s.remember_device(u.id, "d1", NOW).await.unwrap();
    s.remember_device(u.id, "d1", NOW).await.unwrap();
    assert!(s.is_known_device(u.id, "d1").await.unwrap());
    assert!(
        !s.is_known_device(other.id, "d1").await.unwrap(),
        "one account's device only"
    );
}

async fn the_preferred_language_is_kept_and_its_changes_audited(s: &Arc<dyn Store>) {
    let u = user(s, "lang.user", Role::CaseManager, None).await;
    assert_eq!(u.preferred_language, None);
    for lang in ["fr", "fr", "ar"] {
        s.set_preferred_language(u.id, lang, AuditContext::by(u.id, NOW))
            .await
            .unwrap();
    }
    let read = s.user(u.id).await.unwrap();
    assert_eq!(read.preferred_language.as_deref(), Some("ar"));
    let by_name = s.user_by_username(&u.username).await.unwrap().unwrap();
    assert_eq!(by_name.preferred_language.as_deref(), Some("ar"));
    // Choosing the language already chosen is not a change.
    let language_changes = changed_fields(s, "user", &u.id.to_string())
        .await
        .into_iter()
        .filter(|f| f == "preferred_language")
        .count();
    assert_eq!(language_changes, 2);
    let unknown = UserId(uuid::Uuid::new_v4());
    assert!(matches!(
        s.set_preferred_language(unknown, "fr", AuditContext::by(u.id, NOW))
            .await,
        Err(store::StoreError::NotFound)
    ));
}

async fn replies_to_posts_are_kept_once_per_key_and_route_for_a_day(s: &Arc<dyn Store>) {
    let office = s
        .ensure_office(&OfficeCode::parse("rpl").unwrap(), "Replies")
        .await
        .unwrap();
    let u = user(s, "rpl.cm", Role::CaseManager, Some(office.id)).await;
    let other = user(s, "rpl.other", Role::CaseManager, Some(office.id)).await;
    let created = Reply {
        status: 303,
        location: Some("/cases/1".into()),
        content_type: None,
        body: Vec::new(),
    };
    assert_eq!(s.reply(u.id, "k1", "POST /cases").await.unwrap(), None);
    s.keep_reply(u.id, "k1", "POST /cases", created.clone(), NOW)
        .await
        .unwrap();
    // The first reply kept wins.
    let later = Reply {
        location: Some("/cases/2".into()),
        ..created.clone()
    };
    s.keep_reply(u.id, "k1", "POST /cases", later, NOW)
        .await
        .unwrap();
    assert_eq!(
        s.reply(u.id, "k1", "POST /cases").await.unwrap(),
        Some(created.clone())
    );
    // Only for that user, that key and that route.
    assert_eq!(s.reply(other.id, "k1", "POST /cases").await.unwrap(), None);
    assert_eq!(s.reply(u.id, "k2", "POST /cases").await.unwrap(), None);
    assert_eq!(s.reply(u.id, "k1", "POST /other").await.unwrap(), None);
    // A day later it is forgotten.
    let json = Reply {
        status: 201,
        location: None,
        content_type: Some("application/json".into()),
        body: br#"{"id":1}"#.to_vec(),
    };
    s.keep_reply(
        u.id,
        "k3",
        "POST /api",
        json.clone(),
        NOW + time::Duration::days(2),
    )
    .await
    .unwrap();
    assert_eq!(s.reply(u.id, "k1", "POST /cases").await.unwrap(), None);
    assert_eq!(s.reply(u.id, "k3", "POST /api").await.unwrap(), Some(json));
}

/// Two copies of one post (possibly at two servers): the first claims it, the second waits,
/// then gets the first's reply; a refused post's claim is released; an abandoned claim passes on.
async fn copies_of_a_post_are_answered_once(s: &Arc<dyn Store>) {
    let office = s
        .ensure_office(&OfficeCode::parse("clm").unwrap(), "Claims")
        .await
        .unwrap();
    let u = user(s, "clm.cm", Role::CaseManager, Some(office.id)).await;
    let claim = |key: &'static str, at| {
        let s = s.clone();
        async move { s.claim_reply(u.id, key, "POST /cases", at).await.unwrap() }
    };
    assert_eq!(claim("c1", NOW).await, ReplyClaim::Mine);
    assert_eq!(claim("c1", NOW).await, ReplyClaim::InProgress);
    // Nothing to replay while it is being answered.
    assert_eq!(s.reply(u.id, "c1", "POST /cases").await.unwrap(), None);
    let created = Reply {
        status: 303,
        location: Some("/cases/9".into()),
        content_type: None,
        body: Vec::new(),
    };
    s.keep_reply(u.id, "c1", "POST /cases", created.clone(), NOW)
        .await
        .unwrap();
    assert_eq!(claim("c1", NOW).await, ReplyClaim::Answered(created));
    // A refused post keeps nothing: its claim is released and the corrected copy runs.
    assert_eq!(claim("c2", NOW).await, ReplyClaim::Mine);
    s.release_reply(u.id, "c2", "POST /cases").await.unwrap();
    assert_eq!(claim("c2", NOW).await, ReplyClaim::Mine);
    // A claim whose server stopped answering passes on after ten minutes, not before.
    assert_eq!(
        claim("c2", NOW + time::Duration::minutes(9)).await,
        ReplyClaim::InProgress
    );
    assert_eq!(
        claim("c2", NOW + time::Duration::minutes(11)).await,
        ReplyClaim::Mine
    );
}

async fn offices_and_users(s: &Arc<dyn Store>) {
    let code = OfficeCode::parse("ofa").unwrap();
    let a = s.ensure_office(&code, "Office A").await.unwrap();
    let again = s.ensure_office(&code, "ignored").await.unwrap();
    assert_eq!(a, again, "ensuring an existing office returns it unchanged");
    assert_eq!(s.office_by_code(&code).await.unwrap(), Some(a.clone()));
    assert_eq!(s.office(a.id).await.unwrap(), a);
    let u = user(s, "ofa.cm", Role::CaseManager, Some(a.id)).await;
    assert_eq!(s.user(u.id).await.unwrap().username.as_str(), "ofa.cm");
    let dup = s
        .create_user(
            NewUser {
                username: Username::parse("ofa.cm").unwrap(),
                display_name: "x".into(),
                role: Role::Viewer,
                office: None,
                password_hash: "h".into(),
                must_change_password: false,
            },
            AuditContext::system(NOW, "test"),
        )
        .await;
    assert!(matches!(dup, Err(StoreError::Duplicate("username"))));
    assert!(
        s.case_managers(Some(a.id))
            .await
            .unwrap()
            .iter()
            .any(|m| m.id == u.id)
    );
    let audit = s
        .audit_for_record(
            record_type::USER,
            &u.id.to_string(),
            AuditScope::ChangesAndViews,
        )
        .await
        .unwrap();
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0].action, AuditAction::Create);
}

async fn office_lookups_and_listing(s: &Arc<dyn Store>) {
    let code = OfficeCode::parse("OFL").unwrap();
    assert_eq!(s.office_by_code(&code).await.unwrap(), None);
    let before = s.list_offices().await.unwrap();
    assert!(before.iter().all(|o| o.code != code));
    let created = s.ensure_office(&code, "Office L").await.unwrap();
    assert_eq!((&created.code, created.name.as_str()), (&code, "Office L"));
    assert!(
        !created.self_approval,
        "offices start without self-approval"
    );
    let after = s.list_offices().await.unwrap();
    assert_eq!(after.len(), before.len() + 1);
    assert_eq!(
        after.iter().find(|o| o.code == code),
        Some(&created),
        "the list holds the office as stored"
    );
    assert!(matches!(
        s.office(OfficeId::new()).await,
        Err(StoreError::NotFound)
    ));
}

async fn users_counted_listed_and_found_by_name(s: &Arc<dyn Store>) {
    let before = s.count_users().await.unwrap();
    let name = Username::parse("cnt.viewer").unwrap();
    assert!(s.user_by_username(&name).await.unwrap().is_none());
    let u = user(s, "cnt.viewer", Role::Viewer, None).await;
    assert_eq!(s.count_users().await.unwrap(), before + 1);
    assert_eq!(
        (u.display_name.as_str(), u.role),
        ("CNT.VIEWER", Role::Viewer)
    );
    assert!(!u.disabled && !u.must_change_password);
    assert_eq!(u.created_at, NOW);
    let found = s.user_by_username(&name).await.unwrap().unwrap();
    assert_eq!((found.id, found.password_hash.as_str()), (u.id, "hash"));
    // A refused duplicate adds nobody.
    let dup = s
        .create_user(
            NewUser {
                username: name.clone(),
                display_name: "Again".into(),
                role: Role::Viewer,
                office: None,
                password_hash: "h".into(),
                must_change_password: false,
            },
            AuditContext::system(NOW, "test"),
        )
        .await;
    assert!(matches!(dup, Err(StoreError::Duplicate("username"))));
    assert_eq!(s.count_users().await.unwrap(), before + 1);
    let all = s.list_users().await.unwrap();
    assert_eq!(all.len() as u64, before + 1);
    assert_eq!(all.iter().filter(|x| x.id == u.id).count(), 1);
    assert!(matches!(
        s.user(UserId::new()).await,
        Err(StoreError::NotFound)
    ));
}

async fn case_managers_are_active_case_managers_of_the_office(s: &Arc<dyn Store>) {
    let a = super::office(s, "CMA").await;
    let b = super::office(s, "CMB").await;
    let cm_a = user(s, "cma.cm", Role::CaseManager, Some(a.id)).await;
    let cm_b = user(s, "cmb.cm", Role::CaseManager, Some(b.id)).await;
    let viewer = user(s, "cma.viewer", Role::Viewer, Some(a.id)).await;
    let ids = |users: Vec<User>| users.into_iter().map(|u| u.id).collect::<Vec<_>>();
    assert_eq!(ids(s.case_managers(Some(a.id)).await.unwrap()), [cm_a.id]);
    let everywhere = ids(s.case_managers(None).await.unwrap());
    assert!(everywhere.contains(&cm_a.id) && everywhere.contains(&cm_b.id));
    assert!(!everywhere.contains(&viewer.id), "only case managers");
}

async fn sessions_tokens_and_throttling(s: &Arc<dyn Store>) {
    let u = user(s, "sess.user", Role::Viewer, None).await;
    for t in ["s1", "s2"] {
        s.create_session(NewSession {
            token_hash: t.into(),
            user: u.id,
            csrf_token: "c".into(),
            at: NOW,
        })
        .await
        .unwrap();
    }
    let (sess, who) = s.session("s1").await.unwrap().unwrap();
    assert_eq!((sess.user, who.id), (u.id, u.id));
    s.touch_session("s1", NOW + time::Duration::minutes(5))
        .await
        .unwrap();
    let (sess, _) = s.session("s1").await.unwrap().unwrap();
    assert_eq!(sess.last_seen_at, NOW + time::Duration::minutes(5));
    // Changing the password ends the other sessions but keeps the current one.
    s.set_password(
        u.id,
        "new".into(),
        false,
        Some("s1"),
        AuditContext::by(u.id, NOW),
    )
    .await
    .unwrap();
    assert!(s.session("s1").await.unwrap().is_some());
    assert!(s.session("s2").await.unwrap().is_none());
    s.delete_session("s1").await.unwrap();
    assert!(s.session("s1").await.unwrap().is_none());

    let key = "account:sess.user".to_string();
    s.record_login_failure(&[key.clone(), "address:127.0.0.1".into()], NOW)
        .await
        .unwrap();
    s.record_login_failure(std::slice::from_ref(&key), NOW - time::Duration::hours(1))
        .await
        .unwrap();
    assert_eq!(
        s.count_login_failures(&key, NOW - time::Duration::minutes(15))
            .await
            .unwrap(),
        1
    );
    s.clear_login_failures(&key).await.unwrap();
    assert_eq!(
        s.count_login_failures(&key, NOW - time::Duration::days(1))
            .await
            .unwrap(),
        0
    );

    let t = s
        .create_api_token(
            NewApiToken {
                user: u.id,
                name: "laptop".into(),
                token_hash: "th".into(),
                kind: TokenKind::Api,
            },
            AuditContext::by(u.id, NOW),
        )
        .await
        .unwrap();
    assert_eq!(
        s.user_by_api_token("th", TokenKind::Api, NOW)
            .await
            .unwrap()
            .unwrap()
            .1
            .id,
        u.id
    );
    // An API token never opens what a device token opens, nor the other way round.
    assert!(
        s.user_by_api_token("th", TokenKind::Device, NOW)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        s.user_by_api_token("other", TokenKind::Api, NOW)
            .await
            .unwrap()
            .is_none()
    );
    s.revoke_api_token(u.id, t.id, AuditContext::by(u.id, NOW))
        .await
        .unwrap();
    assert!(
        s.user_by_api_token("th", TokenKind::Api, NOW)
            .await
            .unwrap()
            .is_none()
    );
    assert!(matches!(
        s.revoke_api_token(u.id, t.id, AuditContext::by(u.id, NOW))
            .await,
        Err(StoreError::NotFound)
    ));
    assert!(s.api_tokens(u.id).await.unwrap()[0].revoked_at.is_some());
}

async fn password_change_is_stored_audited_and_ends_sessions(s: &Arc<dyn Store>) {
    let u = user(s, "pwd.user", Role::Viewer, None).await;
    let other = user(s, "pwd.other", Role::Viewer, None).await;
    for (t, who) in [("p1", u.id), ("p2", u.id), ("p3", other.id)] {
        s.create_session(NewSession {
            token_hash: t.into(),
            user: who,
            csrf_token: format!("csrf-{t}"),
            at: NOW,
        })
        .await
        .unwrap();
    }
    let (sess, who) = s.session("p3").await.unwrap().unwrap();
    assert_eq!(
        (sess.csrf_token.as_str(), sess.created_at),
        ("csrf-p3", NOW)
    );
    assert_eq!(who.username.as_str(), "pwd.other");
    // A reset by an administrator keeps no session of the user, and touches nobody else's.
    s.set_password(
        u.id,
        "reset-hash".into(),
        true,
        None,
        AuditContext::system(NOW, "reset"),
    )
    .await
    .unwrap();
    assert!(s.session("p1").await.unwrap().is_none());
    assert!(s.session("p2").await.unwrap().is_none());
    assert!(s.session("p3").await.unwrap().is_some());
    let stored = s.user(u.id).await.unwrap();
    assert_eq!(stored.password_hash, "reset-hash");
    assert!(stored.must_change_password);
    let audit = s
        .audit_for_record(record_type::USER, &u.id.to_string(), AuditScope::Changes)
        .await
        .unwrap();
    assert_eq!(audit.len(), 2, "created, then the password changed");
    assert_eq!(audit[1].action, AuditAction::PasswordChange);
    assert_eq!(audit[1].reason.as_deref(), Some("reset"));
    assert!(audit[1].changes.iter().any(|c| c.field == "password"));
    assert!(
        audit[1]
            .changes
            .iter()
            .all(|c| c.after.as_deref() != Some("reset-hash")),
        "the hash is not copied into the audit trail"
    );
}

async fn api_tokens_record_use_belong_to_their_user_and_are_audited(s: &Arc<dyn Store>) {
    let owner = user(s, "tok.owner", Role::Viewer, None).await;
    let stranger = user(s, "tok.stranger", Role::Viewer, None).await;
    let t = s
        .create_api_token(
            NewApiToken {
                user: owner.id,
                name: "script".into(),
                token_hash: "tok-hash".into(),
                kind: TokenKind::Device,
            },
            AuditContext::by(owner.id, NOW),
        )
        .await
        .unwrap();
    assert_eq!(
        (t.user, t.name.as_str(), t.kind),
        (owner.id, "script", TokenKind::Device)
    );
    assert_eq!((t.last_used_at, t.revoked_at), (None, None));
    assert!(s.api_tokens(stranger.id).await.unwrap().is_empty());
    // Using the token is recorded on it.
    let later = NOW + time::Duration::hours(2);
    let who = s
        .user_by_api_token("tok-hash", TokenKind::Device, later)
        .await
        .unwrap();
    assert_eq!(who.map(|(_, u)| u.id), Some(owner.id));
    let listed = s.api_tokens(owner.id).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!((listed[0].id, listed[0].last_used_at), (t.id, Some(later)));
    // Nobody revokes another user's token.
    assert!(matches!(
        s.revoke_api_token(stranger.id, t.id, AuditContext::by(stranger.id, NOW))
            .await,
        Err(StoreError::NotFound)
    ));
    assert!(
        s.user_by_api_token("tok-hash", TokenKind::Device, later)
            .await
            .unwrap()
            .is_some()
    );
    s.revoke_api_token(owner.id, t.id, AuditContext::by(owner.id, later))
        .await
        .unwrap();
    assert_eq!(
        s.api_tokens(owner.id).await.unwrap()[0].revoked_at,
        Some(later)
    );
    let actions: Vec<_> = s
        .audit_for_record(
            record_type::API_TOKEN,
            &t.id.to_string(),
            AuditScope::Changes,
        )
        .await
        .unwrap()
        .into_iter()
        .map(|e| (e.action, e.actor))
        .collect();
    assert_eq!(
        actions,
        [
            (AuditAction::TokenCreate, Some(owner.id)),
            (AuditAction::TokenRevoke, Some(owner.id))
        ]
    );
}
