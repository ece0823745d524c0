//! `JobPoller`: publishing, header changes, withdrawal after failures, reconnects.

use std::sync::Arc;
use std::sync::atomic::{AtomicU8, AtomicUsize, Ordering};
use std::time::Duration;

use pearl_protocol::MiningJob;
use pearl_rpc::gateway::{JobPoller, PollerConfig};
use tokio::sync::watch;

use super::scripted::{Action, Scripted, error, header, job_json, success};

const FAST: PollerConfig = PollerConfig {
    interval: Duration::from_millis(5),
    call_timeout: Duration::from_secs(2),
    backoff_initial: Duration::from_millis(2),
    backoff_max: Duration::from_millis(20),
    failures_to_retire: 3,
};

/// Serves `job_json(seed)`; seed 0 means paused.
fn serving(
    seed: Arc<AtomicU8>,
    paused_replies: Arc<AtomicUsize>,
) -> impl Fn(&super::scripted::Request) -> Action {
    move |r| match seed.load(Ordering::SeqCst) {
        0 => {
            paused_replies.fetch_add(1, Ordering::SeqCst);
            Action::Line(error(
                &r.id,
                -32001,
                "mining_paused: no block template available",
            ))
        }
        s => Action::Line(success(&r.id, &job_json(s))),
    }
}

async fn wait_for(
    jobs: &mut watch::Receiver<Option<MiningJob>>,
    what: impl FnMut(&Option<MiningJob>) -> bool,
) -> Option<MiningJob> {
    tokio::time::timeout(Duration::from_secs(10), jobs.wait_for(what))
        .await
        .expect("the poller publishes in time")
        .expect("the poller is alive")
        .clone()
}

#[tokio::test]
async fn publishes_new_jobs_on_header_change_and_withdraws_after_three_failures() {
    let seed = Arc::new(AtomicU8::new(1));
    let paused = Arc::new(AtomicUsize::new(0));
    let server = Scripted::tcp(serving(seed.clone(), paused.clone())).await;
    let poller = JobPoller::spawn(server.address.clone(), FAST);
    let mut jobs = poller.subscribe();

    let first = wait_for(&mut jobs, Option::is_some).await.unwrap();
    assert_eq!(first.header, header(1));
    // Further polls of the same job publish nothing new.
    let polled = server.requests().len();
    while server.requests().len() < polled + 3 {
        tokio::task::yield_now().await;
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    assert!(!jobs.has_changed().unwrap());

    seed.store(2, Ordering::SeqCst);
    let second = wait_for(&mut jobs, |j| {
        j.as_ref().is_some_and(|j| j.header == header(2))
    })
    .await;
    assert!(second.is_some());
    assert_eq!(poller.status().jobs_total, 2);

    seed.store(0, Ordering::SeqCst);
    assert_eq!(wait_for(&mut jobs, Option::is_none).await, None);
    assert!(paused.load(Ordering::SeqCst) >= 3);
    let status = poller.status();
    assert!(status.consecutive_failures >= 3);
    assert!(status.connected);
    assert!(status.last_error.unwrap().contains("paused"));
    assert_eq!(
        server.connections.load(Ordering::SeqCst),
        1,
        "paused keeps the connection"
    );

    seed.store(2, Ordering::SeqCst);
    let back = wait_for(&mut jobs, Option::is_some).await.unwrap();
    assert_eq!(back.header, header(2));
    assert_eq!(
        poller.status().jobs_total,
        3,
        "a job after a withdrawal is announced again"
    );
    assert_eq!(poller.status().consecutive_failures, 0);
    poller.stop().await;
}

#[tokio::test]
async fn reconnects_after_garbage_oversized_lines_and_wrong_ids() {
    let faults: [fn(&str) -> Action; 4] = [
        |_| Action::Line("garbage".to_owned()),
        |_| Action::Raw(vec![b'{'; pearl_protocol::gateway::MAX_LINE_BYTES + 10]),
        |_| Action::Line(success("12345", "{}")),
        |_| Action::Close,
    ];
    for fault in faults {
        // Connection 0 misbehaves on its second request; later connections serve job 2.
        let server = Scripted::tcp(move |r| match (r.connection, r.index) {
            (0, 0) => Action::Line(success(&r.id, &job_json(1))),
            (0, _) => fault(&r.id),
            _ => Action::Line(success(&r.id, &job_json(2))),
        })
        .await;
        let poller = JobPoller::spawn(server.address.clone(), FAST);
        let mut jobs = poller.subscribe();
        wait_for(&mut jobs, |j| {
            j.as_ref().is_some_and(|j| j.header == header(2))
        })
        .await;
        let status = poller.status();
        assert_eq!(status.connects_total, 2);
        assert_eq!(status.jobs_total, 2);
        assert!(status.last_error.is_some());
        assert_eq!(server.connections.load(Ordering::SeqCst), 2);
    }
}

#[tokio::test]
async fn keeps_retrying_while_the_gateway_is_down_and_drop_stops_it() {
    let path = std::env::temp_dir().join(format!("pp-gw-down-{}.sock", std::process::id()));
    let _ = std::fs::remove_file(&path);
    let poller = JobPoller::spawn(pearl_protocol::gateway::GatewayAddress::Unix(path), FAST);
    let mut jobs = poller.subscribe();
    while poller.status().consecutive_failures < 4 {
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    let status = poller.status();
    assert!(!status.connected);
    assert!(status.last_error.unwrap().contains("cannot connect"));
    assert_eq!(*jobs.borrow_and_update(), None);
    drop(poller);
    // The sender lives in the task; once aborted, the channel closes.
    tokio::time::timeout(Duration::from_secs(5), jobs.changed())
        .await
        .unwrap()
        .unwrap_err();
}
