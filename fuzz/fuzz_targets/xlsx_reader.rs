//! An uploaded workbook, whatever its bytes: read with bounded memory, compiled, never a crash.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // The reader turns a panic inside calamine into a refusal (`catch_unwind`); libFuzzer's own
    // hook would abort before that. A panic that escapes still aborts: libfuzzer-sys catches
    // it around this closure.
    static QUIET: std::sync::Once = std::sync::Once::new();
    QUIET.call_once(|| std::panic::set_hook(Box::new(|_| {})));
    if let Ok(form) = forms::import_xlsx(data, "fuzz.xlsx") {
        let _ = forms::Compiled::new(form);
    }
});
