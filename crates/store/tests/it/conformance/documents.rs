//! `DocumentStore`: records of the community and structural levels and the results framework,
//! kept as typed documents, and the places cases returned to.

use std::sync::Arc;

use domain::case::CaseStage;
use domain::{CaseId, OfficeCode, Role};
use store::*;

use super::{NOW, profile, user};

pub async fn run(s: Arc<dyn Store>) {
    community_records(&s).await;
    documents_read_back_and_list_by_name(&s).await;
    a_case_finds_its_projects_newest_first(&s).await;
    places_of_return_are_counted_per_office(&s).await;
}

async fn community_records(s: &Arc<dyn Store>) {
    let office = s
        .ensure_office(&OfficeCode::parse("COM").unwrap(), "Community")
        .await
        .unwrap();
    let cm = user(s, "com.cm", Role::CaseManager, Some(office.id)).await;
    let by_cm = AuditContext::by(cm.id, NOW);
    let mut p = profile("Ousmane", "Sow");
    p.return_province = "Sédhiou".into();
    p.return_community = Some("Bounkiling".into());
    let case = s
        .create_case(
            NewCase {
                id: CaseId::new(),
                office: office.id,
                case_manager: Some(cm.id),
                profile: p,
                stage: CaseStage::Intake,
                consents: vec![],
            },
            by_cm.clone(),
        )
        .await
        .unwrap();

    let places = s.return_places(Some(office.id)).await.unwrap();
    assert_eq!(
        places,
        [ReturnPlace {
            province: "Sédhiou".into(),
            community: "Bounkiling".into(),
            cases: 1
        }]
    );
    let placed = s
        .cases_in_province(Some(office.id), "SEDHIOU")
        .await
        .unwrap();
    assert_eq!(placed.len(), 1, "province compared without accents or case");
    assert_eq!(placed[0].access.case_manager, Some(cm.id));

    let community = domain::DocumentId::new();
    let c = s
        .save_document(
            NewDocument {
                id: community,
                kind: DocKind::Community,
                parent: None,
                office: Some(office.id),
                name: "Bounkiling".into(),
                body: r#"{"name":"Bounkiling","province":"Sédhiou"}"#.into(),
                cases: vec![],
            },
            None,
            by_cm.clone(),
        )
        .await
        .unwrap();
    assert_eq!((c.version, c.office), (1, Some(office.id)));

    // A project with the returnee taking part: the case finds it, and its timeline says so.
    let project = domain::DocumentId::new();
    let new_project = |cases: Vec<CaseId>| NewDocument {
        id: project,
        kind: DocKind::Project,
        parent: Some(community),
        office: Some(office.id),
        name: "Rice cooperative".into(),
        body: r#"{"name":"Rice cooperative","kind":"collective_income"}"#.into(),
        cases,
    };
    s.save_document(new_project(vec![case.id]), None, by_cm.clone())
        .await
        .unwrap();
    assert_eq!(
        s.documents(DocKind::Project, Some(community))
            .await
            .unwrap()
            .len(),
        1
    );
    assert!(
        s.documents(DocKind::Project, Some(project))
            .await
            .unwrap()
            .is_empty()
    );
    let of_case = s.documents_of_case(case.id).await.unwrap();
    assert_eq!(of_case.len(), 1);
    assert_eq!(of_case[0].parent, Some(community));

    // Stale versions are refused; the returnee leaving is recorded on the case too.
    assert!(matches!(
        s.save_document(new_project(vec![]), Some(9), by_cm.clone())
            .await,
        Err(StoreError::Conflict)
    ));
    let saved = s
        .save_document(new_project(vec![]), Some(1), by_cm.clone())
        .await
        .unwrap();
    assert_eq!(saved.version, 2);
    assert_eq!(saved.updated_by.as_deref(), Some("COM.CM"));
    assert!(s.documents_of_case(case.id).await.unwrap().is_empty());
    let trail = s
        .audit_for_record("case", &case.id.to_string(), AuditScope::Changes)
        .await
        .unwrap();
    let project_changes: Vec<_> = trail
        .iter()
        .flat_map(|e| &e.changes)
        .filter(|c| c.field == "community_project")
        .collect();
    assert_eq!(project_changes.len(), 2, "joined, then left");
    assert_eq!(
        project_changes[1].before.as_deref(),
        Some("Rice cooperative")
    );
    let own = s
        .audit_for_record("project", &project.to_string(), AuditScope::Changes)
        .await
        .unwrap();
    assert_eq!(own.len(), 2);

    // Forms can be about a community.
    let subject = Subject::Document(community);
    assert!(s.submissions_for(subject).await.unwrap().is_empty());
}

async fn documents_read_back_and_list_by_name(s: &Arc<dyn Store>) {
    let office = super::office(s, "DOC").await;
    let pm = user(s, "doc.pm", Role::ProgrammeManager, Some(office.id)).await;
    let at = |m: i64| AuditContext::by(pm.id, NOW + time::Duration::minutes(m));
    assert!(matches!(
        s.document(domain::DocumentId::new()).await,
        Err(StoreError::NotFound)
    ));
    let programme = domain::DocumentId::new();
    let saved = s
        .save_document(
            NewDocument {
                id: programme,
                kind: DocKind::Programme,
                parent: None,
                office: None,
                name: "Conformance programme".into(),
                body: r#"{"name":"Conformance programme"}"#.into(),
                cases: vec![],
            },
            None,
            at(0),
        )
        .await
        .unwrap();
    let read = s.document(programme).await.unwrap();
    assert_eq!(read.id, programme);
    assert_eq!(
        (read.kind, read.parent, read.office),
        (DocKind::Programme, None, None)
    );
    assert_eq!(read.name, "Conformance programme");
    assert_eq!(read.body, r#"{"name":"Conformance programme"}"#);
    assert_eq!(
        (read.version, read.created_at, read.updated_at),
        (1, NOW, NOW)
    );
    assert_eq!(read.updated_by.as_deref(), Some("DOC.PM"));
    assert_eq!(saved.body, read.body);
    // Results of the programme, listed by name whatever the order they were added in.
    for (m, name) in [
        (1, "Zero hunger"),
        (2, "Access to jobs"),
        (3, "Mental health"),
    ] {
        s.save_document(
            NewDocument {
                id: domain::DocumentId::new(),
                kind: DocKind::Result,
                parent: Some(programme),
                office: None,
                name: name.into(),
                body: format!(r#"{{"statement":"{name}"}}"#),
                cases: vec![],
            },
            None,
            at(m),
        )
        .await
        .unwrap();
    }
    let names: Vec<_> = s
        .documents(DocKind::Result, Some(programme))
        .await
        .unwrap()
        .into_iter()
        .map(|d| d.name)
        .collect();
    assert_eq!(names, ["Access to jobs", "Mental health", "Zero hunger"]);
    assert!(
        s.documents(DocKind::Programme, None)
            .await
            .unwrap()
            .iter()
            .any(|d| d.id == programme)
    );
    // A replacement at the current version bumps it; the record keeps its creation.
    let replaced = s
        .save_document(
            NewDocument {
                id: programme,
                kind: DocKind::Programme,
                parent: None,
                office: None,
                name: "Renamed programme".into(),
                body: r#"{"name":"Renamed programme"}"#.into(),
                cases: vec![],
            },
            Some(1),
            at(5),
        )
        .await
        .unwrap();
    assert_eq!(
        (replaced.version, replaced.name.as_str()),
        (2, "Renamed programme")
    );
    assert_eq!(
        (replaced.created_at, replaced.updated_at),
        (NOW, NOW + time::Duration::minutes(5))
    );
    let trail = s
        .audit_for_record("programme", &programme.to_string(), AuditScope::Changes)
        .await
        .unwrap();
    assert_eq!(trail.len(), 2);
    assert!(
        trail[1]
            .changes
            .iter()
            .any(|c| c.field == "name" && c.after.as_deref() == Some("Renamed programme")),
        "{:?}",
        trail[1].changes
    );
}

async fn a_case_finds_its_projects_newest_first(s: &Arc<dyn Store>) {
    let office = super::office(s, "PRJ").await;
    let cm = user(s, "prj.cm", Role::CaseManager, Some(office.id)).await;
    let case = super::new_case(s, office.id, cm.id, profile("Lamine", "Badji")).await;
    let bystander = super::new_case(s, office.id, cm.id, profile("Moussa", "Badji")).await;
    let community = domain::DocumentId::new();
    s.save_document(
        NewDocument {
            id: community,
            kind: DocKind::Community,
            parent: None,
            office: Some(office.id),
            name: "Diouloulou".into(),
            body: r#"{"name":"Diouloulou"}"#.into(),
            cases: vec![],
        },
        None,
        AuditContext::by(cm.id, NOW),
    )
    .await
    .unwrap();
    let mut projects = Vec::new();
    for (h, name) in [(1, "Fish drying"), (2, "Bakery")] {
        let id = domain::DocumentId::new();
        s.save_document(
            NewDocument {
                id,
                kind: DocKind::Project,
                parent: Some(community),
                office: Some(office.id),
                name: name.into(),
                body: format!(r#"{{"name":"{name}"}}"#),
                cases: vec![case.id],
            },
            None,
            AuditContext::by(cm.id, NOW + time::Duration::hours(h)),
        )
        .await
        .unwrap();
        projects.push(id);
    }
    let of_case: Vec<_> = s
        .documents_of_case(case.id)
        .await
        .unwrap()
        .into_iter()
        .map(|d| d.id)
        .collect();
    assert_eq!(of_case, [projects[1], projects[0]], "newest first");
    assert!(s.documents_of_case(bystander.id).await.unwrap().is_empty());
    assert!(s.documents_of_case(CaseId::new()).await.unwrap().is_empty());
    let joined = super::changed_fields(s, record_type::CASE, &case.id.to_string()).await;
    assert_eq!(
        joined.iter().filter(|f| *f == "community_project").count(),
        2
    );
}

async fn places_of_return_are_counted_per_office(s: &Arc<dyn Store>) {
    let a = super::office(s, "PLA").await;
    let b = super::office(s, "PLB").await;
    let cm = user(s, "pla.cm", Role::CaseManager, Some(a.id)).await;
    let placed = |given: &str, province: &str, community: Option<&str>| {
        let mut p = profile(given, "Coly");
        p.return_province = province.into();
        p.return_community = community.map(Into::into);
        p
    };
    super::new_case(
        s,
        a.id,
        cm.id,
        placed("Awa", "Ziguinchor", Some("Oussouye")),
    )
    .await;
    super::new_case(
        s,
        a.id,
        cm.id,
        placed("Bineta", "Ziguinchor", Some("Oussouye")),
    )
    .await;
    super::new_case(
        s,
        a.id,
        cm.id,
        placed("Coura", "Ziguinchor", Some("Bignona")),
    )
    .await;
    super::new_case(s, a.id, cm.id, placed("Dieynaba", "Ziguinchor", None)).await;
    let other = super::new_case(
        s,
        b.id,
        cm.id,
        placed("Eva", "ZIGUINCHOR", Some("Oussouye")),
    )
    .await;
    let mut places = s.return_places(Some(a.id)).await.unwrap();
    places.sort_by(|x, y| x.community.cmp(&y.community));
    assert_eq!(
        places,
        [
            ReturnPlace {
                province: "Ziguinchor".into(),
                community: "Bignona".into(),
                cases: 1
            },
            ReturnPlace {
                province: "Ziguinchor".into(),
                community: "Oussouye".into(),
                cases: 2
            }
        ],
        "a case without a community is no place"
    );
    let in_a = s.cases_in_province(Some(a.id), "ziguinchor").await.unwrap();
    assert_eq!(in_a.len(), 4);
    assert!(in_a.iter().all(|c| c.access.office == a.id));
    let everywhere = s.cases_in_province(None, "Ziguinchor").await.unwrap();
    assert!(everywhere.iter().any(|c| c.id == other.id));
    assert_eq!(
        everywhere
            .iter()
            .filter(|c| c.family_name == "Coly")
            .count(),
        5
    );
    assert!(
        s.cases_in_province(Some(a.id), "Kolda")
            .await
            .unwrap()
            .is_empty()
    );
}
