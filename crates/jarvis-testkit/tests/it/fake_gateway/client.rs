//! Our gateway client and poller against the fake, with real mined proofs.

use std::time::Duration;

use jarvis_testkit::fake_gateway::{
    FakeGateway, FakeGatewayOptions, Fault, easy_job, job_json_python_style,
};
use num_bigint::BigUint;
use pearl_protocol::MiningJob;
use pearl_rpc::gateway::{
    GatewayClient, GatewayError, JobPoller, PollerConfig, SubmitOutcome, SubmitPolicy,
    submit_with_policy,
};
use tokio::sync::watch;

use super::{mine, start};

const TIMEOUT: Duration = Duration::from_secs(5);

#[tokio::test]
async fn mined_proof_is_verified_over_unix_socket_and_tcp() {
    for unix in [true, false] {
        let dir = tempfile::tempdir().unwrap();
        let gateway = start(unix, &dir).await;
        let mut client = GatewayClient::connect(gateway.address().clone(), TIMEOUT)
            .await
            .unwrap();
        let job = client.get_mining_info().await.unwrap();
        assert_eq!(job, easy_job());
        let proof = mine(&job).await;
        let mut tampered = proof.clone();
        tampered.a.proof.leaf_data[0][0] ^= 1;
        assert_eq!(
            client.submit_plain_proof(&job, &tampered).await,
            Ok(SubmitOutcome::Submitted)
        );
        assert_eq!(
            client.submit_plain_proof(&job, &proof).await,
            Ok(SubmitOutcome::Submitted)
        );
        // A second proof for a header that made a block: the real gateway skips it.
        assert_eq!(
            client.submit_plain_proof(&job, &proof).await,
            Ok(SubmitOutcome::Submitted)
        );

        let submissions = gateway.submissions();
        assert_eq!(submissions.len(), 3);
        let rejected = submissions[0].verdict.as_ref().unwrap_err();
        assert!(rejected.contains("verifier rejected"), "{rejected}");
        assert_eq!(submissions[1].verdict, Ok(()), "unix={unix}");
        assert_eq!(submissions[1].job_raw, job.raw_json());
        assert_eq!(submissions[1].proof_b64, proof.to_base64());
        let skipped = submissions[2].verdict.as_ref().unwrap_err();
        assert!(skipped.contains("already submitted"), "{skipped}");
        assert_eq!(gateway.connections(), 1);
        let requests = gateway.requests();
        assert_eq!(
            requests[0],
            r#"{"jsonrpc":"2.0","method":"getMiningInfo","params":{},"id":1}"#
        );
        assert_eq!(
            requests[2],
            format!(
                r#"{{"jsonrpc":"2.0","method":"submitPlainProof","params":{{"plain_proof":"{}","mining_job":{}}},"id":3}}"#,
                proof.to_base64(),
                job.raw_json()
            )
        );
    }
}

#[tokio::test]
async fn proof_for_an_old_block_is_stale() {
    let dir = tempfile::tempdir().unwrap();
    let gateway = start(true, &dir).await;
    let mut client = GatewayClient::connect(gateway.address().clone(), TIMEOUT)
        .await
        .unwrap();
    let old = client.get_mining_info().await.unwrap();
    let proof = mine(&old).await;
    let new = gateway.new_block();
    assert_ne!(new.header, old.header);
    assert_eq!(new.target, old.target);
    assert_eq!(client.get_mining_info().await.unwrap(), new);
    client.submit_plain_proof(&old, &proof).await.unwrap();
    let verdict = gateway.submissions()[0].verdict.clone().unwrap_err();
    assert!(verdict.contains("stale"), "{verdict}");
}

#[tokio::test]
async fn huge_target_is_echoed_byte_for_byte() {
    let target = BigUint::from(1u8) << 200u32;
    let json = job_json_python_style(&easy_job().header, &target, 3);
    let job = MiningJob::from_json(&json).unwrap();
    let gateway = FakeGateway::start_tcp(
        0,
        FakeGatewayOptions {
            job: Some(job),
            ..FakeGatewayOptions::default()
        },
    )
    .await
    .unwrap();
    let mut client = GatewayClient::connect(gateway.address().clone(), TIMEOUT)
        .await
        .unwrap();
    let received = client.get_mining_info().await.unwrap();
    assert_eq!(received.target, target);
    client
        .submit_plain_proof(&received, &pearl_protocol::PlainProof::default())
        .await
        .unwrap();
    let echoed = &gateway.submissions()[0].job_raw;
    assert_eq!(echoed, &json);
    assert!(
        echoed
            .contains("\"target\": 1606938044258990275541962092341162602522202993782792835301376,")
    );
}

#[tokio::test]
async fn paused_gateway_and_injected_faults() {
    let gateway = FakeGateway::start_tcp(0, FakeGatewayOptions::default())
        .await
        .unwrap();
    let address = gateway.address().clone();
    let mut client = GatewayClient::connect(address.clone(), Duration::from_millis(300))
        .await
        .unwrap();
    gateway.pause();
    assert!(matches!(
        client.get_mining_info().await,
        Err(GatewayError::Paused { .. })
    ));
    gateway.resume();
    assert!(client.get_mining_info().await.is_ok());

    for (fault, expect) in [
        (Fault::Garbage, "protocol"),
        (Fault::OversizedLine, "protocol"),
        (Fault::WrongId, "protocol"),
        (Fault::Close, "closed"),
        (Fault::Hang, "timeout"),
    ] {
        gateway.inject(fault);
        let error = client.get_mining_info().await.unwrap_err();
        let kind = match error {
            GatewayError::Protocol { .. } => "protocol",
            GatewayError::Closed { .. } => "closed",
            GatewayError::Timeout { .. } => "timeout",
            _ => "other",
        };
        assert_eq!(kind, expect, "{fault:?}: {error}");
        assert!(!client.is_connected());
        client.reconnect().await.unwrap();
        assert!(
            client.get_mining_info().await.is_ok(),
            "usable again after {fault:?}"
        );
    }
}

#[tokio::test]
async fn queue_full_is_retried_once_and_the_proof_lands() {
    let gateway = FakeGateway::start_tcp(0, FakeGatewayOptions::default())
        .await
        .unwrap();
    let mut client = GatewayClient::connect(gateway.address().clone(), TIMEOUT)
        .await
        .unwrap();
    let job = client.get_mining_info().await.unwrap();
    let proof = mine(&job).await;
    gateway.inject(Fault::QueueFull);
    let policy = SubmitPolicy {
        queue_full_backoff: Duration::from_millis(1),
        paused_backoff: Duration::from_millis(1),
    };
    assert_eq!(
        submit_with_policy(&mut client, &job, &proof, policy).await,
        Ok(SubmitOutcome::Submitted)
    );
    assert_eq!(
        gateway.requests().len(),
        3,
        "getMiningInfo, refused submit, retried submit"
    );
    assert_eq!(gateway.submissions().len(), 1);
    assert_eq!(gateway.submissions()[0].verdict, Ok(()));
}

async fn wait_for(
    jobs: &mut watch::Receiver<Option<MiningJob>>,
    what: impl FnMut(&Option<MiningJob>) -> bool,
) -> Option<MiningJob> {
    tokio::time::timeout(Duration::from_secs(10), jobs.wait_for(what))
        .await
        .unwrap()
        .unwrap()
        .clone()
}

#[tokio::test]
async fn poller_follows_blocks_pauses_and_reconnects() {
    let dir = tempfile::tempdir().unwrap();
    let gateway = start(true, &dir).await;
    let config = PollerConfig {
        interval: Duration::from_millis(5),
        call_timeout: Duration::from_secs(2),
        backoff_initial: Duration::from_millis(2),
        backoff_max: Duration::from_millis(20),
        failures_to_retire: 3,
    };
    let poller = JobPoller::spawn(gateway.address().clone(), config);
    let mut jobs = poller.subscribe();
    assert_eq!(wait_for(&mut jobs, Option::is_some).await, Some(easy_job()));

    let next = gateway.new_block();
    assert_eq!(
        wait_for(&mut jobs, |j| j.as_ref() != Some(&easy_job())).await,
        Some(next.clone())
    );

    gateway.pause();
    assert_eq!(wait_for(&mut jobs, Option::is_none).await, None);
    gateway.resume();
    assert_eq!(
        wait_for(&mut jobs, Option::is_some).await,
        Some(next.clone())
    );

    gateway.inject(Fault::Garbage);
    let newer = gateway.new_block();
    assert_eq!(
        wait_for(&mut jobs, |j| j.as_ref() == Some(&newer)).await,
        Some(newer)
    );
    let status = poller.status();
    assert_eq!(status.connects_total, 2, "garbage forces one reconnect");
    assert_eq!(gateway.connections(), 2);
    assert_eq!(status.jobs_total, 4);
    assert!(status.connected);
    poller.stop().await;
}
