//! The follow-up schedule (Module 2 §2.3.3). Monitoring runs from the date the plan is agreed:
//! a mid-term visit six months on and a final one about twelve months after that, both
//! programme-configurable. Victims of trafficking are seen more often, counted from their
//! return: every month for the first three months, twice between months three and nine, and
//! once more in month twelve.

use serde::{Deserialize, Serialize};
use time::{Date, Duration};

use crate::case::named_enum;
use crate::rss::add_months;
use crate::validation::ValidationErrors;

use super::{ContactMode, check_long, check_not_future};

/// The programme's monitoring rhythm.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct FollowUpConfig {
    /// Months from the plan to the mid-term monitoring visit.
    pub midterm_months: u32,
    /// Months from the mid-term visit to the final monitoring visit.
    pub final_after_midterm_months: u32,
}

impl Default for FollowUpConfig {
    fn default() -> Self {
        Self {
            midterm_months: 6,
            final_after_midterm_months: 12,
        }
    }
}

impl FollowUpConfig {
    pub fn check(&self) -> Result<(), ValidationErrors> {
        let mut e = ValidationErrors::new();
        if !(1..=24).contains(&self.midterm_months) {
            e.add("midterm_months", "error-months-range");
        }
        if !(1..=24).contains(&self.final_after_midterm_months) {
            e.add("final_after_midterm_months", "error-months-range");
        }
        e.into_result(())
    }
}

named_enum!(
    /// A scheduled follow-up visit.
    VisitKey {
        Midterm = "midterm",
        Final = "final",
        TraffickingMonth1 = "vot_month_1",
        TraffickingMonth2 = "vot_month_2",
        TraffickingMonth3 = "vot_month_3",
        TraffickingMonth6 = "vot_month_6",
        TraffickingMonth9 = "vot_month_9",
        TraffickingMonth12 = "vot_month_12",
    }
);

impl VisitKey {
    /// Days either side of the due date within which a visit counts as on time. Monthly
    /// visits get a week; the others a month.
    pub fn tolerance_days(self) -> i64 {
        match self {
            VisitKey::TraffickingMonth1
            | VisitKey::TraffickingMonth2
            | VisitKey::TraffickingMonth3 => 7,
            _ => 30,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct DueVisit {
    pub key: VisitKey,
    #[serde(with = "crate::case::date")]
    #[schema(value_type = String, format = Date)]
    pub due: Date,
}

impl DueVisit {
    pub fn opens(&self) -> Date {
        self.due - Duration::days(self.key.tolerance_days())
    }
    pub fn overdue_after(&self) -> Date {
        self.due + Duration::days(self.key.tolerance_days())
    }
}

/// The visits a returnee should have. Plan-based visits appear once the plan is agreed; the
/// trafficking timeline runs from the return date whatever the plan's state. The twice-in-months
/// three-to-nine visits are placed in months six and nine, which keeps a three-monthly rhythm
/// after month three.
pub fn schedule(
    config: FollowUpConfig,
    plan_agreed: Option<Date>,
    return_date: Date,
    trafficking_victim: bool,
) -> Vec<DueVisit> {
    let mut out = Vec::new();
    if trafficking_victim {
        for (key, months) in [
            (VisitKey::TraffickingMonth1, 1),
            (VisitKey::TraffickingMonth2, 2),
            (VisitKey::TraffickingMonth3, 3),
            (VisitKey::TraffickingMonth6, 6),
            (VisitKey::TraffickingMonth9, 9),
            (VisitKey::TraffickingMonth12, 12),
        ] {
            out.push(DueVisit {
                key,
                due: add_months(return_date, months),
            });
        }
    }
    if let Some(plan) = plan_agreed {
        let midterm = add_months(plan, config.midterm_months);
        out.push(DueVisit {
            key: VisitKey::Midterm,
            due: midterm,
        });
        out.push(DueVisit {
            key: VisitKey::Final,
            due: add_months(midterm, config.final_after_midterm_months),
        });
    }
    out.sort_by_key(|v| v.due);
    out
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case", tag = "state")]
pub enum VisitState {
    /// A visit was recorded for it.
    Done {
        #[serde(with = "crate::case::date")]
        #[schema(value_type = String, format = Date)]
        on: Date,
    },
    Upcoming,
    /// Inside its window now.
    Due,
    Overdue,
}

/// The state of each scheduled visit, given the visits recorded (which scheduled visit each
/// one was for, and when it took place).
pub fn visit_states(
    due: &[DueVisit],
    recorded: &[(Option<VisitKey>, Date)],
    today: Date,
) -> Vec<(DueVisit, VisitState)> {
    due.iter()
        .map(|v| {
            let done = recorded
                .iter()
                .filter(|(k, _)| *k == Some(v.key))
                .map(|(_, d)| *d)
                .max();
            let state = match done {
                Some(on) => VisitState::Done { on },
                None if today > v.overdue_after() => VisitState::Overdue,
                None if today >= v.opens() => VisitState::Due,
                None => VisitState::Upcoming,
            };
            (*v, state)
        })
        .collect()
}

/// The scheduled visit a contact on `date` most likely was: the one not yet recorded whose
/// window holds the date, else the earliest one already overdue by then (a visit done late).
/// `None` — an additional contact — when the date comes before every window still open: a
/// visit whose window opens months later is not proposed.
pub fn proposed_for(states: &[(DueVisit, VisitState)], date: Date) -> Option<VisitKey> {
    let open: Vec<&DueVisit> = states
        .iter()
        .filter(|(_, s)| !matches!(s, VisitState::Done { .. }))
        .map(|(v, _)| v)
        .collect();
    open.iter()
        .find(|v| v.opens() <= date && date <= v.overdue_after())
        .or_else(|| {
            open.iter()
                .filter(|v| date > v.overdue_after())
                .min_by_key(|v| v.due)
        })
        .map(|v| v.key)
}

/// A follow-up contact with the returnee.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct FollowUpVisit {
    #[serde(with = "crate::case::date")]
    #[schema(value_type = String, format = Date)]
    pub date: Date,
    pub mode: ContactMode,
    /// The scheduled visit this was, or `None` for an additional contact.
    #[serde(default)]
    pub scheduled: Option<VisitKey>,
    /// Progress, challenges and opportunities found.
    pub findings: String,
    /// Whether the W model was used with the returnee at this visit.
    #[serde(default)]
    pub w_model_used: bool,
    /// Changes to the plan agreed at the visit (they are made by amending the plan).
    #[serde(default)]
    pub plan_changes: String,
    /// Sent to record the visit as `scheduled` although its window had not opened on `date`
    /// (see [`outside_window`]); never kept.
    #[serde(default, skip_serializing)]
    #[schema(write_only)]
    pub confirm_outside_window: bool,
}

/// Whether recording a contact on `date` as the scheduled visit `key` needs confirming: the
/// visit is not on the schedule, or its window had not opened yet. A visit done late (after its
/// window) is simply late, and needs no confirmation.
pub fn outside_window(schedule: &[DueVisit], key: VisitKey, date: Date) -> bool {
    schedule
        .iter()
        .find(|v| v.key == key)
        .is_none_or(|v| date < v.opens())
}

impl FollowUpVisit {
    /// The visit as it is kept: its free text without surrounding blanks.
    pub fn normalised(self) -> Self {
        Self {
            findings: self.findings.trim().to_string(),
            plan_changes: self.plan_changes.trim().to_string(),
            ..self
        }
    }

    pub fn check(&self, today: Date) -> Result<(), ValidationErrors> {
        let mut e = ValidationErrors::new();
        check_not_future(&mut e, "date", self.date, today);
        check_long(&mut e, "findings", &self.findings, true);
        check_long(&mut e, "plan_changes", &self.plan_changes, false);
        e.into_result(())
    }

    /// Against the case's schedule: a scheduled visit recorded before its window opens is
    /// confirmed as such, or recorded as an additional contact.
    pub fn check_window(&self, schedule: &[DueVisit]) -> Result<(), ValidationErrors> {
        let mut e = ValidationErrors::new();
        if let Some(key) = self.scheduled
            && !self.confirm_outside_window
            && outside_window(schedule, key, self.date)
        {
            e.add("scheduled", "error-visit-outside-window");
        }
        e.into_result(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn plan_based_visits_at_six_and_eighteen_months() {
        let s = schedule(
            FollowUpConfig::default(),
            Some(date!(2026 - 02 - 15)),
            date!(2026 - 01 - 20),
            false,
        );
        assert_eq!(
            s,
            vec![
                DueVisit {
                    key: VisitKey::Midterm,
                    due: date!(2026 - 08 - 15)
                },
                DueVisit {
                    key: VisitKey::Final,
                    due: date!(2027 - 08 - 15)
                },
            ]
        );
        assert!(
            schedule(
                FollowUpConfig::default(),
                None,
                date!(2026 - 01 - 20),
                false
            )
            .is_empty()
        );
        let custom = FollowUpConfig {
            midterm_months: 3,
            final_after_midterm_months: 9,
        };
        let s = schedule(
            custom,
            Some(date!(2026 - 02 - 15)),
            date!(2026 - 01 - 20),
            false,
        );
        assert_eq!(s[0].due, date!(2026 - 05 - 15));
        assert_eq!(s[1].due, date!(2027 - 02 - 15));
        assert!(
            FollowUpConfig {
                midterm_months: 0,
                final_after_midterm_months: 12
            }
            .check()
            .is_err()
        );
    }

    #[test]
    fn trafficking_victims_follow_the_return_date_and_month_ends_clamp() {
        let s = schedule(FollowUpConfig::default(), None, date!(2026 - 01 - 31), true);
        let dues: Vec<_> = s.iter().map(|v| v.due).collect();
        assert_eq!(
            dues,
            vec![
                date!(2026 - 02 - 28),
                date!(2026 - 03 - 31),
                date!(2026 - 04 - 30),
                date!(2026 - 07 - 31),
                date!(2026 - 10 - 31),
                date!(2027 - 01 - 31),
            ]
        );
        // Six visits in the first year: monthly for three months, two between months three and
        // nine, one in month twelve.
        assert_eq!(s.len(), 6);
        assert!(
            s.iter()
                .filter(|v| v.due > dues[2] && v.due <= dues[4])
                .count()
                == 2
        );
        // With a plan, both timelines are merged in date order.
        let both = schedule(
            FollowUpConfig::default(),
            Some(date!(2026 - 02 - 20)),
            date!(2026 - 01 - 31),
            true,
        );
        assert_eq!(both.len(), 8);
        assert!(both.windows(2).all(|w| w[0].due <= w[1].due));
    }

    #[test]
    fn states_at_the_window_edges() {
        let due = [DueVisit {
            key: VisitKey::TraffickingMonth1,
            due: date!(2026 - 03 - 10),
        }];
        let at = |d| visit_states(&due, &[], d)[0].1;
        assert_eq!(at(date!(2026 - 03 - 02)), VisitState::Upcoming);
        assert_eq!(at(date!(2026 - 03 - 03)), VisitState::Due);
        assert_eq!(at(date!(2026 - 03 - 17)), VisitState::Due);
        assert_eq!(at(date!(2026 - 03 - 18)), VisitState::Overdue);
        let done = visit_states(
            &due,
            &[
                (None, date!(2026 - 03 - 01)),
                (Some(VisitKey::TraffickingMonth1), date!(2026 - 03 - 12)),
            ],
            date!(2026 - 06 - 01),
        );
        assert_eq!(
            done[0].1,
            VisitState::Done {
                on: date!(2026 - 03 - 12)
            }
        );
        assert_eq!(proposed_for(&done, date!(2026 - 03 - 20)), None);
    }

    #[test]
    fn a_contact_is_proposed_as_the_visit_whose_window_holds_its_date() {
        let return_date = date!(2026 - 02 - 10);
        let due = schedule(FollowUpConfig::default(), None, return_date, true);
        let states = |today| visit_states(&due, &[], today);
        // Ten days after return: the first visit's window (a month, ± 7 days) is not open yet.
        let early = date!(2026 - 02 - 20);
        assert_eq!(proposed_for(&states(early), early), None);
        // Inside the first window.
        let first = date!(2026 - 03 - 12);
        assert_eq!(
            proposed_for(&states(first), first),
            Some(VisitKey::TraffickingMonth1)
        );
        // After the first window, before the second opens: the first, done late.
        let late = date!(2026 - 03 - 25);
        assert_eq!(
            proposed_for(&states(late), late),
            Some(VisitKey::TraffickingMonth1)
        );
        // Once the first is recorded, a date before the second window proposes nothing.
        let after = visit_states(&due, &[(Some(VisitKey::TraffickingMonth1), first)], late);
        assert_eq!(proposed_for(&after, late), None);
    }

    #[test]
    fn a_visit_before_its_window_is_confirmed_first() {
        let s = schedule(
            FollowUpConfig::default(),
            Some(date!(2026 - 02 - 15)),
            date!(2026 - 01 - 10),
            false,
        );
        let midterm = s.iter().find(|v| v.key == VisitKey::Midterm).unwrap();
        let mut v = FollowUpVisit {
            date: date!(2026 - 03 - 01),
            mode: ContactMode::Phone,
            scheduled: Some(VisitKey::Midterm),
            findings: "Fine".into(),
            w_model_used: false,
            plan_changes: String::new(),
            confirm_outside_window: false,
        };
        assert!(
            v.check_window(&s).is_err(),
            "months before the window opens"
        );
        v.confirm_outside_window = true;
        assert!(v.check_window(&s).is_ok(), "confirmed");
        v.confirm_outside_window = false;
        v.date = midterm.overdue_after() + time::Duration::days(30);
        assert!(v.check_window(&s).is_ok(), "late is simply late");
        v.scheduled = Some(VisitKey::TraffickingMonth1);
        assert!(v.check_window(&s).is_err(), "not on this case's schedule");
        v.scheduled = None;
        assert!(v.check_window(&s).is_ok(), "an additional contact");
    }
}
