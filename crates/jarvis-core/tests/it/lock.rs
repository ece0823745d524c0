//! Lock contention across real processes: the test binary re-executes itself as the holder.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use jarvis_core::{LockError, try_lock};

const CHILD_ENV: &str = "JARVIS_CORE_TEST_LOCK_HOLDER";

fn marker(lock: &Path, suffix: &str) -> PathBuf {
    lock.with_extension(suffix)
}

fn wait_for(path: &Path) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !path.exists() {
        assert!(
            Instant::now() < deadline,
            "gave up waiting for {}",
            path.display()
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Not a test on its own: re-executed (with `--ignored`) by the tests below, it holds the lock
/// named by `CHILD_ENV` until the `release` marker appears.
#[test]
#[ignore = "helper process for the lock tests"]
fn holder_child() {
    let Some(lock) = std::env::var_os(CHILD_ENV).map(PathBuf::from) else {
        return;
    };
    let guard = try_lock(&lock).expect("child must get the lock");
    std::fs::write(marker(&lock, "ready"), b"").unwrap();
    wait_for(&marker(&lock, "release"));
    drop(guard);
}

fn spawn_holder(lock: &Path) -> Child {
    let child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--ignored",
            "--exact",
            "lock::holder_child",
            "--test-threads=1",
        ])
        .env(CHILD_ENV, lock)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_for(&marker(lock, "ready"));
    child
}

#[test]
fn second_process_sees_held_with_holder_pid_then_lock_frees() {
    let dir = tempfile::tempdir().unwrap();
    let lock = dir.path().join("runtime").join("mining.lock");
    let mut child = spawn_holder(&lock);

    let err = try_lock(&lock).unwrap_err();
    match &err {
        LockError::Held { pid, path } => {
            assert_eq!(*pid, Some(child.id()));
            assert_eq!(path, &lock);
        }
        other => panic!("expected Held, got {other:?}"),
    }
    assert_eq!(
        err.to_string(),
        format!(
            "another jarvis (pid {}) is starting or stopping mining; wait for it to finish, \
             or remove {} if no jarvis is running",
            child.id(),
            lock.display()
        )
    );

    std::fs::write(marker(&lock, "release"), b"").unwrap();
    assert!(child.wait().unwrap().success());
    let guard = try_lock(&lock).expect("lock must be free after the holder exits");
    assert_eq!(
        std::fs::read_to_string(&lock).unwrap().trim(),
        std::process::id().to_string()
    );
    drop(guard);
}

#[test]
fn killed_holder_releases_the_lock() {
    let dir = tempfile::tempdir().unwrap();
    let lock = dir.path().join("mining.lock");
    let mut child = spawn_holder(&lock);
    assert!(matches!(try_lock(&lock), Err(LockError::Held { .. })));
    child.kill().unwrap(); // SIGKILL: no destructor runs
    child.wait().unwrap();
    let guard = try_lock(&lock).expect("a crashed holder must not keep the lock");
    drop(guard);
}

/// The file's pid is unreadable (the holder has just taken the lock and not written it yet,
/// or is releasing it, or something overwrote it): the loser still names the holder's pid,
/// from the kernel's lock table.
#[test]
fn the_holders_pid_is_named_even_when_the_file_does_not_say_it() {
    let dir = tempfile::tempdir().unwrap();
    let lock = dir.path().join("mining.lock");
    let guard = try_lock(&lock).unwrap();
    assert_eq!(guard.path(), lock);
    // Another open file description conflicts even within one process.
    std::fs::write(&lock, b"garbage").unwrap();
    let err = try_lock(&lock).unwrap_err();
    if cfg!(target_os = "linux") {
        assert!(
            matches!(err, LockError::Held { pid: Some(pid), .. } if pid == std::process::id()),
            "{err:?}"
        );
        assert_eq!(
            err.to_string(),
            format!(
                "another jarvis (pid {}) is starting or stopping mining; wait for it to finish, \
                 or remove {} if no jarvis is running",
                std::process::id(),
                lock.display()
            )
        );
    } else {
        assert!(matches!(err, LockError::Held { .. }), "{err:?}");
    }
    drop(guard);
    let again = try_lock(&lock).expect("dropping the guard releases the lock");
    drop(again);
}

#[test]
fn proc_locks_lines_name_the_flock_holder_and_skip_waiters() {
    let table = "1: POSIX  ADVISORY  WRITE 77 00:2b:42 0 EOF\n\
                 2: FLOCK  ADVISORY  WRITE 4187 08:01:1234567 0 EOF\n\
                 2: -> FLOCK  ADVISORY  WRITE 999 08:01:1234567 0 EOF\n";
    assert_eq!(
        jarvis_core::lock::parse_proc_locks(table, "08:01:1234567"),
        Some(4187)
    );
    assert_eq!(
        jarvis_core::lock::parse_proc_locks(table, "00:2b:42"),
        None,
        "POSIX locks are not ours"
    );
    assert_eq!(jarvis_core::lock::parse_proc_locks(table, "08:01:7"), None);
    assert_eq!(
        jarvis_core::lock::parse_proc_locks("garbage\n\n1:", "08:01:7"),
        None
    );
}

#[test]
fn unusable_path_is_io_error() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("plain-file");
    std::fs::write(&file, b"").unwrap();
    let err = try_lock(&file.join("mining.lock")).unwrap_err();
    assert!(matches!(err, LockError::Io { .. }), "{err:?}");
    assert!(err.to_string().contains("plain-file"));
}
