//! The flags of `jarvis mine history | report`, and the span parser they share with `mine status --interval`.

use std::path::PathBuf;
use std::time::Duration;

use clap::Args;

/// `jarvis mine history` flags.
#[derive(Debug, Args)]
pub(crate) struct HistoryArgs {
    /// How far back to look: 90s, 30m, 24h, 7d, 2w.
    #[arg(long, default_value = "24h", value_parser = parse_span)]
    pub(crate) since: Duration,
    /// Print machine-readable JSON (every interval).
    #[arg(long)]
    pub(crate) json: bool,
}

/// `jarvis mine report` flags.
#[derive(Debug, Args)]
pub(crate) struct ReportArgs {
    /// How far back to chart: 90s, 30m, 24h, 7d, 2w.
    #[arg(long, default_value = "7d", value_parser = parse_span)]
    pub(crate) since: Duration,
    /// Chart file to write; `.png` or `.svg`.
    #[arg(short, long)]
    pub(crate) output: PathBuf,
    /// Width in pixels.
    #[arg(long, default_value_t = 1200, value_parser = clap::value_parser!(u32).range(200..=8000))]
    pub(crate) width: u32,
    /// Height in pixels.
    #[arg(long, default_value_t = 500, value_parser = clap::value_parser!(u32).range(150..=8000))]
    pub(crate) height: u32,
    /// Print the result as JSON.
    #[arg(long)]
    pub(crate) json: bool,
}

/// Parses `90s`, `30m`, `24h`, `7d`, `2w` or plain seconds into a duration.
pub(crate) fn parse_span(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let value: f64 = number
        .parse()
        .map_err(|_| format!("'{text}' is not a duration; use e.g. 90s, 30m, 24h, 7d"))?;
    let scale = match unit {
        "" | "s" => 1.0,
        "m" => 60.0,
        "h" => 3600.0,
        "d" => 86_400.0,
        "w" => 604_800.0,
        _ => {
            return Err(format!(
                "'{text}': unknown unit '{unit}'; use s, m, h, d or w"
            ));
        }
    };
    let seconds = value * scale;
    if !seconds.is_finite() || seconds <= 0.0 || seconds > 3650.0 * 86_400.0 {
        return Err(format!("'{text}' must be more than 0 and at most 10 years"));
    }
    Ok(Duration::from_secs_f64(seconds))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn spans_parse_with_units() {
        assert_eq!(parse_span("90s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_span("24h"), Ok(Duration::from_secs(86_400)));
        assert_eq!(parse_span("7d"), Ok(Duration::from_secs(7 * 86_400)));
        assert_eq!(parse_span("2"), Ok(Duration::from_secs(2)));
        assert_eq!(parse_span("0.5s"), Ok(Duration::from_millis(500)));
        assert!(parse_span("0s").is_err());
        assert!(parse_span("5y").unwrap_err().contains("unknown unit"));
        assert!(parse_span("").is_err());
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]
        #[test]
        fn parse_span_never_panics(text in ".{0,12}") {
            let _ = parse_span(&text);
        }
    }
}
