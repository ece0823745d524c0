use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use jarvis_core::fs::write_atomic;

/// A JSON document of roughly 64 KiB whose every field carries `version`.
fn big_json(version: usize) -> Vec<u8> {
    let items: Vec<serde_json::Value> = (0..1500)
        .map(|i| serde_json::json!({ "i": i, "version": version, "pad": "x".repeat(20) }))
        .collect();
    serde_json::to_vec(&serde_json::json!({ "version": version, "items": items })).unwrap()
}

#[test]
fn concurrent_reader_never_sees_a_partial_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = Arc::new(dir.path().join("runtime").join("mining.json"));
    write_atomic(&path, &big_json(0), 0o600).unwrap();

    let done = Arc::new(AtomicBool::new(false));
    let reads = Arc::new(AtomicUsize::new(0));
    let reader = {
        let (path, done, reads) = (path.clone(), done.clone(), reads.clone());
        std::thread::spawn(move || {
            let mut last_version = 0;
            while !done.load(Ordering::Acquire) {
                let bytes = std::fs::read(&*path).expect("target must always exist");
                let doc: serde_json::Value =
                    serde_json::from_slice(&bytes).expect("every read must be a whole document");
                let version = doc["version"].as_u64().unwrap() as usize;
                assert!(version >= last_version, "versions never go backwards");
                let items = doc["items"].as_array().unwrap();
                assert_eq!(items.len(), 1500);
                assert!(items.iter().all(|it| it["version"] == doc["version"]));
                last_version = version;
                reads.fetch_add(1, Ordering::Relaxed);
            }
        })
    };
    for version in 1..=60 {
        write_atomic(&path, &big_json(version), 0o600).unwrap();
    }
    // Let the reader observe the final state at least once more.
    let seen = reads.load(Ordering::Relaxed);
    while reads.load(Ordering::Relaxed) < seen + 2 && !reader.is_finished() {
        std::thread::yield_now();
    }
    done.store(true, Ordering::Release);
    reader.join().expect("reader thread panicked");
    assert_eq!(std::fs::read(&*path).unwrap(), big_json(60));
}

#[test]
fn creates_parents_sets_mode_and_leaves_no_temp_files() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a").join("b").join("file.json");
    write_atomic(&path, b"{\"x\":1}", 0o600).unwrap();
    write_atomic(&path, b"{\"x\":2}", 0o600).unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), b"{\"x\":2}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let names: Vec<_> = std::fs::read_dir(path.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, ["file.json"]);
}

#[test]
fn failed_rename_removes_the_temp_file() {
    let dir = tempfile::tempdir().unwrap();
    // The target is a non-empty directory: the final rename must fail.
    let target = dir.path().join("taken");
    std::fs::create_dir(&target).unwrap();
    std::fs::write(target.join("inside"), b"x").unwrap();
    assert!(write_atomic(&target, b"data", 0o600).is_err());
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["taken"], "temp file left behind: {names:?}");
}
