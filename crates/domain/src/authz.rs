//! The one authorization decision. Every route asks [`authorize`] before it reads or changes
//! anything; list queries are narrowed with [`case_list_scope`], which is derived from the same
//! grants so a list never shows a case its reader could not open.
//!
//! The grants are documented in `docs/roles.md`; a test parses that table and compares it with
//! [`grant`], and the web tests walk every route × role against it.

use serde::{Deserialize, Serialize};

use crate::ids::{OfficeId, ProviderId, UserId};
use crate::role::Role;

/// Who is asking.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Actor {
    pub user_id: UserId,
    pub role: Role,
    /// `None` means national scope: every office.
    pub office: Option<OfficeId>,
    /// For partner accounts: the organisation on the service map they work for.
    pub organisation: Option<ProviderId>,
}

/// What they want to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Action {
    ListCases,
    ReadCase,
    CreateCase,
    UpdateCase,
    RecordConsent,
    ReadAudit,
    ManageUsers,
    ReadAggregates,
    /// See the form library: definitions, previews, XLSForm exports. No personal data.
    ReadForms,
    /// Upload, and publish form versions.
    ManageForms,
    /// Fill a form about a case (create and edit its submissions).
    FillForm,
    /// Read the sensitive notes of counselling sessions.
    ReadSensitiveNotes,
    /// Approve a reintegration plan or a closure, and reopen a closed case.
    ApprovePathway,
    /// Edit programme-wide settings: the feasibility grid, the follow-up rhythm, self-approval.
    ManageProgramme,
    /// See a referral and the parts of the case it shares.
    ReadReferral,
    /// Answer a referral for the provider: accept, decline, start, complete, give feedback.
    RespondReferral,
    /// Refer without consent under the handbook's exception (life at risk, unable to consent).
    OverrideReferralConsent,
    /// See the service map.
    ReadServices,
    /// Add and edit providers and services; accept or reject proposed updates.
    ManageServices,
    /// See the stakeholder map, without its sensitive columns.
    ReadStakeholders,
    /// See the sensitive columns of the stakeholder map.
    ReadSensitiveStakeholders,
    /// Add and edit stakeholders.
    ManageStakeholders,
    /// See communities, community projects and the structural records (capacity building,
    /// coordination, agreements, policy), with participants counted but not named.
    ReadCommunity,
    /// See who takes part in community projects and trainings, by name.
    ReadParticipants,
    /// Add and edit communities and community projects, their participants and visits.
    ManageCommunity,
    /// Add and edit capacity assessments and plans, trainings, coordination mechanisms and
    /// meetings, agreements and policy tracks.
    ManageStructural,
    /// Define programmes, their results framework and indicators, report values by hand, and
    /// record evaluations and lessons. Reading them is `aggregates.read`.
    ManageResults,
    /// Export records with the returnees' personal data (names, contacts) to a file, always
    /// encrypted with a passphrase.
    ExportPersonal,
    /// Export pseudonymised analysis files: a pseudonym for each returnee, nothing identifying.
    ExportPseudonymised,
    /// Import records in bulk from a file (returnees, survey results).
    ImportRecords,
    /// Read and handle the feedback and complaints left through the public page. Case managers
    /// never hold it: a complaint may be about them.
    HandleFeedback,
    /// See the duplicates queue, merge two cases of one person and undo a merge.
    MergeCases,
}

impl Action {
    pub const ALL: [Action; 32] = [
        Action::ListCases,
        Action::ReadCase,
        Action::CreateCase,
        Action::UpdateCase,
        Action::RecordConsent,
        Action::ReadAudit,
        Action::ManageUsers,
        Action::ReadAggregates,
        Action::ReadForms,
        Action::ManageForms,
        Action::FillForm,
        Action::ReadSensitiveNotes,
        Action::ApprovePathway,
        Action::ManageProgramme,
        Action::ReadReferral,
        Action::RespondReferral,
        Action::OverrideReferralConsent,
        Action::ReadServices,
        Action::ManageServices,
        Action::ReadStakeholders,
        Action::ReadSensitiveStakeholders,
        Action::ManageStakeholders,
        Action::ReadCommunity,
        Action::ReadParticipants,
        Action::ManageCommunity,
        Action::ManageStructural,
        Action::ManageResults,
        Action::ExportPersonal,
        Action::ExportPseudonymised,
        Action::ImportRecords,
        Action::HandleFeedback,
        Action::MergeCases,
    ];

    /// Name used in `docs/roles.md` and in audit entries.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::ListCases => "case.list",
            Action::ReadCase => "case.read",
            Action::CreateCase => "case.create",
            Action::UpdateCase => "case.update",
            Action::RecordConsent => "consent.record",
            Action::ReadAudit => "audit.read",
            Action::ManageUsers => "users.manage",
            Action::ReadAggregates => "aggregates.read",
            Action::ReadForms => "forms.read",
            Action::ManageForms => "forms.manage",
            Action::FillForm => "forms.fill",
            Action::ReadSensitiveNotes => "case.sensitive",
            Action::ApprovePathway => "pathway.approve",
            Action::ManageProgramme => "programme.manage",
            Action::ReadReferral => "referral.read",
            Action::RespondReferral => "referral.respond",
            Action::OverrideReferralConsent => "referral.override",
            Action::ReadServices => "services.read",
            Action::ManageServices => "services.manage",
            Action::ReadStakeholders => "stakeholders.read",
            Action::ReadSensitiveStakeholders => "stakeholders.sensitive",
            Action::ManageStakeholders => "stakeholders.manage",
            Action::ReadCommunity => "community.read",
            Action::ReadParticipants => "community.participants",
            Action::ManageCommunity => "community.manage",
            Action::ManageStructural => "structural.manage",
            Action::ManageResults => "results.manage",
            Action::ExportPersonal => "data.export",
            Action::ExportPseudonymised => "data.export-pseudonymised",
            Action::ImportRecords => "data.import",
            Action::HandleFeedback => "feedback.handle",
            Action::MergeCases => "case.merge",
        }
    }
}

/// How far a role's permission for an action reaches.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Grant {
    /// Not at all.
    No,
    /// Every record of every office.
    All,
    /// Records of the offices in the user's scope.
    Office,
    /// Records in scope that are not restricted.
    OfficeUnrestricted,
    /// Records in scope; restricted ones only when the case is assigned to the user.
    OfficeRestrictedIfAssigned,
    /// Only cases assigned to the user.
    Assigned,
    /// Cases assigned to the user, in an office that allows staff to approve their own work.
    AssignedWhereSelfApproval,
    /// Referrals to the user's own organisation, while the returnee's consent lets them be shared.
    OwnOrganisation,
}

impl Grant {
    /// The token used in `docs/roles.md`.
    pub fn as_str(self) -> &'static str {
        match self {
            Grant::No => "no",
            Grant::All => "all",
            Grant::Office => "office",
            Grant::OfficeUnrestricted => "office, unrestricted",
            Grant::OfficeRestrictedIfAssigned => "office, restricted if assigned",
            Grant::Assigned => "assigned",
            Grant::AssignedWhereSelfApproval => "assigned, if the office allows self-approval",
            Grant::OwnOrganisation => "own organisation, while shared",
        }
    }
}

/// Why a request about an existing record is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// The caller may know the record exists (they may read it) but may not do this to it.
    Forbidden,
    /// The caller may not even know the record exists: answered as "not found", so that
    /// identifiers cannot be probed.
    Hidden,
}

/// [`authorize`] for a request about an existing case or referral, telling a record the caller
/// may read but not change (forbidden) from one out of their reach altogether (hidden).
pub fn authorize_record(actor: &Actor, action: Action, resource: Resource) -> Result<(), Refusal> {
    if authorize(actor, action, resource).is_ok() {
        return Ok(());
    }
    let read = match resource {
        Resource::Case(_) => Action::ReadCase,
        // A referral sent to the partner's organisation stays listed to them after it stops
        // being shared (without personal data): they know it exists.
        Resource::Referral(r) if actor.organisation == Some(r.provider) => {
            return Err(Refusal::Forbidden);
        }
        Resource::Referral(_) => Action::ReadReferral,
        Resource::Programme | Resource::Office(_) => return Err(Refusal::Forbidden),
    };
    match authorize(actor, read, resource) {
        Ok(()) => Err(Refusal::Forbidden),
        Err(_) => Err(Refusal::Hidden),
    }
}

/// Whether a role may do an action to any record at all: what a route checks before its
/// handler runs. The handler's use case then checks the specific record.
pub fn may_attempt(role: Role, action: Action) -> bool {
    grant(role, action) != Grant::No
}

/// The matrix. Change it here and in `docs/roles.md` together: a test compares them.
pub fn grant(role: Role, action: Action) -> Grant {
    use Action::*;
    use Grant::*;
    match (role, action) {
        (Role::Admin, ListCases) => Office,
        (Role::Admin, ReadCase) => OfficeUnrestricted,
        (Role::Admin, ReadAudit | ManageUsers | ReadAggregates | ReadForms | ReadServices) => All,
        (Role::Admin, _) => No,

        (Role::ProgrammeManager, ManageUsers) => No,
        (Role::ProgrammeManager, _) => Office,

        (
            Role::CaseManager,
            ListCases | CreateCase | ReadAggregates | ReadForms | ReadServices | ReadStakeholders
            | ReadCommunity | ReadParticipants | ManageCommunity,
        ) => Office,
        (Role::CaseManager, ReadCase | ReadReferral) => OfficeRestrictedIfAssigned,
        (
            Role::CaseManager,
            UpdateCase | RecordConsent | FillForm | ReadSensitiveNotes | RespondReferral,
        ) => Assigned,
        (Role::CaseManager, ApprovePathway) => AssignedWhereSelfApproval,
        (Role::CaseManager, _) => No,

        (
            Role::MeOfficer,
            ListCases
            | ReadAggregates
            | ReadForms
            | ManageForms
            | ReadServices
            | ManageServices
            | ReadStakeholders
            | ReadSensitiveStakeholders
            | ReadCommunity
            | ReadParticipants
            | ManageCommunity
            | ManageStructural
            | ManageResults
            | ExportPseudonymised,
        ) => Office,
        (Role::MeOfficer, ReadCase) => OfficeUnrestricted,
        (Role::MeOfficer, _) => No,

        (Role::Partner, ReadReferral | RespondReferral) => OwnOrganisation,
        (Role::Partner, _) => No,

        (Role::Viewer, ReadAggregates | ReadCommunity) => All,
        (Role::Viewer, _) => No,
    }
}

/// What the action is about.
#[derive(Clone, Copy, Debug)]
pub enum Resource {
    /// Programme-wide: lists, aggregates, accounts.
    Programme,
    /// Something to be created in an office (a new case).
    Office(OfficeId),
    /// An existing case.
    Case(CaseAccess),
    /// A referral of a case to a provider.
    Referral(ReferralAccess),
}

/// The facts about a referral that decide who may see it: its case, the organisation it was
/// sent to, and whether the returnee's consent lets it be shared now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReferralAccess {
    pub case: CaseAccess,
    pub provider: ProviderId,
    pub shared: bool,
}

/// The facts about a case that decide who may touch it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CaseAccess {
    pub office: OfficeId,
    pub case_manager: Option<UserId>,
    pub restricted: bool,
    /// The case's office lets staff approve their own plans and closures (small offices).
    pub self_approval: bool,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("you do not have permission to do this")]
pub struct Forbidden;

fn in_scope(actor: &Actor, office: OfficeId) -> bool {
    actor.office.is_none_or(|own| own == office)
}

/// The decision. `Ok(())` means go ahead.
pub fn authorize(actor: &Actor, action: Action, resource: Resource) -> Result<(), Forbidden> {
    let resource = match resource {
        // Staff reach a referral through its case; only partners are judged on the referral.
        Resource::Referral(r) if grant(actor.role, action) != Grant::OwnOrganisation => {
            Resource::Case(r.case)
        }
        other => other,
    };
    let allowed = match (grant(actor.role, action), resource) {
        (Grant::No, _) => false,
        (Grant::OwnOrganisation, Resource::Referral(r)) => {
            r.shared && actor.organisation == Some(r.provider)
        }
        (Grant::OwnOrganisation, Resource::Case(_) | Resource::Office(_)) => false,
        (Grant::All, _) => true,
        // Programme-wide actions with an office-limited grant are allowed; what is shown is
        // narrowed to the scope by the caller (see `case_list_scope`).
        (_, Resource::Programme) => true,
        (Grant::Assigned, Resource::Office(o)) => in_scope(actor, o),
        (_, Resource::Office(o)) => in_scope(actor, o),
        (Grant::Office, Resource::Case(c)) => in_scope(actor, c.office),
        (Grant::OfficeUnrestricted, Resource::Case(c)) => {
            in_scope(actor, c.office) && !c.restricted
        }
        (Grant::OfficeRestrictedIfAssigned, Resource::Case(c)) => {
            in_scope(actor, c.office) && (!c.restricted || c.case_manager == Some(actor.user_id))
        }
        (Grant::Assigned, Resource::Case(c)) => {
            in_scope(actor, c.office) && c.case_manager == Some(actor.user_id)
        }
        (Grant::AssignedWhereSelfApproval, Resource::Case(c)) => {
            in_scope(actor, c.office) && c.case_manager == Some(actor.user_id) && c.self_approval
        }
        // Replaced by the case above.
        (_, Resource::Referral(_)) => false,
    };
    if allowed { Ok(()) } else { Err(Forbidden) }
}

/// Which cases a case list may show to this actor: exactly the cases [`authorize`] would let
/// them read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CaseListScope {
    /// `None`: every office.
    pub office: Option<OfficeId>,
    pub restricted: RestrictedVisibility,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RestrictedVisibility {
    All,
    None,
    AssignedTo(UserId),
}

impl CaseListScope {
    pub fn admits(&self, case: &CaseAccess) -> bool {
        self.office.is_none_or(|o| o == case.office)
            && match self.restricted {
                RestrictedVisibility::All => true,
                RestrictedVisibility::None => !case.restricted,
                RestrictedVisibility::AssignedTo(u) => {
                    !case.restricted || case.case_manager == Some(u)
                }
            }
    }
}

/// `None` when the actor may not list cases at all.
pub fn case_list_scope(actor: &Actor) -> Option<CaseListScope> {
    authorize(actor, Action::ListCases, Resource::Programme).ok()?;
    let (office, restricted) = match grant(actor.role, Action::ReadCase) {
        Grant::No => return None,
        Grant::All => (None, RestrictedVisibility::All),
        Grant::Office => (actor.office, RestrictedVisibility::All),
        Grant::OfficeUnrestricted => (actor.office, RestrictedVisibility::None),
        Grant::OwnOrganisation => return None,
        Grant::OfficeRestrictedIfAssigned | Grant::Assigned | Grant::AssignedWhereSelfApproval => (
            actor.office,
            RestrictedVisibility::AssignedTo(actor.user_id),
        ),
    };
    Some(CaseListScope { office, restricted })
}

/// Aggregates shown to this actor hide cells describing fewer people than this, so that no one
/// can be singled out. `None`: no suppression (staff who may see the records anyway).
pub fn small_cell_threshold(actor: &Actor) -> Option<u64> {
    match actor.role {
        Role::Viewer => Some(5),
        _ => None,
    }
}

/// Whether a count of `n` people is too small to show under `threshold` (an empty count never
/// is: nobody can be singled out from nobody).
pub fn is_small_cell(n: u64, threshold: Option<u64>) -> bool {
    threshold.is_some_and(|t| n > 0 && n < t)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn actor(role: Role, office: Option<OfficeId>) -> Actor {
        Actor {
            user_id: UserId::new(),
            role,
            office,
            organisation: None,
        }
    }

    #[test]
    fn a_record_out_of_reach_is_hidden_and_one_in_sight_is_forbidden() {
        let dakar = OfficeId::new();
        let cm = actor(Role::CaseManager, Some(dakar));
        let colleague = UserId::new();
        let case = |office, restricted| CaseAccess {
            office,
            case_manager: Some(colleague),
            restricted,
            self_approval: false,
        };
        let visible = Resource::Case(case(dakar, false));
        // A colleague's case in the same office: readable, not editable.
        assert_eq!(authorize_record(&cm, Action::ReadCase, visible), Ok(()));
        assert_eq!(
            authorize_record(&cm, Action::UpdateCase, visible),
            Err(Refusal::Forbidden)
        );
        // Another office's case, or a colleague's restricted one: not to be known of.
        for unknowable in [case(OfficeId::new(), false), case(dakar, true)] {
            assert_eq!(
                authorize_record(&cm, Action::UpdateCase, Resource::Case(unknowable)),
                Err(Refusal::Hidden)
            );
        }
        // A partner knows the referrals sent to their organisation, shared or not any more,
        // and nothing of anyone else's.
        let provider = ProviderId::new();
        let partner = Actor {
            organisation: Some(provider),
            ..actor(Role::Partner, Some(dakar))
        };
        let referral = |provider, shared| {
            Resource::Referral(ReferralAccess {
                case: case(dakar, false),
                provider,
                shared,
            })
        };
        assert_eq!(
            authorize_record(&partner, Action::ReadReferral, referral(provider, true)),
            Ok(())
        );
        assert_eq!(
            authorize_record(&partner, Action::ReadReferral, referral(provider, false)),
            Err(Refusal::Forbidden)
        );
        assert_eq!(
            authorize_record(
                &partner,
                Action::ReadReferral,
                referral(ProviderId::new(), true)
            ),
            Err(Refusal::Hidden)
        );
        // Nothing programme-wide is hidden.
        assert_eq!(
            authorize_record(&partner, Action::ManageUsers, Resource::Programme),
            Err(Refusal::Forbidden)
        );
        assert!(may_attempt(Role::Partner, Action::ReadReferral));
        assert!(!may_attempt(Role::Partner, Action::ReadCase));
    }

    /// Parses the matrix table of docs/roles.md: `| action | admin | programme-manager | … |`.
    fn documented_matrix() -> Vec<(String, Vec<(Role, String)>)> {
        let doc = include_str!("../../../docs/roles.md");
        let mut header: Vec<Role> = Vec::new();
        let mut rows = Vec::new();
        for line in doc.lines().map(str::trim).filter(|l| l.starts_with('|')) {
            let cells: Vec<String> = line
                .trim_matches('|')
                .split('|')
                .map(|c| c.trim().trim_matches('`').to_string())
                .collect();
            if cells[0] == "action" {
                header = cells[1..].iter().map(|c| c.parse().unwrap()).collect();
            } else if !header.is_empty() && Action::ALL.iter().any(|a| a.as_str() == cells[0]) {
                rows.push((
                    cells[0].clone(),
                    header
                        .iter()
                        .copied()
                        .zip(cells[1..].iter().cloned())
                        .collect(),
                ));
            }
        }
        rows
    }

    #[test]
    fn docs_roles_table_matches_the_code() {
        let rows = documented_matrix();
        assert_eq!(
            rows.len(),
            Action::ALL.len(),
            "every action is documented once"
        );
        for (action_name, cells) in rows {
            let action = *Action::ALL
                .iter()
                .find(|a| a.as_str() == action_name)
                .unwrap();
            assert_eq!(cells.len(), Role::ALL.len());
            for (role, cell) in cells {
                assert_eq!(
                    grant(role, action).as_str(),
                    cell,
                    "docs/roles.md disagrees with the code for {role} / {action_name}"
                );
            }
        }
    }

    #[test]
    fn office_scope_and_assignment_decide_case_access() {
        let dakar = OfficeId::new();
        let thies = OfficeId::new();
        let cm = actor(Role::CaseManager, Some(dakar));
        let own = CaseAccess {
            office: dakar,
            case_manager: Some(cm.user_id),
            restricted: true,
            self_approval: false,
        };
        let colleague = CaseAccess {
            case_manager: Some(UserId::new()),
            ..own
        };
        let elsewhere = CaseAccess {
            office: thies,
            ..own
        };
        assert!(authorize(&cm, Action::ReadCase, Resource::Case(own)).is_ok());
        assert!(authorize(&cm, Action::UpdateCase, Resource::Case(own)).is_ok());
        assert!(authorize(&cm, Action::ReadCase, Resource::Case(colleague)).is_err());
        let open_colleague = CaseAccess {
            restricted: false,
            ..colleague
        };
        assert!(authorize(&cm, Action::ReadCase, Resource::Case(open_colleague)).is_ok());
        assert!(authorize(&cm, Action::UpdateCase, Resource::Case(open_colleague)).is_err());
        assert!(authorize(&cm, Action::ReadCase, Resource::Case(elsewhere)).is_err());
        assert!(authorize(&cm, Action::CreateCase, Resource::Office(thies)).is_err());
        assert!(authorize(&cm, Action::CreateCase, Resource::Office(dakar)).is_ok());

        let national_pm = actor(Role::ProgrammeManager, None);
        assert!(authorize(&national_pm, Action::UpdateCase, Resource::Case(elsewhere)).is_ok());
        let viewer = actor(Role::Viewer, None);
        assert!(authorize(&viewer, Action::ReadCase, Resource::Case(open_colleague)).is_err());
        assert!(authorize(&viewer, Action::ReadAggregates, Resource::Programme).is_ok());
        let me = actor(Role::MeOfficer, Some(dakar));
        assert!(authorize(&me, Action::ReadCase, Resource::Case(own)).is_err());
        assert!(authorize(&me, Action::ReadCase, Resource::Case(open_colleague)).is_ok());
    }

    #[test]
    fn supervisors_approve_and_small_offices_may_self_approve() {
        let office = OfficeId::new();
        let cm = actor(Role::CaseManager, Some(office));
        let pm = actor(Role::ProgrammeManager, Some(office));
        let own = CaseAccess {
            office,
            case_manager: Some(cm.user_id),
            restricted: false,
            self_approval: false,
        };
        let approve = |a: &Actor, c| authorize(a, Action::ApprovePathway, Resource::Case(c));
        assert!(approve(&pm, own).is_ok());
        assert!(approve(&cm, own).is_err());
        let small = CaseAccess {
            self_approval: true,
            ..own
        };
        assert!(approve(&cm, small).is_ok());
        let colleague = CaseAccess {
            case_manager: Some(UserId::new()),
            ..small
        };
        assert!(approve(&cm, colleague).is_err());
        let me = actor(Role::MeOfficer, Some(office));
        assert!(approve(&me, small).is_err());
        assert!(authorize(&cm, Action::ReadSensitiveNotes, Resource::Case(own)).is_ok());
        assert!(authorize(&cm, Action::ReadSensitiveNotes, Resource::Case(colleague)).is_err());
        assert!(authorize(&me, Action::ReadSensitiveNotes, Resource::Case(own)).is_err());
    }

    #[test]
    fn partners_see_only_shared_referrals_to_their_own_organisation() {
        let office = OfficeId::new();
        let clinic = ProviderId::new();
        let mut partner = actor(Role::Partner, Some(office));
        partner.organisation = Some(clinic);
        let cm = actor(Role::CaseManager, Some(office));
        let case = CaseAccess {
            office,
            case_manager: Some(cm.user_id),
            restricted: true,
            self_approval: false,
        };
        let to_clinic = ReferralAccess {
            case,
            provider: clinic,
            shared: true,
        };
        let read = |a: &Actor, r| authorize(a, Action::ReadReferral, Resource::Referral(r));
        assert!(read(&partner, to_clinic).is_ok());
        assert!(
            authorize(
                &partner,
                Action::RespondReferral,
                Resource::Referral(to_clinic)
            )
            .is_ok()
        );
        let elsewhere = ReferralAccess {
            provider: ProviderId::new(),
            ..to_clinic
        };
        assert!(read(&partner, elsewhere).is_err());
        let withdrawn = ReferralAccess {
            shared: false,
            ..to_clinic
        };
        assert!(read(&partner, withdrawn).is_err());
        assert!(authorize(&partner, Action::ReadCase, Resource::Case(case)).is_err());
        assert!(authorize(&partner, Action::ReadServices, Resource::Programme).is_err());
        // Staff are judged on the case, whatever the provider or sharing state.
        assert!(read(&cm, withdrawn).is_ok());
        let other_cm = actor(Role::CaseManager, Some(office));
        assert!(read(&other_cm, to_clinic).is_err(), "restricted case");
        let me = actor(Role::MeOfficer, Some(office));
        assert!(read(&me, to_clinic).is_err());
        assert!(authorize(&me, Action::ReadSensitiveStakeholders, Resource::Programme).is_ok());
        assert!(authorize(&cm, Action::ReadSensitiveStakeholders, Resource::Programme).is_err());
        assert!(authorize(&cm, Action::OverrideReferralConsent, Resource::Case(case)).is_err());
        let pm = actor(Role::ProgrammeManager, Some(office));
        assert!(authorize(&pm, Action::OverrideReferralConsent, Resource::Case(case)).is_ok());
        assert_eq!(case_list_scope(&partner), None);
    }

    #[test]
    fn list_scope_admits_exactly_the_readable_cases() {
        let offices = [OfficeId::new(), OfficeId::new()];
        let mut actors = Vec::new();
        for role in Role::ALL {
            actors.push(actor(role, Some(offices[0])));
            actors.push(actor(role, None));
        }
        let mut cases = Vec::new();
        for office in offices {
            for restricted in [false, true] {
                cases.push(CaseAccess {
                    office,
                    case_manager: None,
                    restricted,
                    self_approval: false,
                });
                for a in &actors {
                    cases.push(CaseAccess {
                        office,
                        case_manager: Some(a.user_id),
                        restricted,
                        self_approval: false,
                    });
                }
            }
        }
        for a in &actors {
            let scope = case_list_scope(a);
            for c in &cases {
                let readable = authorize(a, Action::ReadCase, Resource::Case(*c)).is_ok();
                let listed = scope.is_some_and(|s| s.admits(c));
                assert_eq!(readable, listed, "{:?} on {:?}", a.role, c);
            }
        }
    }
}
