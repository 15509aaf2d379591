//! Rendering a form

use super::*;

pub struct ChoiceView {
    pub value: String,
    pub label: String,
    pub selected: bool,
    /// Its place in a ranking (1 is first); 0 when not ranked.
    pub position: usize,
}

/// One question as the template draws it.
pub struct QuestionView {
    /// text, number, decimal, date, time, datetime, geo, range, rank, radio, checkboxes,
    /// acknowledge, note, computed
    pub kind: &'static str,
    pub name: String,
    pub id: String,
    pub label: String,
    pub hint: String,
    pub value: String,
    pub required: bool,
    pub read_only: bool,
    pub error: String,
    pub choices: Vec<ChoiceView>,
    /// For a file: the media types the chooser offers, and where files are sent and read
    /// (empty before a submission exists).
    pub accept: &'static str,
    pub files_base: String,
    /// A range's scale.
    pub min: String,
    pub max: String,
    pub step: String,
    /// Keep the control the user is working in untouched when htmx swaps the form in again
    /// (`hx-preserve`), so nothing typed while a request was under way is overwritten. Off for
    /// selects whose choices depend on other answers: those must be redrawn.
    pub preserve: bool,
}

/// The form as a flat list of things to draw, so the template needs no recursion.
pub enum Piece {
    GroupStart {
        legend: String,
        hint: String,
    },
    GroupEnd,
    RepeatStart {
        legend: String,
        count_name: String,
        count: usize,
    },
    InstanceStart {
        legend: String,
        remove: String,
    },
    InstanceEnd,
    RepeatEnd {
        add: String,
        add_label: String,
    },
    Question(Box<QuestionView>),
}

pub(super) struct Drawing<'a> {
    pub(super) c: &'a Compiled,
    pub(super) filled: &'a forms::Filled,
    pub(super) errors: &'a BTreeMap<String, String>,
    pub(super) lang: String,
    pub(super) tr: &'a Tr,
    pub(super) today: Date,
    pub(super) editable: bool,
    /// Where files given as answers are sent and read (`/cases/…/submissions/…/files`);
    /// empty where no submission exists yet (the preview).
    pub(super) files_base: &'a str,
    pub(super) out: Vec<Piece>,
}

impl Drawing<'_> {
    pub(super) fn text(&self, t: &forms::Text) -> String {
        pick(
            t,
            &self.lang,
            self.c.form.settings.default_language.as_deref(),
        )
        .to_string()
    }

    /// Fills `${name}` references in labels and notes with the current answers.
    pub(super) fn interpolate(&self, s: &str, pos: &Position) -> String {
        if !s.contains("${") {
            return s.to_string();
        }
        let mut out = String::new();
        let mut rest = s;
        while let Some(start) = rest.find("${") {
            out.push_str(&rest[..start]);
            let after = &rest[start + 2..];
            match after.find('}') {
                Some(end) => {
                    let name = after[..end].trim();
                    out.push_str(&self.value_of(name, pos));
                    rest = &after[end + 1..];
                }
                None => {
                    out.push_str(&rest[start..]);
                    rest = "";
                }
            }
        }
        out.push_str(rest);
        out
    }

    pub(super) fn value_of(&self, name: &str, pos: &Position) -> String {
        self.c.text_of(&self.filled.answers, pos, name)
    }

    pub(super) fn answers_at(&self, pos: &Position) -> &Answers {
        self.c.answers_at(&self.filled.answers, pos)
    }

    pub(super) fn draw(&mut self, items: &[Item], pos: &Position) {
        for item in items {
            match item {
                Item::Group(g, children) => {
                    if !self.filled.shown.contains(&path_of(self.c, pos, *g)) {
                        continue;
                    }
                    let q = self.c.question(*g);
                    self.out.push(Piece::GroupStart {
                        legend: self.interpolate(&self.text(&q.label), pos),
                        hint: self.text(&q.hint),
                    });
                    self.draw(children, pos);
                    self.out.push(Piece::GroupEnd);
                }
                Item::Repeat(r, children) => {
                    let path = path_of(self.c, pos, *r);
                    if !self.filled.shown.contains(&path) {
                        continue;
                    }
                    let q = self.c.question(*r);
                    let legend = self.text(&q.label);
                    let count = self.answers_at(pos).instances(self.c.key(*r)).len();
                    // A repeat counted by the form has as many items as it says: nothing to
                    // add or remove by hand.
                    let by_hand = self.editable && q.repeat_count.is_none();
                    self.out.push(Piece::RepeatStart {
                        legend: legend.clone(),
                        count_name: format!("n:{path}"),
                        count,
                    });
                    for n in 0..count {
                        let mut inner = pos.clone();
                        inner.repeats.push((*r, n));
                        self.out.push(Piece::InstanceStart {
                            legend: self.tr.t2("form-repeat-item", "what", &legend, "n", n + 1),
                            remove: if by_hand {
                                format!("remove:{path}/{n}")
                            } else {
                                String::new()
                            },
                        });
                        self.draw(children, &inner);
                        self.out.push(Piece::InstanceEnd);
                    }
                    self.out.push(Piece::RepeatEnd {
                        add: if by_hand {
                            format!("add:{path}")
                        } else {
                            String::new()
                        },
                        add_label: self.tr.t1("form-repeat-add", "what", &legend),
                    });
                }
                Item::Field(f) => {
                    let path = path_of(self.c, pos, *f);
                    if !self.filled.shown.contains(&path) {
                        continue;
                    }
                    let q = self.c.question(*f);
                    if let Some(view) = self.question(*f, q, &path, pos) {
                        self.out.push(Piece::Question(Box::new(view)));
                    }
                }
            }
        }
    }

    pub(super) fn question(
        &self,
        f: usize,
        q: &forms::Question,
        path: &str,
        pos: &Position,
    ) -> Option<QuestionView> {
        let value = self.answers_at(pos).text(self.c.key(f)).to_string();
        let kind = match &q.kind {
            // Choices from an attached file, once it is attached; typed until then.
            Kind::SelectOneFromFile(_) if self.c.file_choices.contains_key(&f) => "radio",
            Kind::SelectMultipleFromFile(_) if self.c.file_choices.contains_key(&f) => "checkboxes",
            Kind::Text
            | Kind::Barcode
            | Kind::SelectOneFromFile(_)
            | Kind::SelectMultipleFromFile(_) => "text",
            Kind::Integer => "number",
            Kind::Decimal => "decimal",
            Kind::Date => "date",
            Kind::Time => "time",
            Kind::DateTime => "datetime",
            Kind::GeoPoint | Kind::GeoTrace | Kind::GeoShape => "geo",
            Kind::Range => "range",
            Kind::Rank(_) => "rank",
            Kind::Image | Kind::Audio | Kind::Video | Kind::File => "file",
            Kind::SelectOne(_) => "radio",
            Kind::SelectMultiple(_) => "checkboxes",
            Kind::Acknowledge => "acknowledge",
            Kind::Note => "note",
            // A calculation is shown only when the author gave it a label.
            Kind::Calculate if !q.label.is_empty() => "computed",
            // Carried along unseen, so a post keeps its default or what a device recorded.
            Kind::Hidden | Kind::Device(_) => "hidden",
            _ => return None,
        };
        // Hints the form's author did not have to write: the format a typed location takes,
        // the scale of a range.
        let format_hint = match &q.kind {
            Kind::GeoPoint => self.tr.t("form-geo-hint-point"),
            Kind::GeoTrace => self.tr.t("form-geo-hint-line"),
            Kind::GeoShape => self.tr.t("form-geo-hint-shape"),
            Kind::Range => {
                let (start, end, step) = range_bounds(q);
                self.tr.t_args(
                    "form-range-hint",
                    &[
                        ("start", start.as_str()),
                        ("end", end.as_str()),
                        ("step", step.as_str()),
                    ],
                )
            }
            _ => String::new(),
        };
        let author_hint = self.interpolate(&self.text(&q.hint), pos);
        let hint = match (author_hint.is_empty(), format_hint.is_empty()) {
            (_, true) => author_hint,
            (true, false) => format_hint,
            (false, false) => format!("{author_hint} {format_hint}"),
        };
        let (min, max, step) = if q.kind == Kind::Range {
            range_bounds(q)
        } else {
            Default::default()
        };
        // A ranking lists its choices in the order given so far, then the others.
        let ranked: Vec<&str> = value.split_whitespace().collect();
        let selected: Vec<&str> = value.split_whitespace().collect();
        let choices = if q.kind.list().is_some() || self.c.file_choices.contains_key(&f) {
            self.c
                .choices_for(f, &self.filled.answers, pos, self.today)
                .into_iter()
                .map(|ch| ChoiceView {
                    value: ch.name.clone(),
                    label: self.text(&ch.label),
                    selected: selected.contains(&ch.name.as_str()),
                    position: ranked
                        .iter()
                        .position(|r| *r == ch.name)
                        .map_or(0, |p| p + 1),
                })
                .collect()
        } else {
            Vec::new()
        };
        Some(QuestionView {
            kind,
            name: format!("a:{path}"),
            id: format!("q-{}", path.replace('/', "-")),
            label: self.interpolate(&self.text(&q.label), pos),
            hint,
            accept: match q.kind {
                Kind::Image => "image/*",
                Kind::Audio => "audio/*",
                Kind::Video => "video/*",
                _ => "",
            },
            // Only a name the server gave a stored file is ever put into an address.
            files_base: if stored_file_name(&value) || value.is_empty() {
                self.files_base.to_string()
            } else {
                String::new()
            },
            min,
            max,
            step,
            value,
            required: q.required,
            read_only: q.read_only || !self.editable,
            error: self.errors.get(path).cloned().unwrap_or_default(),
            choices,
            preserve: self.editable && q.choice_filter.is_none(),
        })
    }
}

/// A name the server gives a stored file: 16 hexadecimal digits, a dot, an extension.
fn stored_file_name(v: &str) -> bool {
    match v.split_once('.') {
        Some((hash, ext)) => {
            hash.len() == 16
                && hash.bytes().all(|b| b.is_ascii_hexdigit())
                && !ext.is_empty()
                && ext.bytes().all(|b| b.is_ascii_alphanumeric())
        }
        None => false,
    }
}

/// A range's start, end and step as written (XLSForm's defaults 1, 10 and 1).
fn range_bounds(q: &forms::Question) -> (String, String, String) {
    let get = |k: &str, d: &str| q.parameter(k).unwrap_or(d).to_string();
    (get("start", "1"), get("end", "10"), get("step", "1"))
}

/// Draws a form in its current state.
pub fn draw(
    c: &Compiled,
    filled: &forms::Filled,
    errors: &BTreeMap<String, String>,
    tr: &Tr,
    editable: bool,
    today: time::Date,
) -> Vec<Piece> {
    draw_with_files(c, filled, errors, tr, editable, today, "")
}

/// [`draw`] for a submission whose files are at `files_base`.
pub fn draw_with_files(
    c: &Compiled,
    filled: &forms::Filled,
    errors: &BTreeMap<String, String>,
    tr: &Tr,
    editable: bool,
    today: time::Date,
    files_base: &str,
) -> Vec<Piece> {
    let mut d = Drawing {
        c,
        filled,
        errors,
        lang: form_language(tr, &c.form),
        tr,
        today,
        editable,
        files_base,
        out: Vec::new(),
    };
    d.draw(&c.items, &Position::default());
    d.out
}

/// An error summary's links for a drawn form: each question that needs attention, in the
/// form's order, named by its label. A choice question's link goes to its first choice, a box
/// the keyboard can reach.
pub fn error_summary(pieces: &[Piece]) -> Vec<(String, String)> {
    pieces
        .iter()
        .filter_map(|p| match p {
            Piece::Question(q) if !q.error.is_empty() => {
                let anchor = match (q.kind, q.choices.first()) {
                    ("radio" | "checkboxes", Some(first)) => format!("{}-{}", q.id, first.value),
                    _ => q.id.clone(),
                };
                Some((anchor, format!("{}: {}", q.label, q.error)))
            }
            _ => None,
        })
        .collect()
}
