use super::*;

/// What to count for an indicator: its computation, over which dates, broken down by an axis or
/// not, in an office or all.
#[derive(Clone, Debug)]
pub struct TallyQuery {
    pub computation: domain::me::Computation,
    pub from: Date,
    pub to: Date,
    pub axis: Option<domain::me::Axis>,
    pub office: Option<OfficeId>,
    /// The programme's offices (`None`: all; an empty list counts nothing).
    pub offices: Option<Vec<OfficeId>>,
    /// The programme's countries of return (empty: all), compared without case.
    pub countries: Vec<String>,
    pub age_bands: domain::me::AgeBands,
}

/// One cell: a period, the group of the axis (`None` without an axis, or when unknown), and the
/// counts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TallyRow {
    pub period: String,
    pub group: Option<String>,
    pub tally: domain::me::Tally,
}

/// A cell whose count differs from a recount of the records.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TallyDifference {
    pub cell: domain::me::tallies::Cell,
    pub kept: i64,
    pub recounted: i64,
}

impl std::fmt::Display for TallyDifference {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let c = &self.cell;
        write!(
            f,
            "{} {} office {} country {:?} {} {:?} step {}: kept {}, recounted {}",
            c.frequency.as_str(),
            c.period,
            c.office,
            c.country,
            c.axis,
            c.group,
            c.bucket,
            self.kept,
            self.recounted
        )
    }
}

/// An indicator's figures and where they were read from.
#[derive(Clone, Debug, PartialEq)]
pub struct TallyAnswer {
    pub rows: Vec<TallyRow>,
    pub counted: Counted,
}

/// Where an indicator's figures come from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Counted {
    /// From the survey tallies alone.
    Tallies,
    /// From the tallies, but for these periods: the programme's dates cut them and surveys fall
    /// in the part cut off, so they were counted from the surveys.
    TalliesAndRecords { periods: Vec<String> },
    /// From the records: the tallies do not keep what the indicator asks for (the reason).
    Records { reason: String },
}

/// What an open case's follow-up is worked out from: its return, whether the trafficking
/// timeline applies, when its first approved plan was agreed, the visits recorded and the
/// surveys scored.
#[derive(Clone, Debug, PartialEq)]
pub struct FollowUpFacts {
    pub case: CaseId,
    pub office_code: String,
    pub return_date: Date,
    pub trafficking_victim: bool,
    pub plan_agreed: Option<Date>,
    pub visits: Vec<(Option<domain::pathway::followup::VisitKey>, Date)>,
    pub surveys: Vec<(domain::rss::Round, Date)>,
}

/// The mean value of one survey question among the returnees of a province, from each
/// returnee's latest survey.
#[derive(Clone, Debug, PartialEq)]
pub struct ItemMean {
    pub province: String,
    pub question: u8,
    pub name: String,
    pub mean: Option<f64>,
    /// Returnees whose latest survey holds the question.
    pub returnees: u64,
    /// Of them, those whose answer has a value (not "don't know", refused or skipped): the
    /// people the mean describes.
    pub answered: u64,
}

/// How many returnees of a survey round have a composite score in one tenth of the scale
/// (`tenth` 0 for 0–0.1 … 9 for 0.9–1).
#[derive(Clone, Debug, PartialEq)]
pub struct ScoreBin {
    pub round: domain::rss::Round,
    pub tenth: u8,
    pub returnees: u64,
}

/// The surveys as the dashboards show them (see `Store::survey_summary`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SurveySummary {
    pub means: Vec<RoundMeans>,
    pub bins: Vec<ScoreBin>,
    /// Per round, the returnees below, within and above the support bands' limits.
    pub bands: Vec<(domain::rss::Round, [u64; 3])>,
}

/// One sent referral: when it was sent and when the provider first answered it (accepted,
/// declined, or went straight to starting or completing), if it has.
#[derive(Clone, Debug, PartialEq)]
pub struct AnswerTime {
    pub provider_name: String,
    pub sent_at: OffsetDateTime,
    pub answered_at: Option<OffsetDateTime>,
}

/// Average survey scores of one round, for the dashboards.
#[derive(Clone, Debug, PartialEq)]
pub struct RoundMeans {
    pub round: domain::rss::Round,
    pub surveys: u64,
    /// Distinct returnees surveyed in the round.
    pub returnees: u64,
    pub economic: Option<f64>,
    pub social: Option<f64>,
    pub psychosocial: Option<f64>,
    pub composite: Option<f64>,
}
