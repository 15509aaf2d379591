//! Groups with the `table-list` appearance, as pyxform writes them.

use crate::model::*;

/// A group with the `table-list` appearance, written as pyxform writes it: a field list whose
/// label becomes a note, a header row showing the choices once, and each select without its
/// own choice labels.
pub(crate) fn expand_table_lists(form: &Form) -> Form {
    let mut out = form.clone();
    let mut questions = Vec::with_capacity(form.questions.len());
    let mut depth_in_table: Option<usize> = None;
    let mut depth = 0usize;
    let mut header_done = false;
    for q in &form.questions {
        let mut q = q.clone();
        match q.kind {
            Kind::BeginGroup | Kind::BeginRepeat => {
                depth += 1;
                let words: Vec<&str> = q
                    .appearance
                    .as_deref()
                    .unwrap_or("")
                    .split_whitespace()
                    .collect();
                if q.kind == Kind::BeginGroup
                    && depth_in_table.is_none()
                    && words.contains(&"table-list")
                {
                    depth_in_table = Some(depth);
                    header_done = false;
                    let rest: Vec<&str> =
                        words.into_iter().filter(|w| *w != "table-list").collect();
                    q.appearance = Some(
                        std::iter::once("field-list")
                            .chain(rest)
                            .collect::<Vec<_>>()
                            .join(" "),
                    );
                    let row = q.row;
                    let (label, hint) = (std::mem::take(&mut q.label), std::mem::take(&mut q.hint));
                    let media: Vec<(String, String)> = q
                        .extra
                        .iter()
                        .filter(|(k, _)| crate::external::is_media(k))
                        .map(|(k, v)| (k.clone(), v.clone()))
                        .collect();
                    for (k, _) in &media {
                        q.extra.remove(k);
                    }
                    questions.push(q);
                    if !label.is_empty() || !hint.is_empty() {
                        let mut note = Question::new(
                            Kind::Note,
                            &format!("generated_table_list_label_{row}"),
                            row,
                        );
                        note.label = label;
                        note.hint = hint;
                        note.extra = media.into_iter().collect();
                        questions.push(note);
                    }
                    continue;
                }
            }
            Kind::EndGroup | Kind::EndRepeat => {
                if depth_in_table == Some(depth) {
                    depth_in_table = None;
                }
                depth = depth.saturating_sub(1);
            }
            _ => {}
        }
        if depth_in_table.is_some()
            && matches!(q.kind, Kind::SelectOne(_) | Kind::SelectMultiple(_))
        {
            if !header_done {
                header_done = true;
                let mut header = Question::new(
                    q.kind.clone(),
                    &format!("reserved_name_for_field_list_labels_{}", q.row),
                    q.row,
                );
                header.label.insert(String::new(), " ".into());
                header.appearance = Some("label".into());
                questions.push(header);
            }
            q.appearance = Some("list-nolabel".into());
        }
        questions.push(q);
    }
    out.questions = questions;
    out
}
