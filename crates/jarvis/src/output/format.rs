//! Numbers and units as every command prints them, one way each. Unknown values print as
//! [`UNKNOWN`] (JSON carries `null` instead); nothing here prints `n/a`, `-` or `none` for them.

use jarvis_core::time::UtcTime;

/// The one spelling of a value nobody knows.
pub(crate) const UNKNOWN: &str = "unknown";

/// SI prefixes from the largest down, for rates and totals.
const SI: [(f64, &str); 6] = [
    (1e18, "E"),
    (1e15, "P"),
    (1e12, "T"),
    (1e9, "G"),
    (1e6, "M"),
    (1e3, "k"),
];

/// A hashrate: `241.4 GMAC/s`, `512 MAC/s` below a thousand.
pub(crate) fn mac_rate(mac_per_s: Option<f64>) -> String {
    match mac_per_s {
        Some(rate) if rate.is_finite() => scaled(rate, "MAC/s", 1),
        _ => UNKNOWN.to_owned(),
    }
}

/// A quantity with an SI prefix and two decimals: `13.98 TMAC`; plain below a thousand.
pub(crate) fn si(value: f64, unit: &str) -> String {
    if value.is_finite() {
        scaled(value, unit, 2)
    } else {
        UNKNOWN.to_owned()
    }
}

/// `value` as a bare number in the unit [`mac_rate`] gives `like` (`58.0` beside
/// `64.1 GMAC/s`), for ranges that share one unit; two decimals where `like` reads below 10
/// in its unit (`1.71` beside `1.8 TMAC/s`), so that a few percent still show.
pub(crate) fn in_unit_of(value: f64, like: f64) -> String {
    if !value.is_finite() {
        return UNKNOWN.to_owned();
    }
    match si_prefix(like) {
        Some((scale, _)) if like.abs() / scale < 10.0 => format!("{:.2}", value / scale),
        Some((scale, _)) => format!("{:.1}", value / scale),
        None => format!("{value:.0}"),
    }
}

/// The largest SI prefix not above `value` (None below a thousand).
fn si_prefix(value: f64) -> Option<(f64, &'static str)> {
    SI.into_iter().find(|(scale, _)| value.abs() >= *scale)
}

fn scaled(value: f64, unit: &str, decimals: usize) -> String {
    match si_prefix(value) {
        Some((scale, prefix)) => format!("{:.decimals$} {prefix}{unit}", value / scale),
        None => format!("{value:.0} {unit}"),
    }
}

/// A count with thousands grouped by spaces: `1 234 567`.
pub(crate) fn count(value: Option<u64>) -> String {
    let Some(n) = value else {
        return UNKNOWN.to_owned();
    };
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(' ');
        }
        out.push(c);
    }
    out
}

/// A size in binary units: `512 B`, `1.5 GiB`.
pub(crate) fn bytes(n: u64) -> String {
    const UNITS: [&str; 6] = ["KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
    if n < 1024 {
        return format!("{n} B");
    }
    let mut value = n as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}

/// A span of time in its two largest units: `45s`, `12m 5s`, `3h 12m`, `2d 4h`, `3y 12d`;
/// `never` for an infinite span (a zero rate), [`UNKNOWN`] for NaN.
pub(crate) fn duration(seconds: f64) -> String {
    if seconds.is_nan() {
        return UNKNOWN.to_owned();
    }
    if seconds.is_infinite() && seconds > 0.0 {
        return "never".to_owned();
    }
    const YEAR: u64 = 31_557_600; // 365.25 days
    let s = seconds.max(0.0).round().min(u64::MAX as f64) as u64;
    match s {
        0..60 => format!("{s}s"),
        60..3600 => format!("{}m {}s", s / 60, s % 60),
        3600..86_400 => format!("{}h {}m", s / 3600, s % 3600 / 60),
        86_400..YEAR => format!("{}d {}h", s / 86_400, s % 86_400 / 3600),
        _ => format!("{}y {}d", s / YEAR, s % YEAR / 86_400),
    }
}

/// How long before `now` a unix time was: `4m 10s ago`, `just now`; [`UNKNOWN`] when unknown.
pub(crate) fn ago(unix: Option<f64>, now: f64) -> String {
    match unix {
        Some(t) if t.is_finite() && now.is_finite() => {
            let delta = now - t;
            if delta.abs() < 1.0 {
                "just now".to_owned()
            } else if delta > 0.0 {
                format!("{} ago", duration(delta))
            } else {
                format!("in {}", duration(-delta))
            }
        }
        _ => UNKNOWN.to_owned(),
    }
}

/// A unix time to the minute, in UTC: `2026-12-03 03:33 UTC`.
pub(crate) fn utc_minute(unix: f64) -> String {
    utc(unix, false).map_or_else(|| UNKNOWN.to_owned(), |t| format!("{t} UTC"))
}

/// A unix time to the second, in UTC: `2026-12-03 03:33:12 UTC`.
pub(crate) fn utc_second(unix: f64) -> String {
    utc(unix, true).map_or_else(|| UNKNOWN.to_owned(), |t| format!("{t} UTC"))
}

/// A unix time to the minute without the zone, for axes and columns whose title says UTC.
pub(crate) fn utc_tick(unix: f64) -> String {
    utc(unix, false).unwrap_or_else(|| UNKNOWN.to_owned())
}

fn utc(unix: f64, seconds: bool) -> Option<String> {
    if !unix.is_finite() {
        return None;
    }
    let t = UtcTime::from_unix(unix.floor() as i64);
    let mut text = format!(
        "{:04}-{:02}-{:02} {:02}:{:02}",
        t.year, t.month, t.day, t.hour, t.minute
    );
    if seconds {
        text.push_str(&format!(":{:02}", t.second));
    }
    Some(text)
}

/// A percentage with one decimal: `87.5 %`.
pub(crate) fn percent(value: f64) -> String {
    if value.is_finite() {
        format!("{value:.1} %")
    } else {
        UNKNOWN.to_owned()
    }
}

/// A fraction (0.875) as a percentage: `87.5 %`.
pub(crate) fn ratio(fraction: Option<f64>) -> String {
    fraction.map_or_else(|| UNKNOWN.to_owned(), |f| percent(f * 100.0))
}

/// Any displayable value, or [`UNKNOWN`].
pub(crate) fn or_unknown<T: std::fmt::Display>(value: Option<T>) -> String {
    value.map_or_else(|| UNKNOWN.to_owned(), |v| v.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn rates_use_si_prefixes_with_one_decimal() {
        assert_eq!(mac_rate(Some(2.414e11)), "241.4 GMAC/s");
        assert_eq!(mac_rate(Some(2.432e11)), "243.2 GMAC/s");
        assert_eq!(mac_rate(Some(1000.0)), "1.0 kMAC/s");
        assert_eq!(mac_rate(Some(512.0)), "512 MAC/s");
        assert_eq!(mac_rate(Some(0.0)), "0 MAC/s");
        assert_eq!(mac_rate(Some(3.2e15)), "3.2 PMAC/s");
        assert_eq!(mac_rate(None), "unknown");
        assert_eq!(mac_rate(Some(f64::NAN)), "unknown");
        assert_eq!(in_unit_of(5.8e10, 6.41e10), "58.0");
        assert_eq!(in_unit_of(1.02e12, 6.41e11), "1020.0");
        assert_eq!(in_unit_of(9.4e8, 2.0e9), "0.94");
        assert_eq!(in_unit_of(1.713e12, 1.82e12), "1.71");
        assert_eq!(in_unit_of(512.4, 800.0), "512");
        assert_eq!(in_unit_of(f64::INFINITY, 1e9), "unknown");
    }

    #[test]
    fn totals_and_counts() {
        assert_eq!(si(13_976_108_793_856.0, "MAC"), "13.98 TMAC");
        assert_eq!(si(999.0, "MAC"), "999 MAC");
        assert_eq!(count(Some(1_234_567)), "1 234 567");
        assert_eq!(count(Some(123)), "123");
        assert_eq!(count(Some(1000)), "1 000");
        assert_eq!(count(Some(0)), "0");
        assert_eq!(count(None), "unknown");
        assert_eq!(bytes(512), "512 B");
        assert_eq!(bytes(1536), "1.5 KiB");
        assert_eq!(bytes(3 * 1024 * 1024 * 1024 / 2), "1.5 GiB");
        assert_eq!(bytes(u64::MAX), "16.0 EiB");
    }

    #[test]
    fn durations_keep_two_units() {
        assert_eq!(duration(45.2), "45s");
        assert_eq!(duration(725.0), "12m 5s");
        assert_eq!(duration(11_520.0), "3h 12m");
        assert_eq!(duration(187_200.0), "2d 4h");
        assert_eq!(duration(3.0 * 31_557_600.0 + 12.0 * 86_400.0), "3y 12d");
        assert_eq!(duration(f64::INFINITY), "never");
        assert_eq!(duration(f64::NAN), "unknown");
        assert_eq!(duration(-5.0), "0s");
    }

    #[test]
    fn ago_reads_both_ways() {
        assert_eq!(ago(Some(1000.0), 1250.0), "4m 10s ago");
        assert_eq!(ago(Some(1000.0), 1000.4), "just now");
        assert_eq!(ago(Some(1100.0), 1000.0), "in 1m 40s");
        assert_eq!(ago(None, 1000.0), "unknown");
    }

    #[test]
    fn utc_formats_known_dates() {
        assert_eq!(utc_minute(0.0), "1970-01-01 00:00 UTC");
        assert_eq!(utc_minute(1_714_867_500.0), "2024-05-05 00:05 UTC");
        assert_eq!(utc_second(1_714_867_512.0), "2024-05-05 00:05:12 UTC");
        assert_eq!(utc_tick(951_782_400.0), "2000-02-29 00:00");
        assert_eq!(utc_minute(f64::NAN), "unknown");
    }

    #[test]
    fn percentages() {
        assert_eq!(percent(87.5), "87.5 %");
        assert_eq!(ratio(Some(0.431)), "43.1 %");
        assert_eq!(ratio(None), "unknown");
        assert_eq!(or_unknown(Some(4242)), "4242");
        assert_eq!(or_unknown::<u64>(None), "unknown");
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]
        #[test]
        fn formatting_never_panics(v in any::<f64>(), n in any::<u64>()) {
            let _ = (mac_rate(Some(v)), si(v, "MAC"), duration(v), utc_minute(v), percent(v));
            let _ = (ago(Some(v), 0.0), count(Some(n)), bytes(n));
        }

        #[test]
        fn grouped_counts_read_back(n in any::<u64>()) {
            let text = count(Some(n));
            prop_assert_eq!(text.replace(' ', "").parse::<u64>().ok(), Some(n));
            prop_assert!(text.split(' ').skip(1).all(|g| g.len() == 3));
        }
    }
}
