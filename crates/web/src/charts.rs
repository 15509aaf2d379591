//! Geometry of the server-made SVG charts; the markup is in `templates/chart_*.html`.
//!
//! Charts are drawn to print in black and white: bands are grey shades with their names written
//! beside them, series differ by line pattern and marker shape as well as colour, and every
//! value is written on the chart or in the table next to it.

use crate::i18n::Tr;

/// A value in [0, 1] to draw, with its label; `None` when there is no score.
pub struct Value {
    pub label: String,
    pub value: Option<f64>,
}

pub struct Zone {
    pub y: f64,
    pub h: f64,
    pub label: String,
    pub label_y: f64,
    pub class: &'static str,
}

pub struct Guide {
    pub y: f64,
    pub label: String,
}

pub struct Bar {
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
    pub mid: f64,
    pub label: String,
    pub value_text: String,
    pub value_y: f64,
    pub class: &'static str,
}

/// Plot frame shared by both charts: scores run from 0 (bottom) to 1 (top).
pub struct Frame {
    pub width: f64,
    pub height: f64,
    pub left: f64,
    pub right: f64,
    pub top: f64,
    pub bottom: f64,
    pub zones: Vec<Zone>,
    pub guides: Vec<Guide>,
}

fn r1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

impl Frame {
    fn new(
        tr: &Tr,
        (width, height): (f64, f64),
        bottom_margin: f64,
        bands: (f64, f64),
        zone_labels: [String; 3],
    ) -> Frame {
        let (left, right, top, bottom) = (40.0, width - 96.0, 14.0, height - bottom_margin);
        let mut f = Frame {
            width,
            height,
            left,
            right,
            top,
            bottom,
            zones: Vec::new(),
            guides: Vec::new(),
        };
        let (low, high) = bands;
        let [intensive, standard, light] = zone_labels;
        for (from, to, label, class) in [
            (0.0, low, intensive, "zone-intensive"),
            (low, high, standard, "zone-standard"),
            (high, 1.0, light, "zone-light"),
        ] {
            let (y_top, y_bottom) = (f.y(to), f.y(from));
            f.zones.push(Zone {
                y: y_top,
                h: r1(y_bottom - y_top),
                label,
                label_y: r1((y_top + y_bottom) / 2.0 + 4.0),
                class,
            });
        }
        for v in [0.0, low, high, 1.0] {
            f.guides.push(Guide {
                y: f.y(v),
                label: format_score(tr, Some(v)),
            });
        }
        f
    }

    pub fn y(&self, v: f64) -> f64 {
        r1(self.bottom - v.clamp(0.0, 1.0) * (self.bottom - self.top))
    }
}

/// Two decimals, as scores are shown everywhere; a dash when there is no score.
/// A score with two decimals, as the reader's language writes them ("0.54", "0,54"); "–"
/// for none.
pub fn format_score(tr: &Tr, v: Option<f64>) -> String {
    v.map(|x| tr.decimal((x * 100.0).round() as i64, 2))
        .unwrap_or_else(|| "–".into())
}

/// One survey: a bar per dimension and the composite, over the support bands.
pub struct BarChart {
    pub id: String,
    pub title: String,
    pub desc: String,
    pub frame: Frame,
    pub bars: Vec<Bar>,
}

impl BarChart {
    pub fn new(
        tr: &Tr,
        id: &str,
        title: String,
        values: Vec<Value>,
        bands: (f64, f64),
        zone_labels: [String; 3],
    ) -> BarChart {
        let frame = Frame::new(tr, (480.0, 230.0), 44.0, bands, zone_labels);
        let n = values.len().max(1) as f64;
        let slot = (frame.right - frame.left) / n;
        let w = r1(slot * 0.55);
        let last = values.len().saturating_sub(1);
        let bars = values
            .iter()
            .enumerate()
            .map(|(i, v)| {
                let x = r1(frame.left + slot * i as f64 + (slot - w) / 2.0);
                let y = frame.y(v.value.unwrap_or(0.0));
                Bar {
                    x,
                    y,
                    w,
                    h: r1(frame.bottom - y),
                    mid: r1(x + w / 2.0),
                    label: v.label.clone(),
                    value_text: format_score(tr, v.value),
                    value_y: r1(y - 4.0),
                    class: if i == last { "bar composite" } else { "bar" },
                }
            })
            .collect();
        let desc = values
            .iter()
            .map(|v| format!("{}: {}", v.label, format_score(tr, v.value)))
            .collect::<Vec<_>>()
            .join("; ");
        BarChart {
            id: id.to_string(),
            title,
            desc,
            frame,
            bars,
        }
    }
}

pub struct Point {
    pub x: f64,
    pub y: f64,
    /// The marker, as a path around the point.
    pub marker: String,
}

pub struct Series {
    pub label: String,
    pub class: &'static str,
    pub points: Vec<Point>,
    /// The `points` attribute of the polyline.
    pub line: String,
    pub legend_x: f64,
    pub legend_y: f64,
    pub legend_marker: String,
}

pub struct Tick {
    pub x: f64,
    pub line1: String,
    pub line2: String,
}

/// A returnee's scores across survey rounds.
pub struct LineChart {
    pub id: String,
    pub title: String,
    pub desc: String,
    pub frame: Frame,
    pub series: Vec<Series>,
    pub ticks: Vec<Tick>,
}

const SERIES_CLASSES: [&str; 4] = [
    "series economic",
    "series social",
    "series psychosocial",
    "series composite",
];

fn marker(kind: usize, x: f64, y: f64) -> String {
    match kind {
        0 => format!("M{} {y}a3.5 3.5 0 1 0 7 0a3.5 3.5 0 1 0 -7 0Z", r1(x - 3.5)),
        1 => format!("M{} {}h7v7h-7Z", r1(x - 3.5), r1(y - 3.5)),
        2 => format!(
            "M{x} {}L{} {}L{} {}Z",
            r1(y - 4.5),
            r1(x + 4.5),
            r1(y + 3.5),
            r1(x - 4.5),
            r1(y + 3.5)
        ),
        _ => format!(
            "M{x} {}L{} {y}L{x} {}L{} {y}Z",
            r1(y - 5.0),
            r1(x + 5.0),
            r1(y + 5.0),
            r1(x - 5.0)
        ),
    }
}

impl LineChart {
    /// `surveys` are (first tick line, second tick line, values in series order), oldest first.
    pub fn new(
        tr: &Tr,
        id: &str,
        title: String,
        series_labels: [String; 4],
        surveys: Vec<(String, String, [Option<f64>; 4])>,
        bands: (f64, f64),
        zone_labels: [String; 3],
    ) -> LineChart {
        // Room below the survey dates for the legend.
        let frame = Frame::new(tr, (560.0, 270.0), 68.0, bands, zone_labels);
        let n = surveys.len();
        let x_of = |i: usize| {
            if n <= 1 {
                r1((frame.left + frame.right) / 2.0)
            } else {
                r1(frame.left
                    + 16.0
                    + (frame.right - frame.left - 32.0) * i as f64 / (n - 1) as f64)
            }
        };
        let series = series_labels
            .iter()
            .enumerate()
            .map(|(k, label)| {
                let points: Vec<Point> = surveys
                    .iter()
                    .enumerate()
                    .filter_map(|(i, (_, _, vals))| {
                        vals[k].map(|v| {
                            let (x, y) = (x_of(i), frame.y(v));
                            Point {
                                x,
                                y,
                                marker: marker(k, x, y),
                            }
                        })
                    })
                    .collect();
                let legend_y = frame.height - 10.0;
                let legend_x = frame.left + 120.0 * k as f64;
                Series {
                    label: label.clone(),
                    class: SERIES_CLASSES[k],
                    line: points
                        .iter()
                        .map(|p| format!("{},{}", p.x, p.y))
                        .collect::<Vec<_>>()
                        .join(" "),
                    points,
                    legend_x,
                    legend_y,
                    legend_marker: marker(k, legend_x + 14.0, legend_y),
                }
            })
            .collect();
        let ticks = surveys
            .iter()
            .enumerate()
            .map(|(i, (a, b, _))| Tick {
                x: x_of(i),
                line1: a.clone(),
                line2: b.clone(),
            })
            .collect();
        let desc = surveys
            .iter()
            .map(|(a, b, vals)| {
                let figures = series_labels
                    .iter()
                    .zip(vals)
                    .map(|(l, v)| format!("{l} {}", format_score(tr, *v)))
                    .collect::<Vec<_>>()
                    .join(", ");
                format!("{a} ({b}): {figures}")
            })
            .collect::<Vec<_>>()
            .join("; ");
        LineChart {
            id: id.to_string(),
            title,
            desc,
            frame,
            series,
            ticks,
        }
    }
}

/// The stakeholder map's influence × interest grid: the gradient model's zones and one numbered
/// dot per stakeholder (numbers match the table beside it).
pub struct StakeholderGrid {
    pub width: f64,
    pub height: f64,
    pub zones: Vec<GridZone>,
    pub dots: Vec<GridDot>,
    pub x_label: String,
    pub y_label: String,
    pub x_label_x: f64,
    pub x_label_y: f64,
    pub y_label_y: f64,
    pub title: String,
}

pub struct GridZone {
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
    pub class: &'static str,
    pub label: String,
    pub label_x: f64,
    pub label_y: f64,
}

pub struct GridDot {
    pub cx: f64,
    pub cy: f64,
    pub text_y: f64,
    pub number: usize,
    pub name: String,
    pub class: &'static str,
}

impl StakeholderGrid {
    /// `stakeholders`: name, influence, interest (1–5) and whether to mark them as a potential
    /// obstructor (only for readers allowed to see the stance).
    pub fn new(tr: &crate::i18n::Tr, stakeholders: &[(String, u8, u8, bool)]) -> Self {
        use domain::stakeholder::{EngagementTier, HIGH_FROM, MAX_SCORE};
        let (w, h, pad) = (420.0_f64, 420.0_f64, 50.0_f64);
        let cell = (w - pad) / f64::from(MAX_SCORE);
        let high = f64::from(HIGH_FROM - 1) * cell;
        let tier = |t: EngagementTier| tr.t_of("engagement", t.as_str());
        let zone = |x, y, zw, zh, class, label: String| GridZone {
            x,
            y,
            w: zw,
            h: zh,
            class,
            label_x: x + 6.0,
            label_y: if y > 0.0 { y + zh - 8.0 } else { 16.0 },
            label,
        };
        let zones = vec![
            zone(
                pad,
                h - pad - high,
                high,
                high,
                "zone-inform",
                tier(EngagementTier::Inform),
            ),
            zone(
                pad + high,
                h - pad - high,
                w - pad - high,
                high,
                "zone-communicate",
                tier(EngagementTier::Communicate),
            ),
            zone(
                pad,
                0.0,
                high,
                h - pad - high,
                "zone-communicate",
                tier(EngagementTier::Communicate),
            ),
            zone(
                pad + high,
                0.0,
                w - pad - high,
                h - pad - high,
                "zone-manage",
                tier(EngagementTier::ManageClosely),
            ),
        ];
        // Stakeholders sharing a cell are spread around its centre.
        let mut seen: std::collections::HashMap<(u8, u8), u32> = Default::default();
        let dots = stakeholders
            .iter()
            .enumerate()
            .map(|(i, (name, influence, interest, obstructor))| {
                let n = seen.entry((*interest, *influence)).or_default();
                let (angle, spread) = (f64::from(*n) * 1.9, if *n == 0 { 0.0 } else { 14.0 });
                *n += 1;
                let cx = pad + (f64::from(*interest) - 0.5) * cell + spread * angle.cos();
                let cy = h - pad - (f64::from(*influence) - 0.5) * cell + spread * angle.sin();
                GridDot {
                    cx,
                    cy,
                    text_y: cy + 4.0,
                    number: i + 1,
                    name: name.clone(),
                    class: if *obstructor { "dot obstructor" } else { "dot" },
                }
            })
            .collect();
        StakeholderGrid {
            width: w,
            height: h,
            zones,
            dots,
            x_label: tr.t("field-interest"),
            y_label: tr.t("field-influence"),
            x_label_x: pad + (w - pad) / 2.0,
            x_label_y: h - 14.0,
            y_label_y: (h - pad) / 2.0,
            title: tr.t("stakeholders-grid-title"),
        }
    }
}

/// One bar of a count chart: a label, the count drawn, and the text written (which may say the
/// cell is hidden).
pub struct CountBar {
    pub y: f64,
    pub w: f64,
    pub label: String,
    pub text: String,
    pub text_x: f64,
}

/// Horizontal bars of counts, longest scaled to the width: caseloads, referrals, projects.
pub struct CountChart {
    pub id: String,
    pub title: String,
    pub width: f64,
    pub height: f64,
    pub left: f64,
    pub bars: Vec<CountBar>,
}

impl CountChart {
    /// `rows`: label, count, and the text to write (the count, or that it is hidden — a hidden
    /// count is drawn as no bar).
    pub fn new(id: &str, title: String, rows: &[(String, u64, String, bool)]) -> CountChart {
        let (width, left, row_h) = (520.0, 190.0, 22.0);
        let span = width - left - 60.0;
        let max = rows
            .iter()
            .filter(|(_, _, _, hidden)| !hidden)
            .map(|(_, n, _, _)| *n)
            .max()
            .unwrap_or(0)
            .max(1) as f64;
        let bars = rows
            .iter()
            .enumerate()
            .map(|(i, (label, n, text, hidden))| {
                let w = if *hidden {
                    0.0
                } else {
                    r1(*n as f64 / max * span)
                };
                CountBar {
                    y: r1(8.0 + i as f64 * row_h),
                    w,
                    label: label.clone(),
                    text: text.clone(),
                    text_x: r1(left + w + 6.0),
                }
            })
            .collect();
        CountChart {
            id: id.to_string(),
            title,
            width,
            height: r1(16.0 + rows.len() as f64 * row_h),
            left,
            bars,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels() -> [String; 3] {
        ["Intensive".into(), "Standard".into(), "Light".into()]
    }

    fn english() -> Tr {
        Tr::new(
            std::sync::Arc::new(crate::i18n::I18n::load().unwrap()),
            "en".into(),
        )
    }

    #[test]
    fn bars_stand_on_the_axis_and_reach_their_value() {
        let c = BarChart::new(
            &english(),
            "c",
            "t".into(),
            vec![
                Value {
                    label: "A".into(),
                    value: Some(1.0),
                },
                Value {
                    label: "B".into(),
                    value: Some(0.0),
                },
                Value {
                    label: "C".into(),
                    value: None,
                },
            ],
            (0.33, 0.66),
            labels(),
        );
        let f = &c.frame;
        assert_eq!(c.bars[0].y, f.top);
        assert_eq!(c.bars[0].y + c.bars[0].h, f.bottom);
        assert_eq!(c.bars[1].h, 0.0);
        assert_eq!(c.bars[2].value_text, "–");
        assert_eq!(c.desc, "A: 1.00; B: 0.00; C: –");
        assert_eq!(f.zones.len(), 3);
        assert!(f.zones[0].y > f.zones[2].y, "intensive is drawn low");
    }

    #[test]
    fn a_trajectory_skips_missing_scores() {
        let c = LineChart::new(
            &english(),
            "t",
            "t".into(),
            ["E".into(), "S".into(), "P".into(), "C".into()],
            vec![
                (
                    "2026-01-01".into(),
                    "baseline".into(),
                    [Some(0.2), None, Some(0.5), Some(0.4)],
                ),
                (
                    "2026-07-01".into(),
                    "intermediate".into(),
                    [Some(0.6), Some(0.7), Some(0.5), Some(0.6)],
                ),
            ],
            (0.33, 0.66),
            labels(),
        );
        assert_eq!(c.series[0].points.len(), 2);
        assert_eq!(c.series[1].points.len(), 1);
        assert!(c.series[0].points[0].x < c.series[0].points[1].x);
        assert!(c.desc.contains("2026-01-01 (baseline): E 0.20, S –"));
    }
}
