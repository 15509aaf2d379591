//! An uploaded workbook, whatever its bytes: read with bounded memory, compiled, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(form) = forms::import_xlsx(data, "fuzz.xlsx") {
        let _ = forms::Compiled::new(form);
    }
});
