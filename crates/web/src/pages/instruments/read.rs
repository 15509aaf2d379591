//! Reading posted answers

use super::*;

/// Turns posted fields into answers. Answers are posted as `a:<path>`, repeat sizes as
/// `n:<path>`; a path inside a repeat is `repeat/instance/name`.
pub fn answers_from_post(c: &Compiled, fields: &[(String, String)]) -> Answers {
    let mut answers = Answers::default();
    // Repeat sizes first, outermost first, so that every instance exists before its fields.
    let mut counts: Vec<(&str, usize)> = fields
        .iter()
        .filter_map(|(k, v)| Some((k.strip_prefix("n:")?, v.trim().parse::<usize>().ok()?)))
        .collect();
    counts.sort_by_key(|(p, _)| p.matches('/').count());
    for (path, n) in counts {
        let n = n.min(200);
        let segments: Vec<&str> = path.split('/').collect();
        if let Some(target) = container(&mut answers, &segments[..segments.len() - 1]) {
            let name = segments[segments.len() - 1];
            if c.index(name)
                .is_some_and(|i| c.question(i).kind == Kind::BeginRepeat)
            {
                target.0.insert(
                    name.to_string(),
                    Answer::Repeat(vec![Answers::default(); n]),
                );
            }
        }
    }
    let mut multi: BTreeMap<String, Vec<String>> = BTreeMap::new();
    // A ranking is posted as one position per choice (`rank:a:<path>:<choice>`).
    let mut ranks: BTreeMap<String, Vec<(usize, usize, String)>> = BTreeMap::new();
    for (order, (k, v)) in fields.iter().enumerate() {
        let Some(rest) = k.strip_prefix("rank:a:") else {
            continue;
        };
        let Some((path, choice)) = rest.rsplit_once(':') else {
            continue;
        };
        if let Ok(position) = v.trim().parse::<usize>() {
            ranks
                .entry(path.to_string())
                .or_default()
                .push((position, order, choice.to_string()));
        }
    }
    for (path, mut ranked) in ranks {
        ranked.sort();
        let segments: Vec<&str> = path.split('/').collect();
        let name = segments[segments.len() - 1];
        if c.index(name)
            .is_some_and(|i| matches!(c.question(i).kind, Kind::Rank(_)))
            && let Some(target) = container(&mut answers, &segments[..segments.len() - 1])
        {
            let order: Vec<String> = ranked.into_iter().map(|(_, _, choice)| choice).collect();
            target.set(name, order.join(" "));
        }
    }
    for (k, v) in fields {
        let Some(path) = k.strip_prefix("a:") else {
            continue;
        };
        let segments: Vec<&str> = path.split('/').collect();
        let name = segments[segments.len() - 1];
        let Some(i) = c.index(name) else {
            continue;
        };
        let kind = &c.question(i).kind;
        if !kind.is_answerable() && !matches!(kind, Kind::Hidden | Kind::Device(_)) {
            continue;
        }
        if matches!(
            c.question(i).kind,
            Kind::SelectMultiple(_) | Kind::SelectMultipleFromFile(_)
        ) {
            multi
                .entry(path.to_string())
                .or_default()
                .push(v.trim().to_string());
            continue;
        }
        if let Some(target) = container(&mut answers, &segments[..segments.len() - 1]) {
            target.set(name, v.trim().to_string());
        }
    }
    for (path, values) in multi {
        let segments: Vec<&str> = path.split('/').collect();
        let name = segments[segments.len() - 1];
        if let Some(target) = container(&mut answers, &segments[..segments.len() - 1]) {
            let v: Vec<String> = values.into_iter().filter(|v| !v.is_empty()).collect();
            target.set(name, v.join(" "));
        }
    }
    answers
}

/// The answers object a path's parent segments lead to (`household/1` → the second member).
pub(super) fn container<'a>(
    answers: &'a mut Answers,
    segments: &[&str],
) -> Option<&'a mut Answers> {
    let mut cur = answers;
    for pair in segments.chunks(2) {
        let [name, idx] = pair else {
            return None;
        };
        let idx: usize = idx.parse().ok()?;
        cur = match cur.0.get_mut(*name) {
            Some(Answer::Repeat(v)) => v.get_mut(idx)?,
            _ => return None,
        };
    }
    Some(cur)
}

/// Adds or removes a repeat instance, as the `_action` of a post asks.
pub(crate) fn apply_action(c: &Compiled, answers: &mut Answers, action: &str, today: time::Date) {
    if let Some(path) = action.strip_prefix("add:") {
        let segments: Vec<&str> = path.split('/').collect();
        let name = segments[segments.len() - 1];
        let Some(r) = c.index(name) else { return };
        let fresh = c.blank_instance(r, today);
        if let Some(target) = container(answers, &segments[..segments.len() - 1]) {
            match target.0.get_mut(name) {
                Some(Answer::Repeat(v)) if v.len() < 200 => v.push(fresh),
                Some(Answer::Repeat(_)) => {}
                _ => {
                    target
                        .0
                        .insert(name.to_string(), Answer::Repeat(vec![fresh]));
                }
            }
        }
    } else if let Some(path) = action.strip_prefix("remove:") {
        let segments: Vec<&str> = path.split('/').collect();
        if segments.len() < 2 {
            return;
        }
        let Ok(idx) = segments[segments.len() - 1].parse::<usize>() else {
            return;
        };
        let name = segments[segments.len() - 2];
        if let Some(target) = container(answers, &segments[..segments.len() - 2])
            && let Some(Answer::Repeat(v)) = target.0.get_mut(name)
            && idx < v.len()
        {
            v.remove(idx);
        }
    }
}

/// The posted fields, in order, with the CSRF token checked.
pub(crate) fn posted_fields(
    caller: &Caller,
    body: &Bytes,
) -> Result<Vec<(String, String)>, AppError> {
    let fields: Vec<(String, String)> = serde_html_form::from_bytes(body)
        .map_err(|e| AppError::with_detail(ErrorKind::BadRequest, e.to_string()))?;
    checked_csrf(caller, fields)
}

/// The fields, when their CSRF token is the caller's.
pub(crate) fn checked_csrf(
    caller: &Caller,
    fields: Vec<(String, String)>,
) -> Result<Vec<(String, String)>, AppError> {
    let sent = fields
        .iter()
        .find(|(k, _)| k == "_csrf")
        .map(|(_, v)| v.as_str())
        .unwrap_or("");
    let expected = caller.csrf();
    if expected.is_empty() || !csrf_matches(sent, expected) {
        return Err(AppError::new(ErrorKind::Csrf));
    }
    Ok(fields)
}

pub(crate) fn field<'a>(fields: &'a [(String, String)], name: &str) -> &'a str {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .unwrap_or("")
}

pub(crate) fn is_htmx(headers: &HeaderMap) -> bool {
    headers.get("hx-request").is_some()
}
