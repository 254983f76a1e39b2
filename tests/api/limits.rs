//! Bounded memory under hostile input: a batch body of 2 GB holding a
//! line of 1 GB is read as it comes, the over-long lines answered with
//! error rows, and the server's memory does not move.

use crate::helpers::{ServerProcess, sqlite, store_copy};
use std::io::{Read, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

/// The server's resident memory, KiB.
fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// Writes `bytes` as one HTTP chunk.
fn chunk(s: &mut std::net::TcpStream, bytes: &[u8]) {
    write!(s, "{:x}\r\n", bytes.len()).expect("chunk size");
    s.write_all(bytes).expect("chunk");
    s.write_all(b"\r\n").expect("chunk end");
}

#[test]
fn a_two_gigabyte_batch_with_a_one_gigabyte_line_leaves_memory_where_it_was() {
    let address: String = sqlite()
        .query_row("SELECT standard_address FROM addresses WHERE kind = 'road_plate' LIMIT 1", [], |r| {
            r.get(0)
        })
        .expect("an address");
    let store = store_copy("batch-limits");
    let server = ServerProcess::start(&store, &[]);
    let pid = server.child.id();
    // Settled: the tiles' start-up work done.
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(async {
        for _ in 0..600 {
            let (_, ready) = server.app.get_json("/ready").await;
            if ready["tiles"] == "ready" {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
    });
    std::thread::sleep(std::time::Duration::from_secs(2));
    let before = rss_kib(pid);
    let peak = Arc::new(AtomicU64::new(before));
    let sending = Arc::new(AtomicBool::new(true));
    let sampler = {
        let (peak, sending) = (peak.clone(), sending.clone());
        std::thread::spawn(move || {
            while sending.load(Ordering::SeqCst) {
                peak.fetch_max(rss_kib(pid), Ordering::SeqCst);
                std::thread::sleep(std::time::Duration::from_millis(50));
            }
        })
    };
    let addr = server.app.base.trim_start_matches("http://").to_string();
    let mut s = std::net::TcpStream::connect(&addr).expect("connect");
    write!(
        s,
        "POST /geocode/batch HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/x-ndjson\r\n\
         Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    )
    .expect("head");
    let row = |id: u32| format!("{{\"id\":{id},\"address\":\"{address}\"}}\n");
    let mib = vec![b'a'; 1 << 20];
    chunk(&mut s, row(1).as_bytes());
    // One line of 1 GiB, then fifteen of 64 MiB: 1.94 GiB in all.
    for _ in 0..1024 {
        chunk(&mut s, &mib);
    }
    chunk(&mut s, b"\n");
    chunk(&mut s, row(2).as_bytes());
    for _ in 0..15 {
        for _ in 0..64 {
            chunk(&mut s, &mib);
        }
        chunk(&mut s, b"\n");
    }
    chunk(&mut s, row(3).as_bytes());
    s.write_all(b"0\r\n\r\n").expect("end");
    let mut answer = String::new();
    s.read_to_string(&mut answer).expect("answer");
    sending.store(false, Ordering::SeqCst);
    sampler.join().expect("sampler");
    let body = answer.split("\r\n\r\n").nth(1).unwrap_or("");
    let rows: Vec<serde_json::Value> = body
        .lines()
        .filter(|l| l.starts_with('{'))
        .map(|l| serde_json::from_str(l).expect("a JSON row"))
        .collect();
    assert_eq!(
        rows.len(),
        19,
        "three rows and sixteen over-long lines: {}",
        &answer[..answer.len().min(2000)]
    );
    for r in &rows {
        match r["id"].as_u64() {
            Some(_) => assert_eq!(r["match_level"], "door_plate", "{r}"),
            None => assert!(r["error"].as_str().unwrap_or("").contains("字节的上限"), "{r}"),
        }
    }
    let grew_mb = peak.load(Ordering::SeqCst).saturating_sub(before) / 1024;
    assert!(grew_mb < 100, "RSS grew by {grew_mb} MB over {} MB", before / 1024);
    server.kill();
}

#[test]
fn reads_answer_while_writes_wait_for_the_store() {
    let store = store_copy("reads-not-waiting");
    let admin = crate::helpers::cli_token(&store, "admin", "值班管理员");
    let fid: i64 = rusqlite::Connection::open(&store)
        .expect("open")
        .query_row("SELECT fid FROM places ORDER BY fid LIMIT 1", [], |r| r.get(0))
        .expect("a place");
    // Two async workers, as on the 2-core machine.
    let server = ServerProcess::start(&store, &[("FANGYU_WORKERS", "2")]);
    // Another process holds the store's write lock (a long import would).
    let lock = rusqlite::Connection::open(&store).expect("open");
    lock.execute_batch("BEGIN IMMEDIATE").expect("lock");
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(async {
        let client = server.app.client();
        let base = server.app.base.clone();
        let writes: Vec<_> = (0..4)
            .map(|k| {
                let (client, base, admin) = (client.clone(), base.clone(), admin.clone());
                tokio::spawn(async move {
                    let body = serde_json::json!({"name": format!("候补{k}"), "role": "reviewer"});
                    client.post(format!("{base}/tokens")).bearer_auth(admin).json(&body).send().await
                })
            })
            .collect();
        // More writes wait than there are workers; every read still answers.
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        for path in [
            "/health".to_string(),
            "/reverse?lon=121.55&lat=29.87".into(),
            format!("/places/{fid}"),
            "/tokens".into(),
        ] {
            let r = client.get(format!("{base}{path}")).bearer_auth(&admin).send().await.expect("read");
            assert_eq!(r.status(), 200, "{path}");
        }
        assert!(writes.iter().all(|w| !w.is_finished()), "the writes are still waiting for the lock");
        lock.execute_batch("ROLLBACK").expect("unlock");
        for w in writes {
            let r = w.await.expect("task").expect("write");
            assert_eq!(r.status(), 201, "each write goes through once the store is free");
        }
    });
    server.kill();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_past_the_queue_are_refused_at_once_while_another_process_holds_the_store() {
    let w = crate::helpers::writable_app("write-queue", |s| s.server.write_queue = 2);
    let lock = rusqlite::Connection::open(&w.store).expect("open");
    lock.execute_batch("BEGIN IMMEDIATE").expect("lock");
    let client = w.app.client();
    let post = |k: usize| {
        let (client, base, admin) = (client.clone(), w.app.base.clone(), w.admin.clone());
        async move {
            let body = serde_json::json!({"name": format!("排队{k}"), "department": "测试", "roles": []});
            client.post(format!("{base}/accounts")).bearer_auth(admin).json(&body).send().await.expect("send")
        }
    };
    let waiting: Vec<_> = (0..2).map(|k| tokio::spawn(post(k))).collect();
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    // The queue is full: the next write is told to come back, without waiting.
    let refused = post(9).await;
    assert!(
        waiting.iter().all(|k| !k.is_finished()),
        "refused while the admitted writes still wait for the lock, not after the busy timeout"
    );
    assert_eq!(refused.status(), 503);
    assert!(refused.headers().contains_key("retry-after"));
    let problem: serde_json::Value = refused.json().await.expect("problem");
    assert_eq!(problem["type"], "/problems/busy");
    lock.execute_batch("ROLLBACK").expect("unlock");
    for k in waiting {
        assert_eq!(
            k.await.expect("task").status(),
            201,
            "an admitted write goes through once the store is free"
        );
    }
    let names: Vec<String> = rusqlite::Connection::open(&w.store)
        .expect("open")
        .prepare("SELECT name FROM accounts WHERE name LIKE '排队%' ORDER BY name")
        .expect("query")
        .query_map([], |r| r.get(0))
        .expect("rows")
        .collect::<Result<_, _>>()
        .expect("names");
    assert_eq!(names, ["排队0", "排队1"], "the refused write left nothing behind");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batch_jobs_past_the_cap_are_told_to_come_back() {
    let w = crate::helpers::writable_app("batch-jobs", |s| s.server.batch_jobs = 1);
    let address: String = sqlite()
        .query_row("SELECT standard_address FROM addresses WHERE kind = 'road_plate' LIMIT 1", [], |r| {
            r.get(0)
        })
        .expect("an address");
    let row = format!("{{\"id\":1,\"address\":\"{address}\"}}\n");
    // The first job: its body is still coming.
    let addr = w.app.base.trim_start_matches("http://").to_string();
    let mut first = std::net::TcpStream::connect(&addr).expect("connect");
    write!(
        first,
        "POST /geocode/batch HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/x-ndjson\r\n\
         Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    )
    .expect("head");
    chunk(&mut first, row.as_bytes());
    first.flush().expect("flush");
    let batch = || {
        w.app
            .client()
            .post(format!("{}/geocode/batch", w.app.base))
            .header("content-type", "application/x-ndjson")
            .body(row.clone())
            .send()
    };
    // Once the first job holds the one permit, a second is refused.
    let mut refused = None;
    for _ in 0..100 {
        let r = batch().await.expect("request");
        if r.status() == 429 {
            refused = Some(r);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let r = refused.expect("a second batch while the first runs is refused");
    assert_eq!(r.headers()["retry-after"], "5");
    assert_eq!(r.headers()["content-type"], "application/problem+json");
    let v: serde_json::Value = r.json().await.expect("json");
    assert_eq!(v["type"], "/problems/too-many-requests", "{v}");
    // The first ends; its permit comes back.
    first.write_all(b"0\r\n\r\n").expect("end");
    let mut answer = String::new();
    first.read_to_string(&mut answer).expect("answer");
    assert!(answer.starts_with("HTTP/1.1 200") && answer.contains("door_plate"), "{answer}");
    let mut ok = false;
    for _ in 0..100 {
        if batch().await.expect("request").status() == 200 {
            ok = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(ok, "a batch goes through once the running one has ended");
}

/// Sends `n` GETs of `path` with `headers`; returns the statuses and the
/// first 429 (its `Retry-After` and body).
async fn burst(
    app: &crate::helpers::TestApp,
    path: &str,
    headers: &[(&str, &str)],
    n: usize,
) -> (Vec<u16>, Option<(String, serde_json::Value)>) {
    let client = app.client();
    let (mut statuses, mut first) = (Vec::new(), None);
    for _ in 0..n {
        let mut req = client.get(format!("{}{path}", app.base));
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let r = req.send().await.expect("request");
        statuses.push(r.status().as_u16());
        if r.status() == 429 && first.is_none() {
            let retry =
                r.headers().get("retry-after").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
            assert_eq!(r.headers()["content-type"], "application/problem+json");
            first = Some((retry, r.json().await.expect("json")));
        }
    }
    (statuses, first)
}

#[tokio::test]
async fn rates_are_limited_per_client_address_and_per_token() {
    // One request a second with a burst of five, for addresses and for
    // tokens; the test's loopback client counts (it is exempt by default),
    // and 127.0.0.1 stands for a proxy whose forwarded clients count apart.
    let w = crate::helpers::writable_app("rates", |s| {
        s.access.per_address_per_sec = 1;
        s.access.per_token_per_sec = 1;
        s.access.burst_secs = 5;
        s.access.exempt_loopback = false;
        s.access.trusted_proxies = vec!["127.0.0.1".parse().expect("ip")];
    });
    let path = "/divisions?q=%E6%B5%B7%E6%9B%99";
    let (statuses, first) = burst(&w.app, path, &[], 20).await;
    assert!(statuses[..5].iter().all(|s| *s == 200), "the burst is served: {statuses:?}");
    let (retry, problem) = first.expect("past the burst, a 429");
    assert!(retry.parse::<u64>().is_ok_and(|s| s >= 1), "Retry-After: {retry}");
    assert_eq!(problem["type"], "/problems/rate-limited", "{problem}");
    assert!(problem["detail"].as_str().unwrap_or("").contains("本地址"), "{problem}");
    // Orchestration is never limited.
    let (statuses, _) = burst(&w.app, "/health", &[], 20).await;
    assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");
    // A made-up token is the address's: still refused.
    let (statuses, _) = burst(&w.app, path, &[("authorization", "Bearer fy_made_up")], 3).await;
    assert!(statuses.contains(&429), "{statuses:?}");
    // A live token has a bucket of its own, and runs it dry in turn.
    let bearer = format!("Bearer {}", w.admin);
    let (statuses, first) = burst(&w.app, path, &[("authorization", &bearer)], 20).await;
    assert!(statuses[..5].iter().all(|s| *s == 200), "{statuses:?}");
    let (_, problem) = first.expect("past the token's burst, a 429");
    assert!(problem["detail"].as_str().unwrap_or("").contains("本令牌"), "{problem}");
    // Clients behind the trusted proxy count one by one.
    let (statuses, first) = burst(&w.app, path, &[("x-forwarded-for", "203.0.113.7")], 20).await;
    assert!(statuses[..5].iter().all(|s| *s == 200) && statuses.contains(&429), "{statuses:?} {first:?}");
    let (statuses, _) = burst(&w.app, path, &[("x-forwarded-for", "203.0.113.8, 127.0.0.1")], 3).await;
    assert_eq!(statuses, [200, 200, 200], "another client behind the proxy");
}
