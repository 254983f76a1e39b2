//! Schema migrations. GeoPackage owns `PRAGMA user_version` (it holds the
//! GeoPackage version), so the store keeps its own schema version in
//! `fangyu_schema`. Each migration runs in the transaction that records it.

use super::gpkg;
use rusqlite::{Connection, params};

/// The GeoPackage 1.3 `application_id` ("GPKG") and `user_version`.
const GPKG_APPLICATION_ID: i64 = 0x4750_4B47;
const GPKG_USER_VERSION: i64 = 10300;

/// One schema step: SQL, then an optional step in Rust (data that SQL
/// alone cannot compute).
struct Migration {
    version: i64,
    description: &'static str,
    sql: fn() -> String,
    then: Option<fn(&rusqlite::Transaction) -> rusqlite::Result<()>>,
}

const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        description: "gazetteer: divisions, places, addresses, boundaries, change log",
        sql: v1,
        then: None,
    },
    Migration {
        version: 2,
        description: "naming review: proposals, API tokens, hash-chained change log, place successors",
        sql: v2,
        then: Some(super::changelog::chain_existing),
    },
    Migration {
        version: 3,
        description: "change feed: code, division and summary on the change log; webhook subscriptions; roles checked in code",
        sql: v3,
        then: None,
    },
    Migration {
        version: 4,
        description: "audit: signed checkpoints of the change log's head",
        sql: v4,
        then: None,
    },
    Migration {
        version: 5,
        description: "audit: a seal on every record, the records' digests, their state chained into the log",
        sql: v5,
        then: Some(seal_existing),
    },
    Migration {
        version: 6,
        description: "accounts: people hold tokens, roles granted to accounts, tokens expire, the log names account and token",
        sql: v6,
        then: Some(super::accounts::accounts_for_tokens),
    },
    Migration {
        version: 7,
        description: "boundaries: line lengths, boxes and retirement; retired markers; marker changes signed by both sides",
        sql: v7,
        then: None,
    },
    Migration {
        version: 8,
        description: "joint inspections: rounds, findings, photos, repairs; the day each marker was last inspected",
        sql: super::inspections::schema_v8,
        then: None,
    },
    Migration {
        version: 9,
        description: "division changes: requests approved and scheduled, address codes kept as aliases, changes linked to their request",
        sql: super::division_changes::schema_v9,
        then: None,
    },
    Migration {
        version: 10,
        description: "door plates: applications for a plate with the regulation's checks, issued or returned",
        sql: super::address_applications::schema_v10,
        then: None,
    },
    Migration {
        version: 11,
        description: "one address for every department: superseded addresses, department links, the sign inventory and its history, the public's reports",
        sql: v11,
        then: None,
    },
];

/// Brings a store up to the newest schema.
pub fn migrate(conn: &mut Connection) -> rusqlite::Result<()> {
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS fangyu_schema (
            version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_at TEXT NOT NULL)",
    )?;
    for m in MIGRATIONS {
        // Read the version inside the writing transaction, so two processes
        // opening a new store at once cannot both apply a step.
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let current: i64 =
            tx.query_row("SELECT COALESCE(MAX(version), 0) FROM fangyu_schema", [], |r| r.get(0))?;
        if m.version <= current {
            continue;
        }
        if m.version == 1 {
            tx.execute_batch(&format!(
                "PRAGMA application_id = {GPKG_APPLICATION_ID}; PRAGMA user_version = {GPKG_USER_VERSION};"
            ))?;
        }
        tx.execute_batch(&(m.sql)())?;
        if let Some(then) = m.then {
            then(&tx)?;
        }
        tx.execute(
            "INSERT INTO fangyu_schema VALUES (?1, ?2, strftime('%Y-%m-%dT%H:%M:%SZ','now'))",
            params![m.version, m.description],
        )?;
        tx.commit()?;
    }
    Ok(())
}

/// The newest schema version this build knows.
pub fn latest_version() -> i64 {
    MIGRATIONS.last().map_or(0, |m| m.version)
}

fn v1() -> String {
    let mut sql = gpkg::core_sql();
    sql.push_str(
        r#"
CREATE TABLE divisions (
  fid INTEGER PRIMARY KEY AUTOINCREMENT,
  code TEXT NOT NULL, name TEXT NOT NULL, short_name TEXT, level INTEGER NOT NULL,
  parent_code TEXT, pinyin TEXT,
  valid_from TEXT, valid_to TEXT,
  seat_lon REAL, seat_lat REAL,
  source TEXT NOT NULL,
  geom MULTIPOLYGON,
  UNIQUE (code, valid_from));
CREATE INDEX divisions_code ON divisions(code);
CREATE INDEX divisions_parent ON divisions(parent_code);
CREATE INDEX divisions_name ON divisions(name);

CREATE TABLE division_aliases (
  fid INTEGER PRIMARY KEY AUTOINCREMENT,
  code TEXT NOT NULL, alias TEXT NOT NULL, kind TEXT NOT NULL, source TEXT,
  UNIQUE (code, alias));
CREATE INDEX division_aliases_alias ON division_aliases(alias);

CREATE TABLE division_changes (
  fid INTEGER PRIMARY KEY AUTOINCREMENT,
  date TEXT NOT NULL, kind TEXT NOT NULL,
  old_code TEXT, old_name TEXT, new_code TEXT, new_name TEXT,
  doc_no TEXT, source TEXT);
CREATE INDEX division_changes_old ON division_changes(old_code);
CREATE INDEX division_changes_new ON division_changes(new_code);

CREATE TABLE places (
  fid INTEGER PRIMARY KEY AUTOINCREMENT,
  class TEXT NOT NULL, name TEXT NOT NULL, specific TEXT NOT NULL, generic TEXT NOT NULL,
  pinyin TEXT NOT NULL, division_code TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('current','historical','retired')),
  meaning TEXT, history TEXT, former_names TEXT NOT NULL DEFAULT '[]',
  approved_by TEXT, approval_doc TEXT, approval_date TEXT,
  valid_from TEXT, valid_to TEXT,
  source TEXT NOT NULL,
  geom GEOMETRY);
CREATE INDEX places_name ON places(name);
CREATE INDEX places_division ON places(division_code);
CREATE INDEX places_class ON places(class);

CREATE TABLE addresses (
  fid INTEGER PRIMARY KEY AUTOINCREMENT,
  code TEXT NOT NULL UNIQUE,
  kind TEXT NOT NULL CHECK (kind IN ('road_plate','building','room','rural_plate')),
  division_code TEXT NOT NULL,
  place_fid INTEGER REFERENCES places(fid),
  street TEXT NOT NULL,
  number TEXT, number_prefix TEXT, number_main INTEGER, number_sub INTEGER,
  group_no INTEGER, building TEXT, unit TEXT, room TEXT,
  standard_address TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT 'current' CHECK (status IN ('current','historical','retired')),
  lon REAL NOT NULL, lat REAL NOT NULL,
  source TEXT NOT NULL,
  geom POINT);
CREATE INDEX addresses_division ON addresses(division_code);
CREATE INDEX addresses_place ON addresses(place_fid);

CREATE TABLE boundary_lines (
  fid INTEGER PRIMARY KEY AUTOINCREMENT,
  code TEXT NOT NULL UNIQUE, name TEXT NOT NULL, level INTEGER NOT NULL,
  left_code TEXT NOT NULL, right_code TEXT NOT NULL,
  geom MULTILINESTRING);

CREATE TABLE boundary_markers (
  fid INTEGER PRIMARY KEY AUTOINCREMENT,
  number TEXT NOT NULL UNIQUE, line_code TEXT NOT NULL REFERENCES boundary_lines(code),
  kind TEXT NOT NULL CHECK (kind IN ('Q','A','B','C','D','E')),
  condition TEXT NOT NULL DEFAULT 'intact', installed_on TEXT,
  lon REAL NOT NULL, lat REAL NOT NULL,
  geom POINT);

CREATE TABLE inspections (
  fid INTEGER PRIMARY KEY AUTOINCREMENT,
  line_code TEXT NOT NULL REFERENCES boundary_lines(code),
  round INTEGER NOT NULL, inspected_on TEXT NOT NULL, findings TEXT NOT NULL DEFAULT '{}');

CREATE TABLE change_log (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
  actor TEXT NOT NULL, entity TEXT NOT NULL, entity_key TEXT NOT NULL,
  action TEXT NOT NULL, detail TEXT NOT NULL DEFAULT '{}');
CREATE TRIGGER change_log_no_update BEFORE UPDATE ON change_log
  BEGIN SELECT RAISE(ABORT, 'change_log is append-only'); END;
CREATE TRIGGER change_log_no_delete BEFORE DELETE ON change_log
  BEGIN SELECT RAISE(ABORT, 'change_log is append-only'); END;
"#,
    );
    for (table, description, gt) in [
        ("divisions", "行政区划", Some("MULTIPOLYGON")),
        ("places", "标准地名", Some("GEOMETRY")),
        ("addresses", "门牌与标准地址", Some("POINT")),
        ("boundary_lines", "行政区域界线", Some("MULTILINESTRING")),
        ("boundary_markers", "界桩", Some("POINT")),
        ("division_aliases", "区划别名", None),
        ("division_changes", "区划变更", None),
        ("inspections", "界线联检记录", None),
        ("change_log", "变更日志", None),
    ] {
        sql.push_str(&gpkg::register_sql(table, description, gt));
        sql.push('\n');
    }
    sql
}

fn v2() -> String {
    let mut sql = String::from(
        r#"
ALTER TABLE change_log ADD COLUMN prev_hash TEXT;
ALTER TABLE change_log ADD COLUMN hash TEXT;
ALTER TABLE places ADD COLUMN replaced_by INTEGER REFERENCES places(fid);

CREATE TABLE api_tokens (
  fid INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL,
  role TEXT NOT NULL CHECK (role IN ('applicant','reviewer','expert','committee','approver','admin')),
  token_hash TEXT NOT NULL UNIQUE,
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')),
  revoked_at TEXT);

CREATE TABLE proposals (
  fid INTEGER PRIMARY KEY AUTOINCREMENT,
  kind TEXT NOT NULL CHECK (kind IN ('name','rename','retire')),
  class TEXT NOT NULL, name TEXT NOT NULL, division_code TEXT NOT NULL,
  state TEXT NOT NULL, version INTEGER NOT NULL,
  created_by TEXT NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL,
  doc TEXT NOT NULL,
  geom GEOMETRY);
CREATE INDEX proposals_state ON proposals(state);
CREATE INDEX proposals_name ON proposals(name);
"#,
    );
    sql.push_str(&gpkg::register_sql("proposals", "地名命名更名申请", Some("GEOMETRY")));
    sql.push_str(&gpkg::register_sql("api_tokens", "接口令牌", None));
    sql
}

fn v3() -> String {
    r#"
ALTER TABLE change_log ADD COLUMN code TEXT;
ALTER TABLE change_log ADD COLUMN division TEXT;
ALTER TABLE change_log ADD COLUMN summary TEXT;
CREATE INDEX change_log_entity ON change_log(entity, entity_key, seq);

-- The role list grows with the capabilities (subscriber, boundary, …):
-- the role is checked by the model, not by a CHECK that SQLite cannot alter.
CREATE TABLE api_tokens_v3 (
  fid INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL,
  role TEXT NOT NULL,
  token_hash TEXT NOT NULL UNIQUE,
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')),
  revoked_at TEXT);
INSERT INTO api_tokens_v3 SELECT fid, name, role, token_hash, created_at, revoked_at FROM api_tokens;
DROP TABLE api_tokens;
ALTER TABLE api_tokens_v3 RENAME TO api_tokens;

-- Webhook subscriptions. The change log is the outbox: each change is
-- written in the transaction of the write it records, and a subscription
-- keeps the last sequence number its receiver acknowledged, so deliveries
-- survive a restart and go out in order, at least once.
CREATE TABLE subscriptions (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  url TEXT NOT NULL,
  kinds TEXT NOT NULL DEFAULT '',
  division TEXT NOT NULL DEFAULT '',
  secret TEXT NOT NULL,
  owner INTEGER NOT NULL,
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')),
  delivered_seq INTEGER NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at TEXT,
  last_attempt_at TEXT,
  last_error TEXT,
  deleted_at TEXT);
"#
    .to_string()
        + &gpkg::register_sql("subscriptions", "变更订阅", None)
}

/// Signed checkpoints of the change log: the head (sequence number and
/// hash) at a moment, signed with a key kept outside the store. Copies go
/// to other agencies too; the store's own copy is a convenience.
fn v4() -> String {
    r#"
CREATE TABLE audit_checkpoints (
  seq INTEGER PRIMARY KEY,
  head TEXT NOT NULL,
  at TEXT NOT NULL,
  key_id TEXT NOT NULL,
  signature TEXT NOT NULL);
"#
    .to_string()
}

/// Seals: a digest of each record's content, per table the sum of them,
/// and the hash of those sums chained into each log entry (`seals.rs`).
fn v5() -> String {
    let mut sql = String::from(
        "CREATE TABLE record_digests (tbl TEXT PRIMARY KEY, digest TEXT NOT NULL, rows INTEGER NOT NULL);\n\
         ALTER TABLE change_log ADD COLUMN state TEXT;\n",
    );
    for t in super::seals::SEALED.iter().filter(|t| t.since == 5) {
        sql.push_str(&format!("ALTER TABLE {} ADD COLUMN row_hash BLOB;\n", t.name));
    }
    sql
}

/// Accounts for people: each token belongs to one, roles are granted to
/// accounts (a token acts in one its account holds), tokens expire, and
/// each log entry names the account and token that made it.
fn v6() -> String {
    r#"
CREATE TABLE accounts (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL,
  department TEXT NOT NULL DEFAULT '',
  divisions TEXT NOT NULL DEFAULT '',
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')),
  disabled_at TEXT,
  row_hash BLOB);
CREATE TABLE account_roles (
  fid INTEGER PRIMARY KEY AUTOINCREMENT,
  account INTEGER NOT NULL REFERENCES accounts(id),
  role TEXT NOT NULL,
  granted_by TEXT NOT NULL,
  granted_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')),
  revoked_at TEXT,
  row_hash BLOB,
  UNIQUE (account, role));
ALTER TABLE api_tokens ADD COLUMN account INTEGER REFERENCES accounts(id);
ALTER TABLE api_tokens ADD COLUMN expires_at TEXT;
CREATE INDEX api_tokens_account ON api_tokens(account);
ALTER TABLE change_log ADD COLUMN account INTEGER;
ALTER TABLE change_log ADD COLUMN token INTEGER;
CREATE INDEX change_log_account ON change_log(account, seq);
"#
    .to_string()
        + &gpkg::register_sql("accounts", "用户账户", None)
        + &gpkg::register_sql("account_roles", "账户角色", None)
}

/// Boundary lines get their length, their box (for box queries) and a
/// retirement date; markers a retirement date; a change to a line's
/// markers waits in `marker_changes` until the other side confirms it.
/// The new columns are null in old rows, so their seals hold.
fn v7() -> String {
    r#"
ALTER TABLE boundary_lines ADD COLUMN length_m REAL;
ALTER TABLE boundary_lines ADD COLUMN retired_on TEXT;
ALTER TABLE boundary_lines ADD COLUMN min_lon REAL;
ALTER TABLE boundary_lines ADD COLUMN min_lat REAL;
ALTER TABLE boundary_lines ADD COLUMN max_lon REAL;
ALTER TABLE boundary_lines ADD COLUMN max_lat REAL;
CREATE INDEX boundary_lines_left ON boundary_lines(left_code);
CREATE INDEX boundary_lines_right ON boundary_lines(right_code);
ALTER TABLE boundary_markers ADD COLUMN retired_on TEXT;
CREATE INDEX boundary_markers_line ON boundary_markers(line_code);
CREATE TABLE marker_changes (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  line_code TEXT NOT NULL REFERENCES boundary_lines(code),
  action TEXT NOT NULL CHECK (action IN ('add','move','retire')),
  number TEXT NOT NULL,
  kind TEXT NOT NULL,
  lon REAL, lat REAL,
  reason TEXT NOT NULL,
  state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending','confirmed','rejected','withdrawn')),
  proposed_by INTEGER NOT NULL REFERENCES accounts(id),
  proposed_token INTEGER NOT NULL,
  proposed_side TEXT NOT NULL,
  proposed_at TEXT NOT NULL,
  decided_by INTEGER REFERENCES accounts(id),
  decided_token INTEGER,
  decided_side TEXT,
  decided_at TEXT,
  note TEXT,
  row_hash BLOB);
CREATE INDEX marker_changes_line ON marker_changes(line_code, state);
"#
    .to_string()
        + &gpkg::register_sql("marker_changes", "界桩变更（双方签认）", None)
}

/// An address renumbered or retired keeps its row, with the address that
/// replaced it and since when; departments link their records to address
/// codes; the sign inventory (road-name, place-name and door-plate signs)
/// keeps every sign's installation, inspections, repairs and replacement;
/// the public reports damaged signs. An application may carry the
/// building's footprint. The new columns are null in old rows, so their
/// seals hold.
fn v11() -> String {
    r#"
ALTER TABLE addresses ADD COLUMN superseded_by TEXT;
ALTER TABLE addresses ADD COLUMN superseded_on TEXT;
ALTER TABLE addresses ADD COLUMN history_note TEXT;
CREATE INDEX addresses_superseded ON addresses(superseded_by);
ALTER TABLE address_applications ADD COLUMN footprint TEXT;
CREATE TABLE address_links (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  address_code TEXT NOT NULL,
  system TEXT NOT NULL,
  record TEXT NOT NULL,
  linked_by INTEGER NOT NULL REFERENCES accounts(id),
  linked_token INTEGER NOT NULL,
  linked_at TEXT NOT NULL,
  row_hash BLOB,
  UNIQUE (system, record));
CREATE INDEX address_links_code ON address_links(address_code);
CREATE TABLE signs (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  kind TEXT NOT NULL CHECK (kind IN ('road_name','place_name','door_plate')),
  name TEXT NOT NULL,
  pinyin TEXT NOT NULL,
  content TEXT NOT NULL,
  place_fid INTEGER REFERENCES places(fid),
  address_code TEXT,
  division_code TEXT NOT NULL,
  lon REAL NOT NULL, lat REAL NOT NULL,
  installed_on TEXT NOT NULL,
  material TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('good','damaged','missing','replaced')),
  state_on TEXT NOT NULL,
  replaces INTEGER REFERENCES signs(id),
  source TEXT NOT NULL,
  geom POINT,
  row_hash BLOB);
CREATE INDEX signs_division ON signs(division_code);
CREATE INDEX signs_place ON signs(place_fid);
CREATE INDEX signs_address ON signs(address_code);
CREATE INDEX signs_lon ON signs(lon);
CREATE TABLE sign_events (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  sign_id INTEGER NOT NULL REFERENCES signs(id),
  on_date TEXT NOT NULL,
  action TEXT NOT NULL CHECK (action IN ('install','inspect','repair','replace')),
  state TEXT NOT NULL,
  note TEXT,
  by_account INTEGER,
  by_token INTEGER,
  recorded_at TEXT NOT NULL,
  row_hash BLOB);
CREATE INDEX sign_events_sign ON sign_events(sign_id, on_date);
CREATE INDEX sign_events_date ON sign_events(on_date);
CREATE TABLE public_reports (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  target TEXT NOT NULL,
  sign_id INTEGER REFERENCES signs(id),
  kind TEXT NOT NULL CHECK (kind IN ('damaged','missing','wrong','other')),
  message TEXT NOT NULL,
  contact TEXT,
  received_at TEXT NOT NULL,
  state TEXT NOT NULL DEFAULT 'open',
  row_hash BLOB);
CREATE INDEX public_reports_target ON public_reports(target);
"#
    .to_string()
        + &gpkg::register_sql("address_links", "地址关联（部门记录）", None)
        + &gpkg::register_sql("signs", "地名标志", Some("POINT"))
        + &gpkg::register_sql("sign_events", "标志维护记录", None)
        + &gpkg::register_sql("public_reports", "公众报告", None)
}

/// Seals the rows a store held before seals, and chains their state with
/// an entry of its own (a store with no records needs none).
fn seal_existing(tx: &rusqlite::Transaction) -> rusqlite::Result<()> {
    let to_sql = |e: super::StoreError| match e {
        super::StoreError::Sqlite(e) => e,
        other => rusqlite::Error::ToSqlConversionFailure(Box::new(other)),
    };
    super::seals::seal_all(tx).map_err(to_sql)?;
    let sealed: i64 = tx.query_row("SELECT COALESCE(SUM(rows), 0) FROM record_digests", [], |r| r.get(0))?;
    if sealed > 0 {
        let entry = super::ChangeEntry {
            actor: "fangyu",
            entity: "audit",
            entity_key: "records",
            action: "seal",
            detail: serde_json::json!({"rows": sealed}),
            ..Default::default()
        };
        super::append_change(tx, &entry).map_err(to_sql)?;
    }
    Ok(())
}
