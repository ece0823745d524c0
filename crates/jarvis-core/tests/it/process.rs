use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use jarvis_core::process::{parse_proc_stat, pid_alive, signal_group, signal_identity};
use jarvis_core::{Liveness, ProcessIdentity, Signal};
use proptest::prelude::*;

fn sleeper(group_leader: bool) -> Child {
    let mut cmd = Command::new("sleep");
    cmd.arg("30").stdout(Stdio::null()).stderr(Stdio::null());
    if group_leader {
        cmd.process_group(0);
    }
    cmd.spawn().expect("`sleep` must be available")
}

/// Waits (bounded) until `pid` is a zombie or gone, without reaping it.
fn wait_until_dead(id: &ProcessIdentity) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while id.status() != Liveness::Dead {
        assert!(Instant::now() < deadline, "process {} did not die", id.pid);
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn current_process_is_alive_with_a_start_time() {
    let me = ProcessIdentity::current();
    assert_eq!(me.pid, std::process::id());
    assert!(me.start_time > 0);
    assert_eq!(me.status(), Liveness::Alive);
    assert!(pid_alive(me.pid));
    assert_eq!(ProcessIdentity::of(me.pid), Some(me));
}

#[test]
fn reused_pid_is_detected_and_never_signalled() {
    let mut child = sleeper(false);
    let real = ProcessIdentity::of(child.id()).expect("child is running");
    assert_eq!(real.status(), Liveness::Alive);
    let impostor = ProcessIdentity {
        pid: real.pid,
        start_time: real.start_time + 1,
    };
    assert_eq!(impostor.status(), Liveness::Reused);
    assert!(!signal_identity(&impostor, Signal::Kill).unwrap());
    assert_eq!(
        real.status(),
        Liveness::Alive,
        "a reused pid must not be signalled"
    );

    assert!(signal_identity(&real, Signal::Term).unwrap());
    wait_until_dead(&real);
    // Not reaped yet: a zombie counts as dead everywhere.
    assert!(!pid_alive(real.pid));
    assert_eq!(ProcessIdentity::of(real.pid), None);
    assert!(!signal_identity(&real, Signal::Kill).unwrap());
    child.wait().unwrap();
    assert_eq!(real.status(), Liveness::Dead);
}

#[test]
fn group_signal_requires_a_live_group_leader() {
    let mut plain = sleeper(false);
    let plain_id = ProcessIdentity::of(plain.id()).unwrap();
    assert!(
        !signal_group(&plain_id, Signal::Kill).unwrap(),
        "not a group leader"
    );
    assert_eq!(plain_id.status(), Liveness::Alive);

    let mut leader = sleeper(true);
    let leader_id = ProcessIdentity::of(leader.id()).unwrap();
    assert!(signal_group(&leader_id, Signal::Kill).unwrap());
    wait_until_dead(&leader_id);
    leader.wait().unwrap();

    plain.kill().unwrap();
    plain.wait().unwrap();
}

#[test]
fn nonexistent_pids() {
    assert!(!pid_alive(0));
    assert!(!pid_alive(u32::MAX));
    assert_eq!(ProcessIdentity::of(0), None);
    assert_eq!(ProcessIdentity::of(u32::MAX), None);
    let ghost = ProcessIdentity {
        pid: u32::MAX,
        start_time: 1,
    };
    assert_eq!(ghost.status(), Liveness::Dead);
    assert!(!signal_identity(&ghost, Signal::Term).unwrap());
    assert!(!signal_group(&ghost, Signal::Term).unwrap());
}

#[test]
fn identity_serializes_as_pid_and_start_time() {
    let id = ProcessIdentity {
        pid: 42,
        start_time: 123456,
    };
    let json = serde_json::to_string(&id).unwrap();
    assert_eq!(json, r#"{"pid":42,"start_time":123456}"#);
    assert_eq!(serde_json::from_str::<ProcessIdentity>(&json).unwrap(), id);
}

/// A /proc/<pid>/stat line whose comm is `comm`, state `state` and start time `start`.
fn stat_line(comm: &str, state: char, start: u64) -> String {
    // Fields 4..=21 are 18 numbers, then field 22 = start time, then more fields.
    let middle: Vec<String> = (4..=21).map(|i| i.to_string()).collect();
    format!(
        "4242 ({comm}) {state} {} {start} 999 1000 0\n",
        middle.join(" ")
    )
}

#[test]
fn proc_stat_comm_with_spaces_and_parens() {
    assert_eq!(
        parse_proc_stat(&stat_line("sleep", 'S', 777)),
        Some(('S', 777))
    );
    assert_eq!(
        parse_proc_stat(&stat_line("evil) Z 1 2 (x", 'R', 31337)),
        Some(('R', 31337))
    );
    assert_eq!(parse_proc_stat(&stat_line("a b", 'Z', 5)), Some(('Z', 5)));
    assert_eq!(parse_proc_stat("4242 (sleep) S 1 2"), None);
    assert_eq!(parse_proc_stat("no parens at all"), None);
    assert_eq!(parse_proc_stat(""), None);
}

proptest! {
    #[test]
    fn proc_stat_parser_never_panics(text in any::<String>()) {
        let _ = parse_proc_stat(&text);
    }
}
