//! Money: amounts are whole units of the programme's currency, named by a three-letter code
//! (ISO 4217 style: XOF, GNF, MAD, TND, IQD …).

/// Three capital letters.
pub fn is_currency_code(code: &str) -> bool {
    code.len() == 3 && code.bytes().all(|b| b.is_ascii_uppercase())
}

/// The digits of `amount` in groups of three, joined by `separator`: 250000 → "250,000".
pub fn group_digits(amount: i64, separator: &str) -> String {
    let digits = amount.unsigned_abs().to_string();
    let mut out = String::new();
    for (n, d) in digits.chars().enumerate() {
        if n > 0 && (digits.len() - n).is_multiple_of(3) {
            out.push_str(separator);
        }
        out.push(d);
    }
    if amount < 0 { format!("-{out}") } else { out }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_grouped_by_thousands() {
        assert_eq!(group_digits(0, ","), "0");
        assert_eq!(group_digits(950, ","), "950");
        assert_eq!(group_digits(250_000, ","), "250,000");
        assert_eq!(
            group_digits(1_250_000, "\u{202f}"),
            "1\u{202f}250\u{202f}000"
        );
        assert_eq!(group_digits(-4_500, ","), "-4,500");
        assert!(is_currency_code("XOF"));
        assert!(!is_currency_code("xof"));
        assert!(!is_currency_code("CFA F"));
    }
}
