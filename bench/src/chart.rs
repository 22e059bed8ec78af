//! A small self-written SVG line chart with log-scale axes (no plotting dependency): enough
//! for latency against offered load, with labelled ticks, a legend and reference lines.

use std::fmt::Write as _;

/// Canvas size and the plot area's margins, px.
const WIDTH: f64 = 860.0;
/// See [`WIDTH`].
const HEIGHT: f64 = 520.0;
/// Left margin (tick labels and the y title).
const LEFT: f64 = 80.0;
/// Right margin (the legend).
const RIGHT: f64 = 220.0;
/// Top margin (the title).
const TOP: f64 = 44.0;
/// Bottom margin (tick labels and the x title).
const BOTTOM: f64 = 64.0;

/// One line of the chart.
pub struct Series {
    /// Legend text.
    pub label: String,
    /// Stroke colour (any SVG colour).
    pub color: &'static str,
    /// Dashed instead of solid.
    pub dashed: bool,
    /// (x, y) points in data units, drawn in order; points ≤ 0 cannot be drawn on a log axis
    /// and are skipped.
    pub points: Vec<(f64, f64)>,
}

/// A horizontal reference line (e.g. a latency bound).
pub struct HLine {
    /// Where, in y data units.
    pub y: f64,
    /// Its label.
    pub label: String,
}

/// What to draw.
pub struct Chart<'a> {
    /// Title above the plot.
    pub title: &'a str,
    /// X axis title.
    pub x_label: &'a str,
    /// Y axis title.
    pub y_label: &'a str,
    /// The lines.
    pub series: &'a [Series],
    /// Reference lines.
    pub hlines: &'a [HLine],
}

/// A base-10 log axis from one power of ten to another, mapped onto a pixel range.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LogAxis {
    /// log10 of the lowest value shown (an integer).
    lo_exp: i32,
    /// log10 of the highest value shown (an integer, > `lo_exp`).
    hi_exp: i32,
    /// Pixel of the lowest value.
    from_px: f64,
    /// Pixel of the highest value.
    to_px: f64,
}

impl LogAxis {
    /// The smallest whole-decade axis holding `min..=max` (both > 0); `None` when nothing fits.
    pub fn fit(min: f64, max: f64, from_px: f64, to_px: f64) -> Option<Self> {
        if !(min > 0.0 && max >= min && max.is_finite()) {
            return None;
        }
        // A hair of slack so that exactly 10^k does not open an empty decade from float noise.
        let lo_exp = (min.log10() + 1e-9).floor() as i32;
        let hi_exp = ((max.log10() - 1e-9).ceil() as i32).max(lo_exp + 1);
        Some(Self { lo_exp, hi_exp, from_px, to_px })
    }

    /// The pixel of value `v` (> 0).
    pub fn px(&self, v: f64) -> f64 {
        let t = (v.log10() - f64::from(self.lo_exp)) / f64::from(self.hi_exp - self.lo_exp);
        self.from_px + t * (self.to_px - self.from_px)
    }

    /// Tick values: 1, 2 and 5 × each power of ten on the axis, with whether each gets a label
    /// (all of them over up to three decades, only the powers of ten beyond).
    pub fn ticks(&self) -> Vec<(f64, bool)> {
        let decades = self.hi_exp - self.lo_exp;
        let mut out = Vec::new();
        for e in self.lo_exp..=self.hi_exp {
            for m in [1.0, 2.0, 5.0] {
                if e == self.hi_exp && m > 1.0 {
                    break;
                }
                out.push((m * 10f64.powi(e), m == 1.0 || decades <= 3));
            }
        }
        out
    }
}

/// A tick label: `0.05`, `2`, `500`, `20k`, `1M`.
pub fn tick_label(v: f64) -> String {
    let (scaled, suffix) = if v >= 1e6 {
        (v / 1e6, "M")
    } else if v >= 1e3 {
        (v / 1e3, "k")
    } else {
        (v, "")
    };
    let text = if scaled >= 1.0 {
        format!("{scaled:.0}")
    } else {
        // Enough decimals for 0.5, 0.02, 0.001 without trailing zeros.
        let decimals = (-scaled.log10().floor()) as usize;
        format!("{scaled:.decimals$}")
    };
    format!("{text}{suffix}")
}

/// Escapes text for SVG.
fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// Renders the chart as a standalone SVG document.
pub fn render(chart: &Chart<'_>) -> String {
    let xs = chart.series.iter().flat_map(|s| s.points.iter().map(|p| p.0));
    let ys = chart
        .series
        .iter()
        .flat_map(|s| s.points.iter().map(|p| p.1))
        .chain(chart.hlines.iter().map(|h| h.y));
    let (x_axis, y_axis) = match (range(xs), range(ys)) {
        (Some((x0, x1)), Some((y0, y1))) => {
            (LogAxis::fit(x0, x1, LEFT, WIDTH - RIGHT), LogAxis::fit(y0, y1, HEIGHT - BOTTOM, TOP))
        }
        _ => (None, None),
    };
    let mut s = String::new();
    let _ = writeln!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" font-family="sans-serif" font-size="12">"#
    );
    let _ = writeln!(s, r#"<rect width="{WIDTH}" height="{HEIGHT}" fill="white"/>"#);
    let _ = writeln!(
        s,
        r#"<text x="{}" y="24" text-anchor="middle" font-size="15">{}</text>"#,
        (LEFT + WIDTH - RIGHT) / 2.0,
        esc(chart.title)
    );
    let (Some(xa), Some(ya)) = (x_axis, y_axis) else {
        let _ = writeln!(s, r#"<text x="{LEFT}" y="{}">no data</text></svg>"#, HEIGHT / 2.0);
        return s;
    };
    let (x0, x1, y0, y1) = (LEFT, WIDTH - RIGHT, HEIGHT - BOTTOM, TOP);
    for (v, labelled) in xa.ticks() {
        let x = xa.px(v);
        let _ = writeln!(s, r##"<line x1="{x:.1}" y1="{y1}" x2="{x:.1}" y2="{y0}" stroke="#e4e4e4"/>"##);
        if labelled {
            let _ = writeln!(
                s,
                r#"<text x="{x:.1}" y="{}" text-anchor="middle">{}</text>"#,
                y0 + 16.0,
                tick_label(v)
            );
        }
    }
    for (v, labelled) in ya.ticks() {
        let y = ya.px(v);
        let _ = writeln!(s, r##"<line x1="{x0}" y1="{y:.1}" x2="{x1}" y2="{y:.1}" stroke="#e4e4e4"/>"##);
        if labelled {
            let _ = writeln!(
                s,
                r#"<text x="{}" y="{:.1}" text-anchor="end">{}</text>"#,
                x0 - 6.0,
                y + 4.0,
                tick_label(v)
            );
        }
    }
    let _ = writeln!(
        s,
        r#"<rect x="{x0}" y="{y1}" width="{}" height="{}" fill="none" stroke="black"/>"#,
        x1 - x0,
        y0 - y1
    );
    let _ = writeln!(
        s,
        r#"<text x="{}" y="{}" text-anchor="middle">{}</text>"#,
        (x0 + x1) / 2.0,
        HEIGHT - 18.0,
        esc(chart.x_label)
    );
    let _ = writeln!(
        s,
        r#"<text transform="translate(20 {}) rotate(-90)" text-anchor="middle">{}</text>"#,
        (y0 + y1) / 2.0,
        esc(chart.y_label)
    );
    for h in chart.hlines.iter().filter(|h| h.y > 0.0) {
        let y = ya.px(h.y);
        // Label at the left (low rates, low latencies: usually clear), above the line or below
        // it when the line runs along the top of the plot.
        let label_y = if y - 4.0 < y1 + 12.0 { y + 14.0 } else { y - 4.0 };
        let _ = writeln!(
            s,
            r##"<line x1="{x0}" y1="{y:.1}" x2="{x1}" y2="{y:.1}" stroke="#888" stroke-dasharray="2 3"/><text x="{}" y="{:.1}" fill="#666">{}</text>"##,
            x0 + 4.0,
            label_y,
            esc(&h.label)
        );
    }
    for series in chart.series {
        let pts: Vec<String> = series
            .points
            .iter()
            .filter(|(x, y)| *x > 0.0 && *y > 0.0)
            .map(|(x, y)| format!("{:.1},{:.1}", xa.px(*x), ya.px(*y)))
            .collect();
        let dash = if series.dashed { r#" stroke-dasharray="6 4""# } else { "" };
        let _ = writeln!(
            s,
            r#"<polyline points="{}" fill="none" stroke="{}" stroke-width="2"{dash}/>"#,
            pts.join(" "),
            series.color
        );
        for p in &pts {
            if let Some((x, y)) = p.split_once(',') {
                let _ = writeln!(s, r#"<circle cx="{x}" cy="{y}" r="2.5" fill="{}"/>"#, series.color);
            }
        }
    }
    for (i, series) in chart.series.iter().enumerate() {
        let y = y1 + 10.0 + 20.0 * i as f64;
        let lx = x1 + 16.0;
        let dash = if series.dashed { r#" stroke-dasharray="6 4""# } else { "" };
        let _ = writeln!(
            s,
            r#"<line x1="{lx}" y1="{y}" x2="{}" y2="{y}" stroke="{}" stroke-width="2"{dash}/><text x="{}" y="{}">{}</text>"#,
            lx + 28.0,
            series.color,
            lx + 34.0,
            y + 4.0,
            esc(&series.label)
        );
    }
    s.push_str("</svg>\n");
    s
}

/// The smallest and largest positive finite values, if any.
fn range(values: impl Iterator<Item = f64>) -> Option<(f64, f64)> {
    values.filter(|v| *v > 0.0 && v.is_finite()).fold(None, |acc, v| match acc {
        None => Some((v, v)),
        Some((lo, hi)) => Some((f64::min(lo, v), f64::max(hi, v))),
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn axis_spans_whole_decades() {
        let a = LogAxis::fit(3.0, 700.0, 0.0, 300.0).unwrap();
        assert_eq!((a.lo_exp, a.hi_exp), (0, 3));
        assert!((a.px(1.0) - 0.0).abs() < 1e-9);
        assert!((a.px(10.0) - 100.0).abs() < 1e-9);
        assert!((a.px(1000.0) - 300.0).abs() < 1e-9);
        // Exact powers of ten stay on their decade; one value still gets a decade.
        let b = LogAxis::fit(10.0, 1000.0, 0.0, 1.0).unwrap();
        assert_eq!((b.lo_exp, b.hi_exp), (1, 3));
        let c = LogAxis::fit(0.5, 0.5, 100.0, 0.0).unwrap();
        assert_eq!((c.lo_exp, c.hi_exp), (-1, 0));
        assert!(c.px(1.0).abs() < 1e-9, "an inverted pixel range (y axis) maps the top value to 0");
        assert!(LogAxis::fit(0.0, 5.0, 0.0, 1.0).is_none());
        assert!(LogAxis::fit(5.0, 1.0, 0.0, 1.0).is_none());
    }

    #[test]
    fn ticks_are_one_two_five() {
        let a = LogAxis::fit(1.0, 100.0, 0.0, 1.0).unwrap();
        let values: Vec<f64> = a.ticks().iter().map(|t| t.0).collect();
        assert_eq!(values, vec![1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0]);
        assert!(a.ticks().iter().all(|t| t.1));
        let wide = LogAxis::fit(0.01, 1e4, 0.0, 1.0).unwrap();
        let labelled: Vec<f64> = wide.ticks().iter().filter(|t| t.1).map(|t| t.0).collect();
        assert_eq!(labelled.len(), 7, "only powers of ten are labelled over six decades: {labelled:?}");
    }

    #[test]
    fn tick_labels() {
        assert_eq!(tick_label(0.05), "0.05");
        assert_eq!(tick_label(0.5), "0.5");
        assert_eq!(tick_label(2.0), "2");
        assert_eq!(tick_label(500.0), "500");
        assert_eq!(tick_label(20_000.0), "20k");
        assert_eq!(tick_label(1e6), "1M");
    }

    #[test]
    fn renders_series_and_legend() {
        let series = [Series {
            label: "a <p99>".into(),
            color: "red",
            dashed: true,
            points: vec![(10.0, 1.0), (100.0, 5.0), (0.0, 3.0)],
        }];
        let svg = render(&Chart {
            title: "t",
            x_label: "x",
            y_label: "y",
            series: &series,
            hlines: &[HLine { y: 50.0, label: "bound".into() }],
        });
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>\n"));
        assert_eq!(svg.matches("<circle").count(), 2, "the point at x = 0 is skipped");
        assert!(
            svg.contains("a &lt;p99&gt;")
                && svg.contains("bound")
                && svg.contains("stroke-dasharray=\"6 4\"")
        );
        let empty = render(&Chart { title: "t", x_label: "x", y_label: "y", series: &[], hlines: &[] });
        assert!(empty.contains("no data"));
    }
}
