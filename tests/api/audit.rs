//! The audit log against an outsider who can write the store file: signed
//! checkpoints catch a truncated log, an entry rewritten with the chain
//! recomputed, and a checkpoint that was made up; a running server signs
//! the head by itself and on shutdown.

use crate::helpers::{ServerProcess, fangyu, store_copy};
use sha2::{Digest, Sha256};
use std::path::Path;

/// `fangyu audit verify` on `store` with `key`: exit code and stdout.
fn verify(store: &Path, key: &Path) -> (Option<i32>, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_fangyu"))
        .args([
            "audit",
            "verify",
            "--store",
            store.to_str().expect("path"),
            "--key",
            key.to_str().expect("path"),
        ])
        .output()
        .expect("run");
    (out.status.code(), String::from_utf8_lossy(&out.stdout).into_owned())
}

/// The last entry of the store's log.
fn head(store: &Path) -> i64 {
    let conn = rusqlite::Connection::open(store).expect("open");
    conn.query_row("SELECT MAX(seq) FROM change_log", [], |r| r.get(0)).expect("head")
}

/// A store with three accounts and their tokens, each followed by a signed checkpoint.
fn checkpointed_store(dir: &Path) -> (std::path::PathBuf, std::path::PathBuf) {
    let key = dir.join("audit.key");
    fangyu(&["audit", "keygen", "--key", key.to_str().expect("path")]);
    let store = dir.join("audit.gpkg");
    let s = store.to_str().expect("path");
    for name in ["甲", "乙", "丙"] {
        fangyu(&["token", "create", "--store", s, "--role", "reviewer", "--name", name]);
        fangyu(&["audit", "checkpoint", "--store", s, "--key", key.to_str().expect("path")]);
    }
    (store, key)
}

/// The entry hash as the log documents it: SHA-256 over the previous hash
/// and each field, each length-prefixed, then the records' state after a
/// marker byte (entries without feed fields).
fn entry_hash(prev: &str, fields: &[String], state: Option<&str>) -> String {
    let mut h = Sha256::new();
    for part in std::iter::once(prev).chain(fields.iter().map(String::as_str)) {
        h.update((part.len() as u64).to_le_bytes());
        h.update(part.as_bytes());
    }
    if let Some(state) = state {
        h.update([2]);
        h.update((state.len() as u64).to_le_bytes());
        h.update(state.as_bytes());
    }
    hex::encode(h.finalize())
}

#[test]
fn a_truncated_log_is_caught_by_its_signed_checkpoint() {
    let dir = tempfile::tempdir().expect("tmp");
    let (store, key) = checkpointed_store(dir.path());
    assert_eq!(verify(&store, &key).0, Some(0), "{}", verify(&store, &key).1);
    let last = head(&store);
    let conn = rusqlite::Connection::open(&store).expect("open");
    conn.execute("DROP TRIGGER change_log_no_delete", []).expect("drop");
    conn.execute("DELETE FROM change_log WHERE seq = ?1", [last]).expect("truncate");
    drop(conn);
    // The chain alone still holds: what is left is intact.
    let report =
        fangyu::store::Store::open(&store).expect("store").read(fangyu::store::verify_audit).expect("verify");
    assert_eq!(report.broken, None);
    let (code, out) = verify(&store, &key);
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains(&format!("BROKEN at entry {last}")) && out.contains("were deleted"), "{out}");
}

#[test]
fn a_rewritten_and_rechained_entry_is_named() {
    let dir = tempfile::tempdir().expect("tmp");
    let (store, key) = checkpointed_store(dir.path());
    // The third account's entry now says it was granted admin; every hash from there on is
    // recomputed, so the chain verifies.
    let conn = rusqlite::Connection::open(&store).expect("open");
    #[allow(clippy::type_complexity)]
    let rows: Vec<(i64, Vec<String>, Option<String>)> = conn
        .prepare(
            "SELECT seq, at, actor, entity, entity_key, action, detail, state FROM change_log ORDER BY seq",
        )
        .expect("query")
        .query_map([], |r| {
            let seq: i64 = r.get(0)?;
            let mut f = vec![seq.to_string()];
            for i in 1..7 {
                f.push(r.get(i)?);
            }
            Ok((seq, f, r.get(7)?))
        })
        .expect("rows")
        .collect::<Result<_, _>>()
        .expect("entries");
    let last = head(&store);
    let target = last - 1;
    conn.execute_batch("DROP TRIGGER change_log_no_update;").expect("drop");
    let mut prev = fangyu::store::GENESIS.to_string();
    for (seq, mut f, state) in rows {
        if seq == target {
            assert!(f[6].contains("reviewer"), "{f:?}");
            f[6] = f[6].replace("reviewer", "admin");
            conn.execute("UPDATE change_log SET detail = ?1 WHERE seq = ?2", rusqlite::params![f[6], seq])
                .expect("rewrite");
        }
        let hash = entry_hash(&prev, &f, state.as_deref());
        conn.execute(
            "UPDATE change_log SET prev_hash = ?1, hash = ?2 WHERE seq = ?3",
            rusqlite::params![prev, hash, seq],
        )
        .expect("rechain");
        prev = hash;
    }
    drop(conn);
    let report =
        fangyu::store::Store::open(&store).expect("store").read(fangyu::store::verify_audit).expect("verify");
    assert_eq!(report.broken, None, "the rewritten chain is consistent in itself");
    let (code, out) = verify(&store, &key);
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains(&format!("BROKEN at entry {target}: ")), "{out}");
    // The newest checkpoint covers the account's entry and its token's.
    assert!(out.contains(&format!("entries {target}..={last} were rewritten")), "{out}");
}

#[test]
fn a_checkpoint_not_signed_by_the_key_is_reported() {
    let dir = tempfile::tempdir().expect("tmp");
    let (store, key) = checkpointed_store(dir.path());
    // Someone with another key signs a checkpoint of their own.
    let other = dir.path().join("other.key");
    fangyu(&["audit", "keygen", "--key", other.to_str().expect("path")]);
    fangyu(&["token", "create", "--store", store.to_str().expect("path"), "--role", "admin", "--name", "丁"]);
    fangyu(&[
        "audit",
        "checkpoint",
        "--store",
        store.to_str().expect("path"),
        "--key",
        other.to_str().expect("path"),
    ]);
    let (code, out) = verify(&store, &key);
    assert_eq!(code, Some(1), "{out}");
    let forged = head(&store);
    assert!(out.contains(&format!("BROKEN at entry {forged}")) && out.contains("not signed by key"), "{out}");
}

#[test]
fn a_running_server_signs_the_head_and_publishes_its_checkpoints() {
    let dir = tempfile::tempdir().expect("tmp");
    let key = dir.path().join("server.key");
    fangyu(&["audit", "keygen", "--key", key.to_str().expect("path")]);
    let store = store_copy("audit-server");
    let server = ServerProcess::start(
        &store,
        &[("FANGYU_AUDIT_KEY", key.to_str().expect("path")), ("FANGYU_AUDIT_CHECKPOINT_SECS", "1")],
    );
    fangyu(&[
        "token",
        "create",
        "--store",
        store.to_str().expect("path"),
        "--role",
        "reviewer",
        "--name",
        "戊",
    ]);
    let head: i64 = rusqlite::Connection::open(&store)
        .expect("open")
        .query_row("SELECT MAX(seq) FROM change_log", [], |r| r.get(0))
        .expect("head");
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let page = rt.block_on(async {
        for _ in 0..100 {
            let (_, v) = server.app.get_json("/audit/checkpoints?since=0&limit=1000").await;
            if v["checkpoints"].as_array().and_then(|c| c.last()).is_some_and(|c| c["seq"] == head) {
                return v;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        panic!("the server never signed entry {head}");
    });
    let public = std::fs::read_to_string(dir.path().join("server.key.pub")).expect("public key");
    assert_eq!(page["public_key"].as_str().map(str::trim), Some(public.trim()), "{page}");
    // Another agency's copy of the checkpoints checks the store on its own.
    let copy = dir.path().join("copy.jsonl");
    let lines: Vec<String> =
        page["checkpoints"].as_array().expect("list").iter().map(|c| c.to_string()).collect();
    std::fs::write(&copy, lines.join("\n")).expect("copy");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_fangyu"))
        .args(["audit", "verify", "--store", store.to_str().expect("path")])
        .args(["--key", dir.path().join("server.key.pub").to_str().expect("path")])
        .args(["--checkpoints", copy.to_str().expect("path")])
        .output()
        .expect("run");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success() && text.contains(&format!("the newest of entry {head}")), "{text}");
    // A change just before shutdown is signed on the way out.
    fangyu(&[
        "token",
        "create",
        "--store",
        store.to_str().expect("path"),
        "--role",
        "expert",
        "--name",
        "己",
    ]);
    assert!(server.stop().success());
    let signed: i64 = rusqlite::Connection::open(&store)
        .expect("open")
        .query_row("SELECT MAX(seq) FROM audit_checkpoints", [], |r| r.get(0))
        .expect("checkpoints");
    // The account and its token: two entries.
    assert_eq!(signed, head + 2, "the head at shutdown is signed");
}

/// `fangyu audit verify` exits 1 naming `table key`.
fn assert_named(store: &Path, key: &Path, table: &str, row: &str) {
    let (code, out) = verify(store, key);
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("records BROKEN") && out.contains(&format!("  {table} {row}: ")), "{out}");
}

#[test]
fn a_record_edited_in_sql_is_named_by_its_key() {
    let dir = tempfile::tempdir().expect("tmp");
    let (store, key) = checkpointed_store(dir.path());
    let (code, out) = verify(&store, &key);
    assert!(code == Some(0) && out.contains("records intact"), "{out}");
    let conn = rusqlite::Connection::open(&store).expect("open");
    let (fid, name): (i64, String) = conn
        .query_row("SELECT fid, name FROM places WHERE class = 'road' ORDER BY fid LIMIT 1", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .expect("a road");
    conn.execute("UPDATE places SET name = ?1 WHERE fid = ?2", rusqlite::params![format!("{name}二"), fid])
        .expect("edit");
    drop(conn);
    assert_named(&store, &key, "places", &fid.to_string());
}

#[test]
fn a_token_raised_to_admin_in_sql_is_named() {
    let dir = tempfile::tempdir().expect("tmp");
    let (store, key) = checkpointed_store(dir.path());
    let conn = rusqlite::Connection::open(&store).expect("open");
    conn.execute("UPDATE api_tokens SET role = 'admin' WHERE fid = 2", []).expect("raise");
    drop(conn);
    assert_named(&store, &key, "api_tokens", "2");
}

#[test]
fn a_record_resealed_by_hand_no_longer_adds_up_to_the_log() {
    let dir = tempfile::tempdir().expect("tmp");
    let (store, key) = checkpointed_store(dir.path());
    let conn = rusqlite::Connection::open(&store).expect("open");
    // A row inserted with a seal copied from another: its own seal is
    // wrong, and the table's seals no longer add up to its digest.
    conn.execute(
        "INSERT INTO api_tokens (name, role, token_hash, row_hash) \
         SELECT '冒名', 'admin', 'x', row_hash FROM api_tokens WHERE fid = 1",
        [],
    )
    .expect("insert");
    drop(conn);
    let (code, out) = verify(&store, &key);
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("  api_tokens * : ") || out.contains("  api_tokens *: "), "{out}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_over_http_finds_a_store_under_live_writes_intact() {
    let w = crate::helpers::writable_app("audit-live", |_| {});
    let client = w.app.client();
    let base = w.app.base.clone();
    let admin = w.admin.clone();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    // A writer making accounts as fast as the server takes them.
    let writer = tokio::spawn({
        let (client, base, admin, stop) = (client.clone(), base.clone(), admin.clone(), stop.clone());
        async move {
            let mut made = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let body =
                    serde_json::json!({"name": format!("审计并发{made}"), "department": "测试", "roles": []});
                let r = client
                    .post(format!("{base}/accounts"))
                    .bearer_auth(&admin)
                    .json(&body)
                    .send()
                    .await
                    .expect("write");
                assert_eq!(r.status(), 201);
                made += 1;
            }
            made
        }
    });
    let mut heads = Vec::new();
    for _ in 0..4 {
        let r = client.get(format!("{base}/audit/verify")).bearer_auth(&admin).send().await.expect("verify");
        assert_eq!(r.status(), 200);
        let v: serde_json::Value = r.json().await.expect("json");
        assert_eq!(v["intact"], true, "a verification during writes: {v}");
        heads.push(v["entries"].as_i64().expect("entries"));
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let made = writer.await.expect("writer");
    assert!(
        made > 0 && heads.windows(2).all(|h| h[1] > h[0]),
        "the log did not grow between verifications: {heads:?}"
    );
}
