//! `GatewayClient` and `submit_with_policy` against scripted replies.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use num_bigint::BigUint;
use pearl_protocol::MiningJob;
use pearl_protocol::gateway::{GatewayAddress, MAX_LINE_BYTES};
use pearl_rpc::gateway::{
    GatewayClient, GatewayError, SubmitOutcome, SubmitPolicy, submit_with_policy,
};

use super::scripted::{Action, Scripted, TARGET_2_200, error, header, job_json, success};
use crate::sample_proof as sample;

const TIMEOUT: Duration = Duration::from_secs(5);
const QUICK: SubmitPolicy = SubmitPolicy {
    queue_full_backoff: Duration::from_millis(1),
    paused_backoff: Duration::from_millis(1),
};

fn serve_job(request: &super::scripted::Request) -> Action {
    match request.method.as_str() {
        "getMiningInfo" => Action::Line(success(&request.id, &job_json(1))),
        _ => Action::Line(success(&request.id, "\"submitted\"")),
    }
}

#[tokio::test]
async fn sends_exact_lines_and_echoes_the_job_byte_for_byte() {
    let server = Scripted::tcp(serve_job).await;
    let mut client = GatewayClient::connect(server.address.clone(), TIMEOUT)
        .await
        .unwrap();
    let job = client.get_mining_info().await.unwrap();
    assert_eq!(job.header, header(1));
    assert_eq!(job.target, BigUint::from(1u8) << 200u32);
    assert_eq!(job.cert_version, 3);
    assert_eq!(job.raw_json(), job_json(1));
    let proof = sample();
    let outcome = client.submit_plain_proof(&job, &proof).await.unwrap();
    assert_eq!(outcome, SubmitOutcome::Submitted);
    let requests = server.requests();
    assert_eq!(
        requests[0],
        r#"{"jsonrpc":"2.0","method":"getMiningInfo","params":{},"id":1}"#
    );
    assert_eq!(
        requests[1],
        format!(
            r#"{{"jsonrpc":"2.0","method":"submitPlainProof","params":{{"plain_proof":"{}","mining_job":{}}},"id":2}}"#,
            proof.to_base64(),
            job_json(1)
        )
    );
    assert!(requests[1].contains(&format!("\"target\": {TARGET_2_200},")));
}

#[tokio::test]
async fn works_over_a_unix_socket() {
    let server = Scripted::unix(serve_job).await;
    let mut client = GatewayClient::connect(server.address.clone(), TIMEOUT)
        .await
        .unwrap();
    assert_eq!(client.get_mining_info().await.unwrap().header, header(1));
    assert_eq!(client.get_mining_info().await.unwrap().header, header(1));
    assert_eq!(
        server.connections.load(Ordering::SeqCst),
        1,
        "one persistent connection"
    );
}

#[tokio::test]
async fn paused_and_other_error_replies_keep_the_connection() {
    let server = Scripted::tcp(|r| match r.index {
        0 => Action::Line(error(
            &r.id,
            -32001,
            "mining_paused: no block template available",
        )),
        1 => Action::Line(error(&r.id, -32601, "Method x not found")),
        2 => Action::Line(error("null", -32000, "boom")),
        _ => serve_job(r),
    })
    .await;
    let mut client = GatewayClient::connect(server.address.clone(), TIMEOUT)
        .await
        .unwrap();
    let paused = client.get_mining_info().await.unwrap_err();
    assert!(
        matches!(&paused, GatewayError::Paused { message } if message.contains("no block template"))
    );
    assert!(!paused.drops_connection());
    assert!(client.is_connected());
    let other = client.get_mining_info().await.unwrap_err();
    assert_eq!(
        other,
        GatewayError::Rpc {
            code: -32601,
            message: "Method x not found".to_owned()
        }
    );
    // A null id is how the server answers when it could not read ours.
    let null_id = client.get_mining_info().await.unwrap_err();
    assert_eq!(
        null_id,
        GatewayError::Rpc {
            code: -32000,
            message: "boom".to_owned()
        }
    );
    assert!(client.get_mining_info().await.is_ok());
    assert_eq!(server.connections.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn queue_full_is_retried_once_then_succeeds() {
    let server = Scripted::tcp(|r| match r.index {
        0 => Action::Line(error(&r.id, -32000, "proof submission queue full")),
        _ => serve_job(r),
    })
    .await;
    let mut client = GatewayClient::connect(server.address.clone(), TIMEOUT)
        .await
        .unwrap();
    let job = MiningJob::from_json(&job_json(1)).unwrap();
    let outcome = submit_with_policy(&mut client, &job, &sample(), QUICK)
        .await
        .unwrap();
    assert_eq!(outcome, SubmitOutcome::Submitted);
    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    assert!(requests[1].ends_with(r#","id":2}"#));
    assert_eq!(requests[0].replace(r#""id":1"#, r#""id":2"#), requests[1]);
}

#[tokio::test]
async fn queue_full_twice_gives_up_after_one_retry_and_paused_is_not_retried() {
    let server = Scripted::tcp(|r| match r.index {
        0 | 1 => Action::Line(error(&r.id, -32000, "proof submission queue full")),
        _ => Action::Line(error(
            &r.id,
            -32001,
            "mining_paused: no block template available",
        )),
    })
    .await;
    let mut client = GatewayClient::connect(server.address.clone(), TIMEOUT)
        .await
        .unwrap();
    let job = MiningJob::from_json(&job_json(1)).unwrap();
    let full = submit_with_policy(&mut client, &job, &sample(), QUICK)
        .await
        .unwrap_err();
    assert!(matches!(full, GatewayError::QueueFull { .. }));
    assert_eq!(server.requests().len(), 2);
    let paused = submit_with_policy(&mut client, &job, &sample(), QUICK)
        .await
        .unwrap_err();
    assert!(matches!(paused, GatewayError::Paused { .. }));
    assert_eq!(server.requests().len(), 3);
}

#[tokio::test]
async fn submit_reconnects_once_when_the_gateway_closed_the_connection() {
    let server = Scripted::tcp(|r| match (r.connection, r.index) {
        (0, 1) => Action::Close,
        _ => serve_job(r),
    })
    .await;
    let mut client = GatewayClient::connect(server.address.clone(), TIMEOUT)
        .await
        .unwrap();
    let job = client.get_mining_info().await.unwrap();
    let outcome = submit_with_policy(&mut client, &job, &sample(), QUICK)
        .await
        .unwrap();
    assert_eq!(outcome, SubmitOutcome::Submitted);
    assert_eq!(server.connections.load(Ordering::SeqCst), 2);
}

async fn first_call_error(action: impl Fn(&str) -> Action + Send + Sync + 'static) -> GatewayError {
    let server = Scripted::tcp(move |r| action(&r.id)).await;
    let mut client = GatewayClient::connect(server.address.clone(), Duration::from_millis(300))
        .await
        .unwrap();
    let error = client.get_mining_info().await.unwrap_err();
    assert!(error.drops_connection(), "{error}");
    assert!(!client.is_connected());
    let again = client.get_mining_info().await.unwrap_err();
    assert!(matches!(again, GatewayError::Closed { .. }), "{again}");
    error
}

#[tokio::test]
async fn wrong_id_is_a_protocol_error() {
    let error = first_call_error(|_| Action::Line(success("99", &job_json(1)))).await;
    assert!(
        matches!(&error, GatewayError::Protocol { detail, .. } if detail.contains("id 99")),
        "{error}"
    );
    let error = first_call_error(|_| Action::Line(success("\"1\"", &job_json(1)))).await;
    assert!(matches!(error, GatewayError::Protocol { .. }));
}

#[tokio::test]
async fn garbage_and_bad_jobs_are_protocol_errors() {
    for reply in [
        "not json at all",
        "\u{0}\u{1}{{{",
        "[]",
        "{\"jsonrpc\":\"2.0\",\"id\":1}",
    ] {
        let error = first_call_error(move |_| Action::Line(reply.to_owned())).await;
        assert!(
            matches!(error, GatewayError::Protocol { .. }),
            "{reply}: {error}"
        );
    }
    let invalid_utf8 = first_call_error(|_| Action::Raw(b"\xff\xfe\n".to_vec())).await;
    assert!(matches!(invalid_utf8, GatewayError::Protocol { .. }));
    let float_target = first_call_error(|id| {
        Action::Line(success(id, &job_json(1).replace(TARGET_2_200, "1.5e60")))
    })
    .await;
    assert!(
        matches!(&float_target, GatewayError::Protocol { detail, .. } if detail.contains("target"))
    );
}

#[tokio::test]
async fn oversized_line_is_a_protocol_error() {
    let error = first_call_error(|_| {
        let mut line = vec![b'x'; MAX_LINE_BYTES + 1];
        line.push(b'\n');
        Action::Raw(line)
    })
    .await;
    assert!(
        matches!(&error, GatewayError::Protocol { detail, .. } if detail.contains("longer than"))
    );
}

#[tokio::test]
async fn line_of_exactly_the_cap_is_read() {
    let server = Scripted::tcp(|r| {
        let reply = success(&r.id, "\"submitted\"");
        let padding = " ".repeat(MAX_LINE_BYTES - reply.len());
        Action::Line(format!("{reply}{padding}"))
    })
    .await;
    let mut client = GatewayClient::connect(server.address.clone(), TIMEOUT)
        .await
        .unwrap();
    let job = MiningJob::from_json(&job_json(1)).unwrap();
    assert_eq!(
        client.submit_plain_proof(&job, &sample()).await,
        Ok(SubmitOutcome::Submitted)
    );
}

#[tokio::test]
async fn close_and_hang_drop_the_connection() {
    let closed = first_call_error(|_| Action::Close).await;
    assert!(matches!(closed, GatewayError::Closed { .. }), "{closed}");
    let truncated = first_call_error(|_| Action::Raw(b"{\"jsonrpc\"".to_vec())).await;
    // The server keeps the socket open after a partial line, so the read times out.
    assert!(
        matches!(
            truncated,
            GatewayError::Timeout {
                method: "getMiningInfo",
                ..
            }
        ),
        "{truncated}"
    );
    let hung = first_call_error(|_| Action::Hang).await;
    assert!(matches!(hung, GatewayError::Timeout { .. }), "{hung}");
}

#[tokio::test]
async fn ids_keep_increasing_across_reconnects() {
    let calls = Arc::new(AtomicUsize::new(0));
    let seen = calls.clone();
    let server = Scripted::tcp(move |r| {
        seen.fetch_add(1, Ordering::SeqCst);
        serve_job(r)
    })
    .await;
    let mut client = GatewayClient::connect(server.address.clone(), TIMEOUT)
        .await
        .unwrap();
    client.get_mining_info().await.unwrap();
    client.reconnect().await.unwrap();
    client.get_mining_info().await.unwrap();
    let requests = server.requests();
    assert!(requests[1].ends_with(r#""id":2}"#), "{}", requests[1]);
    assert_eq!(calls.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn connect_failure_names_the_socket_and_the_fix() {
    let path = std::env::temp_dir().join(format!("pp-gw-missing-{}.sock", std::process::id()));
    let error = GatewayClient::connect(GatewayAddress::Unix(path.clone()), TIMEOUT)
        .await
        .unwrap_err();
    let text = error.to_string();
    assert!(matches!(error, GatewayError::Connect { .. }));
    assert!(text.contains(&path.display().to_string()), "{text}");
    assert!(
        text.contains("is pearl-gateway running") && !text.contains("jarvis"),
        "{text}"
    );
}
