//! The `type` column: every spelling pyxform accepts, what each means, and the types Reintegra
//! refuses with the reason.

use super::*;

/// Types other XLSForm tools know that Reintegra does not take, with the reason.
pub(super) const UNSUPPORTED_TYPES: &[(&str, &str)] = &[
    (
        "select_one_external",
        "choices from an external itemsets file are not supported; use select_one_from_file",
    ),
    (
        "select_multiple_external",
        "choices from an external itemsets file are not supported; use select_multiple_from_file",
    ),
    ("xml-external", "external XML instances are not supported"),
    ("csv-external", "external CSV instances are not supported"),
    ("include", "including other forms is not supported"),
    ("osm", "OpenStreetMap questions are not supported"),
    (
        "background-geopoint",
        "background location is not supported",
    ),
];

/// Other names XLSForm tools accept for a type (pyxform's question type dictionary), by the
/// lower-cased `type` cell.
pub(super) fn alias(t: &str) -> Option<Kind> {
    Some(match t {
        "text" | "string" | "q string" | "add text prompt" | "barcode-text" => Kind::Text,
        "integer" | "int" | "q int" | "add integer prompt" => Kind::Integer,
        "decimal" | "q decimal" | "add decimal prompt" => Kind::Decimal,
        "date" | "q date" | "add date prompt" => Kind::Date,
        "time" => Kind::Time,
        "datetime"
        | "date time"
        | "q datetime"
        | "q date time"
        | "add datetime prompt"
        | "add date time prompt" => Kind::DateTime,
        "note" | "q note" | "add note prompt" => Kind::Note,
        "calculate" | "q calculate" | "add calculate prompt" => Kind::Calculate,
        "acknowledge" | "q acknowledge" | "add acknowledge prompt" | "trigger" => Kind::Acknowledge,
        "start" | "start time" | "get start time" => Kind::Start,
        "end" | "end time" | "get end time" => Kind::End,
        "today" | "get today" => Kind::Today,
        "geopoint" | "q geopoint" | "location" | "q location" | "gps" | "add location prompt" => {
            Kind::GeoPoint
        }
        "geotrace" | "q geotrace" => Kind::GeoTrace,
        "geoshape" | "q geoshape" => Kind::GeoShape,
        "barcode" | "q barcode" | "add barcode prompt" => Kind::Barcode,
        "range" => Kind::Range,
        "hidden" => Kind::Hidden,
        "image" | "photo" | "q image" | "q picture" | "add image prompt" => Kind::Image,
        "audio" | "q audio" | "add audio prompt" => Kind::Audio,
        "video" | "q video" | "add video prompt" => Kind::Video,
        "file" | "add file prompt" => Kind::File,
        "deviceid" | "imei" | "device id" | "get device id" => Kind::Device("deviceid".into()),
        "phonenumber" | "get phone number" => Kind::Device("phonenumber".into()),
        "simserial" | "sim id" | "get sim id" => Kind::Device("simserial".into()),
        "subscriberid" | "subscriber id" | "get subscriber id" => {
            Kind::Device("subscriberid".into())
        }
        "username" | "email" | "audit" | "start-geopoint" | "background-audio" | "uri:deviceid"
        | "uri:username" | "uri:email" | "uri:phonenumber" | "uri:subscriberid"
        | "uri:simserial" => Kind::Device(t.into()),
        "begin_group" | "begin group" => Kind::BeginGroup,
        "end_group" | "end group" => Kind::EndGroup,
        "begin_repeat" | "begin repeat" => Kind::BeginRepeat,
        "end_repeat" | "end repeat" => Kind::EndRepeat,
        _ => return None,
    })
}

/// The hint pyxform's dictionary gives some of those types.
pub(super) fn implied_hint(type_cell: &str) -> Option<&'static str> {
    Some(
        match type_cell
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_ascii_lowercase()
            .as_str()
        {
            "phone number" => "Enter numbers only.",
            "number of days in last month" => "Enter a number 0-31.",
            "number of days in last six months" => "Enter a number 0-183.",
            "number of days in last year" => "Enter a number 0-365.",
            _ => return None,
        },
    )
}

/// Types that are another type with a constraint added (pyxform's dictionary).
pub(super) fn implied_constraint(type_cell: &str) -> Option<(Kind, &'static str)> {
    Some(match type_cell.trim().to_ascii_lowercase().as_str() {
        "phone number" => (Kind::Text, "regex(., '^\\d*$')"),
        "percentage" => (Kind::Integer, "0 <= . and . <= 100"),
        "number of days in last month" => (Kind::Integer, "0 <= . and . <= 31"),
        "number of days in last six months" => (Kind::Integer, "0 <= . and . <= 183"),
        "number of days in last year" => (Kind::Integer, "0 <= . and . <= 365"),
        _ => return None,
    })
}

/// A `type` cell: the kind, and whether it ends with `or_other`.
pub(super) fn parse_type(cell: &str) -> Result<(Kind, bool), String> {
    let t = cell.trim();
    let lower = t.to_ascii_lowercase();
    let collapsed = lower.split_whitespace().collect::<Vec<_>>().join(" ");
    if let Some(kind) = alias(&collapsed) {
        return Ok((kind, false));
    }
    if let Some((kind, _)) = implied_constraint(&collapsed) {
        return Ok((kind, false));
    }
    let words: Vec<&str> = lower.split_whitespace().collect();
    let orig_words: Vec<&str> = t.split_whitespace().collect();
    // The list (or file) after the type's own words, and an optional `or_other`.
    let after = |n: usize| -> Result<(String, bool), String> {
        match orig_words.get(n..) {
            Some([list]) => Ok(((*list).to_string(), false)),
            Some([list, extra]) if extra.eq_ignore_ascii_case("or_other") => {
                Ok(((*list).to_string(), true))
            }
            Some([list, or, specify, other])
                if or.eq_ignore_ascii_case("or")
                    && specify.eq_ignore_ascii_case("specify")
                    && other.eq_ignore_ascii_case("other") =>
            {
                Ok(((*list).to_string(), true))
            }
            Some([list, or, other])
                if or.eq_ignore_ascii_case("or") && other.eq_ignore_ascii_case("other") =>
            {
                Ok(((*list).to_string(), true))
            }
            _ => Err(format!(
                "'{t}' must name one choice list, as in 'select_one yes_no'"
            )),
        }
    };
    let select = |n: usize, multiple: bool| -> Result<(Kind, bool), String> {
        let (list, other) = after(n)?;
        Ok((
            if multiple {
                Kind::SelectMultiple(list)
            } else {
                Kind::SelectOne(list)
            },
            other,
        ))
    };
    let from_file = |multiple: bool| -> Result<(Kind, bool), String> {
        match orig_words.get(1..) {
            Some([file]) if has_choices_extension(file) => Ok((
                if multiple {
                    Kind::SelectMultipleFromFile((*file).to_string())
                } else {
                    Kind::SelectOneFromFile((*file).to_string())
                },
                false,
            )),
            _ => Err(format!(
                "'{t}' must name one file ending in .csv, .xml or .geojson, as in \
                 'select_one_from_file villages.csv'"
            )),
        }
    };
    match words.as_slice() {
        ["select_one", ..] | ["select1", ..] => select(1, false),
        ["select_multiple", ..] => select(1, true),
        ["select", "one", "from", ..] | ["select", "one", "using", ..] => select(3, false),
        ["select", "one", ..] => select(2, false),
        ["select", "all", "that", "apply", "from", ..] => select(5, true),
        ["select", "all", "that", "apply", ..] => select(4, true),
        ["select", "multiple", "from", ..] | ["select", "multiple", "using", ..] => select(3, true),
        ["select", "multiple", ..] => select(2, true),
        ["select_one_from_file", ..] => from_file(false),
        ["select_multiple_from_file", ..] => from_file(true),
        ["rank", ..] => match after(1) {
            Ok((list, other)) => Ok((Kind::Rank(list), other)),
            _ => Err(format!(
                "'{t}' must name one choice list, as in 'rank needs'"
            )),
        },
        ["begin", "loop", ..] | ["end", "loop"] | ["begin_loop", ..] | ["end_loop"] => Err(
            format!("'{t}': loops are not supported; use a repeat (begin_repeat)"),
        ),
        [first, ..] => match UNSUPPORTED_TYPES.iter().find(|(name, _)| name == first) {
            Some((_, why)) => Err(format!(
                "the question type '{first}' is not supported: {why}"
            )),
            None => Err(format!("'{t}' is not a question type Reintegra knows")),
        },
        [] => Err("this row has no type".into()),
    }
}

pub(super) fn has_choices_extension(file: &str) -> bool {
    let lower = file.to_ascii_lowercase();
    [".csv", ".xml", ".geojson"]
        .iter()
        .any(|e| lower.ends_with(e) && lower.len() > e.len())
}
