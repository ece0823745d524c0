//! The `jarvis mine report` chart: hashrate over time with downtime shaded, proofs as green
//! dots and restarts as orange lines. Both formats carry the same caption, axis descriptions and
//! tick labels: PNG text is rasterised from a font embedded in the binary (Hack, via
//! `epaint_default_fonts`), so no system font is needed at run time; SVG writes `<text>` elements.

use std::path::Path;
use std::sync::OnceLock;

use anyhow::{Context as _, bail};
use jarvis_telemetry::history::HistorySummary;
use plotters::coord::Shift;
use plotters::prelude::*;

use jarvis_core::time::UtcTime;
use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint, Ranged};
use plotters::coord::types::RangedCoordf64;

use crate::output::format::mac_rate;

/// Colour of the hashrate line (tests look for it).
pub(crate) const SERIES_COLOR: RGBColor = RGBColor(31, 119, 180);
const DOWNTIME_COLOR: RGBColor = RGBColor(250, 210, 210);
const PROOF_COLOR: RGBColor = RGBColor(44, 160, 44);
const RESTART_COLOR: RGBColor = RGBColor(255, 127, 14);
const GRID_COLOR: RGBColor = RGBColor(225, 225, 225);

/// The family every label is drawn in; it names the embedded font, which is monospaced, so SVG
/// viewers that substitute their own monospace font keep the layout plotters measured.
const FONT: &str = "monospace";
const CAPTION: &str =
    "jarvis mining: hashrate; green dots = proofs, orange = restarts, red = downtime";
const CAPTION_PX: f64 = 18.0;
const LABEL_PX: f64 = 14.0;
const MARGIN: u32 = 16;
/// Roughly the width of the widest x tick label ("2024-01-02", "01-02 00:00") plus a gap.
const X_LABEL_SLOT: u32 = 130;

/// Registers the embedded font with plotters once per process; text drawing fails without it.
fn register_font() -> anyhow::Result<()> {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    let ok = *REGISTERED.get_or_init(|| {
        plotters::style::register_font(FONT, FontStyle::Normal, epaint_default_fonts::HACK_REGULAR)
            .is_ok()
    });
    if !ok {
        bail!("the chart font embedded in jarvis does not parse; this build of jarvis is broken");
    }
    Ok(())
}

/// What the chart shows, in unix seconds and MAC/s.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct ChartData {
    /// Runs of consecutive (time, MAC/s) points; a run ends at downtime or unknown rate.
    pub(crate) runs: Vec<Vec<(f64, f64)>>,
    /// Downtime spans.
    pub(crate) downtime: Vec<(f64, f64)>,
    /// Times at which proofs were found.
    pub(crate) proofs: Vec<f64>,
    /// Times of restarts.
    pub(crate) restarts: Vec<f64>,
    /// The x range.
    pub(crate) span: (f64, f64),
}

impl ChartData {
    /// Chart data from a summary; `None` when it has no interval to draw.
    pub(crate) fn from_summary(summary: &HistorySummary) -> Option<ChartData> {
        let (from, to) = (summary.from?, summary.to?);
        if summary.intervals.is_empty() || to <= from {
            return None;
        }
        let mut data = ChartData {
            span: (from, to),
            ..ChartData::default()
        };
        let mut run: Vec<(f64, f64)> = Vec::new();
        for i in &summary.intervals {
            match i.mac_per_s {
                Some(rate) if !i.downtime => {
                    if run.is_empty() {
                        run.push((i.start, rate));
                    }
                    run.push((i.end, rate));
                }
                _ => data
                    .runs
                    .extend((!run.is_empty()).then(|| std::mem::take(&mut run))),
            }
            if i.downtime {
                data.downtime.push((i.start, i.end));
            }
            if i.proofs_found.is_some_and(|n| n > 0) {
                data.proofs.push(i.end);
            }
            if i.counter_reset || i.restarts.is_some_and(|n| n > 0) {
                data.restarts.push(i.end);
            }
        }
        data.runs.extend((!run.is_empty()).then_some(run));
        Some(data)
    }

    fn max_rate(&self) -> f64 {
        let max = self
            .runs
            .iter()
            .flatten()
            .map(|p| p.1)
            .fold(0.0_f64, f64::max);
        if max > 0.0 { max * 1.1 } else { 1.0 }
    }
}

/// What one step of the time axis counts, which decides how its ticks read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TickUnit {
    /// `14:03:30`.
    Seconds,
    /// `14:05`.
    Minutes,
    /// `14:00`; midnight shows its date, `12-04 00:00`.
    Hours,
    /// `2026-12-04`.
    Days,
}

/// Steps a time axis may take, in seconds, each with the unit its labels read in.
const STEPS: [(f64, TickUnit); 22] = {
    use TickUnit::*;
    [
        (1.0, Seconds),
        (2.0, Seconds),
        (5.0, Seconds),
        (10.0, Seconds),
        (15.0, Seconds),
        (30.0, Seconds),
        (60.0, Minutes),
        (120.0, Minutes),
        (300.0, Minutes),
        (600.0, Minutes),
        (900.0, Minutes),
        (1800.0, Minutes),
        (3600.0, Hours),
        (7200.0, Hours),
        (10_800.0, Hours),
        (21_600.0, Hours),
        (43_200.0, Hours),
        (86_400.0, Days),
        (172_800.0, Days),
        (604_800.0, Days),
        (1_209_600.0, Days),
        (2_592_000.0, Days),
    ]
};

/// The x axis of a chart over a span of time: ticks on round UTC times, labelled in the unit
/// of their step (seconds, minutes, hours or days), so no two ticks read the same.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct TimeAxis {
    /// Tick positions, unix seconds, inside the span.
    pub(crate) ticks: Vec<f64>,
    /// What one step counts.
    pub(crate) unit: TickUnit,
}

impl TimeAxis {
    /// The axis for `span` (unix seconds) with at most `max_ticks` ticks (at least 2).
    pub(crate) fn for_span(span: (f64, f64), max_ticks: usize) -> TimeAxis {
        let (from, to) = span;
        let width = (to - from).max(1.0);
        let max_ticks = max_ticks.max(2) as f64;
        let (step, unit) = STEPS
            .iter()
            .copied()
            .find(|(step, _)| width / step <= max_ticks)
            .unwrap_or_else(|| {
                // Longer than ~6 months: whole multiples of 30 days.
                let month = 2_592_000.0;
                ((width / max_ticks / month).ceil() * month, TickUnit::Days)
            });
        let first = (from / step).ceil() * step;
        let ticks = (0..)
            .map(|k| first + f64::from(k) * step)
            .take_while(|t| *t <= to)
            .take(64)
            .collect();
        TimeAxis { ticks, unit }
    }

    /// The label of the tick at `t`.
    pub(crate) fn label(&self, t: f64) -> String {
        let u = UtcTime::from_unix(t.round() as i64);
        match self.unit {
            TickUnit::Seconds => format!("{:02}:{:02}:{:02}", u.hour, u.minute, u.second),
            TickUnit::Minutes => format!("{:02}:{:02}", u.hour, u.minute),
            TickUnit::Hours if u.hour == 0 && u.minute == 0 => {
                format!("{:02}-{:02} 00:00", u.month, u.day)
            }
            TickUnit::Hours => format!("{:02}:{:02}", u.hour, u.minute),
            TickUnit::Days => format!("{:04}-{:02}-{:02}", u.year, u.month, u.day),
        }
    }

    /// The axis description: the zone, and the date(s) that times of day belong to.
    pub(crate) fn description(&self, span: (f64, f64)) -> String {
        let date = |t: f64| {
            let u = UtcTime::from_unix(t.floor() as i64);
            format!("{:04}-{:02}-{:02}", u.year, u.month, u.day)
        };
        let (first, last) = (date(span.0), date(span.1));
        match self.unit {
            TickUnit::Days => "date (UTC)".to_owned(),
            _ if first == last => format!("time (UTC) on {first}"),
            _ => format!("time (UTC), {first} to {last}"),
        }
    }
}

/// The x coordinate: unix seconds, with the axis' ticks as its key points (plotters would
/// pick round numbers of seconds, which read the same once formatted as times).
struct TimeRange {
    range: RangedCoordf64,
    ticks: Vec<f64>,
}

impl Ranged for TimeRange {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        self.range.map(value, limit)
    }

    fn key_points<Hint: KeyPointHint>(&self, hint: Hint) -> Vec<f64> {
        if hint.weight().allow_light_points() {
            Vec::new()
        } else {
            self.ticks.clone()
        }
    }

    fn range(&self) -> std::ops::Range<f64> {
        self.range.range()
    }
}

/// Output format, chosen by the file extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ChartFormat {
    /// Portable Network Graphics.
    Png,
    /// Scalable Vector Graphics.
    Svg,
}

impl ChartFormat {
    /// The format for `path`'s extension (`.png` or `.svg`, any case).
    pub(crate) fn for_path(path: &Path) -> anyhow::Result<ChartFormat> {
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        match ext.as_deref() {
            Some("png") => Ok(ChartFormat::Png),
            Some("svg") => Ok(ChartFormat::Svg),
            _ => bail!("{}: the report must end in .png or .svg", path.display()),
        }
    }
}

/// Renders `data` into `path` as PNG or SVG of `size` pixels.
pub(crate) fn render_file(path: &Path, data: &ChartData, size: (u32, u32)) -> anyhow::Result<()> {
    let fail = |e: String| anyhow::anyhow!("cannot draw the report into {}: {e}", path.display());
    match ChartFormat::for_path(path)? {
        ChartFormat::Png => {
            register_font()?;
            draw(BitMapBackend::new(path, size).into_drawing_area(), data)
                .map_err(|e| fail(e.to_string()))
        }
        ChartFormat::Svg => {
            let text = render_svg(data, size)?;
            std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))
        }
    }
}

/// Renders `data` into an RGB buffer.
#[cfg(test)]
pub(crate) fn render_rgb(data: &ChartData, size: (u32, u32)) -> anyhow::Result<Vec<u8>> {
    register_font()?;
    let mut pixels = vec![0_u8; size.0 as usize * size.1 as usize * 3];
    draw(
        BitMapBackend::with_buffer(&mut pixels, size).into_drawing_area(),
        data,
    )
    .map_err(|e| anyhow::anyhow!("cannot draw the report: {e}"))?;
    Ok(pixels)
}

/// Renders `data` as an SVG document.
pub(crate) fn render_svg(data: &ChartData, size: (u32, u32)) -> anyhow::Result<String> {
    register_font()?;
    let mut text = String::new();
    draw(
        SVGBackend::with_string(&mut text, size).into_drawing_area(),
        data,
    )
    .map_err(|e| anyhow::anyhow!("cannot draw the report: {e}"))?;
    Ok(text)
}

type DrawResult<DB> = Result<(), DrawingAreaErrorKind<<DB as DrawingBackend>::ErrorType>>;

/// The caption's pixel size: `CAPTION_PX`, shrunk so the caption fits narrow charts.
fn caption_px<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>) -> f64 {
    let room = f64::from(root.dim_in_pixel().0.saturating_sub(2 * MARGIN).max(1));
    match root.estimate_text_size(CAPTION, &(FONT, CAPTION_PX).into_font().into()) {
        Ok((w, _)) if f64::from(w) > room => (CAPTION_PX * room / f64::from(w)).floor().max(8.0),
        _ => CAPTION_PX,
    }
}

fn draw<DB: DrawingBackend>(root: DrawingArea<DB, Shift>, data: &ChartData) -> DrawResult<DB> {
    root.fill(&WHITE)?;
    let (x0, x1) = data.span;
    let y_max = data.max_rate();
    // Room for the widest tick label, `999.9 GMAC/s`.
    let y_label_area = 128;
    let plot_width = root
        .dim_in_pixel()
        .0
        .saturating_sub(2 * MARGIN + y_label_area);
    let axis = TimeAxis::for_span(data.span, (plot_width / X_LABEL_SLOT).clamp(2, 8) as usize);
    let mut chart = ChartBuilder::on(&root)
        .margin(MARGIN)
        .caption(CAPTION, (FONT, caption_px(&root)))
        .x_label_area_size(52)
        .y_label_area_size(y_label_area)
        .build_cartesian_2d(
            TimeRange {
                range: (x0..x1).into(),
                ticks: axis.ticks.clone(),
            },
            0.0..y_max,
        )?;
    chart
        .configure_mesh()
        .light_line_style(GRID_COLOR)
        .label_style((FONT, LABEL_PX))
        .axis_desc_style((FONT, LABEL_PX))
        .x_desc(axis.description(data.span))
        .y_desc("hashrate")
        .y_labels(6)
        .x_label_formatter(&|t| axis.label(*t))
        .y_label_formatter(&|r| mac_rate(Some(*r)))
        .draw()?;
    chart.draw_series(
        data.downtime
            .iter()
            .map(|&(a, b)| Rectangle::new([(a, 0.0), (b, y_max)], DOWNTIME_COLOR.filled())),
    )?;
    for &t in &data.restarts {
        chart.draw_series(std::iter::once(PathElement::new(
            vec![(t, 0.0), (t, y_max)],
            RESTART_COLOR.stroke_width(2),
        )))?;
    }
    for run in &data.runs {
        chart.draw_series(LineSeries::new(
            run.iter().copied(),
            SERIES_COLOR.stroke_width(2),
        ))?;
    }
    let marker_y = y_max * 0.96;
    chart.draw_series(
        data.proofs
            .iter()
            .map(|&t| Circle::new((t, marker_y), 4, PROOF_COLOR.filled())),
    )?;
    root.present()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use jarvis_telemetry::history::{Sample, summarize};

    fn synthetic() -> ChartData {
        let mut samples = Vec::new();
        let mut macs = 0_u64;
        for k in 0..40_u64 {
            // A gap between samples 19 and 20, a restart at 30, a proof every 10 samples.
            let at = 1_700_000_000.0 + (k * 30 + if k >= 20 { 600 } else { 0 }) as f64;
            macs = if k == 30 {
                1_000
            } else {
                macs + 30_000 + k * 500
            };
            let mut s = Sample::new(at, "cpu-pearl");
            s.mac_total = Some(macs);
            s.proofs_found = Some(k / 10);
            samples.push(s);
        }
        ChartData::from_summary(&summarize(&samples, 30.0)).expect("chart data")
    }

    #[test]
    fn chart_data_splits_runs_at_gaps_and_marks_events() {
        let data = synthetic();
        assert_eq!(data.runs.len(), 2, "the gap splits the line");
        assert_eq!(data.downtime.len(), 1);
        assert_eq!(data.proofs.len(), 3);
        assert_eq!(data.restarts.len(), 1);
        assert!(ChartData::from_summary(&summarize(&[], 30.0)).is_none());
    }

    #[test]
    fn png_pixels_show_the_series() {
        let (w, h) = (400, 200);
        let pixels = render_rgb(&synthetic(), (w, h)).expect("render");
        assert_eq!(pixels.len(), (w * h * 3) as usize);
        let count = |c: RGBColor| {
            pixels
                .chunks_exact(3)
                .filter(|p| p == &[c.0, c.1, c.2])
                .count()
        };
        assert!(
            count(SERIES_COLOR) > 200,
            "hashrate line pixels: {}",
            count(SERIES_COLOR)
        );
        assert!(count(PROOF_COLOR) > 10, "proof markers");
        assert!(count(DOWNTIME_COLOR) > 100, "downtime band");
        assert!(count(WHITE) > (w * h / 2) as usize, "background");
    }

    /// Near-black pixels (text is drawn black, anti-aliased) in the rectangle `x` × `y`.
    fn dark_pixels(
        pixels: &[u8],
        width: u32,
        x: std::ops::Range<u32>,
        y: std::ops::Range<u32>,
    ) -> usize {
        y.flat_map(|row| x.clone().map(move |col| (row * width + col) as usize * 3))
            .filter(|&i| {
                pixels
                    .get(i..i + 3)
                    .is_some_and(|p| p.iter().all(|&c| c < 110))
            })
            .count()
    }

    #[test]
    fn png_carries_the_caption_and_tick_labels() {
        // The bands hold only text in this layout; the old text-less PNG left them white (its
        // only black line, the x axis, ran at `h - MARGIN`, below the bottom band).
        let (w, h) = (640, 320);
        let pixels = render_rgb(&synthetic(), (w, h)).expect("render");
        let caption = dark_pixels(&pixels, w, 0..w, 0..MARGIN + 16);
        assert!(caption > 300, "caption pixels in the top band: {caption}");
        let y_ticks = dark_pixels(&pixels, w, 0..80, 40..h - 80);
        assert!(
            y_ticks > 150,
            "tick label pixels left of the plot: {y_ticks}"
        );
        let x_ticks = dark_pixels(&pixels, w, 100..w - 40, h - 64..h - 20);
        assert!(x_ticks > 150, "tick label pixels under the plot: {x_ticks}");
    }

    #[test]
    fn svg_has_the_size_labels_and_a_series_polyline() {
        let svg = render_svg(&synthetic(), (640, 320)).expect("render");
        assert!(
            svg.contains(r#"width="640" height="320""#),
            "{}",
            &svg[..200.min(svg.len())]
        );
        assert!(svg.contains("<text"), "SVG carries labels");
        assert!(svg.contains("time (UTC)") && svg.contains("green dots = proofs"));
        let stroke = format!(
            "stroke=\"#{:02X}{:02X}{:02X}\"",
            SERIES_COLOR.0, SERIES_COLOR.1, SERIES_COLOR.2
        );
        let series: Vec<&str> = svg
            .lines()
            .filter(|l| l.contains("<polyline") && l.contains(&stroke))
            .collect();
        assert_eq!(series.len(), 2, "one polyline per run");
        let points = series
            .iter()
            .map(|l| l.split("points=\"").nth(1).unwrap_or("").split(' ').count())
            .sum::<usize>();
        assert!(points >= 38, "points: {points}");
    }

    #[test]
    fn tick_labels_use_the_shared_formats() {
        let svg = render_svg(&synthetic(), (640, 320)).expect("render");
        // plotters writes each label on the line after its `<text ...>` tag.
        let lines: Vec<&str> = svg.lines().collect();
        let labels: Vec<&str> = lines
            .windows(2)
            .filter(|pair| pair[0].starts_with("<text"))
            .map(|pair| pair[1].trim())
            .collect();
        assert!(
            labels.iter().any(|l| l.ends_with(" kMAC/s")),
            "rate ticks read like every other rate: {labels:?}"
        );
        // 30 minutes of samples: ticks on round minutes, the date in the axis description.
        assert!(
            labels.contains(&"22:30") && labels.contains(&"time (UTC) on 2023-11-14"),
            "time ticks are UTC minutes: {labels:?}"
        );
    }

    /// Labels of the axis over `seconds` from 2026-12-03 03:33:20 UTC, 6 ticks at most.
    fn labels(seconds: f64) -> (TickUnit, Vec<String>, String) {
        let span = (1_796_268_800.0, 1_796_268_800.0 + seconds);
        let axis = TimeAxis::for_span(span, 6);
        let labels = axis.ticks.iter().map(|t| axis.label(*t)).collect();
        (axis.unit, labels, axis.description(span))
    }

    #[test]
    fn time_ticks_read_in_the_unit_of_their_span() {
        assert_eq!(
            labels(90.0),
            (
                TickUnit::Seconds,
                [
                    "03:33:30", "03:33:45", "03:34:00", "03:34:15", "03:34:30", "03:34:45"
                ]
                .map(String::from)
                .to_vec(),
                "time (UTC) on 2026-12-03".to_owned()
            )
        );
        assert_eq!(
            labels(1800.0),
            (
                TickUnit::Minutes,
                ["03:35", "03:40", "03:45", "03:50", "03:55", "04:00"]
                    .map(String::from)
                    .to_vec(),
                "time (UTC) on 2026-12-03".to_owned()
            )
        );
        assert_eq!(
            labels(86_400.0),
            (
                TickUnit::Hours,
                ["06:00", "12:00", "18:00", "12-04 00:00"]
                    .map(String::from)
                    .to_vec(),
                "time (UTC), 2026-12-03 to 2026-12-04".to_owned()
            )
        );
        assert_eq!(
            labels(7.0 * 86_400.0),
            (
                TickUnit::Days,
                ["2026-12-05", "2026-12-07", "2026-12-09"]
                    .map(String::from)
                    .to_vec(),
                "date (UTC)".to_owned()
            )
        );
        let (unit, year, _) = labels(400.0 * 86_400.0);
        assert_eq!(unit, TickUnit::Days);
        assert!((2..=6).contains(&year.len()), "{year:?}");
    }

    /// Whatever the span, ticks lie inside it, there are a few, and no two read the same.
    #[test]
    fn ticks_are_inside_the_span_and_distinct() {
        for seconds in [
            1.0, 7.0, 59.0, 61.0, 600.0, 3599.0, 7200.0, 86_399.0, 1.0e6, 3.0e8,
        ] {
            let span = (1_700_000_017.0, 1_700_000_017.0 + seconds);
            let axis = TimeAxis::for_span(span, 6);
            let labels: Vec<String> = axis.ticks.iter().map(|t| axis.label(*t)).collect();
            let mut unique = labels.clone();
            unique.dedup();
            assert_eq!(unique, labels, "{seconds} s");
            assert!(labels.len() <= 6, "{seconds} s: {labels:?}");
            assert!(
                axis.ticks.iter().all(|t| (span.0..=span.1).contains(t)),
                "{seconds} s"
            );
            if seconds >= 61.0 {
                assert!(labels.len() >= 2, "{seconds} s: {labels:?}");
            }
        }
    }

    #[test]
    fn format_follows_the_extension() {
        assert_eq!(
            ChartFormat::for_path(Path::new("a/b.PNG")).ok(),
            Some(ChartFormat::Png)
        );
        assert_eq!(
            ChartFormat::for_path(Path::new("b.svg")).ok(),
            Some(ChartFormat::Svg)
        );
        assert!(ChartFormat::for_path(Path::new("b.jpg")).is_err());
    }
}
