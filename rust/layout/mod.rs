//! Gallery layout math: the uniform [`grid`] (the plan's `VirtualAssetGrid`) and the
//! [`justified`] layout (rows of items at their aspect ratios). Plain numbers in and out.

pub mod grid;
pub mod justified;

use crate::error::{Error, Result};

/// `value`, or an [`Error::InvalidArgument`] naming `name` when it is NaN (infinities are
/// fine: the layouts clamp them).
pub fn not_nan(name: &str, value: f64) -> Result<f64> {
    if value.is_nan() {
        Err(Error::invalid(format!("{name} must be a number, not NaN")))
    } else {
        Ok(value)
    }
}

/// Section starts given as signed integers (as Python passes them), checked non-negative.
pub fn section_starts(starts: Vec<i64>) -> Result<Vec<usize>> {
    starts
        .into_iter()
        .map(|s| {
            usize::try_from(s).map_err(|_| Error::invalid("section starts must be non-negative"))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arguments_are_checked() {
        assert_eq!(not_nan("x", f64::INFINITY).ok(), Some(f64::INFINITY));
        assert!(
            matches!(not_nan("x", f64::NAN), Err(Error::InvalidArgument(m)) if m.contains('x'))
        );
        assert_eq!(section_starts(vec![0, 5]).ok(), Some(vec![0, 5]));
        assert!(section_starts(vec![3, -1]).is_err());
    }
}
