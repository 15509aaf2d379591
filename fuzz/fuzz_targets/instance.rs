//! A filled instance as a field client sends it (untrusted XML): its header and, when it is
//! one, an encrypted submission's manifest read, then the instance read against the shipped W
//! model (groups, a repeat, selects, a photo), filled and checked.
#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;

static W_MODEL: LazyLock<forms::Compiled> = LazyLock::new(|| {
    let (_, form) = forms::shipped::all()
        .into_iter()
        .find(|(id, _)| *id == "w_model")
        .expect("the W model ships");
    forms::Compiled::new(form.expect("the W model reads")).expect("the W model compiles")
});

fuzz_target!(|data: &[u8]| {
    let _ = forms::xform::instance::header(data);
    let _ = forms::xform::sealed::manifest(data);
    if let Ok(instance) = forms::xform::instance::read(&W_MODEL, data) {
        let today = time::macros::date!(2026 - 12 - 06);
        let filled = W_MODEL.fill(&instance.answers, today);
        let _ = W_MODEL.validate(&filled, today, "English (en)");
    }
});
