//! Mining history: the SQLite store (WAL, migrations, retention, corrupt and locked files),
//! the never-failing recorder, and the rate/uptime math.

use std::time::Duration;

use jarvis_telemetry::history::{
    HISTORY_SCHEMA_VERSION, HistoryError, HistoryRecorder, HistoryState, HistoryStore, Sample,
    summarize,
};
use proptest::prelude::*;

fn cpu_sample(at: f64, macs: u64, proofs: u64) -> Sample {
    let mut s = Sample::new(at, "cpu-pearl");
    s.mac_total = Some(macs);
    s.proofs_found = Some(proofs);
    s.gateway_up = Some(true);
    s
}

#[test]
fn store_round_trips_samples_oldest_first_and_keeps_unknowns_unknown() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("telemetry/mining.sqlite");
    let store = HistoryStore::open(&path).expect("open");
    let mut full = Sample::new(200.0, "vllm-pearl");
    full.mac_total = Some(u64::MAX);
    full.tiles_total = Some(7);
    full.proofs_found = Some(2);
    full.proofs_submitted = Some(2);
    full.submit_errors = Some(0);
    full.restarts = Some(1);
    full.template_height = Some(123_456);
    full.vllm_requests_total = Some(40);
    full.vllm_tokens_total = Some(9000);
    full.gateway_up = Some(false);
    full.blocks_accepted = Some(3);
    let bare = Sample::new(100.0, "cpu-pearl");
    store.record(&full).expect("record full");
    store.record(&bare).expect("record bare");
    assert_eq!(
        store.samples(0.0).expect("read"),
        vec![bare.clone(), full.clone()]
    );
    assert_eq!(store.samples(150.0).expect("read since"), vec![full]);
    assert_eq!(store.latest_at().expect("latest"), Some(200.0));
}

/// A history written before blocks were recorded (schema 1) is migrated in place: its rows
/// keep their counters and know no block count (unknown, not zero).
#[test]
fn a_schema_1_history_gains_the_block_count_as_unknown() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("mining.sqlite");
    let conn = rusqlite::Connection::open(&path).expect("raw open");
    conn.execute_batch(
        "CREATE TABLE samples (id INTEGER PRIMARY KEY, at REAL NOT NULL, provider TEXT NOT NULL,
            mac_total INTEGER, tiles_total INTEGER, proofs_found INTEGER, proofs_submitted INTEGER,
            submit_errors INTEGER, restarts INTEGER, template_height INTEGER,
            vllm_requests_total INTEGER, vllm_tokens_total INTEGER, gateway_up INTEGER);
         CREATE INDEX samples_at ON samples (at);
         INSERT INTO samples (at, provider, mac_total) VALUES (5.0, 'cpu-pearl', 42);
         PRAGMA user_version = 1;",
    )
    .expect("a schema 1 file");
    drop(conn);
    let store = HistoryStore::open(&path).expect("migrates");
    let mut newer = Sample::new(6.0, "cpu-pearl");
    newer.blocks_accepted = Some(0);
    store.record(&newer).expect("record");
    let samples = store.samples(0.0).expect("read");
    assert_eq!(samples[0].mac_total, Some(42));
    assert_eq!(samples[0].blocks_accepted, None);
    assert_eq!(samples[1].blocks_accepted, Some(0));
}

#[test]
fn store_uses_wal_and_the_current_schema_version_and_reopens_with_data() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("mining.sqlite");
    HistoryStore::open(&path)
        .expect("open")
        .record(&cpu_sample(1.0, 5, 0))
        .expect("record");
    let conn = rusqlite::Connection::open(&path).expect("raw open");
    let mode: String = conn
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .expect("journal_mode");
    assert_eq!(mode, "wal");
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .expect("user_version");
    assert_eq!(version, HISTORY_SCHEMA_VERSION);
    drop(conn);
    let again = HistoryStore::open(&path).expect("reopen");
    assert_eq!(
        again.samples(0.0).expect("read").len(),
        1,
        "a reopen keeps the data and migrates nothing twice"
    );
}

#[test]
fn store_refuses_a_newer_schema() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("mining.sqlite");
    let conn = rusqlite::Connection::open(&path).expect("raw open");
    conn.pragma_update(None, "user_version", HISTORY_SCHEMA_VERSION + 5)
        .expect("set version");
    drop(conn);
    match HistoryStore::open(&path) {
        Err(HistoryError::NewerSchema { found, .. }) => {
            assert_eq!(found, HISTORY_SCHEMA_VERSION + 5)
        }
        other => panic!("expected NewerSchema, got {other:?}"),
    }
}

#[test]
fn prune_deletes_only_samples_older_than_the_cutoff() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = HistoryStore::open(&dir.path().join("h.sqlite")).expect("open");
    for at in [10.0, 20.0, 30.0, 40.0] {
        store.record(&cpu_sample(at, 1, 0)).expect("record");
    }
    assert_eq!(store.prune(30.0).expect("prune"), 2);
    let left: Vec<f64> = store
        .samples(0.0)
        .expect("read")
        .iter()
        .map(|s| s.at)
        .collect();
    assert_eq!(left, [30.0, 40.0]);
}

#[test]
fn recorder_applies_retention_by_age() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("h.sqlite");
    let day = 86_400.0;
    let mut recorder = HistoryRecorder::open(&path, Duration::from_secs(2 * 86_400));
    recorder.record(&cpu_sample(0.0, 1, 0));
    recorder.record(&cpu_sample(day, 2, 0));
    recorder.record(&cpu_sample(3.0 * day, 3, 0));
    assert_eq!(recorder.state(), &HistoryState::Recording);
    let left: Vec<f64> = HistoryStore::open(&path)
        .expect("open")
        .samples(0.0)
        .expect("read")
        .iter()
        .map(|s| s.at)
        .collect();
    assert_eq!(
        left,
        [day, 3.0 * day],
        "the sample older than 2 days is gone"
    );
}

#[test]
fn a_corrupt_file_is_reported_and_the_recorder_degrades_without_failing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("mining.sqlite");
    std::fs::write(
        &path,
        b"this is not a sqlite database, just some bytes that are long enough....",
    )
    .expect("write");
    let err = HistoryStore::open(&path).expect_err("corrupt file must not open");
    assert!(matches!(err, HistoryError::Corrupt { .. }), "{err:?}");
    let text = err.to_string();
    assert!(
        text.contains(&path.display().to_string()) && text.contains("move it aside"),
        "{text}"
    );

    let mut recorder = HistoryRecorder::open(&path, Duration::from_secs(3600));
    recorder.record(&cpu_sample(1.0, 1, 0));
    let state = recorder.state().to_string();
    assert!(state.starts_with("history unavailable: "), "{state}");
    assert!(state.contains("corrupt"), "{state}");

    // Once the user moves the file aside, the next sample is recorded.
    std::fs::rename(&path, dir.path().join("mining.sqlite.bad")).expect("move aside");
    recorder.record(&cpu_sample(2.0, 2, 0));
    assert_eq!(recorder.state(), &HistoryState::Recording);
    assert_eq!(
        HistoryStore::open(&path)
            .expect("open")
            .samples(0.0)
            .expect("read")
            .len(),
        1
    );
}

#[test]
fn a_database_with_damaged_pages_reports_corruption_instead_of_panicking() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("mining.sqlite");
    {
        let store = HistoryStore::open(&path).expect("open");
        for k in 0..400_u32 {
            store
                .record(&cpu_sample(f64::from(k), u64::from(k), 0))
                .expect("record");
        }
    }
    // Fold the WAL into the main file, then overwrite everything after the first page.
    let conn = rusqlite::Connection::open(&path).expect("raw open");
    conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE); PRAGMA journal_mode=DELETE;")
        .expect("checkpoint");
    drop(conn);
    let mut bytes = std::fs::read(&path).expect("read");
    assert!(bytes.len() > 8192, "several pages: {}", bytes.len());
    for b in bytes.iter_mut().skip(4096) {
        *b = 0xA5;
    }
    std::fs::write(&path, &bytes).expect("write");
    let result = HistoryStore::open(&path).and_then(|store| store.samples(0.0));
    match result {
        Err(HistoryError::Corrupt { .. }) => {}
        other => panic!("expected Corrupt, got {other:?}"),
    }
}

#[test]
fn a_locked_database_degrades_to_unavailable_and_recovers() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("mining.sqlite");
    let mut recorder = HistoryRecorder::open(&path, Duration::from_secs(3600));
    recorder.record(&cpu_sample(1.0, 1, 0));
    let holder = rusqlite::Connection::open(&path).expect("raw open");
    holder.execute_batch("BEGIN EXCLUSIVE").expect("lock");
    recorder.record(&cpu_sample(2.0, 2, 0));
    let state = recorder.state().to_string();
    assert!(
        state.starts_with("history unavailable: ") && state.contains("locked"),
        "{state}"
    );
    holder.execute_batch("COMMIT").expect("unlock");
    recorder.record(&cpu_sample(3.0, 3, 0));
    assert_eq!(recorder.state(), &HistoryState::Recording);
    let ats: Vec<f64> = HistoryStore::open(&path)
        .expect("open")
        .samples(0.0)
        .expect("read")
        .iter()
        .map(|s| s.at)
        .collect();
    assert_eq!(ats, [1.0, 3.0]);
}

#[test]
fn summary_handles_a_counter_reset_and_a_gap() {
    let samples = vec![
        cpu_sample(0.0, 0, 0),
        cpu_sample(30.0, 3000, 1),
        // Restart: counters went down; 600 MACs and 0 proofs since the restart.
        cpu_sample(60.0, 600, 0),
        // 300 s without samples (> 3 x 30 s): downtime.
        cpu_sample(360.0, 30_600, 2),
        cpu_sample(390.0, 33_600, 2),
    ];
    let summary = summarize(&samples, 30.0);
    assert_eq!(summary.samples, 5);
    assert_eq!(summary.intervals.len(), 4);
    assert_eq!(summary.totals.macs, Some(3000 + 600 + 30_000 + 3000));
    assert_eq!(
        summary.totals.proofs_found,
        Some(3),
        "1 before the restart, 2 after it"
    );
    assert_eq!(summary.intervals[0].mac_per_s, Some(100.0));
    assert!(summary.intervals[1].counter_reset);
    assert_eq!(summary.intervals[1].mac_per_s, Some(20.0));
    assert!(summary.intervals[2].downtime);
    assert_eq!(summary.intervals[2].mac_per_s, None, "no rate over a gap");
    assert_eq!(summary.downtime_s, 300.0);
    let uptime = summary.uptime_pct.expect("uptime");
    assert!((uptime - 90.0 / 390.0 * 100.0).abs() < 1e-9, "{uptime}");
    assert_eq!(
        summary.restarts, 1,
        "the unexplained counter reset counts as a restart"
    );
    assert_eq!(
        summary.mean_mac_per_s,
        Some((3000.0 + 600.0 + 3000.0) / 90.0)
    );
}

#[test]
fn summary_prefers_the_supervisor_restart_counter_and_marks_gateway_down() {
    let mut a = cpu_sample(0.0, 0, 0);
    a.restarts = Some(0);
    let mut b = cpu_sample(30.0, 100, 0);
    b.restarts = Some(2);
    b.gateway_up = Some(false);
    let summary = summarize(&[b, a], 30.0);
    assert_eq!(summary.restarts, 2);
    assert!(summary.intervals[0].downtime, "gateway down is downtime");
    assert_eq!(summary.uptime_pct, Some(0.0));
}

#[test]
fn summary_of_nothing_knows_nothing() {
    let summary = summarize(&[Sample::new(f64::NAN, "x"), Sample::new(5.0, "x")], 30.0);
    assert_eq!(summary.samples, 1);
    assert!(summary.intervals.is_empty());
    assert_eq!(summary.uptime_pct, None);
    assert_eq!(summary.totals.macs, None, "unknown, not zero");
    assert_eq!(summary.mean_mac_per_s, None);
}

#[derive(Debug, Clone)]
enum Step {
    Grow(u64),
    Restart(u64),
}

fn step() -> impl Strategy<Value = (u32, Step)> {
    (
        1_u32..400,
        prop_oneof![3 => (0_u64..1_000_000).prop_map(Step::Grow), 1 => (0_u64..1_000_000).prop_map(Step::Restart)],
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn totals_match_a_model_across_resets_and_gaps(steps in prop::collection::vec(step(), 0..40)) {
        let interval = 30.0;
        let mut at = 1_700_000_000.0;
        let mut counter = 0_u64;
        let mut samples = vec![cpu_sample(at, counter, 0)];
        let (mut expected, mut up, mut down) = (0_u64, 0.0, 0.0);
        for (dt, step) in &steps {
            at += f64::from(*dt);
            match step {
                Step::Grow(n) => { counter += n; expected += n; }
                // A restart that leaves the counter where it was is indistinguishable from no
                // growth; only a drop is a reset.
                Step::Restart(n) if *n < counter => { counter = *n; expected += n; }
                Step::Restart(n) => { expected += n - counter; counter = *n; }
            }
            if f64::from(*dt) > 3.0 * interval { down += f64::from(*dt) } else { up += f64::from(*dt) }
            samples.push(cpu_sample(at, counter, 0));
        }
        let summary = summarize(&samples, interval);
        prop_assert_eq!(summary.totals.macs, if steps.is_empty() { None } else { Some(expected) });
        prop_assert!((summary.downtime_s - down).abs() < 1e-6);
        match summary.uptime_pct {
            Some(pct) => {
                prop_assert!((0.0..=100.0).contains(&pct));
                prop_assert!((pct - up / (up + down) * 100.0).abs() < 1e-6);
            }
            None => prop_assert!(steps.is_empty()),
        }
        for i in &summary.intervals {
            prop_assert!(i.mac_per_s.is_none_or(|r| r.is_finite() && r >= 0.0));
            prop_assert!(!(i.downtime && i.mac_per_s.is_some()));
        }
    }

    #[test]
    fn summary_never_panics_and_stays_in_range(
        raw in prop::collection::vec((any::<f64>(), any::<Option<u64>>(), any::<Option<u64>>(), any::<Option<bool>>()), 0..30),
        interval in any::<f64>(),
    ) {
        let samples: Vec<Sample> = raw.iter().map(|(at, macs, restarts, up)| {
            let mut s = Sample::new(*at, "p");
            s.mac_total = *macs;
            s.restarts = *restarts;
            s.gateway_up = *up;
            s
        }).collect();
        let summary = summarize(&samples, interval);
        prop_assert!(summary.uptime_pct.is_none_or(|p| (0.0..=100.0).contains(&p)));
        prop_assert!(summary.downtime_s >= 0.0);
        prop_assert!(summary.intervals.iter().all(|i| i.mac_per_s.is_none_or(|r| r >= 0.0)));
    }

    #[test]
    fn opening_arbitrary_bytes_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..600)) {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("mining.sqlite");
        std::fs::write(&path, &bytes).expect("write");
        if let Ok(store) = HistoryStore::open(&path) {
            let _ = store.samples(0.0);
        }
        let mut recorder = HistoryRecorder::open(&path, Duration::from_secs(60));
        recorder.record(&cpu_sample(1.0, 1, 0));
    }
}

/// "database or disk is full" must not stick: once space is back, the recorder writes again.
/// Needs a small tmpfs (root); CI (root, JARVIS_REAL_ENGINES=1) must not skip it.
#[test]
fn a_full_disk_stops_the_history_only_until_space_is_back() {
    let dir = tempfile::tempdir().unwrap();
    let mount = std::process::Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=1m", "tmpfs"])
        .arg(dir.path())
        .output();
    match mount {
        Ok(out) if out.status.success() => {}
        other => {
            let why = format!("{other:?}");
            assert!(
                std::env::var_os("JARVIS_REAL_ENGINES").is_none(),
                "JARVIS_REAL_ENGINES=1 but a tmpfs cannot be mounted: {why}"
            );
            #[allow(clippy::print_stderr)]
            {
                eprintln!("skipped: the full-disk history test mounts a tmpfs (root): {why}");
            }
            return;
        }
    }
    struct Unmount<'a>(&'a std::path::Path);
    impl Drop for Unmount<'_> {
        fn drop(&mut self) {
            let _ = std::process::Command::new("umount")
                .arg("-l")
                .arg(self.0)
                .status();
        }
    }
    let _unmount = Unmount(dir.path());
    let path = dir.path().join("mining_history.sqlite");
    let mut recorder = HistoryRecorder::open(&path, Duration::from_secs(86_400 * 30));
    recorder.record(&cpu_sample(1000.0, 1, 0));
    assert_eq!(recorder.state(), &HistoryState::Recording);
    let filler = dir.path().join("filler");
    let _ = std::fs::write(&filler, vec![0u8; 4 << 20]);
    let mut at = 1001.0;
    let mut full = false;
    for _ in 0..5000 {
        recorder.record(&cpu_sample(at, at as u64, 0));
        at += 1.0;
        if let HistoryState::Unavailable(why) = recorder.state() {
            assert!(why.contains("full") || why.contains("space"), "{why}");
            full = true;
            break;
        }
    }
    assert!(full, "the history never hit the full disk");
    std::fs::remove_file(&filler).unwrap();
    recorder.record(&cpu_sample(at + 1.0, 7, 0));
    assert_eq!(
        recorder.state(),
        &HistoryState::Recording,
        "recovered once space is back"
    );
    let store = HistoryStore::open(&path).unwrap();
    assert_eq!(store.latest_at().unwrap(), Some(at + 1.0));
}
