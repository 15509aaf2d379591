//! When each survey round is due, counted from the date of return (handbook Module 5: baseline at
//! month 0–1, intermediate at month 6–9, final at month 12–18; Module 2: every three months when
//! the survey is the plan's baseline).

use serde::{Deserialize, Serialize};
use time::{Date, Duration, Month};

#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Round {
    Baseline,
    Intermediate,
    Final,
    /// The three-monthly survey that tracks progress against the baseline.
    FollowUp,
    AdHoc,
}

impl Round {
    pub const ALL: [Round; 5] = [
        Round::Baseline,
        Round::Intermediate,
        Round::Final,
        Round::FollowUp,
        Round::AdHoc,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Round::Baseline => "baseline",
            Round::Intermediate => "intermediate",
            Round::Final => "final",
            Round::FollowUp => "follow_up",
            Round::AdHoc => "ad_hoc",
        }
    }
    pub fn parse(s: &str) -> Option<Round> {
        Round::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "state", content = "on")]
pub enum RoundState {
    /// A scored survey of this round exists (the date of the latest).
    Done(Date),
    /// The window has not opened yet.
    NotYet,
    /// The window is open.
    Due,
    /// The window has closed without a survey; it should still be done.
    Overdue,
    /// The window closed and a later round's window has opened: this round was skipped.
    Missed,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct RoundStatus {
    pub round: Round,
    pub state: RoundState,
    pub opens: Date,
    /// The last day of the window.
    pub closes: Date,
}

/// `date` plus `months` calendar months, the day kept where it exists (31 January + 1 month is
/// the last day of February).
pub fn add_months(date: Date, months: u32) -> Date {
    let total = date.year() * 12 + i32::from(u8::from(date.month())) - 1 + months as i32;
    let year = total.div_euclid(12);
    let month = Month::try_from(u8::try_from(total.rem_euclid(12) + 1).unwrap_or(1))
        .unwrap_or(Month::January);
    let last = time::util::days_in_month(month, year);
    Date::from_calendar_date(year, month, date.day().min(last)).unwrap_or(date)
}

/// Grace given to a three-monthly survey before it counts as overdue.
const FOLLOW_UP_GRACE_MONTHS: u32 = 1;

/// The state of every scheduled round for a returnee, given the scored surveys so far
/// (round and interview date). Ad hoc rounds can happen at any time and are not scheduled.
pub fn schedule(return_date: Date, today: Date, scored: &[(Round, Date)]) -> Vec<RoundStatus> {
    let latest = |round: Round| {
        scored
            .iter()
            .filter(|(r, _)| *r == round)
            .map(|(_, d)| *d)
            .max()
    };
    let window = |from: u32, to: u32| {
        (
            add_months(return_date, from),
            add_months(return_date, to) - Duration::days(1),
        )
    };
    let fixed = [
        (Round::Baseline, window(0, 1), Some(6)),
        (Round::Intermediate, window(6, 9), Some(12)),
        (Round::Final, window(12, 18), None),
    ];
    let mut out = Vec::new();
    for (round, (opens, closes), next_opens) in fixed {
        let state = match latest(round) {
            Some(d) => RoundState::Done(d),
            None if today < opens => RoundState::NotYet,
            None if today <= closes => RoundState::Due,
            None if next_opens.is_some_and(|m| today >= add_months(return_date, m)) => {
                RoundState::Missed
            }
            None => RoundState::Overdue,
        };
        out.push(RoundStatus {
            round,
            state,
            opens,
            closes,
        });
    }
    // Once a baseline exists, progress is tracked every three months from the latest survey of
    // any round, until the final round is done.
    if latest(Round::Baseline).is_some()
        && latest(Round::Final).is_none()
        && let Some(last) = scored.iter().map(|(_, d)| *d).max()
    {
        let opens = add_months(last, 3);
        let closes = add_months(opens, FOLLOW_UP_GRACE_MONTHS) - Duration::days(1);
        let state = if today < opens {
            RoundState::NotYet
        } else if today <= closes {
            RoundState::Due
        } else {
            RoundState::Overdue
        };
        out.push(RoundStatus {
            round: Round::FollowUp,
            state,
            opens,
            closes,
        });
    }
    out
}

/// The round a new survey most likely belongs to: the first one due or overdue, else ad hoc.
pub fn due_round(statuses: &[RoundStatus]) -> Round {
    statuses
        .iter()
        .find(|s| matches!(s.state, RoundState::Due | RoundState::Overdue))
        .map(|s| s.round)
        .unwrap_or(Round::AdHoc)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn state(s: &[RoundStatus], r: Round) -> Option<RoundState> {
        s.iter().find(|x| x.round == r).map(|x| x.state)
    }

    #[test]
    fn months_are_calendar_months() {
        assert_eq!(add_months(date!(2026 - 01 - 31), 1), date!(2026 - 02 - 28));
        assert_eq!(add_months(date!(2026 - 11 - 15), 3), date!(2027 - 02 - 15));
        assert_eq!(add_months(date!(2024 - 02 - 29), 12), date!(2025 - 02 - 28));
    }

    #[test]
    fn windows_follow_the_handbook() {
        let back = date!(2026 - 01 - 10);
        let s = schedule(back, date!(2026 - 01 - 20), &[]);
        assert_eq!(state(&s, Round::Baseline), Some(RoundState::Due));
        assert_eq!(state(&s, Round::Intermediate), Some(RoundState::NotYet));
        assert_eq!(s[1].opens, date!(2026 - 07 - 10));
        assert_eq!(s[1].closes, date!(2026 - 10 - 09));
        assert_eq!(s[2].opens, date!(2027 - 01 - 10));
        assert_eq!(s[2].closes, date!(2027 - 07 - 09));
        assert_eq!(due_round(&s), Round::Baseline);

        // Two months after return, no baseline: overdue, still worth doing.
        let s = schedule(back, date!(2026 - 03 - 10), &[]);
        assert_eq!(state(&s, Round::Baseline), Some(RoundState::Overdue));
        // Once the intermediate window opens, a baseline never done was missed.
        let s = schedule(back, date!(2026 - 07 - 15), &[]);
        assert_eq!(state(&s, Round::Baseline), Some(RoundState::Missed));
        assert_eq!(state(&s, Round::Intermediate), Some(RoundState::Due));
        assert_eq!(due_round(&s), Round::Intermediate);
        // Past the final window: overdue.
        let s = schedule(back, date!(2027 - 08 - 01), &[]);
        assert_eq!(state(&s, Round::Final), Some(RoundState::Overdue));
    }

    #[test]
    fn a_baseline_starts_three_monthly_follow_up_until_the_final_round() {
        let back = date!(2026 - 01 - 10);
        let baseline = (Round::Baseline, date!(2026 - 01 - 25));
        let s = schedule(back, date!(2026 - 03 - 01), &[baseline]);
        assert_eq!(
            state(&s, Round::Baseline),
            Some(RoundState::Done(baseline.1))
        );
        let f = s.iter().find(|x| x.round == Round::FollowUp);
        assert_eq!(f.map(|f| f.opens), Some(date!(2026 - 04 - 25)));
        assert_eq!(f.map(|f| f.state), Some(RoundState::NotYet));
        let s = schedule(back, date!(2026 - 06 - 01), &[baseline]);
        assert_eq!(state(&s, Round::FollowUp), Some(RoundState::Overdue));
        assert_eq!(due_round(&s), Round::FollowUp);
        let done = [
            baseline,
            (Round::Intermediate, date!(2026 - 07 - 20)),
            (Round::Final, date!(2027 - 02 - 01)),
        ];
        let s = schedule(back, date!(2027 - 06 - 01), &done);
        assert_eq!(state(&s, Round::FollowUp), None);
        assert_eq!(due_round(&s), Round::AdHoc);
    }
}
