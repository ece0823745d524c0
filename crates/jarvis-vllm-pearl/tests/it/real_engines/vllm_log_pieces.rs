//! A log line longer than dockerd's 16 KiB log buffer, read back through the provider from a
//! real engine: dockerd's logs API sends it as pieces, each with its own time in front.

use jarvis_testkit::real_engine::{STANDIN_TAG, plain_engine};

use super::{EngineRig, NAME, last_log_lines, skipped};

#[tokio::test]
async fn a_line_over_16_kib_comes_back_whole_with_one_time() {
    if skipped("vllm_log_pieces::a_line_over_16_kib_comes_back_whole_with_one_time") {
        return;
    }
    let rig = EngineRig::on(plain_engine()).await;
    rig.daemon.standin_image();
    // 40 KiB of `a` (three pieces), then a date and a short line holding one.
    let script = "/bin/busybox head -c 40960 /dev/zero | /bin/busybox tr '\\0' a; \
                  echo ' at 2026-12-03T12:00:04.123456789Z'; \
                  echo 'short 2026-12-03T12:00:04.123456789Z x'";
    rig.daemon.docker_ok(&[
        "run",
        "--name",
        NAME,
        "--network",
        "none",
        "--entrypoint",
        "/bin/busybox",
        STANDIN_TAG,
        "sh",
        "-c",
        script,
    ]);
    // The engine itself sends the pieces, each with a time (what the provider undoes).
    let raw = rig.daemon.docker_ok(&["logs", "--timestamps", NAME]);
    let times = raw.matches("Z ").count();
    assert!(
        times >= 5,
        "dockerd no longer cuts long lines: {times} times"
    );

    let lines = last_log_lines(&rig.provider()).await;
    assert_eq!(
        lines.len(),
        2,
        "{:?}",
        lines.iter().map(|l| l.line.len()).collect::<Vec<_>>()
    );
    let long = format!("{} at 2026-12-03T12:00:04.123456789Z", "a".repeat(40960));
    assert!(lines[0].line == long, "{} bytes", lines[0].line.len());
    assert!(
        lines[0].timestamp.as_deref().is_some_and(|t| t.len() == 30),
        "{:?}",
        lines[0].timestamp
    );
    assert_eq!(lines[1].line, "short 2026-12-03T12:00:04.123456789Z x");
}
