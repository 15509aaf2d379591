//! Small-cell protection of count tables shown to readers who may not see individual records
//! (viewers). A count of fewer people than the threshold is hidden (primary suppression); then,
//! so that it cannot be worked out from the totals shown beside it, more cells are hidden
//! (secondary suppression) until no hidden count follows from the visible counts and totals.
//!
//! "Follows from" is decided exactly: the table's sums are linear equations in the hidden
//! counts, and a hidden count is recoverable when it is a combination of those equations.

/// A count as shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cell {
    Shown(u64),
    /// Fewer people than the threshold.
    Small,
    /// Hidden although not small, so that a small one cannot be worked out from the totals.
    Hidden,
}

impl Cell {
    pub fn is_hidden(self) -> bool {
        !matches!(self, Cell::Shown(_))
    }
}

/// Which totals a table shows beside its cells.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Layout {
    pub row_totals: bool,
    pub column_totals: bool,
    pub grand_total: bool,
    /// The totals are published whatever their size (elsewhere on the page, or by the reader's
    /// own knowledge): they are never hidden, only cells are.
    pub totals_known: bool,
}

/// A table as it may be shown.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Protected {
    pub cells: Vec<Vec<Cell>>,
    /// Empty when the layout shows no row totals.
    pub row_totals: Vec<Cell>,
    /// Empty when the layout shows no column totals.
    pub column_totals: Vec<Cell>,
    pub grand_total: Option<Cell>,
}

impl Protected {
    /// Whether any count was hidden to protect another (not for being small itself).
    pub fn has_secondary(&self) -> bool {
        self.entries().any(|c| c == Cell::Hidden)
    }

    fn entries(&self) -> impl Iterator<Item = Cell> + '_ {
        self.cells
            .iter()
            .flatten()
            .chain(&self.row_totals)
            .chain(&self.column_totals)
            .chain(&self.grand_total)
            .copied()
    }
}

/// Protects a table of counts (rows of equal length) for a reader with this threshold (`None`:
/// shown as is).
pub fn protect(counts: &[Vec<u64>], layout: Layout, threshold: Option<u64>) -> Protected {
    let model = Model::new(counts, layout);
    let cells = model.rows * model.columns;
    let mut hidden: Vec<Option<Cell>> = model
        .values
        .iter()
        .enumerate()
        .map(|(i, &n)| {
            let hideable = i < cells || !layout.totals_known;
            threshold
                .filter(|&t| hideable && n > 0 && n < t)
                .map(|_| Cell::Small)
        })
        .collect();
    if threshold.is_some() {
        // Hide one more entry at a time until no hidden entry can be recovered.
        while let Some(x) =
            (0..hidden.len()).find(|&i| hidden[i].is_some() && model.determined(i, &hidden))
        {
            let Some(next) = model.cover_for(x, &hidden) else {
                break;
            };
            hidden[next] = Some(Cell::Hidden);
        }
    }
    model.shown(&hidden)
}

/// The table's entries (cells, then row totals, column totals and the grand total that the
/// layout shows) and the sums linking them.
struct Model {
    rows: usize,
    columns: usize,
    layout: Layout,
    values: Vec<u64>,
    /// Each sum as the entries it adds up minus the entry it equals.
    equations: Vec<Vec<(usize, f64)>>,
}

impl Model {
    fn new(counts: &[Vec<u64>], layout: Layout) -> Self {
        let rows = counts.len();
        let columns = counts.iter().map(Vec::len).max().unwrap_or(0);
        let cell = |r: usize, c: usize| r * columns + c;
        let mut values: Vec<u64> = (0..rows * columns)
            .map(|i| counts[i / columns].get(i % columns).copied().unwrap_or(0))
            .collect();
        let mut equations = Vec::new();
        if layout.row_totals {
            for r in 0..rows {
                let total = values.len();
                values.push((0..columns).map(|c| values[cell(r, c)]).sum());
                let mut eq: Vec<(usize, f64)> = (0..columns).map(|c| (cell(r, c), 1.0)).collect();
                eq.push((total, -1.0));
                equations.push(eq);
            }
        }
        if layout.column_totals {
            for c in 0..columns {
                let total = values.len();
                values.push((0..rows).map(|r| values[cell(r, c)]).sum());
                let mut eq: Vec<(usize, f64)> = (0..rows).map(|r| (cell(r, c), 1.0)).collect();
                eq.push((total, -1.0));
                equations.push(eq);
            }
        }
        if layout.grand_total {
            let total = values.len();
            values.push((0..rows * columns).map(|i| values[i]).sum());
            let mut eq: Vec<(usize, f64)> = (0..rows * columns).map(|i| (i, 1.0)).collect();
            eq.push((total, -1.0));
            equations.push(eq);
        }
        Self {
            rows,
            columns,
            layout,
            values,
            equations,
        }
    }

    /// Whether hidden entry `x` follows from the visible entries: whether its unit vector lies
    /// in the span of the equations restricted to the hidden entries.
    fn determined(&self, x: usize, hidden: &[Option<Cell>]) -> bool {
        let unknowns: Vec<usize> = (0..hidden.len()).filter(|&i| hidden[i].is_some()).collect();
        let column_of = |i: usize| unknowns.iter().position(|&u| u == i);
        let rows: Vec<Vec<f64>> = self
            .equations
            .iter()
            .map(|eq| {
                let mut row = vec![0.0; unknowns.len()];
                for &(i, k) in eq {
                    if let Some(j) = column_of(i) {
                        row[j] += k;
                    }
                }
                row
            })
            .collect();
        let Some(target) = column_of(x) else {
            return false;
        };
        let mut unit = vec![0.0; unknowns.len()];
        unit[target] = 1.0;
        let mut with_unit = rows.clone();
        with_unit.push(unit);
        rank(rows) == rank(with_unit)
    }

    /// A visible entry to hide so that `x` may no longer be recovered: the smallest count
    /// sharing a sum with it, cells before totals.
    fn cover_for(&self, x: usize, hidden: &[Option<Cell>]) -> Option<usize> {
        let cells = self.rows * self.columns;
        let hideable = |i: &usize| {
            *i != x && hidden[*i].is_none() && (*i < cells || !self.layout.totals_known)
        };
        let smallest = |candidates: &mut dyn Iterator<Item = usize>| {
            candidates
                .filter(hideable)
                .min_by_key(|&i| (i >= cells, self.values[i] == 0, self.values[i]))
        };
        // Entries sharing a sum with `x` first; any other only when none is left.
        smallest(
            &mut self
                .equations
                .iter()
                .filter(|eq| eq.iter().any(|&(i, _)| i == x))
                .flat_map(|eq| eq.iter().map(|&(i, _)| i)),
        )
        .or_else(|| smallest(&mut (0..self.values.len())))
    }

    fn shown(&self, hidden: &[Option<Cell>]) -> Protected {
        let at = |i: usize| hidden[i].unwrap_or(Cell::Shown(self.values[i]));
        let mut next = self.rows * self.columns;
        let mut take = |n: usize, on: bool| -> Vec<Cell> {
            if !on {
                return Vec::new();
            }
            let out = (next..next + n).map(at).collect();
            next += n;
            out
        };
        let row_totals = take(self.rows, self.layout.row_totals);
        let column_totals = take(self.columns, self.layout.column_totals);
        let grand_total = take(1, self.layout.grand_total).first().copied();
        Protected {
            cells: (0..self.rows)
                .map(|r| {
                    (0..self.columns)
                        .map(|c| at(r * self.columns + c))
                        .collect()
                })
                .collect(),
            row_totals,
            column_totals,
            grand_total,
        }
    }
}

/// The rank of a small matrix, by Gaussian elimination (entries are small integers, so a
/// tolerance is exact enough).
fn rank(mut m: Vec<Vec<f64>>) -> usize {
    let columns = m.first().map_or(0, Vec::len);
    let mut rank = 0;
    for c in 0..columns {
        let Some(p) = (rank..m.len()).find(|&r| m[r][c].abs() > 1e-9) else {
            continue;
        };
        m.swap(rank, p);
        let pivot = m[rank].clone();
        for (r, row) in m.iter_mut().enumerate() {
            if r != rank && row[c].abs() > 1e-9 {
                let f = row[c] / pivot[c];
                for (x, y) in row.iter_mut().zip(&pivot) {
                    *x -= f * y;
                }
            }
        }
        rank += 1;
    }
    rank
}

#[cfg(test)]
mod tests {
    use super::*;

    const OVERVIEW: Layout = Layout {
        row_totals: true,
        column_totals: false,
        grand_total: true,
        totals_known: false,
    };

    /// Whether the value behind a hidden entry follows from what is shown: rebuilt here from
    /// the table as shown, independently of the model the rule uses.
    fn recoverable(shown: &Protected, layout: Layout) -> Vec<String> {
        let rows = shown.cells.len();
        let columns = shown.cells.first().map_or(0, Vec::len);
        // Entries: cells, row totals, column totals, grand total; unknown = hidden ones.
        let mut entries: Vec<(String, Cell)> = Vec::new();
        for (r, row) in shown.cells.iter().enumerate() {
            for (c, cell) in row.iter().enumerate() {
                entries.push((format!("cell {r},{c}"), *cell));
            }
        }
        let rt = entries.len();
        entries.extend(
            shown
                .row_totals
                .iter()
                .enumerate()
                .map(|(r, c)| (format!("row {r}"), *c)),
        );
        let ct = entries.len();
        entries.extend(
            shown
                .column_totals
                .iter()
                .enumerate()
                .map(|(c, x)| (format!("column {c}"), *x)),
        );
        let gt = entries.len();
        entries.extend(shown.grand_total.map(|g| ("grand".to_string(), g)));
        let unknowns: Vec<usize> = (0..entries.len())
            .filter(|&i| entries[i].1.is_hidden())
            .collect();
        let col = |i: usize| unknowns.iter().position(|&u| u == i);
        let mut eqs: Vec<Vec<f64>> = Vec::new();
        let mut add = |members: Vec<usize>, total: usize| {
            let mut row = vec![0.0; unknowns.len()];
            for m in members {
                if let Some(j) = col(m) {
                    row[j] += 1.0;
                }
            }
            if let Some(j) = col(total) {
                row[j] -= 1.0;
            }
            eqs.push(row);
        };
        if layout.row_totals {
            for r in 0..rows {
                add((0..columns).map(|c| r * columns + c).collect(), rt + r);
            }
        }
        if layout.column_totals {
            for c in 0..columns {
                add((0..rows).map(|r| r * columns + c).collect(), ct + c);
            }
        }
        if layout.grand_total {
            add((0..rows * columns).collect(), gt);
        }
        unknowns
            .iter()
            .enumerate()
            .filter(|(j, _)| {
                let mut unit = vec![0.0; unknowns.len()];
                unit[*j] = 1.0;
                let mut with = eqs.clone();
                with.push(unit);
                rank(eqs.clone()) == rank(with)
            })
            .map(|(_, &i)| entries[i].0.clone())
            .collect()
    }

    #[test]
    fn a_lone_small_cell_is_not_left_to_be_worked_out_from_its_total() {
        // An office with 2 at intake, every other stage shown, and the total: 2 follows.
        let counts = vec![vec![2, 6, 8, 9], vec![12, 7, 30, 11]];
        let shown = protect(&counts, OVERVIEW, Some(5));
        assert_eq!(shown.cells[0][0], Cell::Small);
        assert!(shown.cells[0].iter().filter(|c| c.is_hidden()).count() >= 2);
        assert_eq!(
            shown.cells[0][1],
            Cell::Hidden,
            "the next smallest goes with it"
        );
        assert!(shown.has_secondary());
        assert!(recoverable(&shown, OVERVIEW).is_empty());
        // The other office and the totals stay as they are.
        assert_eq!(shown.cells[1][0], Cell::Shown(12));
        assert_eq!(shown.row_totals[0], Cell::Shown(25));
        assert_eq!(shown.grand_total, Some(Cell::Shown(85)));
    }

    #[test]
    fn staff_see_every_count() {
        let counts = vec![vec![1, 2], vec![3, 4]];
        let shown = protect(&counts, OVERVIEW, None);
        assert_eq!(shown.cells[0], vec![Cell::Shown(1), Cell::Shown(2)]);
        assert!(!shown.has_secondary());
    }

    #[test]
    fn a_small_total_is_itself_hidden() {
        let counts = vec![vec![1, 2, 0], vec![20, 30, 40]];
        let shown = protect(&counts, OVERVIEW, Some(5));
        assert_eq!(shown.row_totals[0], Cell::Small);
        assert!(recoverable(&shown, OVERVIEW).is_empty());
    }

    /// Random tables of every shape up to 5 × 5, with and without column totals: no hidden
    /// count can be recovered from what is shown, every small count is hidden, and every
    /// count shown is the true one.
    #[test]
    fn no_hidden_count_can_be_recovered_from_any_table() {
        let mut seed: u64 = 0x5eed_cafe;
        let mut next = |n: u64| {
            seed = seed
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (seed >> 33) % n
        };
        for case in 0..1500 {
            let rows = 1 + next(5) as usize;
            let columns = 1 + next(5) as usize;
            let counts: Vec<Vec<u64>> = (0..rows)
                .map(|_| {
                    (0..columns)
                        .map(|_| match next(4) {
                            0 => 0,
                            1 => 1 + next(4),
                            _ => next(40),
                        })
                        .collect()
                })
                .collect();
            let layout = Layout {
                row_totals: next(5) > 0,
                column_totals: next(2) == 0,
                grand_total: next(3) > 0,
                totals_known: next(3) == 0,
            };
            let shown = protect(&counts, layout, Some(5));
            let mut leaks = recoverable(&shown, layout);
            if layout.totals_known {
                // A published total can give a count away by itself (a group alone in its
                // total); that is acceptable only once every cell sharing a sum with it is
                // hidden too.
                leaks.retain(|name| {
                    let Some((r, c)) = name
                        .strip_prefix("cell ")
                        .and_then(|rc| rc.split_once(','))
                        .and_then(|(r, c)| {
                            Some((r.parse::<usize>().ok()?, c.parse::<usize>().ok()?))
                        })
                    else {
                        return true;
                    };
                    let related = |rr: usize, cc: usize| {
                        (layout.row_totals && rr == r)
                            || (layout.column_totals && cc == c)
                            || layout.grand_total
                    };
                    shown.cells.iter().enumerate().any(|(rr, row)| {
                        row.iter()
                            .enumerate()
                            .any(|(cc, cell)| related(rr, cc) && !cell.is_hidden())
                    })
                });
            }
            if layout.totals_known {
                let totals = shown
                    .row_totals
                    .iter()
                    .chain(&shown.column_totals)
                    .chain(&shown.grand_total);
                assert!(
                    totals.clone().all(|c| !c.is_hidden()),
                    "case {case}: a known total hidden"
                );
            }
            assert!(
                leaks.is_empty(),
                "case {case}: {counts:?} {layout:?} → {shown:?} leaks {leaks:?}"
            );
            for (r, row) in counts.iter().enumerate() {
                for (c, &n) in row.iter().enumerate() {
                    match shown.cells[r][c] {
                        Cell::Shown(v) => assert_eq!(v, n, "case {case}"),
                        Cell::Small => assert!(n > 0 && n < 5, "case {case}"),
                        Cell::Hidden => {}
                    }
                    if n > 0 && n < 5 {
                        assert_eq!(shown.cells[r][c], Cell::Small, "case {case}");
                    }
                }
            }
        }
    }
}
