//! Numbers printed as C drivers print them with `%.Nf`, for the values drivers publish.

/// `x` with `decimals` decimals, as C's `%.Nf`, except that a value rounding to zero never
/// prints as `-0`.
pub fn fixed(x: f64, decimals: usize) -> String {
    let s = format!("{x:.decimals$}");
    match s.strip_prefix('-') {
        Some(rest) if rest.bytes().all(|b| b == b'0' || b == b'.') => rest.to_string(),
        _ => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prints_like_c_without_negative_zero() {
        assert_eq!(fixed(230.0, 1), "230.0");
        assert_eq!(fixed(14.0, 0), "14");
        assert_eq!(fixed(27.24, 2), "27.24");
        assert_eq!(fixed(-1.0, 0), "-1");
        assert_eq!(fixed(-0.2, 0), "0");
        assert_eq!(fixed(-0.04, 1), "0.0");
    }
}
