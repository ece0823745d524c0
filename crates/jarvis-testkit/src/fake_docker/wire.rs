//! The socket side: one request per connection, answered with `Connection: close`.

use std::sync::{Arc, Mutex};

use tokio::io::{AsyncWriteExt, BufStream};
use tokio::net::{UnixListener, UnixStream};

use super::engine::{EngineState, Reply};
use super::{DockerRequest, Fault, Shared};
use crate::http_wire::{read_or_reject, reason_phrase, write_and_close};

pub(crate) async fn serve(listener: UnixListener, shared: Arc<Mutex<Shared>>) {
    while let Ok((stream, _)) = listener.accept().await {
        tokio::spawn(connection(stream, Arc::clone(&shared)));
    }
}

async fn connection(stream: UnixStream, shared: Arc<Mutex<Shared>>) {
    let mut stream = BufStream::new(stream);
    let Some(raw) = read_or_reject(&mut stream).await else {
        return;
    };
    let (path, query) = split_path(&raw.head.path);
    let request = DockerRequest {
        method: raw.head.method.clone(),
        path,
        query,
        headers: raw
            .head
            .headers
            .iter()
            .map(|(k, v)| (k.to_ascii_lowercase(), v.clone()))
            .collect(),
        body: raw.body,
    };
    let route = EngineState::route(&request);
    let fault = {
        let mut s = shared.lock().unwrap_or_else(|e| e.into_inner());
        s.requests.push(request.clone());
        route.and_then(|r| s.faults.get(&r).cloned())
    };
    let mut delay = None;
    match fault {
        Some(Fault::Reset) => return,
        Some(Fault::Status(code, message)) => {
            write_reply(
                &mut stream,
                Reply::Json(code, serde_json::json!({ "message": message })),
                None,
            )
            .await;
            return;
        }
        Some(Fault::Slow(d)) => {
            tokio::time::sleep(d).await;
            delay = Some(d);
        }
        None => {}
    }
    let reply = {
        let mut s = shared.lock().unwrap_or_else(|e| e.into_inner());
        s.engine.handle(route, &request)
    };
    write_reply(&mut stream, reply, delay).await;
}

async fn write_reply(
    stream: &mut BufStream<UnixStream>,
    reply: Reply,
    delay: Option<std::time::Duration>,
) {
    let head = |code: u16, content_type: &str, length: Option<usize>| {
        let mut h = format!(
            "HTTP/1.1 {code} {}\r\nApi-Version: 1.47\r\nServer: Docker/27.3.1 (linux)\r\nConnection: close\r\n",
            reason_phrase(code)
        );
        if !content_type.is_empty() {
            h.push_str(&format!("Content-Type: {content_type}\r\n"));
        }
        if let Some(n) = length {
            h.push_str(&format!("Content-Length: {n}\r\n"));
        }
        h.push_str("\r\n");
        h.into_bytes()
    };
    let bytes = match reply {
        Reply::Json(code, value) => {
            let body = format!("{value}\n");
            let mut out = head(code, "application/json", Some(body.len()));
            out.extend_from_slice(body.as_bytes());
            out
        }
        Reply::Empty(code) => head(code, "", Some(0)),
        Reply::Text(code, text) => {
            let mut out = head(code, "text/plain; charset=utf-8", Some(text.len()));
            out.extend_from_slice(text.as_bytes());
            out
        }
        Reply::Stream {
            content_type,
            items,
        } => {
            if stream
                .write_all(&head(200, content_type, None))
                .await
                .is_err()
                || stream.flush().await.is_err()
            {
                return;
            }
            for item in items {
                if let Some(d) = delay {
                    tokio::time::sleep(d).await;
                }
                if stream.write_all(&item).await.is_err() {
                    return;
                }
                let _ = stream.flush().await;
            }
            let _ = stream.shutdown().await;
            return;
        }
    };
    write_and_close(stream, &bytes).await;
}

/// `/v1.47/containers/x/json?a=b` -> (`/containers/x/json`, [(a, b)]).
fn split_path(raw: &str) -> (String, Vec<(String, String)>) {
    let (path, query) = raw.split_once('?').unwrap_or((raw, ""));
    let path = percent_decode(path);
    let path = match path.strip_prefix("/v1.") {
        Some(rest) => match rest.find('/') {
            Some(i)
                if rest
                    .get(..i)
                    .is_some_and(|v| v.chars().all(|c| c.is_ascii_digit())) =>
            {
                rest.get(i..).unwrap_or_default().to_owned()
            }
            _ => path,
        },
        None => path,
    };
    let query = query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (percent_decode(k), percent_decode(&v.replace('+', " ")))
        })
        .collect();
    (path, query)
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes.get(i), hex) {
            (Some(b'%'), Some(b)) => {
                out.push(b);
                i += 3;
            }
            (Some(b), _) => {
                out.push(*b);
                i += 1;
            }
            (None, _) => break,
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_lose_their_version_and_decode() {
        let (p, q) = split_path(
            "/v1.47/images/openjarvis%2Fpearl-miner:master/json?a=1&filters=%7B%22label%22%3A%5B%5D%7D",
        );
        assert_eq!(p, "/images/openjarvis/pearl-miner:master/json");
        assert_eq!(
            q,
            vec![
                ("a".to_owned(), "1".to_owned()),
                ("filters".to_owned(), "{\"label\":[]}".to_owned())
            ]
        );
        assert_eq!(split_path("/_ping").0, "/_ping");
    }
}
