//! Session state and the mining lock.

use jarvis_core::paths::JarvisHome;
use jarvis_core::process::ProcessIdentity;
use jarvis_mining::session::{Session, SessionState, lock_session};
use jarvis_mining::sidecar::{ProcessEntry, Sidecar, write_sidecar};

fn home() -> (tempfile::TempDir, JarvisHome) {
    let dir = tempfile::tempdir().expect("tempdir");
    let home = JarvisHome::at(dir.path());
    (dir, home)
}

#[test]
fn absent_running_stale_and_corrupt_sessions() {
    let (_dir, home) = home();
    assert_eq!(Session::read(&home).state, SessionState::Absent);

    let me = ProcessIdentity::current();
    let mut sidecar = Sidecar::new("cpu-pearl", "prl1p", 0.0);
    sidecar.processes.push(ProcessEntry {
        role: "supervisor".to_owned(),
        pid: me.pid,
        start_time: me.start_time,
    });
    write_sidecar(&home.sidecar_path(), &sidecar).expect("write");
    let session = Session::read(&home);
    assert!(session.is_running_for("cpu-pearl"));
    assert!(!session.is_running_for("vllm-pearl"));
    assert_eq!(session.summary().state, "running");

    sidecar.processes[0].start_time += 7;
    write_sidecar(&home.sidecar_path(), &sidecar).expect("write");
    let session = Session::read(&home);
    assert!(!session.is_running_for("cpu-pearl"));
    assert_eq!(session.summary().state, "stale");

    std::fs::write(home.sidecar_path(), "{not json").expect("write");
    let summary = Session::read(&home).summary();
    assert_eq!(summary.state, "corrupt");
    assert!(summary.detail.is_some());
}

#[test]
fn the_second_lock_holder_is_told_who_holds_it() {
    let (_dir, home) = home();
    let guard = lock_session(&home).expect("first lock");
    let err = lock_session(&home).expect_err("second lock").to_string();
    assert!(
        err.contains(&format!(
            "another jarvis (pid {}) is starting or stopping mining",
            std::process::id()
        )),
        "{err}"
    );
    drop(guard);
    lock_session(&home).expect("free again after drop");
}
