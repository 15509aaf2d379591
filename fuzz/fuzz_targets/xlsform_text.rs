//! An XLSForm as CSV sheets (survey, choices, settings, split at NUL bytes): read, checked and
//! compiled, and a compiled form filled with no answers.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut parts = text.splitn(3, '\0');
    let sheets = [
        ("survey", parts.next().unwrap_or_default()),
        ("choices", parts.next().unwrap_or_default()),
        ("settings", parts.next().unwrap_or_default()),
    ];
    let Ok(book) = forms::text::read(&sheets) else {
        return;
    };
    if let Ok(form) = forms::xlsform::read(&book, "fuzz")
        && let Ok(compiled) = forms::Compiled::new(form)
    {
        let today = time::macros::date!(2026 - 12 - 06);
        let _ = compiled.fill(&Default::default(), today);
    }
});
