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

/// Running sums of values: enough for their mean and its t-interval without keeping them.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Moments {
    pub n: usize,
    sum: f64,
    sum_of_squares: f64,
}

impl Moments {
    pub fn add(&mut self, value: f64) {
        self.n += 1;
        self.sum += value;
        self.sum_of_squares += value * value;
    }

    /// Adds the values summed in `other`.
    pub fn merge(&mut self, other: &Moments) {
        self.n += other.n;
        self.sum += other.sum;
        self.sum_of_squares += other.sum_of_squares;
    }

    /// The mean and its `level` (for example 0.95) t-interval: mean ± t × s / √n with n − 1
    /// degrees of freedom. None for fewer than two values.
    pub fn interval(&self, level: f64) -> Option<Interval> {
        let n = self.n;
        if n < 2 {
            return None;
        }
        let mean = self.sum / n as f64;
        let variance = ((self.sum_of_squares - self.sum * mean) / (n - 1) as f64).max(0.0);
        let half = t_critical(level, (n - 1) as f64)? * (variance / n as f64).sqrt();
        Some(Interval {
            estimate: mean,
            low: mean - half,
            high: mean + half,
        })
    }
}

/// The mean of `values` and its `level` t-interval (see [`Moments::interval`]).
pub fn mean_interval(values: &[f64], level: f64) -> Option<Interval> {
    let mut m = Moments::default();
    values.iter().for_each(|v| m.add(*v));
    m.interval(level)
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

/// The sums a least-squares fit needs, added up row by row: X'X, X'y, y'y and the number of
/// rows. Memory stays p × p however many returnees there are, and sums over different rows
/// can be put together.
#[derive(Clone, Debug, PartialEq)]
pub struct NormalEquations {
    xtx: DMatrix<f64>,
    xty: DVector<f64>,
    yty: f64,
    n: usize,
}

impl NormalEquations {
    /// Sums over no row yet, for `p` columns.
    pub fn new(p: usize) -> NormalEquations {
        NormalEquations {
            xtx: DMatrix::zeros(p, p),
            xty: DVector::zeros(p),
            yty: 0.0,
            n: 0,
        }
    }

    pub fn columns(&self) -> usize {
        self.xty.len()
    }

    /// Adds one row (its length must be the number of columns) and its value of y.
    pub fn add(&mut self, row: &[f64], y: f64) {
        debug_assert_eq!(row.len(), self.columns());
        for (i, a) in row.iter().enumerate() {
            for (j, b) in row.iter().enumerate().skip(i) {
                self.xtx[(i, j)] += a * b;
            }
            self.xty[i] += a * y;
        }
        self.yty += y * y;
        self.n += 1;
    }

    /// Adds the rows summed in `part`, whose column 0 is the intercept (1 on every row). Its
    /// columns are this one's first; the columns listed in `ones` are 1 on each of those rows
    /// (a group they all belong to), every other column 0.
    pub fn absorb(&mut self, part: &NormalEquations, ones: &[usize]) {
        let p = part.columns();
        for i in 0..p {
            for j in i..p {
                self.xtx[(i, j)] += part.xtx[(i, j)];
            }
            self.xty[i] += part.xty[i];
            // A column of ones times column i is the sum of column i.
            for &k in ones {
                self.xtx[(i.min(k), i.max(k))] += part.xtx[(0, i)];
            }
        }
        for &k in ones {
            for &l in ones.iter().filter(|l| **l >= k) {
                self.xtx[(k, l)] += part.n as f64;
            }
            self.xty[k] += part.xty[0];
        }
        self.yty += part.yty;
        self.n += part.n;
    }

    /// The cross-products, both halves filled in (rows add to the upper one only).
    fn cross_products(&self) -> DMatrix<f64> {
        let mut full = self.xtx.clone();
        full.fill_lower_triangle_with_upper_triangle();
        full
    }

    /// The ordinary least-squares fit of y on these columns. Columns are taken in order and one
    /// that the columns before it explain (a constant, a group that is another's complement or
    /// twin) is left out, so a fit is always made of what the data can tell apart. None when
    /// no degree of freedom is left.
    pub fn solve(&self) -> Option<Fit> {
        let xtx = self.cross_products();
        let sub = |cols: &[usize]| {
            DMatrix::from_fn(cols.len(), cols.len(), |i, j| xtx[(cols[i], cols[j])])
        };
        let mut columns: Vec<usize> = Vec::new();
        for j in 0..self.columns() {
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
        let residual_df = self.n.checked_sub(columns.len()).filter(|df| *df > 0)?;
        let inverse = sub(&columns).cholesky()?.inverse();
        let xty = DVector::from_iterator(columns.len(), columns.iter().map(|&j| self.xty[j]));
        let beta = &inverse * &xty;
        // The residual sum of squares from the sums alone: y'y − b'X'y.
        let rss = (self.yty - beta.dot(&xty)).max(0.0);
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
}

/// Ordinary least squares of `y` on the columns of `rows` (one row per observation; the caller
/// includes a column of ones for the intercept, first); see [`NormalEquations::solve`].
pub fn least_squares(rows: &[Vec<f64>], y: &[f64]) -> Option<Fit> {
    let p = rows.first()?.len();
    if rows.len() != y.len() || rows.iter().any(|r| r.len() != p) {
        return None;
    }
    let mut sums = NormalEquations::new(p);
    rows.iter().zip(y).for_each(|(row, v)| sums.add(row, *v));
    sums.solve()
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

    #[test]
    fn sums_put_together_give_the_fit_of_all_their_rows() {
        // Two groups summed apart over [1, x], then absorbed with a group column: the same fit
        // as the rows written out with that column.
        let (mut a, mut b) = (NormalEquations::new(2), NormalEquations::new(2));
        let mut rows = Vec::new();
        let mut y = Vec::new();
        for x in 0..6 {
            let (x, in_b) = (f64::from(x), x % 2 == 1);
            let v = 0.5 + 0.3 * x + if in_b { 0.2 } else { 0.0 } + 0.01 * (x % 3.0);
            if in_b { &mut b } else { &mut a }.add(&[1.0, x], v);
            rows.push(vec![1.0, x, f64::from(u8::from(in_b))]);
            y.push(v);
        }
        let mut all = NormalEquations::new(3);
        all.absorb(&a, &[]);
        all.absorb(&b, &[2]);
        let (put_together, written_out) = (all.solve().unwrap(), least_squares(&rows, &y).unwrap());
        for (p, q) in put_together
            .coefficients
            .iter()
            .chain(&put_together.std_errors)
            .zip(
                written_out
                    .coefficients
                    .iter()
                    .chain(&written_out.std_errors),
            )
        {
            assert!(close(*p, *q, 1e-9), "{put_together:?} {written_out:?}");
        }
    }
}
