//! Element paths of the XForm and `${name}` references rewritten as XPath, absolute or, inside
//! a repeat, relative to the question that holds the expression (as pyxform writes them).

use crate::compiled::{Compiled, Item};
use crate::model::Kind;

pub(super) struct Paths {
    /// The absolute path of every survey row (`/data/group/name`).
    abs: Vec<String>,
    /// Paths of the repeats, for deciding when a reference is relative.
    repeats: Vec<String>,
    by_name: Vec<(String, usize)>,
    root: String,
}

impl Paths {
    pub(super) fn new(c: &Compiled, root: &str) -> Self {
        let mut abs = vec![String::new(); c.form.questions.len()];
        let mut repeats = Vec::new();
        fn walk(
            c: &Compiled,
            items: &[Item],
            at: &str,
            abs: &mut [String],
            reps: &mut Vec<String>,
        ) {
            for item in items {
                let (Item::Field(i) | Item::Group(i, _) | Item::Repeat(i, _)) = item;
                let path = format!("{at}/{}", c.question(*i).name);
                abs[*i] = path.clone();
                match item {
                    Item::Group(_, ch) => walk(c, ch, &path, abs, reps),
                    Item::Repeat(_, ch) => {
                        reps.push(path.clone());
                        walk(c, ch, &path, abs, reps);
                    }
                    Item::Field(_) => {}
                }
            }
        }
        walk(c, &c.items, &format!("/{root}"), &mut abs, &mut repeats);
        let by_name = c
            .form
            .questions
            .iter()
            .enumerate()
            .filter(|(_, q)| !matches!(q.kind, Kind::EndGroup | Kind::EndRepeat))
            .filter(|(_, q)| c.named(&q.name).is_some())
            .map(|(i, q)| (q.name.clone(), i))
            .collect();
        Paths {
            abs,
            repeats,
            by_name,
            root: root.to_string(),
        }
    }

    pub(super) fn abs(&self, i: usize) -> String {
        self.abs[i].clone()
    }

    /// The XPath for `${name}` seen from the node at `context`.
    pub(super) fn reference(&self, name: &str, context: &str) -> String {
        let target = match self.by_name.iter().find(|(n, _)| n == name) {
            Some((_, i)) => self.abs[*i].clone(),
            None if name == crate::compiled::INSTANCE_ID => {
                format!("/{}/meta/instanceID", self.root)
            }
            None => return format!("${{{name}}}"),
        };
        let segs = |p: &str| {
            p.split('/')
                .filter(|s| !s.is_empty())
                .map(String::from)
                .collect::<Vec<_>>()
        };
        let (t, c) = (segs(&target), segs(context));
        let common = t.iter().zip(&c).take_while(|(a, b)| a == b).count();
        // Relative only when both sit in the same repeat item.
        let in_shared_repeat = self.repeats.iter().any(|r| {
            let r = segs(r);
            r.len() <= common && t.starts_with(&r) && c.starts_with(&r)
        });
        if !in_shared_repeat || common == c.len() {
            return target;
        }
        let mut rel: Vec<String> = vec!["..".into(); c.len() - common];
        rel.extend(t[common..].iter().cloned());
        rel.join("/")
    }

    /// An expression with every `${name}` replaced by its path, spaced as pyxform spaces it.
    pub(super) fn expr(&self, src: &str, context: &str) -> String {
        self.replace(src, |name| format!(" {} ", self.reference(name, context)))
    }

    /// Label or hint text as XML content: the text escaped, each `${name}` an `<output>`.
    pub(super) fn with_outputs(&self, text: &str, context: &str) -> String {
        let mut out = String::with_capacity(text.len());
        let mut rest = text;
        while let Some(start) = rest.find("${") {
            let after = &rest[start + 2..];
            let Some(end) = after.find('}') else { break };
            out.push_str(&super::esc(&rest[..start]));
            let path = self.reference(after[..end].trim(), context);
            out.push_str(&format!("<output value=\" {} \"/>", super::esc(&path)));
            rest = &after[end + 1..];
        }
        out.push_str(&super::esc(rest));
        out
    }

    /// Text with every `${name}` replaced by what `with` makes of the name.
    pub(super) fn replace(&self, src: &str, with: impl Fn(&str) -> String) -> String {
        let mut out = String::with_capacity(src.len());
        let mut rest = src;
        while let Some(start) = rest.find("${") {
            let after = &rest[start + 2..];
            let Some(end) = after.find('}') else { break };
            out.push_str(&rest[..start]);
            out.push_str(&with(after[..end].trim()));
            rest = &after[end + 1..];
        }
        out.push_str(rest);
        out
    }
}
