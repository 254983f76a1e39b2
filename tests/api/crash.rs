//! Crash safety: `kill -9` of the CLI and of the server at seeded random
//! points, 50 kills in all, during CLI imports, batch geocoding jobs,
//! naming-review steps and webhook deliveries. After every kill the store
//! passes SQLite's `PRAGMA integrity_check` and `fangyu audit verify`
//! (chain, signed checkpoints, record seals); every write its client saw
//! succeed is there; a write cut short is wholly there or wholly absent;
//! and after the restart the webhook deliveries resume and every change
//! reaches the receiver.

use crate::helpers::{ServerProcess, TestApp, cli_token, fangyu, store_copy};
use crate::review::road;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The seed of every kill point.
const SEED: u64 = 20_260_509;

/// Kills of `fangyu import`: no server to start, so the cheap kind.
const IMPORT_KILLS: usize = 40;

/// What a server round kills the server during.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Round {
    /// Review steps, one after another.
    Review,
    /// Webhook deliveries of an import's changes.
    Webhooks,
    /// A batch geocoding job.
    Batch,
}

/// The kills of `fangyu serve`, in order: each restart loads the demo
/// store's indices (5 to 10 s on two cores), so there are fewer of them.
const SERVER_ROUNDS: [Round; 10] = [
    Round::Review,
    Round::Webhooks,
    Round::Batch,
    Round::Review,
    Round::Webhooks,
    Round::Review,
    Round::Webhooks,
    Round::Batch,
    Round::Review,
    Round::Webhooks,
];

/// Roads in each import of the CLI test.
const IMPORT_ROWS: usize = 1_500;
/// Roads in each import that feeds the webhook rounds.
const HOOK_ROWS: usize = 30;
/// How long the test receiver takes to answer a delivery.
const HOOK_DELAY: Duration = Duration::from_millis(15);
/// Addresses in each batch job.
const BATCH_ROWS: usize = 50_000;

/// `PRAGMA integrity_check`, as the next process to open the store sees it.
fn integrity(store: &Path) -> String {
    let conn = rusqlite::Connection::open(store).expect("open the store");
    let rows: Vec<String> = conn
        .prepare("PRAGMA integrity_check")
        .expect("prepare")
        .query_map([], |r| r.get(0))
        .expect("integrity_check")
        .collect::<Result<_, _>>()
        .expect("rows");
    rows.join("; ")
}

/// Asserts that the store passes `PRAGMA integrity_check` and `fangyu
/// audit verify` (with the checkpoint key, when there is one). The two run
/// side by side.
fn assert_sound(store: &Path, key: Option<&Path>, after: &str) -> String {
    let mut verify = Command::new(env!("CARGO_BIN_EXE_fangyu"));
    verify.args(["audit", "verify", "--store", store.to_str().expect("path")]);
    if let Some(k) = key {
        verify.args(["--key", k.to_str().expect("path")]);
    }
    let verify =
        verify.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("run fangyu audit verify");
    let checked = integrity(store);
    let out = verify.wait_with_output().expect("fangyu audit verify");
    assert_eq!(checked, "ok", "PRAGMA integrity_check after {after}");
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(
        out.status.success() && text.contains("records intact"),
        "fangyu audit verify after {after}: {text}"
    );
    text
}

/// A GeoJSON file `file` of `rows` new roads in 海曙区 named `{stem}{i}路`.
fn roads(dir: &Path, file: &str, stem: &str, rows: usize) -> PathBuf {
    let features: Vec<Value> = (0..rows)
        .map(|i| {
            let x = 121.50 + (i % 60) as f64 * 0.0004;
            let y = 29.86 + (i / 60) as f64 * 0.0004;
            json!({"type": "Feature", "properties": {"name": format!("{stem}{i}路"), "class": "road", "division": "330203"},
                   "geometry": {"type": "LineString", "coordinates": [[x, y], [x + 0.0003, y + 0.0001]]}})
        })
        .collect();
    let path = dir.join(file);
    std::fs::write(&path, json!({"type": "FeatureCollection", "features": features}).to_string())
        .expect("write the source");
    path
}

/// `fangyu import SOURCE --kind places` into `store`, not waited for; its
/// log (stderr) goes to `SOURCE.log`.
fn spawn_import(store: &Path, source: &Path) -> std::process::Child {
    let log = std::fs::File::create(source.with_extension("log")).expect("log file");
    Command::new(env!("CARGO_BIN_EXE_fangyu"))
        .arg("import")
        .arg(source)
        .args(["--kind", "places", "--report"])
        .arg(source.with_extension("rejected.csv"))
        .arg("--store")
        .arg(store)
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .expect("start fangyu import")
}

/// Whether the import of `source` had read its whole source: it logs
/// `import: done (N)` before it opens its write transaction.
fn read_whole_source(source: &Path) -> bool {
    std::fs::read_to_string(source.with_extension("log")).is_ok_and(|log| log.contains("import: done"))
}

/// Per import (its source file name): the places it wrote (their `source`
/// is `import:FILE`) and its change-log entries (their actor names the
/// file), counted among the places after `fid` and the entries after `seq`.
fn import_counts(store: &Path, (fid, seq): (i64, i64)) -> BTreeMap<String, (i64, i64)> {
    let conn = rusqlite::Connection::open_with_flags(store, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
        .expect("open");
    let mut counts: BTreeMap<String, (i64, i64)> = BTreeMap::new();
    let mut places = conn
        .prepare("SELECT substr(source, 8), count(*) FROM places WHERE fid > ?1 AND source LIKE 'import:%' GROUP BY source")
        .expect("query");
    for row in places.query_map([fid], |r| Ok((r.get::<_, String>(0)?, r.get(1)?))).expect("rows") {
        let (file, n) = row.expect("row");
        counts.entry(file).or_default().0 = n;
    }
    let mut entries = conn
        .prepare(
            "SELECT actor, count(*) FROM change_log WHERE seq > ?1 AND actor LIKE 'import:%' GROUP BY actor",
        )
        .expect("query");
    for row in entries.query_map([seq], |r| Ok((r.get::<_, String>(0)?, r.get(1)?))).expect("rows") {
        let (actor, n) = row.expect("row");
        let file = Path::new(&actor).file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or(actor);
        counts.entry(file).or_default().1 = n;
    }
    counts
}

/// The newest place and change-log entry: what a test's own writes come after.
fn high_water(store: &Path) -> (i64, i64) {
    let conn = rusqlite::Connection::open(store).expect("open");
    conn.query_row("SELECT (SELECT MAX(fid) FROM places), (SELECT MAX(seq) FROM change_log)", [], |r| {
        Ok((r.get(0)?, r.get(1)?))
    })
    .expect("high water")
}

/// How an import ended, as the one who ran it saw it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Seen {
    /// It exited 0 before the kill.
    Succeeded,
    /// It was killed.
    Cut,
}

#[test]
fn kill_nine_at_random_points_of_cli_imports_leaves_each_import_whole_or_absent() {
    let started = Instant::now();
    let store = store_copy("crash-imports");
    let dir = tempfile::tempdir().expect("tmp");
    let before = high_water(&store);
    let mut rng = ChaCha8Rng::seed_from_u64(SEED);

    // Two imports run to their end: each must be all there, and how long
    // the second (the first starts cold) reads its source and how long it
    // runs bound the kill points.
    let mut seen: BTreeMap<String, Seen> = BTreeMap::new();
    let (mut read, mut full) = (0, 0);
    for round in 0..2 {
        let file = format!("crash-import-w{round}.geojson");
        let source = roads(dir.path(), &file, &format!("崩溃试验甲{round}支"), IMPORT_ROWS);
        let t0 = Instant::now();
        let mut child = spawn_import(&store, &source);
        let mut reading = None;
        let status = loop {
            if reading.is_none() && read_whole_source(&source) {
                reading = Some(t0.elapsed());
            }
            if let Some(status) = child.try_wait().expect("try_wait") {
                break status;
            }
            std::thread::sleep(Duration::from_millis(1));
        };
        assert!(status.success(), "an import left alone succeeds");
        full = t0.elapsed().as_millis() as u64;
        read = reading.map_or(full / 2, |r| r.as_millis() as u64).min(full.saturating_sub(1));
        seen.insert(file, Seen::Succeeded);
    }

    // Killed while reading the source, while writing, after the commit
    // (before exiting); exited 0 before the kill.
    let (mut while_reading, mut while_writing, mut after_commit, mut exited) = (0, 0, 0, 0);
    for round in 1..=IMPORT_KILLS {
        let file = format!("crash-import-{round:02}.geojson");
        let source = roads(dir.path(), &file, &format!("崩溃试验{round}支"), IMPORT_ROWS);
        // Half the kill points a random delay after the start, half a
        // random delay after the source is read: in the write transaction.
        let in_write = rng.random_bool(0.5);
        let mut child = spawn_import(&store, &source);
        let delay = if in_write {
            // Once the source is read (the log says so), a random delay
            // into the write.
            let deadline = Instant::now() + Duration::from_secs(60);
            while !read_whole_source(&source) && child.try_wait().expect("try_wait").is_none() {
                assert!(Instant::now() < deadline, "import {round} never read its source");
                std::thread::sleep(Duration::from_millis(1));
            }
            Duration::from_millis(rng.random_range(0..(full - read).max(1)))
        } else {
            Duration::from_millis(rng.random_range(0..full.max(1)))
        };
        std::thread::sleep(delay);
        let outcome = match child.try_wait().expect("try_wait") {
            Some(status) => {
                assert!(status.success(), "import {round} failed on its own: {status}");
                Seen::Succeeded
            }
            None => {
                child.kill().expect("kill -9");
                child.wait().expect("wait");
                Seen::Cut
            }
        };
        seen.insert(file.clone(), outcome);
        let when = if in_write { "after reading its source" } else { "after its start" };
        assert_sound(&store, None, &format!("import kill {round} {delay:?} {when}"));
        let counts = import_counts(&store, before);
        for (f, how) in &seen {
            let got = counts.get(f).copied().unwrap_or((0, 0));
            let all = (IMPORT_ROWS as i64, IMPORT_ROWS as i64);
            match how {
                Seen::Succeeded => assert_eq!(got, all, "{f} exited 0: every road and log entry is there"),
                Seen::Cut => assert!(
                    got == (0, 0) || got == all,
                    "{f} was killed: (places, log entries) {got:?}, all or nothing of {IMPORT_ROWS}"
                ),
            }
        }
        assert!(counts.keys().all(|f| seen.contains_key(f)), "no rows from an import not run: {counts:?}");
        match (outcome, counts.contains_key(&file), read_whole_source(&source)) {
            (Seen::Succeeded, _, _) => exited += 1,
            (Seen::Cut, true, _) => after_commit += 1,
            (Seen::Cut, false, true) => while_writing += 1,
            (Seen::Cut, false, false) => while_reading += 1,
        }
    }
    println!(
        "{IMPORT_KILLS} kills of `fangyu import` ({IMPORT_ROWS} roads; uninterrupted: source read in {read} ms, \
         done in {full} ms): {while_reading} while it read the source, {while_writing} in its write transaction, \
         {after_commit} after its commit, {exited} after it exited 0; {:?} in all",
        started.elapsed()
    );
    // The kills that matter land in the write transaction: enough of them
    // must, or the test proves little.
    assert!(
        while_writing >= IMPORT_KILLS / 8,
        "only {while_writing} kills hit an import's write transaction"
    );
}

/// The review steps of a proposal to name a road, with who takes each:
/// the first creates it, the last publishes it.
const STEPS: &[(&str, &str)] = &[
    ("create", "applicant"),
    ("submit", "applicant"),
    ("check", "reviewer"),
    ("start_expert_review", "reviewer"),
    ("opinion", "expert"),
    ("start_consultation", "reviewer"),
    ("close_consultation", "reviewer"),
    ("vote", "committee"),
    ("approve", "committee"),
    ("record_approval", "approver"),
    ("file", "reviewer"),
    ("announce", "reviewer"),
    ("publish", "reviewer"),
];

/// The body of a review action.
fn step_body(action: &str) -> Value {
    match action {
        "opinion" => json!({"position": "support", "text": "名称规范，寓意良好"}),
        "vote" => json!({"vote": "approve"}),
        "approve" => json!({"note": "同意"}),
        "record_approval" => json!({"body": "宁波市海曙区人民政府", "document": "海政地〔2026〕9号",
                                    "date": fangyu::review::today().to_string()}),
        "file" => json!({"with": "宁波市民政局"}),
        _ => json!({}),
    }
}

/// A proposal as its clients know it.
#[derive(Debug, Clone)]
struct Tracked {
    name: String,
    offset: f64,
    /// Known once its creation answered (or was found after a crash).
    id: Option<i64>,
    /// Steps of [`STEPS`] answered with a 2xx.
    acked: usize,
    /// A step was sent and no answer came.
    in_flight: bool,
}

#[derive(Default)]
struct Proposals {
    all: Vec<Tracked>,
    /// Road names still free.
    names: Vec<String>,
}

/// Role → token.
type Tokens = Arc<BTreeMap<&'static str, String>>;

/// Takes review steps one after another, a new proposal when one is
/// published, until the server goes away, counting the steps answered in
/// `answered`. `Err` on any answer but a 2xx.
async fn drive_review(
    base: String,
    tokens: Tokens,
    proposals: Arc<Mutex<Proposals>>,
    answered: Arc<AtomicUsize>,
) -> Result<(), String> {
    let client = reqwest::Client::new();
    loop {
        let (at, step, id, name, offset) = {
            let mut p = proposals.lock().expect("lock");
            if p.all.last().is_none_or(|t| t.acked == STEPS.len()) {
                let name = p.names.pop().ok_or("out of road names")?;
                let offset = 0.004 * (p.all.len() % 25) as f64;
                p.all.push(Tracked { name, offset, id: None, acked: 0, in_flight: false });
            }
            let at = p.all.len() - 1;
            let t = &mut p.all[at];
            t.in_flight = true;
            (at, t.acked, t.id, t.name.clone(), t.offset)
        };
        let (action, who) = STEPS[step];
        let request = if action == "create" {
            client.post(format!("{base}/proposals")).json(&road(&name, offset))
        } else {
            let id = id.ok_or_else(|| format!("{name}: no id to {action}"))?;
            client.post(format!("{base}/proposals/{id}/{action}")).json(&step_body(action))
        };
        let Ok(resp) = request.bearer_auth(&tokens[who]).send().await else { return Ok(()) };
        let status = resp.status().as_u16();
        // The status line says the step committed; the body may be cut off.
        let body: Value = resp.json().await.unwrap_or(Value::Null);
        if !(200..300).contains(&status) {
            return Err(format!("{action} on {name} by {who}: {status} {body}"));
        }
        let mut p = proposals.lock().expect("lock");
        let t = &mut p.all[at];
        if action == "create" {
            t.id = body["id"].as_i64();
        }
        t.acked += 1;
        t.in_flight = false;
        answered.fetch_add(1, Ordering::SeqCst);
    }
}

/// What the webhook receiver got: each change's seq and how often it
/// came (the receiver is idempotent by seq), and deliveries whose
/// signature or seq header did not match.
#[derive(Default)]
struct Hook {
    secret: String,
    got: BTreeMap<i64, usize>,
    bad: Vec<String>,
}

type SharedHook = Arc<Mutex<Hook>>;

/// The webhook receiver: records each change by its seq, checks its
/// signature and seq header, and answers 204 after a moment.
async fn receive(State(hook): State<SharedHook>, headers: HeaderMap, body: axum::body::Bytes) -> StatusCode {
    let header = |h: &str| headers.get(h).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    {
        let mut h = hook.lock().expect("lock");
        let change: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
        let seq = change["seq"].as_i64().unwrap_or(-1);
        if header("x-fangyu-signature") != fangyu::service::webhooks::signature(&h.secret, &body)
            || header("x-fangyu-seq") != seq.to_string()
        {
            h.bad.push(change.to_string());
        }
        *h.got.entry(seq).or_default() += 1;
    }
    tokio::time::sleep(HOOK_DELAY).await;
    StatusCode::NO_CONTENT
}

/// Everything the server rounds carry from one restart to the next.
struct World {
    store: PathBuf,
    key: PathBuf,
    config: PathBuf,
    dir: tempfile::TempDir,
    tokens: Tokens,
    proposals: Arc<Mutex<Proposals>>,
    hook: SharedHook,
    hook_url: String,
    /// The subscription and the seq its deliveries start after.
    subscription: (i64, i64),
    /// The batch input, and what a killed job had answered.
    batch: Vec<u8>,
    cut_batch: Option<Vec<u8>>,
    /// The source files of the imports that feed the webhooks (each
    /// exited 0, so each has all its `HOOK_ROWS` roads).
    hook_imports: Vec<String>,
    /// How long each start took until the server answered.
    starts: Vec<Duration>,
    /// Review steps committed whose answer the kill cut off.
    unanswered_but_committed: usize,
    /// Per webhook round: changes logged for the subscription and not yet
    /// received when the server was killed.
    undelivered_at_kill: Vec<usize>,
    /// Per batch round: rows the killed job had answered.
    answered_at_kill: Vec<usize>,
    /// Per review round: the step in flight at the kill.
    steps_at_kill: Vec<&'static str>,
}

impl World {
    /// Starts `fangyu serve` over the store with the checkpoint key and
    /// the review settings. The port is picked free before the server
    /// loads its indices and binds it, and another process may take it
    /// meanwhile: the server answering must be this one, alive and at
    /// this store's head.
    async fn start(&mut self) -> ServerProcess {
        let key = self.key.to_str().expect("path");
        let env = [("FANGYU_AUDIT_KEY", key), ("FANGYU_AUDIT_CHECKPOINT_SECS", "1")];
        let head = high_water(&self.store).1;
        for _ in 0..3 {
            let t = Instant::now();
            let mut server = ServerProcess::start_with(
                &self.store,
                &env,
                &["--config", self.config.to_str().expect("path")],
            );
            let (_, ready) = server.app.get_json("/ready").await;
            if server.child.try_wait().expect("try_wait").is_none() && ready["head"] == head {
                self.starts.push(t.elapsed());
                return server;
            }
            server.kill();
        }
        panic!("fangyu serve never answered on a port of its own");
    }

    /// The changes the log holds for the subscription: every place and
    /// proposal change after it was made.
    fn subscribed_changes(&self) -> BTreeSet<i64> {
        let conn =
            rusqlite::Connection::open_with_flags(&self.store, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
                .expect("open");
        conn.prepare("SELECT seq FROM change_log WHERE seq > ?1 AND entity IN ('place', 'proposal')")
            .expect("query")
            .query_map([self.subscription.1], |r| r.get(0))
            .expect("rows")
            .collect::<Result<_, _>>()
            .expect("seqs")
    }

    /// After a restart: every acknowledged review step is in its
    /// proposal's history, in order, and nothing else but the one step
    /// whose answer the kill cut off; a published proposal's road is
    /// there and an unpublished one's is not; every acknowledged import
    /// is whole; a cut-off batch job, run again, answers every row and
    /// begins with what the cut one had answered; and the webhook
    /// deliveries resume until every change the log holds for the
    /// subscription has reached the receiver.
    async fn recovered(&mut self, app: &TestApp) {
        let conn =
            rusqlite::Connection::open_with_flags(&self.store, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
                .expect("open");
        let tracked = self.proposals.lock().expect("lock").all.clone();
        let mut now_known = Vec::new();
        for mut t in tracked {
            if t.id.is_none() {
                let ids: Vec<i64> = conn
                    .prepare("SELECT fid FROM proposals WHERE name = ?1")
                    .expect("query")
                    .query_map([&t.name], |r| r.get(0))
                    .expect("rows")
                    .collect::<Result<_, _>>()
                    .expect("ids");
                assert!(ids.len() <= 1, "{} was created {} times", t.name, ids.len());
                assert!(t.acked == 0 || ids.len() == 1, "{}: its acknowledged creation is lost", t.name);
                t.id = ids.first().copied();
            }
            let done = match t.id {
                None => 0,
                Some(id) => {
                    let resp = app
                        .client()
                        .get(format!("{}/proposals/{id}", app.base))
                        .bearer_auth(&self.tokens["reviewer"])
                        .send()
                        .await
                        .expect("GET proposal");
                    assert_eq!(resp.status().as_u16(), 200, "proposal {id}");
                    let p: Value = resp.json().await.expect("json");
                    let actions: Vec<&str> = p["history"]
                        .as_array()
                        .expect("history")
                        .iter()
                        .map(|e| e["action"].as_str().unwrap_or(""))
                        .collect();
                    let done = actions.len();
                    let script: Vec<&str> = STEPS.iter().take(done).map(|s| s.0).collect();
                    assert_eq!(actions, script, "{}: its history is its steps, each once, in order", t.name);
                    assert_eq!(
                        p["version"].as_u64(),
                        Some(done as u64),
                        "{}: one version per step: {p}",
                        t.name
                    );
                    if done == STEPS.len() {
                        assert_eq!(p["state"], "published", "{p}");
                        let place = p["published_place"].as_i64().expect("the published place");
                        let (status, road) = app.get_json(&format!("/places/{place}")).await;
                        assert_eq!(status, 200, "{}: its road", t.name);
                        assert_eq!(road["properties"]["name"], t.name.as_str(), "{road}");
                        assert_eq!(road["properties"]["status"], "current", "{road}");
                    }
                    done
                }
            };
            let roads: i64 = conn
                .query_row("SELECT count(*) FROM places WHERE name = ?1", [&t.name], |r| r.get(0))
                .expect("count");
            assert_eq!(roads, i64::from(done == STEPS.len()), "{}: a road exactly when published", t.name);
            assert!(
                done >= t.acked && done <= t.acked + usize::from(t.in_flight),
                "{}: {done} steps recorded, {} acknowledged, one in flight: {}",
                t.name,
                t.acked,
                t.in_flight
            );
            if done > t.acked {
                self.unanswered_but_committed += 1;
            }
            t.acked = done;
            t.in_flight = false;
            now_known.push(t);
        }
        self.proposals.lock().expect("lock").all = now_known;

        for file in &self.hook_imports {
            let n: i64 = conn
                .query_row("SELECT count(*) FROM places WHERE source = ?1", [format!("import:{file}")], |r| {
                    r.get(0)
                })
                .expect("count");
            assert_eq!(n, HOOK_ROWS as i64, "{file} exited 0: all its roads are there");
        }

        if let Some(cut) = self.cut_batch.take() {
            let (complete, full) = batch_job(app.base.clone(), self.batch.clone(), Arc::default()).await;
            assert!(complete, "the batch job run again answers to the end");
            let full = String::from_utf8(full).expect("utf-8");
            assert_eq!(full.lines().count(), BATCH_ROWS + 1, "a header and every row");
            let cut = String::from_utf8_lossy(&cut);
            let answered = &cut[..cut.rfind('\n').map_or(0, |i| i + 1)];
            assert!(
                full.starts_with(answered),
                "the rows a killed job had answered are those of a whole run"
            );
        }

        let (id, from) = self.subscription;
        let expected = self.subscribed_changes();
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let missing: Vec<i64> = {
                let h = self.hook.lock().expect("lock");
                expected.iter().filter(|s| !h.got.contains_key(s)).copied().collect()
            };
            if missing.is_empty() {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "after the restart {} changes never arrived: {missing:?}",
                missing.len()
            );
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        // The cursor catches up with what the receiver acknowledged.
        let last = expected.last().copied().unwrap_or(from);
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let s: Value = app
                .client()
                .get(format!("{}/subscriptions/{id}", app.base))
                .bearer_auth(&self.tokens["subscriber"])
                .send()
                .await
                .expect("GET subscription")
                .json()
                .await
                .expect("json");
            if s["pending"] == 0 && s["delivered_seq"].as_i64() >= Some(last) {
                assert!(s["last_error"].is_null(), "{s}");
                break;
            }
            assert!(Instant::now() < deadline, "the subscription's cursor never caught up: {s}");
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        let h = self.hook.lock().expect("lock");
        assert!(h.bad.is_empty(), "deliveries with a wrong signature or seq: {:?}", h.bad);
        assert!(h.got.keys().all(|s| *s > from), "only changes after the subscription was made");
    }
}

/// Runs a batch job, collecting the answer into `out` as it streams;
/// returns whether it ran to its end, and the answer.
async fn batch_job(base: String, body: Vec<u8>, out: Arc<Mutex<Vec<u8>>>) -> (bool, Vec<u8>) {
    let complete = async {
        // Uncompressed, as the rows stream out.
        let client = reqwest::Client::builder().no_gzip().build().expect("client");
        let Ok(mut resp) = client
            .post(format!("{base}/geocode/batch?column=address"))
            .header("content-type", "text/csv")
            .body(body)
            .send()
            .await
        else {
            return false;
        };
        assert_eq!(resp.status().as_u16(), 200, "the batch job is taken");
        loop {
            match resp.chunk().await {
                Ok(Some(bytes)) => out.lock().expect("lock").extend_from_slice(&bytes),
                Ok(None) => return true,
                Err(_) => return false,
            }
        }
    }
    .await;
    let answer = out.lock().expect("lock").clone();
    (complete, answer)
}

/// Every name the store gives a place.
fn world_store_names(store: &Path) -> BTreeSet<String> {
    let conn = rusqlite::Connection::open_with_flags(store, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
        .expect("open");
    conn.prepare("SELECT DISTINCT name FROM places")
        .expect("query")
        .query_map([], |r| r.get(0))
        .expect("rows")
        .collect::<Result<_, _>>()
        .expect("names")
}

/// Road names of two common characters and 路 that no place has yet,
/// more than the review rounds can use.
fn road_names(taken: &BTreeSet<String>) -> Vec<String> {
    let names: Vec<String> = "澄观栖揽拾映听望含知凝抱"
        .chars()
        .flat_map(|a| "怀澜云月翠涛舒章微晖".chars().map(move |b| format!("{a}{b}路")))
        .filter(|n| !taken.contains(n))
        .collect();
    assert!(names.len() >= 60, "{} free road names", names.len());
    names
}

/// `BATCH_ROWS` addresses: the demo store's door plates.
fn batch_input(store: &Path) -> Vec<u8> {
    let conn = rusqlite::Connection::open_with_flags(store, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
        .expect("open");
    let addresses: Vec<String> = conn
        .prepare("SELECT standard_address FROM addresses WHERE kind = 'road_plate' ORDER BY fid LIMIT ?1")
        .expect("query")
        .query_map([BATCH_ROWS as i64], |r| r.get(0))
        .expect("rows")
        .collect::<Result<_, _>>()
        .expect("addresses");
    assert_eq!(addresses.len(), BATCH_ROWS);
    let mut csv = String::from("id,address\n");
    for (i, a) in addresses.iter().enumerate() {
        csv.push_str(&format!("{i},\"{a}\"\n"));
    }
    csv.into_bytes()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_nine_of_the_server_during_batch_jobs_review_steps_and_webhook_deliveries_loses_no_acknowledged_write()
 {
    let started = Instant::now();
    let store = store_copy("crash-server");
    let dir = tempfile::tempdir().expect("tmp");
    let key = dir.path().join("crash.key");
    fangyu(&["audit", "keygen", "--key", key.to_str().expect("path")]);
    // One expert and one committee vote decide, and consultation may close
    // at once, so a proposal goes from draft to published in 13 steps.
    let root = env!("CARGO_MANIFEST_DIR");
    let config = dir.path().join("crash.toml");
    std::fs::write(
        &config,
        format!(
            "[store]\nsources = \"{root}/data/sources\"\n\n[review]\nexperts_required = 1\ncommittee_quorum = 1\n\
             consultation_days = 0\ncommon_chars_file = \"{root}/data/review/common_chars.txt\"\n"
        ),
    )
    .expect("config");
    // One account per role: one person acts at one stage of a proposal.
    let tokens: BTreeMap<&'static str, String> = [
        ("applicant", "海曙区住建局"),
        ("reviewer", "海曙区民政局"),
        ("expert", "地名专家"),
        ("committee", "地名委员会委员"),
        ("approver", "海曙区人民政府"),
        ("subscriber", "市公安局户籍系统"),
    ]
    .into_iter()
    .map(|(role, name)| (role, cli_token(&store, role, name)))
    .collect();
    let names = road_names(&world_store_names(&store));

    // The webhook receiver lives in the test, across the server's deaths.
    let hook: SharedHook = Arc::default();
    let app = axum::Router::new().route("/hook", axum::routing::post(receive)).with_state(hook.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let hook_url = format!("http://{}/hook", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, app).await });

    let mut world = World {
        batch: batch_input(&store),
        store,
        key,
        config,
        dir,
        tokens: Arc::new(tokens),
        proposals: Arc::new(Mutex::new(Proposals { all: Vec::new(), names })),
        hook,
        hook_url,
        subscription: (0, 0),
        cut_batch: None,
        hook_imports: Vec::new(),
        starts: Vec::new(),
        unanswered_but_committed: 0,
        undelivered_at_kill: Vec::new(),
        answered_at_kill: Vec::new(),
        steps_at_kill: Vec::new(),
    };
    let server = world.start().await;

    // A subscription to every place and proposal change.
    let made = server
        .app
        .client()
        .post(format!("{}/subscriptions", server.app.base))
        .bearer_auth(&world.tokens["subscriber"])
        .json(&json!({"url": world.hook_url, "kinds": ["place", "proposal"]}))
        .send()
        .await
        .expect("POST /subscriptions");
    assert_eq!(made.status().as_u16(), 201);
    let made: Value = made.json().await.expect("json");
    let id = made["id"].as_i64().expect("id");
    world.hook.lock().expect("lock").secret = made["secret"].as_str().expect("secret").to_string();
    let s: Value = server
        .app
        .client()
        .get(format!("{}/subscriptions/{id}", server.app.base))
        .bearer_auth(&world.tokens["subscriber"])
        .send()
        .await
        .expect("GET")
        .json()
        .await
        .expect("json");
    world.subscription = (id, s["delivered_seq"].as_i64().expect("delivered_seq"));

    // A batch job run to its end bounds the kill points of the others.
    let t = Instant::now();
    let (complete, _) = batch_job(server.app.base.clone(), world.batch.clone(), Arc::default()).await;
    assert!(complete);
    let batch_time = t.elapsed();

    let mut rng = ChaCha8Rng::seed_from_u64(SEED + 1);
    let mut first = Some(server);
    for (round, kind) in SERVER_ROUNDS.into_iter().enumerate() {
        let server = match first.take() {
            Some(server) => server,
            None => {
                let server = world.start().await;
                world.recovered(&server.app).await;
                server
            }
        };
        let base = server.app.base.clone();
        let when = match kind {
            Round::Batch => {
                // The kill point: a random number of rows answered, then a
                // random delay.
                let rows = rng.random_range(0..BATCH_ROWS);
                let delay = Duration::from_millis(rng.random_range(0..20));
                let out: Arc<Mutex<Vec<u8>>> = Arc::default();
                let job = tokio::spawn(batch_job(base, world.batch.clone(), out.clone()));
                let answered = || out.lock().expect("lock").iter().filter(|b| **b == b'\n').count();
                let deadline = Instant::now() + Duration::from_secs(60);
                while answered() <= rows && !job.is_finished() {
                    assert!(Instant::now() < deadline, "the batch job never answered {rows} rows");
                    tokio::time::sleep(Duration::from_millis(1)).await;
                }
                tokio::time::sleep(delay).await;
                server.kill();
                let (complete, answer) = job.await.expect("batch job");
                let got = answer.iter().filter(|b| **b == b'\n').count().saturating_sub(1);
                world.answered_at_kill.push(got);
                if !complete {
                    world.cut_batch = Some(answer);
                }
                format!("{delay:?} after {rows} rows of a batch job")
            }
            Round::Review => {
                // The kill point: a random number of steps answered, then
                // a random delay into the next (a step's time varies with
                // the machine's load; publishing right after a start
                // reloads the tiles and takes seconds).
                let steps = rng.random_range(0..STEPS.len());
                let delay = Duration::from_millis(rng.random_range(0..100));
                let answered = Arc::new(AtomicUsize::new(0));
                let (tokens, proposals) = (world.tokens.clone(), world.proposals.clone());
                let driver = tokio::spawn(drive_review(base, tokens, proposals, answered.clone()));
                let deadline = Instant::now() + Duration::from_secs(60);
                while answered.load(Ordering::SeqCst) < steps {
                    assert!(Instant::now() < deadline, "{steps} review steps never answered");
                    if driver.is_finished() {
                        panic!("the review client stopped: {:?}", driver.await);
                    }
                    tokio::time::sleep(Duration::from_millis(1)).await;
                }
                tokio::time::sleep(delay).await;
                server.kill();
                let ended = tokio::time::timeout(Duration::from_secs(20), driver).await;
                ended
                    .expect("the review client stops once the server is gone")
                    .expect("join")
                    .expect("review");
                let p = world.proposals.lock().expect("lock");
                if let Some(t) = p.all.last().filter(|t| t.in_flight) {
                    world.steps_at_kill.push(STEPS[t.acked].0);
                }
                format!("after {steps} review steps and {delay:?}")
            }
            Round::Webhooks => {
                // The kill point: a random number of the import's changes
                // delivered, then a random delay.
                let delivered = rng.random_range(0..HOOK_ROWS);
                let delay = Duration::from_millis(rng.random_range(0..20));
                let file = format!("crash-hook-{round:02}.geojson");
                let source = roads(world.dir.path(), &file, &format!("投递试验{round}支"), HOOK_ROWS);
                let before = high_water(&world.store).1;
                assert!(spawn_import(&world.store, &source).wait().expect("wait").success());
                world.hook_imports.push(file);
                let received = || world.hook.lock().expect("lock").got.range(before + 1..).count();
                let deadline = Instant::now() + Duration::from_secs(60);
                while received() < delivered {
                    assert!(Instant::now() < deadline, "{delivered} of the import's changes never arrived");
                    tokio::time::sleep(Duration::from_millis(1)).await;
                }
                tokio::time::sleep(delay).await;
                server.kill();
                let logged = world.subscribed_changes();
                let got = world.hook.lock().expect("lock");
                world.undelivered_at_kill.push(logged.iter().filter(|s| !got.got.contains_key(s)).count());
                drop(got);
                format!("{delay:?} after {delivered} deliveries of an import's {HOOK_ROWS} changes")
            }
        };
        assert_sound(&world.store, Some(&world.key), &format!("server kill {round} ({kind:?}) {when}"));
    }
    // A last start: everything recovers, and a clean stop signs the head.
    let server = world.start().await;
    world.recovered(&server.app).await;
    assert!(server.stop().success());
    let verified = assert_sound(&world.store, Some(&world.key), "the last, clean stop");
    assert!(verified.contains("signed checkpoints"), "checked against the server's checkpoints: {verified}");

    let p = world.proposals.lock().expect("lock");
    let published = p.all.iter().filter(|t| t.acked == STEPS.len()).count();
    let steps: usize = p.all.iter().map(|t| t.acked).sum();
    let h = world.hook.lock().expect("lock");
    let twice = h.got.values().filter(|n| **n > 1).count();
    let mean = world.starts.iter().sum::<Duration>() / world.starts.len() as u32;
    let kills = SERVER_ROUNDS.len();
    println!(
        "{kills} kills of `fangyu serve` ({SERVER_ROUNDS:?}); start-up {mean:?} on average; {steps} review steps \
         on {} proposals ({published} published, {} committed with the answer cut off); {} changes delivered, \
         {twice} twice (a kill after the receiver took one and before the cursor moved), undelivered at the \
         webhook rounds' kills {:?}; review steps in flight at the kills {:?}; batch rows answered at the kills {:?} of {BATCH_ROWS} ({batch_time:?} \
         uninterrupted); {:?} in all",
        p.all.len(),
        world.unanswered_but_committed,
        h.got.len(),
        world.undelivered_at_kill,
        world.steps_at_kill,
        world.answered_at_kill,
        started.elapsed()
    );
    assert!(steps >= STEPS.len(), "the review rounds carried at least one proposal through: {steps} steps");
    assert!(twice <= kills, "at most one change is delivered again per kill");
    assert!(
        world.undelivered_at_kill.iter().any(|n| *n > 0),
        "some kill left deliveries to resume: {:?}",
        world.undelivered_at_kill
    );
    assert!(
        world.answered_at_kill.iter().any(|n| *n < BATCH_ROWS),
        "some kill cut a batch job short: {:?}",
        world.answered_at_kill
    );
}

/// `fangyu audit verify --store STORE --key KEY`: whether it exits 0, and
/// what it says.
fn verify_with_key(store: &Path, key: &Path) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_fangyu"))
        .args(["audit", "verify", "--store", store.to_str().expect("path")])
        .args(["--key", key.to_str().expect("path")])
        .output()
        .expect("run fangyu audit verify");
    (
        out.status.success(),
        format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)),
    )
}

#[test]
fn a_checkpoint_line_cut_short_by_a_crash_breaks_neither_the_audit_nor_the_next_checkpoint() {
    // A kill (or a power cut) while a checkpoint is appended to the log
    // outside the store leaves its line without the newline, or half of it.
    let dir = tempfile::tempdir().expect("tmp");
    let key = dir.path().join("audit.key");
    let log = dir.path().join("audit.key.checkpoints.jsonl");
    fangyu(&["audit", "keygen", "--key", key.to_str().expect("path")]);
    let store = store_copy("crash-checkpoint-log");
    let (s, k) = (store.to_str().expect("path"), key.to_str().expect("path"));
    let checkpoint = |name: &str| {
        fangyu(&["token", "create", "--store", s, "--role", "reviewer", "--name", name]);
        fangyu(&["audit", "checkpoint", "--store", s, "--key", k]);
    };
    checkpoint("甲");
    checkpoint("乙");
    for (cut, name) in [("the newline", "丙"), ("half the line", "丁")] {
        let text = std::fs::read_to_string(&log).expect("log");
        let last = text[..text.len() - 1].rfind('\n').map_or(0, |i| i + 1);
        let keep = if cut == "the newline" { text.len() - 1 } else { last + (text.len() - last) / 2 };
        std::fs::write(&log, &text[..keep]).expect("cut the log");
        let (ok, out) = verify_with_key(&store, &key);
        assert!(
            ok && out.contains("signed checkpoints"),
            "verify with {cut} of the last checkpoint line lost: {out}"
        );
        // The next checkpoint does not run on from the cut line.
        checkpoint(name);
        let (ok, out) = verify_with_key(&store, &key);
        assert!(
            ok && out.contains("signed checkpoints"),
            "verify once a checkpoint follows a line that lost {cut}: {out}"
        );
        let text = std::fs::read_to_string(&log).expect("log");
        assert!(text.ends_with('\n'), "{text}");
        for line in text.lines() {
            let parsed: Result<Value, _> = serde_json::from_str(line);
            assert!(parsed.is_ok_and(|c| c["seq"].is_i64()), "every line a whole checkpoint: {line}");
        }
    }
}
