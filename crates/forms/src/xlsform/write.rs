use super::*;

/// Writes a form as XLSForm tables: survey, choices, settings.
pub fn write(form: &Form) -> Workbook {
    let langs = form.languages();
    let text_headers = |base: &str, used: &dyn Fn(&str) -> bool| -> Vec<(String, String)> {
        langs
            .iter()
            .filter(|l| used(l))
            .map(|l| {
                let h = if l.is_empty() {
                    base.to_string()
                } else {
                    format!("{base}::{l}")
                };
                (h, l.clone())
            })
            .collect()
    };
    let q_has = |f: fn(&Question) -> &Text| {
        move |l: &str| form.questions.iter().any(|q| f(q).contains_key(l))
    };
    let label_cols = text_headers("label", &q_has(|q| &q.label));
    let hint_cols = text_headers("hint", &q_has(|q| &q.hint));
    let req_cols = text_headers("required_message", &q_has(|q| &q.required_message));
    let con_cols = text_headers("constraint_message", &q_has(|q| &q.constraint_message));
    let extra_cols: BTreeSet<String> = form
        .questions
        .iter()
        .flat_map(|q| q.extra.keys().cloned())
        .collect();

    let mut header: Vec<String> = vec!["type".into(), "name".into()];
    header.extend(label_cols.iter().map(|c| c.0.clone()));
    header.extend(hint_cols.iter().map(|c| c.0.clone()));
    header.push("required".into());
    header.extend(req_cols.iter().map(|c| c.0.clone()));
    header.extend(["relevant", "constraint"].map(String::from));
    header.extend(con_cols.iter().map(|c| c.0.clone()));
    header.extend(
        [
            "calculation",
            "default",
            "read_only",
            "appearance",
            "choice_filter",
            "repeat_count",
            "parameters",
            "trigger",
        ]
        .map(String::from),
    );
    header.extend(extra_cols.iter().cloned());
    let mut rows = vec![header];
    for q in &form.questions {
        let mut r = vec![q.kind.type_cell(), q.name.clone()];
        let texts = |t: &Text, cols: &[(String, String)]| -> Vec<String> {
            cols.iter()
                .map(|(_, l)| t.get(l).cloned().unwrap_or_default())
                .collect()
        };
        r.extend(texts(&q.label, &label_cols));
        r.extend(texts(&q.hint, &hint_cols));
        r.push(match (&q.required_when, q.required) {
            (Some(expr), _) => expr.clone(),
            (None, true) => "yes".into(),
            (None, false) => String::new(),
        });
        r.extend(texts(&q.required_message, &req_cols));
        r.push(q.relevant.clone().unwrap_or_default());
        r.push(q.constraint.clone().unwrap_or_default());
        r.extend(texts(&q.constraint_message, &con_cols));
        r.push(q.calculation.clone().unwrap_or_default());
        r.push(q.default.clone().unwrap_or_default());
        r.push(if q.read_only {
            "yes".into()
        } else {
            String::new()
        });
        r.push(q.appearance.clone().unwrap_or_default());
        r.push(q.choice_filter.clone().unwrap_or_default());
        r.push(q.repeat_count.clone().unwrap_or_default());
        r.push(q.parameters.clone().unwrap_or_default());
        r.push(q.trigger.clone().unwrap_or_default());
        r.extend(
            extra_cols
                .iter()
                .map(|c| q.extra.get(c).cloned().unwrap_or_default()),
        );
        rows.push(r);
    }
    let survey = Sheet {
        name: "survey".into(),
        rows,
    };

    let choice_label_cols = text_headers("label", &|l: &str| {
        form.choices
            .iter()
            .any(|cl| cl.choices.iter().any(|c| c.label.contains_key(l)))
    });
    let choice_extra: BTreeSet<String> = form
        .choices
        .iter()
        .flat_map(|l| l.choices.iter().flat_map(|c| c.extra.keys().cloned()))
        .collect();
    let mut header: Vec<String> = vec!["list_name".into(), "name".into()];
    header.extend(choice_label_cols.iter().map(|c| c.0.clone()));
    header.extend(choice_extra.iter().cloned());
    let mut rows = vec![header];
    for l in &form.choices {
        for c in &l.choices {
            let mut r = vec![l.name.clone(), c.name.clone()];
            r.extend(
                choice_label_cols
                    .iter()
                    .map(|(_, lang)| c.label.get(lang).cloned().unwrap_or_default()),
            );
            r.extend(
                choice_extra
                    .iter()
                    .map(|k| c.extra.get(k).cloned().unwrap_or_default()),
            );
            rows.push(r);
        }
    }
    let choices = Sheet {
        name: "choices".into(),
        rows,
    };

    let s = &form.settings;
    let mut header: Vec<String> = ["form_id", "form_title", "version", "default_language"]
        .map(String::from)
        .to_vec();
    let mut row = vec![
        s.form_id.clone(),
        s.title.clone(),
        s.version.clone(),
        s.default_language.clone().unwrap_or_default(),
    ];
    for (k, v) in &s.extra {
        header.push(k.clone());
        row.push(v.clone());
    }
    let settings = Sheet {
        name: "settings".into(),
        rows: vec![header, row],
    };
    Workbook {
        sheets: vec![survey, choices, settings],
    }
}

/// Renumbers `row` fields as [`write`] lays the form out, so a form read back from its own
/// export compares equal to the original.
pub fn renumber(form: &mut Form) {
    for (i, q) in form.questions.iter_mut().enumerate() {
        q.row = i + 2;
    }
    let mut line = 2;
    for l in &mut form.choices {
        for c in &mut l.choices {
            c.row = line;
            line += 1;
        }
    }
}
