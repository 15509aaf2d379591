//! The case list in pages found from a place (keyset pagination): going forward, no case is
//! skipped or shown twice while cases are registered between pages, whatever the order; going
//! back gives the same pages again.

use std::collections::BTreeSet;
use std::sync::Arc;

use domain::{CaseId, Role};
use store::*;
use time::macros::date;

use super::{everyone, new_case, profile, user};

/// Registers a case of office PAGE with a family name and return date made from `i`.
async fn register(
    s: &Arc<dyn Store>,
    office: domain::OfficeId,
    cm: domain::UserId,
    i: u32,
) -> CaseId {
    // Names and dates interleave: new cases land between those already paged through.
    let mut p = profile(
        &format!("Given{i:03}"),
        &format!("Page{:03}", (i * 37) % 101),
    );
    p.return_date = date!(2025 - 01 - 01) + time::Duration::days(i64::from((i * 53) % 200));
    new_case(s, office, cm, p).await.id
}

pub async fn run(s: Arc<dyn Store>) {
    let office = super::office(&s, "PAGE").await;
    let cm = user(&s, "pages.cm", Role::CaseManager, Some(office.id)).await;
    let mut registered = 0;
    for _ in 0..30 {
        register(&s, office.id, cm.id, registered).await;
        registered += 1;
    }
    let orders = [
        (CaseSort::Updated, true),
        (CaseSort::Name, false),
        (CaseSort::Name, true),
        (CaseSort::ReturnDate, false),
        (CaseSort::Number, true),
    ];
    for (sort, descending) in orders {
        let mut q = CaseQuery::new(everyone());
        q.office = Some(office.id);
        (q.sort, q.descending, q.per_page) = (sort, descending, 7);
        let before: BTreeSet<CaseId> = {
            let mut all = q.clone();
            all.per_page = 200;
            s.list_cases(&all)
                .await
                .unwrap()
                .items
                .iter()
                .map(|c| c.id)
                .collect()
        };
        let mut seen: Vec<CaseId> = Vec::new();
        loop {
            let page = s.list_cases(&q).await.unwrap();
            seen.extend(page.items.iter().map(|c| c.id));
            // Two more returnees between each page and the next.
            for _ in 0..2 {
                register(&s, office.id, cm.id, registered).await;
                registered += 1;
            }
            match page.next {
                Some(next) => q.from = PageFrom::After(next),
                None => break,
            }
        }
        let distinct: BTreeSet<CaseId> = seen.iter().copied().collect();
        assert_eq!(distinct.len(), seen.len(), "{sort:?}: a case shown twice");
        assert!(
            before.is_subset(&distinct),
            "{sort:?} {descending}: {} of the cases there at the start were skipped",
            before.difference(&distinct).count()
        );

        // With nothing registered meanwhile, going back from the last page gives each page
        // of a walk forward again, exactly.
        q.from = PageFrom::First;
        let mut forward: Vec<Vec<CaseId>> = Vec::new();
        loop {
            let page = s.list_cases(&q).await.unwrap();
            forward.push(page.items.iter().map(|c| c.id).collect());
            match page.next {
                Some(next) => q.from = PageFrom::After(next),
                None => break,
            }
        }
        let mut backward = vec![forward.last().unwrap().clone()];
        while let Some(first) = backward.last().unwrap().first().copied() {
            q.from = PageFrom::Before(first);
            let page = s.list_cases(&q).await.unwrap();
            backward.push(page.items.iter().map(|c| c.id).collect());
            if page.previous.is_none() {
                break;
            }
        }
        backward.reverse();
        assert_eq!(backward, forward, "{sort:?} {descending}");
    }
    // A place that no longer exists is not guessed at.
    let mut q = CaseQuery::new(everyone());
    q.from = PageFrom::After(CaseId::new());
    assert!(matches!(s.list_cases(&q).await, Err(StoreError::NotFound)));
}
