//! Workbooks built to exhaust the reader: each is refused with a message, quickly and without
//! laying out the grid its far cells imply.

use std::time::Instant;

/// A valid little form, plus one value at `(row, column)` of the survey sheet.
fn form_with_far_cell(row: u32, column: u16) -> Vec<u8> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let survey = wb.add_worksheet();
    survey.set_name("survey").unwrap();
    for (c, h) in ["type", "name", "label"].iter().enumerate() {
        survey.write_string(0, c as u16, *h).unwrap();
    }
    for (c, v) in ["text", "q1", "Name?"].iter().enumerate() {
        survey.write_string(1, c as u16, *v).unwrap();
    }
    survey.write_string(row, column, "x").unwrap();
    wb.save_to_buffer().unwrap()
}

fn refused_quickly(bytes: &[u8], expect: &str) {
    let started = Instant::now();
    let problems = forms::import_xlsx(bytes, "far.xlsx").expect_err("refused");
    let message = problems[0].to_string();
    assert!(message.contains(expect), "{message}");
    assert!(
        started.elapsed().as_secs() < 5,
        "refused without building the grid ({:?})",
        started.elapsed()
    );
}

#[test]
fn a_value_in_the_last_cell_of_the_sheet_is_refused_not_allocated() {
    // XFD1048576: a grid of 17 billion cells if laid out.
    let bytes = form_with_far_cell(1_048_575, 16_383);
    assert!(bytes.len() < 10_000, "a few kilobytes: {}", bytes.len());
    refused_quickly(&bytes, "row 1048576 and column 16384");
}

#[test]
fn a_value_a_million_rows_down_is_refused() {
    // GR1000000
    refused_quickly(&form_with_far_cell(999_999, 199), "row 1000000");
}

#[test]
fn a_far_column_is_refused() {
    refused_quickly(&form_with_far_cell(3, 5_000), "column 5001");
}

#[test]
fn the_form_next_to_nothing_far_still_reads() {
    let bytes = form_with_far_cell(1, 2);
    assert!(forms::import_xlsx(&bytes, "near.xlsx").is_ok());
}
