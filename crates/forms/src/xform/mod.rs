//! The form as an ODK XForm (XML), for field clients (ODK Collect, web forms). The output
//! follows what pyxform, the reference XLSForm converter, writes for the same XLSForm: the same
//! instance tree, binds, translations (itext), choices as secondary instances and body
//! controls. Reintegra's own pages never read it; the server evaluates forms itself.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use crate::compiled::{Compiled, Item, text_references};
use crate::model::*;

pub mod instance;
mod itext;
mod kinds;
mod parameters;
mod paths;
pub mod sealed;
mod table_list;

use itext::Itext;
use kinds::*;
use paths::Paths;
pub(crate) use table_list::expand_table_lists;

/// The root element's name when the settings sheet does not give one (as in pyxform).
const DEFAULT_ROOT: &str = "data";

const NAMESPACES: &str = r#"xmlns="http://www.w3.org/2002/xforms" xmlns:h="http://www.w3.org/1999/xhtml" xmlns:ev="http://www.w3.org/2001/xml-events" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:jr="http://openrosa.org/javarosa" xmlns:orx="http://openrosa.org/xforms" xmlns:odk="http://www.opendatakit.org/xforms""#;

/// The XForm of a checked form.
pub fn write(c: &Compiled) -> String {
    let form = &c.form;
    let root = form
        .settings
        .extra
        .get("name")
        .filter(|n| crate::xlsform::valid_name(n))
        .map_or(DEFAULT_ROOT, String::as_str);
    let paths = Paths::new(c, root);
    let itext = Itext::new(c, &paths);
    let mut x = String::from("<?xml version=\"1.0\"?>\n");
    let _ = write!(
        x,
        "<h:html {NAMESPACES}><h:head><h:title>{}</h:title>",
        esc(&form.settings.title)
    );
    x.push_str("<model odk:xforms-version=\"1.0.0\">");
    submission(&form.settings, &mut x);
    itext.write(&mut x);
    // The main instance.
    let _ = write!(
        x,
        "<instance><{root} id=\"{}\"",
        esc(&form.settings.form_id)
    );
    let _ = write!(x, " version=\"{}\"", esc(&form.settings.version));
    x.push('>');
    let mut w = Writer {
        c,
        paths: &paths,
        itext: &itext,
        x: &mut x,
    };
    w.instance(&c.items, Within::Top);
    w.x.push_str("<meta>");
    if c.form
        .questions
        .iter()
        .any(|q| q.kind == Kind::Device("audit".into()))
    {
        w.x.push_str("<audit/>");
    }
    w.x.push_str("<instanceID/>");
    if form.settings.extra.contains_key("instance_name") {
        w.x.push_str("<instanceName/>");
    }
    let _ = write!(w.x, "</meta></{root}></instance>");
    w.secondary_instances();
    w.binds(&c.items);
    w.meta_binds(root);
    w.x.push_str("</model></h:head><h:body");
    if let Some(style) = form
        .settings
        .extra
        .iter()
        .find(|(k, v)| k.eq_ignore_ascii_case("style") && !v.trim().is_empty())
    {
        let _ = write!(w.x, " class=\"{}\"", esc(style.1.trim()));
    }
    w.x.push('>');
    w.body(&c.items);
    w.x.push_str("</h:body></h:html>\n");
    x
}

/// XML text and attribute escaping.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            _ => out.push(ch),
        }
    }
    out
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Within {
    Top,
    Template,
    Item,
}

struct Writer<'a> {
    c: &'a Compiled,
    paths: &'a Paths,
    itext: &'a Itext,
    x: &'a mut String,
}

impl<'a> Writer<'a> {
    fn q(&self, i: usize) -> &'a Question {
        self.c.question(i)
    }

    /// The instance elements of `items`. Inside a repeat's template, a nested repeat appears
    /// only as a template; inside its first item, only as an item (as pyxform writes them).
    fn instance(&mut self, items: &[Item], within: Within) {
        for item in items {
            match item {
                Item::Field(i) => {
                    let q = self.q(*i);
                    if q.kind == Kind::Device("audit".into()) {
                        continue;
                    }
                    let name = &q.name;
                    let attrs = self.instance_attributes(*i);
                    match q.default.as_deref().filter(|d| !is_dynamic_default(d)) {
                        Some(d) => {
                            let _ = write!(self.x, "<{name}{attrs}>{}</{name}>", esc(d));
                        }
                        None => {
                            let _ = write!(self.x, "<{name}{attrs}/>");
                        }
                    }
                }
                Item::Group(i, children) => {
                    let name = self.q(*i).name.clone();
                    let _ = write!(self.x, "<{name}{}>", self.instance_attributes(*i));
                    self.instance(children, within);
                    let _ = write!(self.x, "</{name}>");
                }
                Item::Repeat(i, children) => {
                    let name = self.q(*i).name.clone();
                    if self.count_field(*i).is_some() {
                        let _ = write!(self.x, "<{name}_count/>");
                    }
                    // The template ODK copies for each new item, then the first item.
                    let attrs = self.instance_attributes(*i);
                    if within != Within::Item {
                        let _ = write!(self.x, "<{name} jr:template=\"\">");
                        self.instance(children, Within::Template);
                        let _ = write!(self.x, "</{name}>");
                    }
                    if within != Within::Template {
                        let _ = write!(self.x, "<{name}{attrs}>");
                        self.instance(children, Within::Item);
                        let _ = write!(self.x, "</{name}>");
                    }
                }
            }
        }
    }

    /// `instance::` columns, as attributes of the row's instance element.
    fn instance_attributes(&self, i: usize) -> String {
        let mut attrs = String::new();
        let at = self.paths.abs(i);
        for (k, v) in prefixed(&self.q(i).extra, "instance::") {
            let _ = write!(attrs, " {k}=\"{}\"", esc(&self.paths.expr(&v, &at)));
        }
        attrs
    }

    /// A repeat counted by an expression other than one reference gets a generated
    /// `NAME_count` calculation, as pyxform writes it.
    fn count_field(&self, repeat: usize) -> Option<&str> {
        let count = self.q(repeat).repeat_count.as_deref()?;
        let refs = text_references(count);
        let plain_ref = refs.len() == 1 && count.trim() == format!("${{{}}}", refs[0]);
        (!plain_ref).then_some(count)
    }

    fn secondary_instances(&mut self) {
        // Choice files and pulldata() tables, as external instances.
        let files: BTreeSet<String> = crate::external::files_used(&self.c.form)
            .into_iter()
            .filter(|(_, used)| *used == crate::external::FileUse::Data)
            .map(|(name, _)| name)
            .collect();
        for f in &files {
            let (id, src) = file_instance(f);
            let _ = write!(
                self.x,
                "<instance id=\"{}\" src=\"{}\"/>",
                esc(&id),
                esc(&src)
            );
        }
        for list in &self.c.form.choices {
            let _ = write!(self.x, "<instance id=\"{}\"><root>", esc(&list.name));
            let translated = self.itext.list_translated(&list.name);
            for (n, choice) in list.choices.iter().enumerate() {
                self.x.push_str("<item>");
                if translated {
                    let _ = write!(self.x, "<itextId>{}-{n}</itextId>", esc(&list.name));
                }
                let _ = write!(self.x, "<name>{}</name>", esc(&choice.name));
                if !translated && let Some(label) = choice.label.values().next() {
                    let _ = write!(self.x, "<label>{}</label>", esc(label));
                }
                for (k, v) in &choice.extra {
                    if crate::xlsform::valid_name(k) && !crate::external::is_media(k) {
                        let _ = write!(self.x, "<{k}>{}</{k}>", esc(v));
                    }
                }
                self.x.push_str("</item>");
            }
            self.x.push_str("</root></instance>");
        }
    }

    fn binds(&mut self, items: &[Item]) {
        for item in items {
            let (Item::Field(i) | Item::Group(i, _) | Item::Repeat(i, _)) = item;
            let i = *i;
            if let Item::Repeat(_, _) = item
                && let Some(count) = self.count_field(i)
            {
                let at = format!("{}_count", self.paths.abs(i));
                let calc = self.paths.expr(count, &at);
                let _ = write!(
                    self.x,
                    "<bind nodeset=\"{at}\" type=\"string\" readonly=\"true()\" calculate=\"{}\"/>",
                    esc(&calc)
                );
            }
            self.bind(i);
            match item {
                Item::Group(_, ch) | Item::Repeat(_, ch) => self.binds(ch),
                Item::Field(_) => {}
            }
        }
    }

    fn bind(&mut self, i: usize) {
        let q = self.q(i).clone();
        let at = self.paths.abs(i);
        let mut attrs: Vec<(String, String)> = Vec::new();
        let expr = |src: &str| self.paths.expr(src, &at);
        if let Some(t) = bind_type(&q) {
            attrs.push(("type".into(), t.into()));
        }
        if let Some((preload, params)) = preload(&q.kind) {
            attrs.push(("jr:preload".into(), preload.into()));
            attrs.push(("jr:preloadParams".into(), params));
        }
        if q.required {
            attrs.push(("required".into(), "true()".into()));
        }
        if let Some(r) = &q.required_when {
            attrs.push(("required".into(), expr(r)));
        }
        if let Some(r) = &q.relevant {
            attrs.push(("relevant".into(), expr(r)));
        }
        if let Some(r) = &q.constraint {
            attrs.push(("constraint".into(), expr(r)));
        }
        if let Some(r) = &q.calculation
            && q.trigger.is_none()
        {
            attrs.push(("calculate".into(), expr(r)));
        }
        if q.read_only || q.kind == Kind::Note {
            attrs.push(("readonly".into(), "true()".into()));
        }
        for (col, attr, key) in [
            (
                &q.constraint_message,
                "jr:constraintMsg",
                "jr:constraintMsg",
            ),
            (&q.required_message, "jr:requiredMsg", "jr:requiredMsg"),
        ] {
            if col.is_empty() {
                continue;
            }
            attrs.push((
                attr.into(),
                self.itext.message(i, col, key, &self.paths.abs(i)),
            ));
        }
        attrs.extend(parameters::attributes(&q).bind);
        for (attr, v) in prefixed(&q.extra, "bind::") {
            attrs.push((attr, expr(&v)));
        }
        let structural = matches!(q.kind, Kind::BeginGroup | Kind::BeginRepeat);
        if structural && attrs.is_empty() {
            return;
        }
        if q.kind == Kind::Device("audit".into()) {
            return;
        }
        let _ = write!(self.x, "<bind nodeset=\"{at}\"");
        for (k, v) in attrs {
            let _ = write!(self.x, " {k}=\"{}\"", esc(&v));
        }
        self.x.push_str("/>");
        if let Some(d) = q.default.as_deref().filter(|d| is_dynamic_default(d)) {
            let value = self.paths.expr(d, &at);
            let _ = write!(
                self.x,
                "<setvalue ref=\"{at}\" event=\"odk-instance-first-load\" value=\"{}\"/>",
                esc(&value)
            );
        }
        match &q.kind {
            Kind::Device(t) if t == "start-geopoint" => {
                let _ = write!(
                    self.x,
                    "<odk:setgeopoint ref=\"{at}\" event=\"odk-instance-first-load\"/>"
                );
            }
            Kind::Device(t) if t == "background-audio" => {
                let _ = write!(
                    self.x,
                    "<odk:recordaudio ref=\"{at}\" event=\"odk-instance-load\""
                );
                if let Some(quality) = q.parameter("quality") {
                    let _ = write!(self.x, " odk:quality=\"{}\"", esc(quality));
                }
                self.x.push_str("/>");
            }
            _ => {}
        }
    }

    fn meta_binds(&mut self, root: &str) {
        if let Some(audit) = self
            .c
            .form
            .questions
            .iter()
            .find(|q| q.kind == Kind::Device("audit".into()))
        {
            let _ = write!(
                self.x,
                "<bind nodeset=\"/{root}/meta/audit\" type=\"binary\""
            );
            for (k, v) in parameters::attributes(audit).bind {
                let _ = write!(self.x, " {k}=\"{}\"", esc(&v));
            }
            self.x.push_str("/>");
        }
        let _ = write!(
            self.x,
            "<bind nodeset=\"/{root}/meta/instanceID\" type=\"string\" readonly=\"true()\" jr:preload=\"uid\"/>"
        );
        if let Some(name) = self.c.form.settings.extra.get("instance_name") {
            let at = format!("/{root}/meta/instanceName");
            let calc = self.paths.expr(name, &at);
            let _ = write!(
                self.x,
                "<bind nodeset=\"{at}\" type=\"string\" calculate=\"{}\"/>",
                esc(&calc)
            );
        }
    }

    fn body(&mut self, items: &[Item]) {
        for item in items {
            match item {
                Item::Field(i) => self.control(*i),
                Item::Group(i, children) => {
                    let q = self.q(*i).clone();
                    let at = self.paths.abs(*i);
                    let _ = write!(self.x, "<group");
                    if let Some(a) = &q.appearance {
                        let _ = write!(self.x, " appearance=\"{}\"", esc(a));
                    }
                    for (k, v) in prefixed(&q.extra, "body::") {
                        let _ = write!(self.x, " {k}=\"{}\"", esc(&self.paths.expr(&v, &at)));
                    }
                    let _ = write!(self.x, " ref=\"{at}\">");
                    self.label_and_hint(*i);
                    self.body(children);
                    self.x.push_str("</group>");
                }
                Item::Repeat(i, children) => {
                    let q = self.q(*i).clone();
                    let at = self.paths.abs(*i);
                    let _ = write!(self.x, "<group ref=\"{at}\">");
                    self.label_and_hint(*i);
                    let _ = write!(self.x, "<repeat nodeset=\"{at}\"");
                    if let Some(a) = &q.appearance {
                        let _ = write!(self.x, " appearance=\"{}\"", esc(a));
                    }
                    for (k, v) in prefixed(&q.extra, "body::") {
                        let _ = write!(self.x, " {k}=\"{}\"", esc(&self.paths.expr(&v, &at)));
                    }
                    if q.repeat_count.is_some() {
                        let count = match self.count_field(*i) {
                            Some(_) => format!(" {at}_count "),
                            None => self
                                .paths
                                .expr(q.repeat_count.as_deref().unwrap_or(""), &at),
                        };
                        let _ = write!(self.x, " jr:count=\"{}\"", esc(&count));
                    }
                    self.x.push('>');
                    self.body(children);
                    // Dynamic defaults are set again for each new item.
                    for idx in fields_in(children) {
                        let q = self.q(idx);
                        if let Some(d) = q.default.as_deref().filter(|d| is_dynamic_default(d)) {
                            let ref_at = self.paths.abs(idx);
                            let value = self.paths.expr(d, &ref_at);
                            let _ = write!(
                                self.x,
                                "<setvalue ref=\"{ref_at}\" event=\"odk-new-repeat\" value=\"{}\"/>",
                                esc(&value)
                            );
                        }
                    }
                    self.x.push_str("</repeat></group>");
                }
            }
        }
    }

    fn control(&mut self, i: usize) {
        let q = self.q(i).clone();
        let Some((tag, extra)) = control_tag(&q) else {
            return;
        };
        let at = self.paths.abs(i);
        let _ = write!(self.x, "<{tag} ref=\"{at}\"");
        let from_parameters = parameters::attributes(&q).control;
        for (k, v) in extra
            .into_iter()
            .chain(from_parameters)
            .chain(prefixed(&q.extra, "body::"))
        {
            let _ = write!(self.x, " {k}=\"{}\"", esc(&self.paths.expr(&v, &at)));
        }
        if let Some(a) = &q.appearance {
            let _ = write!(self.x, " appearance=\"{}\"", esc(a));
        }
        self.x.push('>');
        self.label_and_hint(i);
        if let Some(list) = q.kind.list() {
            let filter = q
                .choice_filter
                .as_deref()
                .map(|f| format!("[{}]", self.paths.expr(f, &at)))
                .unwrap_or_default();
            let label = if self.itext.list_translated(list) {
                "jr:itext(itextId)"
            } else {
                "label"
            };
            let seed = q.parameter("seed").map(|s| self.paths.expr(s, &at));
            let nodeset =
                parameters::randomized(&q, format!("instance('{list}')/root/item{filter}"), seed);
            let _ = write!(
                self.x,
                "<itemset nodeset=\"{}\"><value ref=\"name\"/><label ref=\"{label}\"/></itemset>",
                esc(&nodeset)
            );
        }
        if let Some(file) = q.kind.choices_file() {
            let (id, _) = file_instance(file);
            let filter = q
                .choice_filter
                .as_deref()
                .map(|f| format!("[{}]", self.paths.expr(f, &at)))
                .unwrap_or_default();
            let (value, label) = q.file_choice_columns();
            let _ = write!(
                self.x,
                "<itemset nodeset=\"instance('{}')/root/item{}\"><value ref=\"{}\"/><label ref=\"{}\"/></itemset>",
                esc(&id),
                esc(&filter),
                esc(value),
                esc(label)
            );
        }
        // Calculations recomputed when this question changes.
        for (t, other) in self.c.form.questions.iter().enumerate() {
            let Some(trigger) = &other.trigger else {
                continue;
            };
            if text_references(trigger)
                .iter()
                .any(|r| self.c.named(r) == Some(i))
                && let Some(calc) = &other.calculation
            {
                let target = self.paths.abs(t);
                let value = self.paths.expr(calc, &target);
                let _ = write!(
                    self.x,
                    "<setvalue ref=\"{target}\" event=\"xforms-value-changed\" value=\"{}\"/>",
                    esc(&value)
                );
            }
        }
        let _ = write!(self.x, "</{tag}>");
    }

    fn label_and_hint(&mut self, i: usize) {
        let at = self.paths.abs(i);
        let q = self.q(i).clone();
        if let Some(label) = self.itext.element(i, "label", &q.label, &at, self.paths) {
            self.x.push_str(&label);
        }
        // Groups and repeats show no hint in ODK clients; pyxform leaves it out.
        let structural = matches!(q.kind, Kind::BeginGroup | Kind::BeginRepeat);
        if !structural && let Some(hint) = self.itext.element(i, "hint", &q.hint, &at, self.paths) {
            self.x.push_str(&hint);
        }
    }
}
