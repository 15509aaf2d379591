//! What several parts of one page read: read once for the page. A case page's panels each
//! need the case's submissions, its scored surveys or the service map; asked through the
//! [`App`] of one page ([`App::for_one_page`]), each is read from the database once and shared.
//! Nothing is kept beyond the page: the next request reads afresh.

use std::collections::HashMap;
use std::sync::Mutex;

use domain::CaseId;
use store::{RssScore, ServiceRecord, Subject, Submission};

use crate::{App, Error};

#[derive(Default)]
pub struct PageReads {
    submissions: Mutex<HashMap<String, Vec<Submission>>>,
    scores: Mutex<HashMap<CaseId, Vec<RssScore>>>,
    services: Mutex<Option<Vec<ServiceRecord>>>,
}

/// The value kept under `key`, or read by `read` and kept.
async fn kept<K: std::hash::Hash + Eq, V: Clone>(
    map: Option<&Mutex<HashMap<K, V>>>,
    key: K,
    read: impl std::future::Future<Output = Result<V, Error>>,
) -> Result<V, Error> {
    let Some(map) = map else {
        return read.await;
    };
    if let Some(v) = map.lock().ok().and_then(|m| m.get(&key).cloned()) {
        return Ok(v);
    }
    let v = read.await?;
    if let Ok(mut m) = map.lock() {
        m.insert(key, v.clone());
    }
    Ok(v)
}

impl App {
    /// The same application, sharing what one page's parts read.
    pub fn for_one_page(&self) -> App {
        App {
            page_reads: Some(std::sync::Arc::default()),
            ..self.clone()
        }
    }

    /// The submissions about a subject (read once per page).
    pub(crate) async fn submissions_about(
        &self,
        subject: Subject,
    ) -> Result<Vec<Submission>, Error> {
        let reads = self.page_reads.as_deref();
        kept(
            reads.map(|r| &r.submissions),
            format!("{subject:?}"),
            async { Ok(self.store.submissions_for(subject).await?) },
        )
        .await
    }

    /// A returnee's scored surveys (read once per page).
    pub(crate) async fn scores_of_case(&self, case: CaseId) -> Result<Vec<RssScore>, Error> {
        let reads = self.page_reads.as_deref();
        kept(reads.map(|r| &r.scores), case, async {
            Ok(self.store.rss_scores(case).await?)
        })
        .await
    }

    /// Keeps a case's submissions and scored surveys read together elsewhere (the pathway's
    /// one read), for the page's other parts.
    pub(crate) fn remember_case_reads(
        &self,
        case: CaseId,
        submissions: &[Submission],
        scores: &[RssScore],
    ) {
        let Some(r) = self.page_reads.as_deref() else {
            return;
        };
        if let Ok(mut m) = r.submissions.lock() {
            m.insert(format!("{:?}", Subject::Case(case)), submissions.to_vec());
        }
        if let Ok(mut m) = r.scores.lock() {
            m.insert(case, scores.to_vec());
        }
    }

    /// The service map (read once per page).
    pub(crate) async fn service_map(&self) -> Result<Vec<ServiceRecord>, Error> {
        if let Some(r) = self.page_reads.as_deref()
            && let Some(v) = r.services.lock().ok().and_then(|s| s.clone())
        {
            return Ok(v);
        }
        let v = self.store.services().await?;
        if let Some(r) = self.page_reads.as_deref()
            && let Ok(mut s) = r.services.lock()
        {
            *s = Some(v.clone());
        }
        Ok(v)
    }
}
