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
    s
}

/// A running server.
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

/// The shared server over the demo store, started once on its own thread
/// and runtime.
pub fn app() -> &'static TestApp {
    static APP: OnceLock<TestApp> = OnceLock::new();
    APP.get_or_init(|| {
        let settings = settings_for(&demo_store());
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let rt = tokio::runtime::Runtime::new().expect("runtime");
            rt.block_on(async move {
                let (store, g) = fangyu::startup::load(&settings).expect("store loads");
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
                let addr = listener.local_addr().expect("addr");
                let state = fangyu::http::state(settings, store, g);
                tx.send(addr).expect("send addr");
                fangyu::http::serve(listener, fangyu::http::app(state)).await.expect("serve");
            });
        });
        let addr = rx.recv().expect("server starts");
        TestApp { base: format!("http://{addr}") }
    })
}

/// Opens the demo store read-only with SQLite, for direct counts.
pub fn sqlite() -> rusqlite::Connection {
    rusqlite::Connection::open_with_flags(demo_store(), rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
        .expect("open")
}
