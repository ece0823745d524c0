//! `jarvis mine history` and `jarvis mine report` over a synthetic history database.

use std::time::{SystemTime, UNIX_EPOCH};

use jarvis_telemetry::history::{HistoryStore, Sample};
use jarvis_testkit::TestEnv;

use crate::common::jarvis;

fn now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock")
        .as_secs_f64()
}

/// Ten samples 30 s apart ending a minute ago, a restart after the fifth, 1000 MAC/s.
fn seed_history(env: &TestEnv) -> f64 {
    let store =
        HistoryStore::open(&env.oj_home().join("telemetry/mining.sqlite")).expect("open history");
    let start = now() - 60.0 - 9.0 * 30.0;
    let mut macs = 0_u64;
    for k in 0..10_u64 {
        macs = if k == 5 {
            30_000
        } else if k == 0 {
            0
        } else {
            macs + 30_000
        };
        let mut s = Sample::new(start + k as f64 * 30.0, "cpu-pearl");
        s.mac_total = Some(macs);
        s.proofs_found = Some(if k >= 5 { k - 5 } else { k });
        s.template_height = Some(1000 + k);
        s.gateway_up = Some(true);
        store.record(&s).expect("record");
    }
    start
}

#[test]
fn history_json_has_rates_totals_uptime_and_restarts() {
    let env = TestEnv::new();
    seed_history(&env);
    let out = env.run(&mut jarvis(
        &env,
        &["mine", "history", "--since", "1h", "--json"],
    ));
    out.assert_success();
    let v: serde_json::Value = serde_json::from_str(&out.stdout()).expect("json");
    assert_eq!(v["samples"], 10);
    assert_eq!(v["intervals"].as_array().expect("intervals").len(), 9);
    assert_eq!(v["totals"]["macs"], 9 * 30_000);
    assert_eq!(v["totals"]["proofs_found"], 4 + 4);
    assert_eq!(v["restarts"], 1);
    assert_eq!(v["uptime_pct"], 100.0);
    assert_eq!(v["latest_template_height"], 1009);
    assert_eq!(v["providers"], serde_json::json!(["cpu-pearl"]));
    let rate = v["intervals"][0]["mac_per_s"].as_f64().expect("rate");
    assert!((rate - 1000.0).abs() < 1e-6, "{rate}");
}

#[test]
fn history_human_output_shows_the_summary_and_a_table() {
    let env = TestEnv::new();
    seed_history(&env);
    env.run(&mut jarvis(&env, &["mine", "history"]))
        .assert_success()
        .assert_stdout_contains("uptime:             100.0 %")
        .assert_stdout_contains("restarts:           1")
        .assert_stdout_contains("mean hashrate:      1.0 kMAC/s")
        .assert_stdout_contains("from (UTC)");
}

#[test]
fn history_since_excludes_older_samples() {
    let env = TestEnv::new();
    seed_history(&env);
    let out = env.run(&mut jarvis(
        &env,
        &["mine", "history", "--since", "2m", "--json"],
    ));
    out.assert_success();
    let v: serde_json::Value = serde_json::from_str(&out.stdout()).expect("json");
    let samples = v["samples"].as_u64().expect("samples");
    assert!((1..10).contains(&samples), "{samples}");
}

#[test]
fn history_without_a_database_explains_where_history_comes_from() {
    let env = TestEnv::new();
    env.run(&mut jarvis(&env, &["mine", "history"]))
        .assert_code(1)
        .assert_stderr_contains("no mining history yet")
        .assert_stderr_contains("telemetry/mining.sqlite");
}

#[test]
fn history_on_a_corrupt_database_fails_with_the_fix() {
    let env = TestEnv::new();
    let path = env.oj_home().join("telemetry/mining.sqlite");
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    std::fs::write(&path, vec![0x42_u8; 4096]).expect("write");
    env.run(&mut jarvis(&env, &["mine", "history"]))
        .assert_code(1)
        .assert_stderr_contains("corrupt")
        .assert_stderr_contains("move it aside");
}

#[test]
fn report_writes_a_png_of_the_requested_size() {
    let env = TestEnv::new();
    seed_history(&env);
    let png = env.home().join("chart.png");
    env.run(&mut jarvis(
        &env,
        &[
            "mine",
            "report",
            "--output",
            png.to_str().expect("utf8"),
            "--width",
            "640",
            "--height",
            "320",
        ],
    ))
    .assert_success()
    .assert_stdout_contains("Wrote");
    let bytes = std::fs::read(&png).expect("png written");
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
    assert_eq!(&bytes[12..16], b"IHDR");
    let be = |r: std::ops::Range<usize>| u32::from_be_bytes(bytes[r].try_into().expect("4 bytes"));
    assert_eq!((be(16..20), be(20..24)), (640, 320));
    assert!(
        bytes.len() > 1000,
        "a drawn chart compresses to more than a blank image: {}",
        bytes.len()
    );
}

#[test]
fn report_writes_an_svg_with_the_series() {
    let env = TestEnv::new();
    seed_history(&env);
    let svg = env.home().join("chart.svg");
    env.run(&mut jarvis(
        &env,
        &["mine", "report", "-o", svg.to_str().expect("utf8")],
    ))
    .assert_success();
    let text = std::fs::read_to_string(&svg).expect("svg written");
    assert!(text.contains(r#"width="1200" height="500""#));
    let series: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("<polyline") && l.contains("stroke=\"#1F77B4\""))
        .collect();
    assert!(!series.is_empty(), "no hashrate polyline in:\n{text}");
    let points: usize = series
        .iter()
        .map(|l| l.split("points=\"").nth(1).unwrap_or("").split(' ').count())
        .sum();
    assert!(points >= 9, "{points} points");
}

#[test]
fn report_refuses_other_formats_and_empty_history() {
    let env = TestEnv::new();
    env.run(&mut jarvis(&env, &["mine", "report", "--output", "x.jpg"]))
        .assert_code(1)
        .assert_stderr_contains(".png or .svg");
    HistoryStore::open(&env.oj_home().join("telemetry/mining.sqlite"))
        .expect("open")
        .record(&Sample::new(now() - 5.0, "cpu-pearl"))
        .expect("record");
    env.run(&mut jarvis(&env, &["mine", "report", "--output", "x.png"]))
        .assert_code(1)
        .assert_stderr_contains("need two samples, found 1");
}
