//! The connection layer: requests hyper would refuse with an empty body
//! (a request line that is not HTTP, an over-long URI, an over-large head)
//! are problem documents too; `fangyu serve --tls-cert/--tls-key` speaks
//! HTTPS.

use crate::helpers::{ServerProcess, app, store_copy};
use std::io::{Read, Write};

/// Sends `raw` on a new connection and returns the status and the body.
fn raw_exchange(raw: &[u8]) -> (u16, String, String) {
    let addr = app().base.trim_start_matches("http://").to_string();
    let mut tcp = std::net::TcpStream::connect(addr).expect("connect");
    tcp.set_read_timeout(Some(std::time::Duration::from_secs(10))).expect("timeout");
    // A peer that stops reading early may reset the rest of a long write.
    let _ = tcp.write_all(raw);
    let mut out = Vec::new();
    let _ = tcp.read_to_end(&mut out);
    let text = String::from_utf8_lossy(&out).to_string();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    (status, head.to_ascii_lowercase(), body.to_string())
}

#[test]
fn requests_refused_before_routing_are_problem_documents() {
    let long_uri = format!("GET /divisions?q={} HTTP/1.1\r\nHost: x\r\n\r\n", "a".repeat(9 * 1024));
    let big_head = format!("GET /health HTTP/1.1\r\nHost: x\r\nX-Big: {}\r\n\r\n", "b".repeat(40 * 1024));
    let many_fields: String = (0..200).map(|i| format!("X-F{i}: v\r\n")).collect();
    let many = format!("GET /health HTTP/1.1\r\nHost: x\r\n{many_fields}\r\n");
    for (what, raw, status, kind) in [
        ("request line not HTTP", b"HELLO THERE\r\n\r\n".to_vec(), 400, "/problems/bad-request"),
        ("bad version", b"GET / HTTP/7.1\r\nHost: x\r\n\r\n".to_vec(), 400, "/problems/bad-request"),
        ("URI over 8 KiB", long_uri.into_bytes(), 414, "/problems/uri-too-long"),
        ("head over 32 KiB", big_head.into_bytes(), 431, "/problems/header-too-large"),
        ("200 header fields", many.into_bytes(), 431, "/problems/header-too-large"),
    ] {
        let (got, head, body) = raw_exchange(&raw);
        assert_eq!(got, status, "{what}: {head}");
        assert!(head.contains("content-type: application/problem+json"), "{what}: {head}");
        let doc: serde_json::Value =
            serde_json::from_str(&body).unwrap_or_else(|e| panic!("{what}: {e} {body}"));
        assert_eq!(doc["type"], kind, "{what}");
        assert_eq!(doc["status"], status, "{what}");
        assert!(doc["title"].as_str().is_some_and(|t| !t.is_empty()), "{what}");
    }
    // The same connection layer still serves well-formed requests, several
    // on one kept-alive connection.
    let two = b"GET /health HTTP/1.1\r\nHost: x\r\n\r\nGET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    let (status, _, body) = raw_exchange(two);
    assert_eq!(status, 200);
    assert_eq!(body.matches("HTTP/1.1 200").count(), 1, "a second answer on the same connection: {body}");
}

#[tokio::test]
async fn serve_with_a_certificate_speaks_https_and_nothing_else() {
    let dir = tempfile::tempdir().expect("tempdir");
    let key = rcgen::KeyPair::generate().expect("key");
    let params = rcgen::CertificateParams::new(vec!["localhost".into(), "127.0.0.1".into()]).expect("params");
    let cert = params.self_signed(&key).expect("self-signed");
    let (cert_path, key_path) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    std::fs::write(&cert_path, cert.pem()).expect("write cert");
    std::fs::write(&key_path, key.serialize_pem()).expect("write key");
    let store = store_copy("tls");
    let server = ServerProcess::start(
        &store,
        &[
            ("FANGYU_TLS_CERT", cert_path.to_str().expect("path")),
            ("FANGYU_TLS_KEY", key_path.to_str().expect("path")),
        ],
    );
    let https = server.app.base.replace("http://", "https://").replace("127.0.0.1", "localhost");
    let client = reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(cert.pem().as_bytes()).expect("root"))
        .build()
        .expect("client");
    // The server may still be loading its indices: /health answers first.
    let mut answer = None;
    for _ in 0..600 {
        match client.get(format!("{https}/health")).send().await {
            Ok(r) => {
                answer = Some(r);
                break;
            }
            Err(_) => tokio::time::sleep(std::time::Duration::from_millis(100)).await,
        }
    }
    let r = answer.expect("https answers");
    assert_eq!(r.status(), 200);
    let r = client.get(format!("{https}/divisions/330212")).send().await.expect("https division");
    assert_eq!(r.status(), 200);
    let body: serde_json::Value = r.json().await.expect("json");
    assert_eq!(body["properties"]["name"], "鄞州区");
    // Plain HTTP to the TLS port is not answered as if it were HTTPS.
    let plain = reqwest::Client::new().get(format!("{}/health", server.app.base)).send().await;
    assert!(plain.is_err() || plain.is_ok_and(|r| r.status() != 200), "plain HTTP answered on the TLS port");
    // A client that does not trust the certificate is refused.
    let untrusting = reqwest::Client::new().get(format!("{https}/health")).send().await;
    assert!(untrusting.is_err(), "a certificate nobody signed was accepted");
}
