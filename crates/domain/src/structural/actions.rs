use super::*;

/// Something agreed, owned by someone, tracked until done: meeting action points and the
/// steps of a capacity-building plan.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ActionPoint {
    /// Given by the server when a new one is sent without it.
    #[serde(default = "uuid::Uuid::new_v4")]
    pub id: uuid::Uuid,
    pub text: String,
    #[serde(default)]
    pub owner: String,
    #[serde(default, with = "crate::case::opt_date")]
    #[schema(value_type = Option<String>, format = Date)]
    pub due: Option<Date>,
    #[serde(default, with = "crate::case::opt_date")]
    #[schema(value_type = Option<String>, format = Date)]
    pub done_on: Option<Date>,
    #[serde(default)]
    pub note: String,
}

pub const MAX_ACTION_POINTS: usize = 100;

/// Fields of the structural records that name people (who else attended a meeting, who owns
/// an action point): kept from readers who may not see participants, like the trainee lists.
pub const NAMES_OF_PEOPLE: [&str; 2] = ["other_attendees", "owner"];

/// Clears who owns each action point, for readers who may not see names.
pub fn hide_owners(points: &mut [ActionPoint]) {
    for p in points {
        p.owner.clear();
    }
}

impl ActionPoint {
    pub fn validate(&self) -> ValidationErrors {
        let mut e = ValidationErrors::new();
        check_text(&mut e, "text", &self.text, true, MAX_LONG_TEXT);
        check_text(&mut e, "owner", &self.owner, false, MAX_SHORT_TEXT);
        check_text(&mut e, "note", &self.note, false, MAX_LONG_TEXT);
        e
    }
    pub fn is_done(&self) -> bool {
        self.done_on.is_some()
    }
    pub fn is_overdue(&self, today: Date) -> bool {
        !self.is_done() && self.due.is_some_and(|d| d < today)
    }
}

/// Open, done and overdue action points.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct ActionProgress {
    pub total: usize,
    pub done: usize,
    pub overdue: usize,
}

impl ActionProgress {
    pub fn of<'a>(points: impl Iterator<Item = &'a ActionPoint>, today: Date) -> Self {
        let mut p = ActionProgress::default();
        for a in points {
            p.total += 1;
            p.done += usize::from(a.is_done());
            p.overdue += usize::from(a.is_overdue(today));
        }
        p
    }
    pub fn open(&self) -> usize {
        self.total - self.done
    }
}

/// Marks an action point done (or reopens it, with `None`).
pub fn set_done(points: &mut [ActionPoint], id: uuid::Uuid, on: Option<Date>, note: &str) -> bool {
    match points.iter_mut().find(|a| a.id == id) {
        Some(a) => {
            a.done_on = on;
            if !note.trim().is_empty() {
                a.note = note.trim().to_string();
            }
            true
        }
        None => false,
    }
}

pub(super) fn check_points(e: &mut ValidationErrors, points: &[ActionPoint]) {
    if points.len() > MAX_ACTION_POINTS {
        e.add("action_points", "error-too-many");
    }
    for (i, a) in points.iter().enumerate() {
        e.merge(a.validate());
        // Marking one done finds it by id: two with the same id would leave one unreachable.
        if points[..i].iter().any(|x| x.id == a.id) {
            e.add("action_points", "error-duplicate");
        }
    }
}
