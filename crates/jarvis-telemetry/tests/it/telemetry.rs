//! The Prometheus parser and writer, the loopback metrics server, and the hashrate windows.

use std::sync::Arc;
use std::time::Duration;

use jarvis_telemetry::{
    Exposition, FetchError, MetricsServer, RateWindows, ServeLimits, fetch_metrics,
    parse_prometheus,
};
use proptest::prelude::*;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;

#[test]
fn parses_labels_timestamps_specials_and_colon_names() {
    let text = "# HELP vllm:num_requests_running Requests running.\n\
        # TYPE vllm:num_requests_running gauge\n\
        vllm:num_requests_running{model_name=\"pearl/7b\",engine=\"0\"} 3\n\
        http_requests_total{method=\"post\",code=\"200\"} 1027 1395066363000\n\
        weird{msg=\"a \\\"quoted\\\" \\\\ back\\nslash, } brace\"} -1.5e3\n\
        nan_metric NaN\n\
        up_inf +Inf\n\
        down_inf -Inf\n\
        \n\
        not a metric line\n\
        broken{label=\"unterminated} 1\n\
        trailing_junk 1 2 3\n";
    let parsed = parse_prometheus(text);
    assert_eq!(parsed.samples.len(), 6, "{parsed:#?}");
    assert_eq!(parsed.skipped_lines, 3);
    let vllm = parsed
        .first("vllm:num_requests_running")
        .expect("colon name");
    assert_eq!(vllm.label("model_name"), Some("pearl/7b"));
    assert_eq!(vllm.value, 3.0);
    let http = parsed
        .with_label("http_requests_total", "code", "200")
        .expect("labelled sample");
    assert_eq!(http.timestamp_ms, Some(1_395_066_363_000));
    assert_eq!(http.value, 1027.0);
    let weird = parsed.first("weird").expect("escaped labels");
    assert_eq!(
        weird.label("msg"),
        Some("a \"quoted\" \\ back\nslash, } brace")
    );
    assert_eq!(weird.value, -1500.0);
    assert!(parsed.value("nan_metric").expect("NaN").is_nan());
    assert_eq!(parsed.value("up_inf"), Some(f64::INFINITY));
    assert_eq!(parsed.value("down_inf"), Some(f64::NEG_INFINITY));
    assert_eq!(parsed.counter("nan_metric"), None, "NaN is no count");
    assert_eq!(parsed.counter("down_inf"), None);
}

#[test]
fn sums_and_counters() {
    let parsed = parse_prometheus("e{code=\"a\"} 2\ne{code=\"b\"} 3\nc 7.9\n");
    assert_eq!(parsed.sum("e"), Some(5.0));
    assert_eq!(parsed.sum("missing"), None);
    assert_eq!(parsed.counter("c"), Some(7));
}

#[test]
fn exposition_round_trips_through_the_parser() {
    let mut out = Exposition::new();
    out.single("a_total", "counter", "A counter.", 42.0)
        .family("b", "gauge", "Labelled.")
        .sample("b", &[("why", "quote \" and \\ and\nnewline")], f64::NAN)
        .sample("b", &[("why", "inf")], f64::INFINITY);
    let text = out.finish();
    let parsed = parse_prometheus(&text);
    assert_eq!(parsed.skipped_lines, 0, "{text}");
    assert_eq!(parsed.value("a_total"), Some(42.0));
    let b = parsed
        .with_label("b", "why", "quote \" and \\ and\nnewline")
        .expect("escaped label survives");
    assert!(b.value.is_nan());
    assert_eq!(
        parsed.with_label("b", "why", "inf").map(|s| s.value),
        Some(f64::INFINITY)
    );
}

proptest! {
    #[test]
    fn parser_never_panics_on_arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let text = String::from_utf8_lossy(&bytes);
        let parsed = parse_prometheus(&text);
        prop_assert!(parsed.samples.len() + parsed.skipped_lines <= text.lines().count());
    }

    #[test]
    fn written_samples_parse_back(
        name in "[a-zA-Z_:][a-zA-Z0-9_:]{0,20}",
        label in "\\PC{0,30}",
        value in proptest::num::f64::NORMAL | proptest::num::f64::ZERO,
    ) {
        let mut out = Exposition::new();
        out.sample(&name, &[("l", &label)], value);
        let parsed = parse_prometheus(&out.finish());
        prop_assert_eq!(parsed.samples.len(), 1);
        prop_assert_eq!(parsed.samples[0].label("l"), Some(label.as_str()));
        prop_assert_eq!(parsed.samples[0].value, value);
    }
}

#[test]
fn rate_windows_are_null_until_full() {
    let mut rates = RateWindows::new();
    assert_eq!(rates.windows(), [None, None, None]);
    for second in 0..=9 {
        rates.push(1000.0 + f64::from(second), u64::from(second as u32) * 100);
    }
    assert_eq!(rates.rate(10.0), None, "9 s of samples do not fill 10 s");
    rates.push(1010.0, 1000);
    assert_eq!(rates.rate(10.0), Some(100.0));
    assert_eq!(rates.rate(60.0), None);
    for second in 11..=60 {
        rates.push(1000.0 + f64::from(second), u64::from(second as u32) * 100);
    }
    assert_eq!(rates.rate(60.0), Some(100.0));
    assert_eq!(rates.windows()[2], None, "15 min not full after a minute");
    for second in 61..=900 {
        rates.push(
            1000.0 + f64::from(second),
            u64::from(second as u32) * 200 - 6100,
        );
    }
    let m15 = rates.rate(900.0).expect("15 min filled");
    assert!(m15 > 100.0 && m15 < 200.0, "{m15}");
    assert_eq!(rates.rate(10.0), Some(200.0));
}

#[test]
fn rate_windows_restart_when_the_counter_goes_back() {
    let mut rates = RateWindows::new();
    for second in 0..=20 {
        rates.push(f64::from(second), 1000 + u64::from(second as u32));
    }
    assert!(rates.rate(10.0).is_some());
    rates.push(21.0, 5);
    assert_eq!(rates.rate(10.0), None);
}

#[tokio::test]
async fn server_serves_metrics_and_client_reads_them() {
    let server = MetricsServer::bind(0, Arc::new(|| "x_total 5\n".to_owned()))
        .await
        .expect("bind an ephemeral port");
    let body = fetch_metrics(&server.url(), Duration::from_secs(5))
        .await
        .expect("scrape");
    assert_eq!(parse_prometheus(&body).counter("x_total"), Some(5));
    let other = format!("http://{}/other", server.address());
    assert!(matches!(
        fetch_metrics(&other, Duration::from_secs(5)).await,
        Err(FetchError::BadResponse { .. })
    ));
    assert!(matches!(
        fetch_metrics("https://127.0.0.1:1/metrics", Duration::from_secs(1)).await,
        Err(FetchError::BadUrl { .. })
    ));
    let port = server.address().port();
    drop(server);
    tokio::time::sleep(Duration::from_millis(50)).await;
    let gone = format!("http://127.0.0.1:{port}/metrics");
    assert!(matches!(
        fetch_metrics(&gone, Duration::from_secs(2)).await,
        Err(FetchError::Unreachable { .. })
    ));
}

/// Reads until the server closes `stream` (end of file or a reset), or gives up after `within`:
/// `false` then. Bytes it answered first (an error status) are allowed.
async fn closed_by_server(stream: &mut TcpStream, within: Duration) -> bool {
    let mut answer = Vec::new();
    tokio::time::timeout(within, stream.read_to_end(&mut answer))
        .await
        .is_ok()
}

/// A slowloris client (a request line and half a header, then nothing) and one that connects
/// and says nothing are both disconnected once the header-read timeout passes; a scrape while
/// they are connected is served. Before the timeout they would be held open for ever.
#[tokio::test]
async fn clients_that_never_finish_their_headers_are_disconnected_while_scrapes_go_on() {
    let limits = ServeLimits {
        header_read_timeout: Duration::from_millis(200),
        ..ServeLimits::DEFAULT
    };
    let server = MetricsServer::bind_with_limits(0, Arc::new(|| "x_total 5\n".to_owned()), limits)
        .await
        .expect("bind an ephemeral port");
    let mut slow = TcpStream::connect(server.address()).await.expect("connect");
    slow.write_all(b"GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/")
        .await
        .expect("send a partial request");
    let mut silent = TcpStream::connect(server.address()).await.expect("connect");

    let body = fetch_metrics(&server.url(), Duration::from_secs(10))
        .await
        .expect("a scrape while stalled clients are connected");
    assert_eq!(parse_prometheus(&body).counter("x_total"), Some(5));

    // A generous bound (the timeout is 200 ms): it only keeps a regression from hanging.
    let bound = Duration::from_secs(30);
    assert!(
        closed_by_server(&mut slow, bound).await,
        "the server still holds a connection whose headers never finished"
    );
    assert!(
        closed_by_server(&mut silent, bound).await,
        "the server still holds a connection that never sent a byte"
    );
    let body = fetch_metrics(&server.url(), Duration::from_secs(10))
        .await
        .expect("a scrape after they were dropped");
    assert_eq!(parse_prometheus(&body).counter("x_total"), Some(5));
}

/// At most `max_connections` are served at once: a complete request on a second connection is
/// answered only once the first (which holds the one slot) closes.
#[tokio::test]
async fn connections_beyond_the_cap_wait_for_a_free_slot() {
    let limits = ServeLimits {
        header_read_timeout: Duration::from_secs(600),
        max_connections: 1,
    };
    let server = MetricsServer::bind_with_limits(0, Arc::new(|| "x_total 5\n".to_owned()), limits)
        .await
        .expect("bind an ephemeral port");
    // The kernel hands connections over in the order they came: `holder` takes the slot.
    let holder = TcpStream::connect(server.address()).await.expect("connect");
    let mut waiting = TcpStream::connect(server.address()).await.expect("connect");
    waiting
        .write_all(b"GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        .await
        .expect("send a request");
    let mut first = [0u8; 1];
    assert!(
        tokio::time::timeout(Duration::from_millis(500), waiting.read(&mut first))
            .await
            .is_err(),
        "a connection over the cap was served"
    );
    drop(holder);
    let mut answer = Vec::new();
    tokio::time::timeout(Duration::from_secs(30), waiting.read_to_end(&mut answer))
        .await
        .expect("served once the slot was free")
        .expect("read the answer");
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.ends_with("x_total 5\n"), "{answer}");
}
