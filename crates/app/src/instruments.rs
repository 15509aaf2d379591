//! The handbook's instruments shipped with the release, and what a fresh programme starts
//! with (the feasibility grid of Annex 5).

use store::Store;

#[derive(Debug, thiserror::Error)]
pub enum InstallError {
    #[error("the shipped instrument {0} is invalid: {1}")]
    Instrument(&'static str, String),
    #[error(transparent)]
    Store(#[from] store::StoreError),
}

/// Brings a store up to what this release ships: its instruments and the default feasibility
/// grid (kept when the programme already has one).
pub async fn prepare(store: &dyn Store, now: time::OffsetDateTime) -> Result<(), InstallError> {
    install_shipped_forms(store).await?;
    store
        .seed_feasibility_grid(
            domain::pathway::feasibility::default_grid(),
            store::AuditContext::system(now, "shipped grid"),
        )
        .await?;
    Ok(())
}

/// Installs the instruments shipped in `instruments/` as published versions, once per version:
/// a new release that changes an instrument ships it with a new version number.
pub async fn install_shipped_forms(store: &dyn Store) -> Result<usize, InstallError> {
    let mut installed = 0;
    for (id, form) in ::forms::shipped::all() {
        let form = form.map_err(|p| {
            InstallError::Instrument(
                id,
                p.iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("; "),
            )
        })?;
        let definition = serde_json::to_string(&form)
            .map_err(|e| InstallError::Instrument(id, e.to_string()))?;
        let s = &form.settings;
        let new = store
            .install_shipped_form(
                store::NewFormVersion {
                    form_id: s.form_id.clone(),
                    version: s.version.clone(),
                    title: s.title.clone(),
                    definition,
                    origin: store::FormOrigin::Shipped,
                },
                store::AuditContext::system(time::OffsetDateTime::now_utc(), "shipped instrument"),
            )
            .await?;
        installed += usize::from(new);
    }
    if installed > 0 {
        tracing::info!(installed, "installed shipped instruments");
    }
    Ok(installed)
}
