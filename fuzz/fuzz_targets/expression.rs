//! An expression as a form author might write it: parsed, and evaluated with every reference
//! answered by the same text, never a panic or a hang.
#![no_main]

use forms::expr::Evaluate;
use forms::expr::Env;
use libfuzzer_sys::fuzz_target;

struct Same(String);

impl Env for Same {
    fn lookup(&self, _name: &str) -> forms::expr::Value {
        forms::expr::Value::Str(self.0.clone())
    }
    fn current(&self) -> forms::expr::Value {
        forms::expr::Value::Str(self.0.clone())
    }
    fn today(&self) -> time::Date {
        time::macros::date!(2026 - 12 - 06)
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (source, value) = text.split_once('\0').unwrap_or((text, "12"));
    if let Ok(e) = forms::expr::parse(source) {
        let _ = e.eval(&Same(value.to_string()));
    }
});
