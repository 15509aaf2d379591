//! The statistics behind "what works" (Module 5 §2.2, Module 1 on long-term monitoring): a
//! mean with its confidence interval from Student's t distribution, and ordinary least squares
//! with the standard error of each coefficient, for comparisons adjusted for who was served.

use nalgebra::{DMatrix, DVector};
use statrs::distribution::{ContinuousCDF, StudentsT};

/// A figure with its two-sided confidence interval.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Interval {
    pub estimate: f64,
    pub low: f64,
    pub high: f64,
}

/// The quantile of Student's t distribution with `df` degrees of freedom that leaves
/// `(1 − level) / 2` above it.
fn t_critical(level: f64, df: f64) -> Option<f64> {
    let t = StudentsT::new(0.0, 1.0, df).ok()?;
    Some(t.inverse_cdf(1.0 - (1.0 - level) / 2.0))
}

/// The mean of `values` and its `level` (for example 0.95) t-interval: mean ± t × s / √n with
/// n − 1 degrees of freedom. None for fewer than two values.
pub fn mean_interval(values: &[f64], level: f64) -> Option<Interval> {
    let n = values.len();
    if n < 2 {
        return None;
    }
    let mean = values.iter().sum::<f64>() / n as f64;
    let variance = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
    let half = t_critical(level, (n - 1) as f64)? * (variance / n as f64).sqrt();
    Some(Interval {
        estimate: mean,
        low: mean - half,
        high: mean + half,
    })
}

/// A least-squares fit over the columns that could be told apart: for each, its coefficient
/// and standard error; and the residual degrees of freedom.
#[derive(Clone, Debug, PartialEq)]
pub struct Fit {
    /// The columns kept, in order; a column the earlier ones already explain is left out.
    pub columns: Vec<usize>,
    pub coefficients: Vec<f64>,
    pub std_errors: Vec<f64>,
    pub residual_df: usize,
}

impl Fit {
    /// The coefficient of `column` with its `level` confidence interval; None when the column
    /// was left out.
    pub fn interval(&self, column: usize, level: f64) -> Option<Interval> {
        let j = self.columns.iter().position(|c| *c == column)?;
        let t = t_critical(level, self.residual_df as f64)?;
        let (b, se) = (self.coefficients[j], self.std_errors[j]);
        Some(Interval {
            estimate: b,
            low: b - t * se,
            high: b + t * se,
        })
    }
}

/// A column is left out when less than this share of its variation is its own (the rest
/// being explained by the columns kept before it).
const OWN_VARIATION: f64 = 1e-9;

/// Ordinary least squares of `y` on the columns of `rows` (one row per observation; the caller
/// includes a column of ones for the intercept, first). Columns are taken in order and one
/// that the columns before it explain (a constant, a group that is another's complement or
/// twin) is left out, so a fit is always made of what the data can tell apart. None when no
/// degree of freedom is left.
pub fn least_squares(rows: &[Vec<f64>], y: &[f64]) -> Option<Fit> {
    let n = rows.len();
    let p = rows.first()?.len();
    if n != y.len() || rows.iter().any(|r| r.len() != p) {
        return None;
    }
    // X'X and X'y summed row by row: memory stays p × p however many returnees there are.
    let mut xtx = DMatrix::<f64>::zeros(p, p);
    let mut xty = DVector::<f64>::zeros(p);
    for (row, &v) in rows.iter().zip(y) {
        let r = DVector::from_column_slice(row);
        xtx.ger(1.0, &r, &r, 1.0);
        xty.axpy(v, &r, 1.0);
    }
    let sub =
        |cols: &[usize]| DMatrix::from_fn(cols.len(), cols.len(), |i, j| xtx[(cols[i], cols[j])]);
    let mut columns: Vec<usize> = Vec::new();
    for j in 0..p {
        let mut trial = columns.clone();
        trial.push(j);
        // The last pivot of the Cholesky factor is the part of column j the others do not
        // explain.
        let own = sub(&trial)
            .cholesky()
            .map(|c| c.l()[(trial.len() - 1, trial.len() - 1)].powi(2));
        if own.is_some_and(|v| v > OWN_VARIATION * xtx[(j, j)].max(f64::MIN_POSITIVE)) {
            columns = trial;
        }
    }
    let residual_df = n.checked_sub(columns.len()).filter(|df| *df > 0)?;
    let inverse = sub(&columns).cholesky()?.inverse();
    let beta = &inverse * DVector::from_iterator(columns.len(), columns.iter().map(|&j| xty[j]));
    let rss: f64 = rows
        .iter()
        .zip(y)
        .map(|(row, v)| {
            let fitted: f64 = columns
                .iter()
                .zip(beta.iter())
                .map(|(&j, b)| row[j] * b)
                .sum();
            (v - fitted).powi(2)
        })
        .sum();
    let sigma2 = rss / residual_df as f64;
    Some(Fit {
        std_errors: (0..columns.len())
            .map(|k| (sigma2 * inverse[(k, k)]).max(0.0).sqrt())
            .collect(),
        coefficients: beta.iter().copied().collect(),
        columns,
        residual_df,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, tolerance: f64) -> bool {
        (a - b).abs() <= tolerance
    }

    #[test]
    fn a_t_interval_matches_the_textbook() {
        // 1..=10: mean 5.5, s = 3.02765, t(0.975, 9) = 2.262157; R's t.test(1:10) gives
        // 3.334149 to 7.665851.
        let values: Vec<f64> = (1..=10).map(f64::from).collect();
        let i = mean_interval(&values, 0.95).unwrap();
        assert!(close(i.estimate, 5.5, 1e-12));
        assert!(close(i.low, 3.334149, 1e-6), "{i:?}");
        assert!(close(i.high, 7.665851, 1e-6), "{i:?}");
        // 90%: t(0.95, 9) = 1.833113.
        let i = mean_interval(&values, 0.90).unwrap();
        assert!(close(
            i.high - i.estimate,
            1.833113 * 3.027650 / 10f64.sqrt(),
            1e-5
        ));
        assert_eq!(mean_interval(&[1.0], 0.95), None);
    }

    #[test]
    fn least_squares_matches_a_hand_computed_line() {
        // y = 1 + 2x exactly, then one point off the line.
        let rows: Vec<Vec<f64>> = (0..5).map(|x| vec![1.0, f64::from(x)]).collect();
        let fit = least_squares(&rows, &[1.0, 3.0, 5.0, 7.0, 9.0]).unwrap();
        assert!(close(fit.coefficients[0], 1.0, 1e-10) && close(fit.coefficients[1], 2.0, 1e-10));
        assert!(fit.std_errors.iter().all(|s| close(*s, 0.0, 1e-7)));
        // x = 0..4, y = 1, 3, 5, 7, 10: Sxy = 22, Sxx = 10, so slope 2.2 and intercept 0.8.
        let fit = least_squares(&rows, &[1.0, 3.0, 5.0, 7.0, 10.0]).unwrap();
        assert!(close(fit.coefficients[1], 2.2, 1e-10), "{fit:?}");
        assert!(close(fit.coefficients[0], 0.8, 1e-10), "{fit:?}");
        // Residuals 0.2, 0, -0.2, -0.4, 0.4: RSS 0.4, s² = 0.4 / 3; Sxx = 10.
        assert!(close(
            fit.std_errors[1],
            (0.4 / 3.0 / 10.0f64).sqrt(),
            1e-10
        ));
        assert_eq!(fit.residual_df, 3);
        let slope = fit.interval(1, 0.95).unwrap();
        // t(0.975, 3) = 3.182446.
        assert!(close(
            slope.high - 2.2,
            3.182446 * (0.4 / 30.0f64).sqrt(),
            1e-5
        ));
    }

    #[test]
    fn a_column_the_others_explain_is_left_out() {
        // The third column is twice the second: it says nothing new.
        let rows: Vec<Vec<f64>> = (0..5)
            .map(|x| vec![1.0, f64::from(x), 2.0 * f64::from(x)])
            .collect();
        let fit = least_squares(&rows, &[1.0, 3.0, 5.0, 7.0, 9.0]).unwrap();
        assert_eq!(fit.columns, [0, 1]);
        assert!(close(fit.coefficients[1], 2.0, 1e-10));
        assert_eq!(fit.interval(2, 0.95), None);
        // A constant besides the intercept, likewise.
        let rows = vec![vec![1.0, 2.0], vec![1.0, 2.0], vec![1.0, 2.0]];
        assert_eq!(least_squares(&rows, &[1.0, 2.0, 3.0]).unwrap().columns, [0]);
        // No degree of freedom left: no fit.
        let rows = vec![vec![1.0, 0.0], vec![1.0, 1.0]];
        assert_eq!(least_squares(&rows, &[1.0, 2.0]), None);
    }
}
