//! Test helpers: the demo store (built once per run, or taken from
//! `FANGYU_TEST_STORE`), a server over it on port 0, shared by the tests
//! that only read.

use fangyu::config::Settings;
use fangyu::demo::Scale;
use std::path::PathBuf;
use std::sync::OnceLock;

/// Path of the demo store the tests read.
pub fn demo_store() -> PathBuf {
    static PATH: OnceLock<PathBuf> = OnceLock::new();
    PATH.get_or_init(|| {
        let path = match std::env::var("FANGYU_TEST_STORE") {
            Ok(p) => PathBuf::from(p),
            Err(_) => PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("demo.gpkg"),
        };
        let settings = settings_for(&path);
        fangyu::startup::ensure_demo_store(&settings, &path, Scale::Demo).expect("demo store builds");
        path
    })
    .clone()
}

/// Settings pointing at `store`, sources from the repository.
pub fn settings_for(store: &std::path::Path) -> Settings {
    let mut s = Settings::default();
    s.store.path = store.to_path_buf();
    s.store.sources = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data/sources");
    s.review.common_chars_file =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data/review/common_chars.txt");
    s
}

/// A running server.
#[derive(Clone)]
pub struct TestApp {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
}

impl TestApp {
    /// A client that does not decompress, so tests see what was sent. A new
    /// one each time: a client's connections belong to the runtime of the
    /// test that made it.
    pub fn client(&self) -> reqwest::Client {
        reqwest::Client::builder().no_gzip().build().expect("client")
    }

    /// GETs `path` and returns status and JSON body.
    pub async fn get_json(&self, path: &str) -> (u16, serde_json::Value) {
        let r = self
            .client()
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .unwrap_or_else(|e| panic!("GET {path}: {e:?}"));
        let status = r.status().as_u16();
        let body = r.json().await.unwrap_or(serde_json::Value::Null);
        (status, body)
    }

    /// GETs `path`.
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client()
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .unwrap_or_else(|e| panic!("GET {path}: {e:?}"))
    }
}

/// Serves `settings` on port 0 on a thread and runtime of its own.
pub fn serve(settings: Settings) -> TestApp {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Runtime::new().expect("runtime");
        rt.block_on(async move {
            let (store, g) = fangyu::startup::load(&settings).expect("store loads");
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
            let addr = listener.local_addr().expect("addr");
            let state = fangyu::http::state(settings, store, g).expect("state");
            tx.send(addr).expect("send addr");
            fangyu::http::serve(listener, fangyu::http::app(state)).await.expect("serve");
        });
    });
    let addr = rx.recv().expect("server starts");
    TestApp { base: format!("http://{addr}") }
}

/// The shared server over the demo store, started once.
pub fn app() -> &'static TestApp {
    static APP: OnceLock<TestApp> = OnceLock::new();
    APP.get_or_init(|| serve(settings_for(&demo_store())))
}

/// Opens the demo store read-only with SQLite, for direct counts.
pub fn sqlite() -> rusqlite::Connection {
    rusqlite::Connection::open_with_flags(demo_store(), rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
        .expect("open")
}

/// A server over a private copy of the demo store, for tests that write.
pub struct WritableApp {
    /// The server.
    pub app: TestApp,
    /// Its store file.
    pub store: PathBuf,
    /// An admin token made with `fangyu token create`.
    pub admin: String,
}

/// Runs the `fangyu` binary; returns stdout, failing the test on a
/// non-zero exit.
pub fn fangyu(args: &[&str]) -> String {
    let out =
        std::process::Command::new(env!("CARGO_BIN_EXE_fangyu")).args(args).output().expect("run fangyu");
    assert!(out.status.success(), "fangyu {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("utf-8")
}

/// Copies the demo store to `name` in the test folder.
pub fn store_copy(name: &str) -> PathBuf {
    let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("{name}.gpkg"));
    for ext in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{ext}", path.display()));
    }
    // Bring the demo store's WAL into its main file before copying it.
    fangyu::store::Store::open(&demo_store()).and_then(|s| s.checkpoint()).expect("checkpoint");
    std::fs::copy(demo_store(), &path).expect("copy store");
    path
}

/// A token with `role` made with `fangyu token create` in `store`.
pub fn cli_token(store: &std::path::Path, role: &str, name: &str) -> String {
    let store = store.to_str().expect("path");
    fangyu(&["token", "create", "--role", role, "--name", name, "--store", store]).trim().to_string()
}

/// Copies the demo store to `name` in the test folder, makes an admin token
/// with the CLI and serves the copy with `tweak`ed settings.
pub fn writable_app(name: &str, tweak: impl FnOnce(&mut Settings)) -> WritableApp {
    let path = store_copy(name);
    let admin = cli_token(&path, "admin", "管理员");
    let mut settings = settings_for(&path);
    tweak(&mut settings);
    WritableApp { app: serve(settings), store: path, admin }
}

/// `fangyu serve` as a process of its own (so a test can kill it), on a
/// free port, answering once `/health` does.
pub struct ServerProcess {
    /// The process.
    pub child: std::process::Child,
    /// The server.
    pub app: TestApp,
}

impl ServerProcess {
    /// Starts `fangyu serve` over `store` with `env` set.
    pub fn start(store: &std::path::Path, env: &[(&str, &str)]) -> ServerProcess {
        ServerProcess::start_with(store, env, &[])
    }

    /// Starts `fangyu serve` over `store` with `env` set and `args` (such
    /// as `--config FILE`) after the command's own.
    pub fn start_with(store: &std::path::Path, env: &[(&str, &str)], args: &[&str]) -> ServerProcess {
        let port =
            std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("port").port();
        let listen = format!("127.0.0.1:{port}");
        let child = std::process::Command::new(env!("CARGO_BIN_EXE_fangyu"))
            .args(["serve", "--listen", &listen, "--store", store.to_str().expect("path")])
            .args(args)
            .envs(env.iter().copied())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("start fangyu serve");
        let app = TestApp { base: format!("http://{listen}") };
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
        while std::net::TcpStream::connect(&listen).is_err() {
            assert!(std::time::Instant::now() < deadline, "fangyu serve did not start");
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        ServerProcess { child, app }
    }

    /// Stops the process as an operator does (SIGTERM: the server finishes
    /// its shutdown work) and waits for it.
    pub fn stop(mut self) -> std::process::ExitStatus {
        let pid = self.child.id().to_string();
        std::process::Command::new("kill").args(["-TERM", &pid]).status().expect("kill -TERM");
        self.child.wait().expect("wait")
    }

    /// Kills the process at once (SIGKILL: no shutdown work runs).
    pub fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The XYZ tile (y from the north) holding a point.
pub fn tile_of(lon: f64, lat: f64, z: u8) -> (u8, u32, u32) {
    let n = f64::from(1u32 << z);
    let x = ((lon + 180.0) / 360.0 * n) as u32;
    let y = ((1.0 - lat.to_radians().tan().asinh() / std::f64::consts::PI) / 2.0 * n) as u32;
    (z, x, y)
}

/// Writes `bytes` to a temporary file named `name` and runs `program` with
/// `args`, each `{}` replaced by the file's path; its standard output (the
/// test fails if it fails).
pub fn tool_output(bytes: &[u8], name: &str, program: &str, args: &[&str]) -> String {
    let path = std::env::temp_dir().join(format!("fangyu-{}-{name}", std::process::id()));
    std::fs::write(&path, bytes).expect("write file");
    let p = path.to_str().expect("path");
    let out = std::process::Command::new(program)
        .args(args.iter().map(|a| a.replace("{}", p)))
        .output()
        .unwrap_or_else(|e| panic!("{program}: {e}"));
    assert!(out.status.success(), "{program}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}
