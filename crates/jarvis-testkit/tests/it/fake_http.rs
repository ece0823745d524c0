//! The Docker Engine and HF Hub fakes refuse what the real services refuse, on the raw wire.

use std::time::Duration;

use jarvis_testkit::fake_docker::{ContainerRecord, FakeDocker};
use jarvis_testkit::fake_hub::{FakeHub, HubRepo};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpStream, UnixStream};

async fn exchange<S: AsyncRead + AsyncWrite + Unpin>(mut stream: S, request: &str) -> String {
    let work = async {
        stream.write_all(request.as_bytes()).await.unwrap();
        let mut answer = Vec::new();
        let _ = stream.read_to_end(&mut answer).await;
        String::from_utf8_lossy(&answer).into_owned()
    };
    tokio::time::timeout(Duration::from_secs(10), work)
        .await
        .expect("the fake must answer and close")
}

async fn docker(fake: &FakeDocker, method: &str, target: &str, body: &str) -> String {
    let stream = UnixStream::connect(fake.socket_path()).await.unwrap();
    let request = format!(
        "{method} /v1.47{target} HTTP/1.1\r\nHost: docker\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\n\r\n{body}",
        body.len()
    );
    exchange(stream, &request).await
}

#[tokio::test]
async fn docker_refuses_what_dockerd_refuses() {
    let fake = FakeDocker::start().await;
    fake.add_container(ContainerRecord::running("miner", &[]));

    let answer = docker(&fake, "DELETE", "/containers/miner", "").await;
    assert!(answer.starts_with("HTTP/1.1 409 Conflict\r\n"), "{answer}");
    assert!(answer.contains("container is running"), "{answer}");
    assert_eq!(fake.containers().len(), 1);

    let answer = docker(&fake, "POST", "/containers/miner/start", "").await;
    assert!(
        answer.starts_with("HTTP/1.1 304 Not Modified\r\n"),
        "{answer}"
    );

    let answer = docker(&fake, "GET", "/containers/miner/logs?tail=all", "").await;
    assert!(
        answer.starts_with("HTTP/1.1 400 Bad Request\r\n"),
        "{answer}"
    );
    assert!(answer.contains("at least one stream"), "{answer}");

    let create = r#"{"Image":"openjarvis/pearl-miner:master"}"#;
    let answer = docker(&fake, "POST", "/containers/create?name=other", create).await;
    assert!(answer.starts_with("HTTP/1.1 404 Not Found\r\n"), "{answer}");
    assert!(
        answer.contains("No such image: openjarvis/pearl-miner:master"),
        "{answer}"
    );
    fake.add_image("openjarvis/pearl-miner:master", &[]);
    let answer = docker(&fake, "POST", "/containers/create?name=other", create).await;
    assert!(answer.starts_with("HTTP/1.1 201 Created\r\n"), "{answer}");

    let answer = docker(&fake, "DELETE", "/containers/miner?force=true", "").await;
    assert!(
        answer.starts_with("HTTP/1.1 204 No Content\r\n"),
        "{answer}"
    );
    assert!(fake.containers().iter().all(|c| c.name != "miner"));

    let stream = UnixStream::connect(fake.socket_path()).await.unwrap();
    let answer = exchange(stream, "GET /_ping\r\n\r\n").await;
    assert!(
        answer.starts_with("HTTP/1.1 400 Bad Request\r\n"),
        "{answer}"
    );
}

#[tokio::test]
async fn hub_head_has_no_body_and_keeps_the_connection_usable() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("config.json"), "{\"model_type\":\"llama\"}").unwrap();
    let hub = FakeHub::start(vec![HubRepo::public("org/model", dir.path())], "tok").await;
    let mut stream = TcpStream::connect(hub.url().trim_start_matches("http://"))
        .await
        .unwrap();
    let target = "/org/model/resolve/main/config.json";
    let head = format!("HEAD {target} HTTP/1.1\r\nHost: hub\r\n\r\n");
    stream.write_all(head.as_bytes()).await.unwrap();
    let mut first = Vec::new();
    while !first.ends_with(b"\r\n\r\n") {
        let mut byte = [0u8; 1];
        let read = tokio::time::timeout(Duration::from_secs(10), stream.read(&mut byte));
        assert_eq!(read.await.expect("the HEAD answer must come").unwrap(), 1);
        first.push(byte[0]);
    }
    let first = String::from_utf8(first).unwrap();
    assert!(first.starts_with("HTTP/1.1 200 OK\r\n"), "{first}");
    assert!(first.contains("content-length: 22\r\n"), "{first}");
    // Whatever follows the HEAD answer's head is read as the next answer.
    let get = format!("GET {target} HTTP/1.1\r\nHost: hub\r\nConnection: close\r\n\r\n");
    let answer = exchange(stream, &get).await;
    assert!(answer.starts_with("HTTP/1.1 200 OK\r\n"), "{answer}");
    assert!(
        answer.ends_with("\r\n\r\n{\"model_type\":\"llama\"}"),
        "{answer}"
    );
}

#[tokio::test]
async fn hub_tree_of_a_missing_folder_is_404() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    std::fs::write(dir.path().join("sub/a.bin"), "x").unwrap();
    let hub = FakeHub::start(vec![HubRepo::public("org/model", dir.path())], "tok").await;
    let get = |path: &str| {
        let request = format!("GET {path} HTTP/1.1\r\nHost: hub\r\nConnection: close\r\n\r\n");
        let addr = hub.url().trim_start_matches("http://").to_owned();
        async move { exchange(TcpStream::connect(addr).await.unwrap(), &request).await }
    };
    let answer = get("/api/models/org/model/tree/main/sub").await;
    assert!(answer.starts_with("HTTP/1.1 200 OK\r\n"), "{answer}");
    assert!(answer.contains("\"path\":\"sub/a.bin\""), "{answer}");
    let answer = get("/api/models/org/model/tree/main/nope").await;
    assert!(answer.starts_with("HTTP/1.1 404 Not Found\r\n"), "{answer}");
    assert!(answer.contains("x-error-code: EntryNotFound"), "{answer}");
}

/// `timestamps` as dockerd has it: each line prefixed with its RFC 3339 nano time and a space
/// only when asked (a false value, as `httputils.BoolValue` reads it, is not asking).
#[tokio::test]
async fn docker_logs_prefix_timestamps_only_when_asked() {
    use jarvis_testkit::fake_docker::LOG_TIMESTAMP;
    let fake = FakeDocker::start().await;
    let mut miner = ContainerRecord::running("miner", &[]);
    miner.logs = vec!["INFO first line".to_owned(), "second".to_owned()];
    fake.add_container(miner);

    for query in ["", "&timestamps=0", "&timestamps=false", "&timestamps="] {
        let answer = docker(
            &fake,
            "GET",
            &format!("/containers/miner/logs?stdout=1&tail=all{query}"),
            "",
        )
        .await;
        assert!(answer.starts_with("HTTP/1.1 200 OK\r\n"), "{answer}");
        assert!(answer.contains("INFO first line\n"), "{query}: {answer}");
        assert!(answer.contains("second\n"), "{query}: {answer}");
        assert!(!answer.contains(LOG_TIMESTAMP), "{query}: {answer}");
    }
    for query in ["&timestamps=1", "&timestamps=true"] {
        let answer = docker(
            &fake,
            "GET",
            &format!("/containers/miner/logs?stdout=1&tail=1{query}"),
            "",
        )
        .await;
        assert!(answer.starts_with("HTTP/1.1 200 OK\r\n"), "{answer}");
        assert!(
            answer.contains(&format!("{LOG_TIMESTAMP} second\n")),
            "{query}: {answer}"
        );
        assert!(!answer.contains("first line"), "{query}: {answer}");
        assert_eq!(answer.matches(LOG_TIMESTAMP).count(), 1, "{answer}");
    }
}

/// A line longer than dockerd's 16 KiB log buffer streams as pieces, as dockerd sends it (seen
/// with `docker logs --timestamps` on a real dockerd): each piece its own frame with the time in
/// front, only the last one with the newline (an empty last piece for exactly 16 KiB), and
/// `tail` counting pieces.
#[tokio::test]
async fn docker_logs_cut_a_long_line_into_pieces_as_dockerd_does() {
    use jarvis_testkit::fake_docker::{LOG_PIECE, LOG_TIMESTAMP};
    let fake = FakeDocker::start().await;
    let mut miner = ContainerRecord::running("miner", &[]);
    let long = format!("{}{}", "a".repeat(2 * LOG_PIECE), "bcdef");
    let exact = "x".repeat(LOG_PIECE);
    miner.logs = vec![long.clone(), exact.clone(), "short".to_owned()];
    fake.add_container(miner);
    let logs = |query: &'static str| {
        let fake = &fake;
        async move {
            let answer = docker(
                fake,
                "GET",
                &format!("/containers/miner/logs?stdout=1{query}"),
                "",
            )
            .await;
            assert!(answer.starts_with("HTTP/1.1 200 OK\r\n"), "{query}");
            answer
        }
    };

    let all = logs("&tail=all&timestamps=1").await;
    // 3 pieces, 2 pieces, 1 piece; 3 newlines.
    assert_eq!(all.matches(LOG_TIMESTAMP).count(), 6);
    assert_eq!(all.matches(&format!("{LOG_TIMESTAMP} bcdef\n")).count(), 1);
    assert_eq!(all.matches(&format!("{LOG_TIMESTAMP} \n")).count(), 1);
    assert_eq!(all.matches(&format!("{LOG_TIMESTAMP} short\n")).count(), 1);
    assert!(!all.contains(&"a".repeat(LOG_PIECE + 1)));
    assert!(all.contains(&format!("{LOG_TIMESTAMP} {exact}")));
    assert!(!all.contains(&format!("{exact}\n")));

    // Without `timestamps`, the pieces still come as frames; the bytes are the lines.
    let bare = logs("&tail=all").await;
    assert!(!bare.contains(LOG_TIMESTAMP));
    assert_eq!(bare.matches("bcdef\n").count(), 1);

    // `tail` counts pieces: the last three are `exact`'s two (one empty) and `short`.
    let tail = logs("&tail=3&timestamps=1").await;
    assert_eq!(tail.matches(LOG_TIMESTAMP).count(), 3, "{}", tail.len());
    assert!(!tail.contains("bcdef"));
    assert!(tail.contains(&format!("{LOG_TIMESTAMP} {exact}")));
    let tail = logs("&tail=4&timestamps=1").await;
    assert!(tail.contains(&format!("{LOG_TIMESTAMP} bcdef\n")));
    assert!(!tail.contains(&"a".repeat(100)));
}
