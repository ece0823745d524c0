//! The sidecar: schema, atomic 0600 writes, tolerant reads, liveness.

use std::os::unix::fs::PermissionsExt;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use jarvis_core::process::ProcessIdentity;
use jarvis_mining::sidecar::{
    DaemonRole, DaemonState, ProcessEntry, SIDECAR_SCHEMA_VERSION, SUPERVISOR_SECTION_VERSION,
    Sidecar, SidecarLiveness, SidecarState, SupervisorSection, read_sidecar, remove_sidecar,
    write_sidecar,
};
use proptest::prelude::*;

fn vllm_sidecar() -> Sidecar {
    let mut s = Sidecar::new("vllm-pearl", "prl1pexample", 1_714_867_500.0);
    s.vllm_endpoint = Some("http://127.0.0.1:8000/v1".to_owned());
    s.model = Some("pearl-ai/Llama-3.3-70B-Instruct-pearl".to_owned());
    s.gateway_url = Some("http://127.0.0.1:8337".to_owned());
    s.gateway_metrics_url = Some("http://127.0.0.1:8339".to_owned());
    s.container_id = Some("abc123".to_owned());
    s
}

#[test]
fn write_then_read_round_trips_with_mode_0600_and_sorted_keys() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("runtime/mining.json");
    let sidecar = vllm_sidecar();
    write_sidecar(&path, &sidecar).expect("write");
    assert_eq!(read_sidecar(&path), SidecarState::Present(sidecar));
    let mode = std::fs::metadata(&path).expect("stat").permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let text = std::fs::read_to_string(&path).expect("read");
    let keys: Vec<&str> = text
        .lines()
        .filter_map(|l| l.trim().strip_prefix('"')?.split('"').next())
        .collect();
    let mut sorted = keys.clone();
    sorted.sort_unstable();
    assert_eq!(keys, sorted, "keys are sorted like the Python writer's");
    assert!(text.contains(&format!("\"schema_version\": {SIDECAR_SCHEMA_VERSION}")));
    let leftovers: Vec<_> = std::fs::read_dir(path.parent().expect("parent"))
        .expect("ls")
        .map(|e| e.expect("entry").file_name())
        .collect();
    assert_eq!(leftovers, ["mining.json"], "no temp file left behind");
}

#[test]
fn reads_a_python_written_sidecar_and_keeps_unknown_fields() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("mining.json");
    let python = r#"{
  "gateway_pid": 11111,
  "gateway_url": "http://127.0.0.1:8337",
  "metrics_url": "http://127.0.0.1:8339/metrics",
  "miner_loop_pid": 22222,
  "provider": "cpu-pearl",
  "started_at": 1714867500.25,
  "wallet_address": "prl1qtestingaddr",
  "future_field": {"nested": [1, 2]}
}"#;
    std::fs::write(&path, python).expect("write");
    let SidecarState::Present(sidecar) = read_sidecar(&path) else {
        panic!("not present")
    };
    assert_eq!(sidecar.schema_version, 0);
    assert_eq!(sidecar.provider, "cpu-pearl");
    assert_eq!(sidecar.gateway_pid, Some(11111));
    assert_eq!(sidecar.started_at, Some(1_714_867_500.25));
    assert_eq!(sidecar.other["future_field"]["nested"][1], 2);
    write_sidecar(&path, &sidecar).expect("rewrite");
    let again = std::fs::read_to_string(&path).expect("read");
    assert!(
        again.contains("future_field"),
        "unknown fields survive a rewrite"
    );
}

#[test]
fn corrupt_files_are_a_state_not_a_crash() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("mining.json");
    for bad in [
        &b""[..],
        b"{",
        b"[1,2]",
        b"{\"provider\": 7}",
        b"\xff\xfe\x00garbage",
    ] {
        std::fs::write(&path, bad).expect("write");
        assert!(
            matches!(read_sidecar(&path), SidecarState::Corrupt { .. }),
            "{bad:?}"
        );
    }
}

#[test]
fn missing_file_is_absent_and_remove_is_idempotent() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("mining.json");
    assert_eq!(read_sidecar(&path), SidecarState::Absent);
    assert!(!remove_sidecar(&path).expect("remove missing"));
    write_sidecar(&path, &vllm_sidecar()).expect("write");
    assert!(remove_sidecar(&path).expect("remove"));
    assert_eq!(read_sidecar(&path), SidecarState::Absent);
}

#[test]
fn a_reader_never_sees_a_half_written_sidecar() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("mining.json");
    let mut big = vllm_sidecar();
    big.other.insert(
        "padding".to_owned(),
        serde_json::Value::String("x".repeat(64 * 1024)),
    );
    write_sidecar(&path, &big).expect("first write");
    let stop = Arc::new(AtomicBool::new(false));
    let reader = {
        let (path, stop) = (path.clone(), Arc::clone(&stop));
        std::thread::spawn(move || {
            let mut reads = 0u32;
            while !stop.load(Ordering::Relaxed) {
                match read_sidecar(&path) {
                    SidecarState::Present(_) => reads += 1,
                    other => panic!("reader saw {other:?} after {reads} good reads"),
                }
            }
            reads
        })
    };
    for i in 0..60 {
        big.started_at = Some(f64::from(i));
        write_sidecar(&path, &big).expect("rewrite");
    }
    stop.store(true, Ordering::Relaxed);
    assert!(reader.join().expect("reader thread") > 0);
}

/// A cpu-pearl sidecar as the schema-1 build wrote it (0c274ec's supervisor): the state, the
/// last error and the gateway's start time as untyped top-level keys.
const V1_CPU_SIDECAR: &str = r#"{
  "gateway_pid": 4242,
  "gateway_start_time": 987654,
  "gateway_url": "unix:///home/me/.openjarvis/runtime/pearlgw.sock",
  "last_error": "submit failed: queue full",
  "metrics_url": "http://127.0.0.1:9109/metrics",
  "miner_loop_pid": 4200,
  "processes": [
    {
      "pid": 4200,
      "role": "supervisor",
      "start_time": 123456
    }
  ],
  "provider": "cpu-pearl",
  "schema_version": 1,
  "started_at": 1714867500.5,
  "state": "ready",
  "wallet_address": "prl1pexample"
}
"#;

#[test]
fn a_schema_1_sidecar_is_migrated_into_the_typed_section_on_read() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("mining.json");
    std::fs::write(&path, V1_CPU_SIDECAR).expect("write");
    let SidecarState::Present(sidecar) = read_sidecar(&path) else {
        panic!("not present")
    };
    let section = sidecar.supervisor.as_ref().expect("migrated section");
    assert_eq!(section.role, DaemonRole::Supervisor);
    assert_eq!(section.state, DaemonState::Ready);
    assert_eq!(
        section.process,
        ProcessIdentity {
            pid: 4200,
            start_time: 123_456
        }
    );
    assert_eq!(
        section.gateway,
        Some(ProcessIdentity {
            pid: 4242,
            start_time: 987_654
        })
    );
    assert_eq!(
        section.last_error.as_deref(),
        Some("submit failed: queue full")
    );
    assert!(
        sidecar.other.is_empty(),
        "the untyped keys are gone: {:?}",
        sidecar.other
    );
    // The Python-compatible fields stay where the Python tool reads them.
    assert_eq!(sidecar.gateway_pid, Some(4242));
    assert_eq!(sidecar.miner_loop_pid, Some(4200));
    write_sidecar(&path, &sidecar).expect("rewrite");
    let again: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("read")).expect("json");
    assert_eq!(again["schema_version"], SIDECAR_SCHEMA_VERSION);
    assert_eq!(again["supervisor"]["state"], "ready");
    assert_eq!(again["supervisor"]["gateway"]["start_time"], 987_654);
    assert_eq!(again["gateway_pid"], 4242);
    assert!(again.get("state").is_none() && again.get("gateway_start_time").is_none());
}

#[test]
fn fields_other_tools_wrote_survive_a_rewrite_at_the_top_and_in_the_section() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("mining.json");
    let written = serde_json::json!({
        "schema_version": 2,
        "provider": "cpu-pearl",
        "wallet_address": "prl1pexample",
        "started_at": 1.5,
        "miner_loop_pid": 7,
        "processes": [{"role": "supervisor", "pid": 7, "start_time": 70}],
        "dashboard_hint": {"panel": 3},
        "supervisor": {
            "version": 1,
            "role": "supervisor",
            "process": {"pid": 7, "start_time": 70},
            "state": "draining",
            "since": 2.5,
            "gateway": {"pid": 8, "start_time": 80},
            "future_counter": [1, 2]
        }
    });
    std::fs::write(&path, serde_json::to_string(&written).expect("json")).expect("write");
    let SidecarState::Present(sidecar) = read_sidecar(&path) else {
        panic!("not present")
    };
    let section = sidecar.supervisor.as_ref().expect("section");
    assert_eq!(section.state, DaemonState::Other("draining".to_owned()));
    assert_eq!(section.version, SUPERVISOR_SECTION_VERSION);
    write_sidecar(&path, &sidecar).expect("rewrite");
    let again: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("read")).expect("json");
    assert_eq!(again, written, "read then write changes nothing");
}

#[test]
fn a_vllm_sidecar_names_its_image_and_sampler() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("mining.json");
    let mut sidecar = vllm_sidecar();
    sidecar.image = Some("openjarvis/pearl-miner:master".to_owned());
    let me = ProcessIdentity::current();
    sidecar.supervisor = Some(SupervisorSection::new(
        DaemonRole::Sampler,
        me,
        DaemonState::Ready,
        1_714_867_501.0,
    ));
    write_sidecar(&path, &sidecar).expect("write");
    assert_eq!(read_sidecar(&path), SidecarState::Present(sidecar.clone()));
    // The sampler is not a session process: a dead sampler never makes a healthy container
    // stale, so liveness stays the provider's to check.
    assert_eq!(sidecar.liveness(), SidecarLiveness::Unverified);
}

#[test]
fn liveness_follows_pid_and_start_time() {
    let me = ProcessIdentity::current();
    let mut sidecar = Sidecar::new("cpu-pearl", "prl1p", 0.0);
    sidecar.processes.push(ProcessEntry {
        role: "supervisor".to_owned(),
        pid: me.pid,
        start_time: me.start_time,
    });
    assert_eq!(sidecar.liveness(), SidecarLiveness::Alive);

    sidecar.processes[0].start_time = me.start_time + 1;
    assert!(
        matches!(sidecar.liveness(), SidecarLiveness::Stale(r) if r.contains("another process"))
    );

    let mut child = std::process::Command::new("true")
        .spawn()
        .expect("spawn true");
    let dead_pid = child.id();
    child.wait().expect("wait");
    sidecar.processes[0] = ProcessEntry {
        role: "gateway".to_owned(),
        pid: dead_pid,
        start_time: 1,
    };
    assert!(
        matches!(sidecar.liveness(), SidecarLiveness::Stale(r) if r.contains("gateway") && r.contains("gone"))
    );

    assert_eq!(vllm_sidecar().liveness(), SidecarLiveness::Unverified);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]
    #[test]
    fn arbitrary_bytes_never_panic_the_reader(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("mining.json");
        std::fs::write(&path, &bytes).expect("write");
        // A file that exists is a sidecar or corrupt, never mistaken for no session.
        prop_assert!(!matches!(read_sidecar(&path), SidecarState::Absent));
    }
}

/// Runs `f` on a thread; a read that never returns is the defect this fails on.
fn returns<T: Send + 'static>(what: &str, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(std::time::Duration::from_secs(60))
        .unwrap_or_else(|_| panic!("{what} hung"))
}

#[test]
fn a_fifo_sidecar_is_corrupt_at_once_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mining.json");
    let made = std::process::Command::new("mkfifo")
        .arg(&path)
        .status()
        .expect("mkfifo");
    assert!(made.success());
    let p = path.clone();
    let state = returns("reading a FIFO sidecar", move || read_sidecar(&p));
    let SidecarState::Corrupt { detail } = state else {
        panic!("a FIFO is no sidecar: {state:?}");
    };
    assert!(detail.contains("a FIFO, not a regular file"), "{detail}");
    assert!(detail.contains(&path.display().to_string()), "{detail}");
}

#[test]
fn a_sidecar_linked_to_dev_zero_or_too_large_is_corrupt_not_read_until_memory_runs_out() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mining.json");
    std::os::unix::fs::symlink("/dev/zero", &path).unwrap();
    let SidecarState::Corrupt { detail } = read_sidecar(&path) else {
        panic!("/dev/zero is no sidecar");
    };
    assert!(detail.contains("a character device"), "{detail}");
    std::fs::remove_file(&path).unwrap();
    std::fs::write(&path, vec![b' '; 300 * 1024]).unwrap();
    let SidecarState::Corrupt { detail } = read_sidecar(&path) else {
        panic!("300 KiB is no sidecar");
    };
    assert!(detail.contains("bytes, more than the"), "{detail}");
}

/// A legacy sidecar records bare pids: one that names an unrelated live process (here pid 1,
/// started at boot, long before the session) is stale, not "running".
#[test]
fn a_legacy_pid_of_an_unrelated_process_is_stale() {
    let init = jarvis_core::process::process_started_at(1).expect("pid 1 runs");
    // A session that started well after pid 1 did.
    let mut sidecar = Sidecar::new("cpu-pearl", "prl1p", init + 3600.0);
    sidecar.gateway_pid = Some(1);
    assert!(
        matches!(sidecar.liveness(), SidecarLiveness::Stale(r) if r.contains("did not start with this session")),
        "{:?}",
        sidecar.liveness()
    );
    // Our own process did start within the session's window.
    let me = jarvis_core::process::process_started_at(std::process::id()).expect("our start");
    sidecar.started_at = Some(me + 1.0);
    sidecar.gateway_pid = Some(std::process::id());
    assert_eq!(sidecar.liveness(), SidecarLiveness::Alive);
}
