//! Reading a filled instance, the XML an OpenRosa client (ODK Collect, a web form) sends for a
//! form, back into answers. The instance mirrors the form's structure: a group is an element
//! holding its questions, each item of a repeat is one element, and `meta` carries the
//! instance id. Anything the form does not have is refused rather than silently dropped.
//!
//! The input is untrusted: its size and node count are bounded before the tree is built, and a
//! document type declaration (the door to entity expansion) is refused by the parser.

use crate::compiled::{Compiled, INSTANCE_ID, Item};
use crate::engine::{Answer, Answers};

/// The largest instance read, in bytes (attachments travel beside it, not in it).
pub const MAX_INSTANCE_BYTES: usize = 4 * 1024 * 1024;

/// The most XML nodes (elements, text, attributes) an instance may have.
const MAX_NODES: u32 = 100_000;

/// The most repeat items in one instance, all repeats together.
const MAX_ITEMS: usize = 10_000;

/// An instance read against its form.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Instance {
    /// The id the client gave it (`uuid:…`).
    pub instance_id: String,
    pub answers: Answers,
}

/// The form an instance says it belongs to, read before its form is known.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Header {
    pub form_id: String,
    pub version: String,
}

/// Why an instance cannot be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum InstanceError {
    #[error("the instance is larger than {MAX_INSTANCE_BYTES} bytes")]
    TooLarge,
    #[error("the instance is not well-formed XML: {0}")]
    NotXml(String),
    #[error("the instance does not name its form (the id attribute of its root element)")]
    NoFormId,
    #[error("the instance has no instance id (meta/instanceID)")]
    NoInstanceId,
    #[error("the instance has an element <{0}> that this form version does not have")]
    Unknown(String),
    #[error("the instance has more than {MAX_ITEMS} repeat items")]
    TooManyItems,
}

fn parse(xml: &[u8]) -> Result<roxmltree::Document<'_>, InstanceError> {
    if xml.len() > MAX_INSTANCE_BYTES {
        return Err(InstanceError::TooLarge);
    }
    let text = std::str::from_utf8(xml)
        .map_err(|_| InstanceError::NotXml("it is not UTF-8 text".into()))?;
    let options = roxmltree::ParsingOptions {
        allow_dtd: false,
        nodes_limit: MAX_NODES,
        ..roxmltree::ParsingOptions::default()
    };
    roxmltree::Document::parse_with_options(text, options)
        .map_err(|e| InstanceError::NotXml(e.to_string()))
}

/// The form id and version an instance names (its root element's `id` and `version`).
pub fn header(xml: &[u8]) -> Result<Header, InstanceError> {
    let doc = parse(xml)?;
    let root = doc.root_element();
    let form_id = root
        .attribute("id")
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .ok_or(InstanceError::NoFormId)?;
    Ok(Header {
        form_id: form_id.to_string(),
        version: root.attribute("version").unwrap_or("").trim().to_string(),
    })
}

/// Reads an instance of `c`'s form into answers, keyed as the form's own pages key them.
pub fn read(c: &Compiled, xml: &[u8]) -> Result<Instance, InstanceError> {
    let doc = parse(xml)?;
    let mut reader = Reader { c, items: 0 };
    let mut answers = Answers::default();
    let mut instance_id = None;
    for child in doc.root_element().children().filter(|n| n.is_element()) {
        if child.tag_name().name() == "meta" {
            instance_id = meta(child, &mut answers).or(instance_id);
            continue;
        }
        reader.element(&c.items, child, &mut answers)?;
    }
    let instance_id = instance_id.ok_or(InstanceError::NoInstanceId)?;
    Ok(Instance {
        instance_id,
        answers,
    })
}

/// The `meta` block: the instance id is kept as the answer of that name; the rest (the
/// instance's name, a deprecated id, an audit log's file name) is the client's bookkeeping.
fn meta(node: roxmltree::Node<'_, '_>, answers: &mut Answers) -> Option<String> {
    let id = node
        .children()
        .find(|n| n.is_element() && n.tag_name().name() == INSTANCE_ID)
        .map(text_of)
        .filter(|s| !s.is_empty())?;
    answers.set(INSTANCE_ID, id.clone());
    Some(id)
}

/// An element's text, its text children joined, without surrounding white space.
fn text_of(node: roxmltree::Node<'_, '_>) -> String {
    let mut s = String::new();
    for t in node.children().filter(|n| n.is_text()) {
        s.push_str(t.text().unwrap_or_default());
    }
    s.trim().to_string()
}

struct Reader<'c> {
    c: &'c Compiled,
    items: usize,
}

impl Reader<'_> {
    /// One element, matched by name against the rows of `items` (a group or a repeat item's
    /// contents).
    fn element(
        &mut self,
        items: &[Item],
        node: roxmltree::Node<'_, '_>,
        out: &mut Answers,
    ) -> Result<(), InstanceError> {
        let name = node.tag_name().name();
        // A client may send a repeat's template along; it holds no answers.
        if node
            .attributes()
            .any(|a| a.name() == "template" && a.namespace().is_some())
        {
            return Ok(());
        }
        let item = items
            .iter()
            .find(|item| {
                let (Item::Field(i) | Item::Group(i, _) | Item::Repeat(i, _)) = item;
                self.c.question(*i).name == name
            })
            .ok_or_else(|| InstanceError::Unknown(name.to_string()))?;
        match item {
            Item::Field(i) => {
                let value = text_of(node);
                if !value.is_empty() {
                    out.set(self.c.key(*i), value);
                }
            }
            Item::Group(_, children) => {
                for child in node.children().filter(|n| n.is_element()) {
                    self.element(children, child, out)?;
                }
            }
            Item::Repeat(i, children) => {
                self.items += 1;
                if self.items > MAX_ITEMS {
                    return Err(InstanceError::TooManyItems);
                }
                let mut one = Answers::default();
                for child in node.children().filter(|n| n.is_element()) {
                    self.element(children, child, &mut one)?;
                }
                let key = self.c.key(*i).to_string();
                match out
                    .0
                    .entry(key)
                    .or_insert_with(|| Answer::Repeat(Vec::new()))
                {
                    Answer::Repeat(list) => list.push(one),
                    other => *other = Answer::Repeat(vec![one]),
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use crate::xlsform::read as read_xlsform;

    fn household() -> Compiled {
        let survey = "type,name,label\ntext,who,Who\nbegin_group,g,G\ninteger,age,Age\n\
            end_group,,\nbegin_repeat,member,Member\ntext,name,Name\nend_repeat,,\n";
        let settings = "form_id,version,form_title\nt,1,T\n";
        let book = crate::text::read(&[("survey", survey), ("settings", settings)]).unwrap();
        Compiled::new(read_xlsform(&book, "t").unwrap()).unwrap()
    }

    #[test]
    fn an_instance_reads_into_the_answers_the_pages_keep() {
        let xml = br#"<?xml version="1.0"?>
            <data xmlns:jr="http://openrosa.org/javarosa" id="t" version="1">
              <who>Awa</who><g><age>31</age></g>
              <member><name>A</name></member><member><name>B</name></member>
              <meta><instanceID>uuid:1</instanceID></meta></data>"#;
        assert_eq!(
            header(xml).unwrap(),
            Header {
                form_id: "t".into(),
                version: "1".into()
            }
        );
        let i = read(&household(), xml).unwrap();
        assert_eq!(i.instance_id, "uuid:1");
        assert_eq!(i.answers.text("who"), "Awa");
        assert_eq!(i.answers.text("age"), "31");
        let members = i.answers.instances("member");
        assert_eq!(members.len(), 2);
        assert_eq!(members[1].text("name"), "B");
    }

    #[test]
    fn what_the_form_does_not_have_is_refused() {
        let c = household();
        let unknown =
            br#"<data id="t"><whom>x</whom><meta><instanceID>uuid:1</instanceID></meta></data>"#;
        assert_eq!(
            read(&c, unknown),
            Err(InstanceError::Unknown("whom".into()))
        );
        let no_id = br#"<data id="t"><who>x</who></data>"#;
        assert_eq!(read(&c, no_id), Err(InstanceError::NoInstanceId));
        assert_eq!(header(b"<data/>"), Err(InstanceError::NoFormId));
        let entity = br#"<!DOCTYPE d [<!ENTITY a "aaaa">]><data id="t"><who>&a;</who></data>"#;
        assert!(matches!(read(&c, entity), Err(InstanceError::NotXml(_))));
        assert!(matches!(read(&c, b"<data"), Err(InstanceError::NotXml(_))));
    }
}
