//! The community and structural levels in the JSON API: communities, community projects and
//! their participants, capacity assessments, trainings, coordination mechanisms and meetings,
//! agreements. Same functions and authorization as the pages (`app::community`): projects
//! carry counts of participants, and names only come from the participants route, to readers
//! allowed to see them.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use domain::ValidationErrors;
use domain::authz::Actor;
use domain::community::{
    Community, LifecycleStep, MonitoringVisit, ParticipantKind, ParticipantMix, ParticipantRole,
    Project, ProjectParticipant, ProjectRefusal, ProjectStatus, Screening, StageDecision,
};
use domain::structural::{
    Agreement, CapacityAssessment, CapacityPlan, Mechanism, Meeting, PolicyTrack, Training,
};
use domain::{DocumentId, StakeholderId};
use serde::{Deserialize, Serialize};
use time::Date;
use utoipa::ToSchema;

use super::ApiJson;
use crate::AppState;
use crate::auth::ApiCaller;
use crate::error::AppError;
use app::community::{self as cm, Doc, Place, Record};

macro_rules! doc_json {
    ($(#[$doc:meta])* $name:ident, $t:ty) => {
        $(#[$doc])*
        #[derive(Serialize, ToSchema)]
        pub struct $name {
            pub id: String,
            pub version: i64,
            #[serde(flatten)]
            pub body: $t,
        }

        impl From<Doc<$t>> for $name {
            fn from(d: Doc<$t>) -> Self {
                Self {
                    id: d.rec.id.to_string(),
                    version: d.rec.version,
                    body: d.body,
                }
            }
        }
    };
}

doc_json!(CommunityJson, Community);
doc_json!(CapacityAssessmentJson, CapacityAssessment);
doc_json!(MechanismJson, Mechanism);
doc_json!(MeetingJson, Meeting);
doc_json!(AgreementJson, Agreement);
doc_json!(CapacityPlanJson, CapacityPlan);
doc_json!(PolicyTrackJson, PolicyTrack);
doc_json!(
    /// A training; its participants are listed only for readers allowed to see names.
    TrainingJson,
    Training
);

macro_rules! versioned {
    ($(#[$doc:meta])* $name:ident, $field:ident, $t:ty) => {
        $(#[$doc])*
        #[derive(Deserialize, ToSchema)]
        pub struct $name {
            /// The version the change is based on; a stale version is refused with 409.
            pub version: i64,
            pub $field: $t,
        }
    };
}

versioned!(CommunityUpdate, community, Community);
versioned!(
    /// The project's own fields; its screening, selection, lifecycle and participants are
    /// changed by their own steps and kept as they are.
    ProjectUpdate,
    project,
    Project
);
versioned!(CapacityAssessmentUpdate, assessment, CapacityAssessment);
versioned!(TrainingUpdate, training, Training);
versioned!(MechanismUpdate, mechanism, Mechanism);
versioned!(
    /// The whole meeting: an action point is marked done by sending it with `done_on`.
    MeetingUpdate,
    meeting,
    Meeting
);
versioned!(AgreementUpdate, agreement, Agreement);
versioned!(CapacityPlanUpdate, plan, CapacityPlan);
versioned!(PolicyTrackUpdate, track, PolicyTrack);

fn invalid(field: &str, code: &'static str) -> AppError {
    let mut e = ValidationErrors::new();
    e.add(field, code);
    AppError::validation(e)
}

/// Every organisation named must be on the stakeholder map.
async fn known(
    state: &AppState,
    ids: impl IntoIterator<Item = StakeholderId>,
) -> Result<(), AppError> {
    let all = app::lookups::stakeholder_list(state).await?;
    for id in ids {
        if !all.iter().any(|s| s.id == id) {
            return Err(invalid("stakeholder", "error-choice"));
        }
    }
    Ok(())
}

mod communities;
mod projects;
mod structural;

pub use communities::*;
pub use projects::*;
pub use structural::*;
