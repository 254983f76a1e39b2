//! Batch geocoding of CSV or NDJSON, streamed: rows are read, geocoded on
//! every core and written in chunks, so memory stays flat however long the
//! input is. Used by `POST /geocode/batch` and `fangyu geocode`.
//!
//! Each output row is the input row plus the best candidate's
//! `standard_address`, `address_code`, `match_level`, `confidence`, `lon`,
//! `lat`, `division_code`, `corrections`, and `error` (why the row could not
//! be geocoded; empty otherwise). A row that does not match has an empty
//! `match_level` and no error.

use super::{Candidate, Options, geocode};
use crate::index::Gazetteer;
use serde_json::{Map, Value, json};
use std::io::{BufRead, Read, Write};

/// Rows geocoded together (one chunk is read, geocoded in parallel and
/// written before the next is read).
const CHUNK_ROWS: usize = 4096;

/// Columns added to every CSV row.
pub const RESULT_COLUMNS: [&str; 9] = [
    "standard_address",
    "address_code",
    "match_level",
    "confidence",
    "lon",
    "lat",
    "division_code",
    "corrections",
    "error",
];

/// Input and output format.
#[derive(Debug, Clone)]
pub enum Format {
    /// CSV with a header row; the address is in `column`.
    Csv {
        /// Name of the address column.
        column: String,
    },
    /// One JSON object a line, the address in `address` (or `q`); any other
    /// fields (`id` …) are echoed.
    Ndjson,
}

/// Limits of one batch.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Most rows geocoded; a further row ends the batch with an error row.
    pub max_rows: u64,
    /// Longest address, characters.
    pub max_chars: usize,
    /// Longest row, bytes: a longer one is an error row, never read whole
    /// ([`super::batch_rows`]).
    pub max_row_bytes: usize,
}

/// Counts of a finished batch.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    /// Rows read.
    pub rows: u64,
    /// Rows with a candidate.
    pub matched: u64,
    /// Rows with an error.
    pub errors: u64,
}

/// Why a batch stopped.
#[derive(Debug, thiserror::Error)]
pub enum BatchError {
    /// The named column is not in the header.
    #[error("CSV 表头中没有地址列 “{0}”")]
    NoColumn(String),
    /// The CSV could not be read at all.
    #[error("CSV 读取失败: {0}")]
    Csv(#[from] csv::Error),
    /// Reading or writing failed.
    #[error("读写失败: {0}")]
    Io(#[from] std::io::Error),
}

/// What a caller adds to a batch (`/links/match`): columns after the
/// result columns, computed per row from the text written and the best
/// candidate (in parallel), then per chunk in order with the row's record
/// (for work that writes, like linking records).
pub trait RowHook: Sync {
    /// The columns added, in order.
    fn columns(&self) -> &[&'static str];
    /// The CSV column or NDJSON field that names a row's record.
    fn record_field(&self) -> &str;
    /// The added fields of one row (as many as [`RowHook::columns`]).
    fn fields(&self, written: &str, best: Option<&Candidate>) -> Vec<String>;
    /// After a chunk, each row's record, result fields (as
    /// [`RESULT_COLUMNS`]) and added fields, which it may amend.
    fn chunk(&mut self, rows: &mut [(Option<String>, &[String; 9], Vec<String>)]);
}

/// The best candidate of one row, flattened.
#[derive(Debug, Clone, Default)]
struct RowResult {
    fields: [String; 9],
    extra: Vec<String>,
    matched: bool,
    error: bool,
}

fn geocode_one(
    g: &Gazetteer,
    input: Result<&str, String>,
    limits: Limits,
    hook: Option<&dyn RowHook>,
) -> RowResult {
    let mut r = geocode_fields(g, input, limits, hook);
    if let Some(h) = hook
        && r.extra.is_empty()
    {
        r.extra = vec![String::new(); h.columns().len()];
    }
    r
}

fn geocode_fields(
    g: &Gazetteer,
    input: Result<&str, String>,
    limits: Limits,
    hook: Option<&dyn RowHook>,
) -> RowResult {
    let mut r = RowResult::default();
    let text = match input {
        Ok(t) => t.trim(),
        Err(e) => {
            r.fields[8] = e;
            r.error = true;
            return r;
        }
    };
    if text.is_empty() {
        r.fields[8] = "地址为空".into();
        r.error = true;
        return r;
    }
    if text.chars().count() > limits.max_chars {
        r.fields[8] = format!("地址超过 {} 个字符", limits.max_chars);
        r.error = true;
        return r;
    }
    let found = geocode(g, text, Options { limit: 1, within: None, at: None });
    if let Some(h) = hook {
        r.extra = h.fields(text, found.first());
    }
    if let Some(c) = found.first() {
        r.matched = true;
        r.fields[0] = c.standard_address.clone();
        r.fields[1] = c.address_code.clone().unwrap_or_default();
        r.fields[2] = c.match_level.as_str().into();
        r.fields[3] = c.confidence.to_string();
        r.fields[4] = format!("{:.7}", c.location[0]);
        r.fields[5] = format!("{:.7}", c.location[1]);
        r.fields[6] = g.divisions.get(c.division).code.to_string();
        r.fields[7] = c
            .corrections
            .iter()
            .map(|c| {
                if c.to.is_empty() {
                    format!("{}:{}", c.kind, c.from)
                } else {
                    format!("{}:{}→{}", c.kind, c.from, c.to)
                }
            })
            .collect::<Vec<_>>()
            .join(";");
    }
    r
}

/// Geocodes a chunk on every core (rayon's pool: the same threads for every
/// chunk, so per-thread allocator caches are reused), in order.
fn geocode_chunk(
    g: &Gazetteer,
    inputs: &[Result<String, String>],
    limits: Limits,
    hook: Option<&dyn RowHook>,
) -> Vec<RowResult> {
    use rayon::prelude::*;
    inputs
        .par_iter()
        .with_min_len(64)
        .map(|i| geocode_one(g, i.as_deref().map_err(Clone::clone), limits, hook))
        .collect()
}

/// Hands a chunk's rows to the hook in order, with their records.
fn hook_chunk(hook: &mut Option<&mut dyn RowHook>, records: Vec<Option<String>>, results: &mut [RowResult]) {
    let Some(h) = hook else { return };
    let mut rows: Vec<(Option<String>, &[String; 9], Vec<String>)> = records
        .into_iter()
        .zip(results.iter_mut())
        .map(|(rec, r)| (rec, &r.fields, std::mem::take(&mut r.extra)))
        .collect();
    h.chunk(&mut rows);
    let extras: Vec<Vec<String>> = rows.into_iter().map(|(_, _, e)| e).collect();
    for (r, e) in results.iter_mut().zip(extras) {
        r.extra = e;
    }
}

/// Runs a batch from `input` to `output`, calling `progress` with the rows
/// done after each chunk.
pub fn run(
    g: &Gazetteer,
    format: &Format,
    input: impl Read,
    output: impl Write,
    limits: Limits,
    progress: impl FnMut(u64),
) -> Result<Stats, BatchError> {
    run_with(g, format, input, output, limits, progress, None)
}

/// [`run`], with `hook`'s columns added to every row.
pub fn run_with(
    g: &Gazetteer,
    format: &Format,
    input: impl Read,
    output: impl Write,
    limits: Limits,
    progress: impl FnMut(u64),
    hook: Option<&mut dyn RowHook>,
) -> Result<Stats, BatchError> {
    let input = super::batch_rows::CappedLines::new(input, limits.max_row_bytes);
    match format {
        Format::Csv { column } => run_csv(g, column, input, output, limits, progress, hook),
        Format::Ndjson => run_ndjson(g, input, output, limits, progress, hook),
    }
}

fn overlong(limits: Limits) -> String {
    format!("该行超过 {} 字节的上限，未读取", limits.max_row_bytes)
}

fn too_many(limits: Limits) -> String {
    format!("批量行数超过上限 {}，其余行未处理", limits.max_rows)
}

fn run_csv(
    g: &Gazetteer,
    column: &str,
    input: impl Read,
    output: impl Write,
    limits: Limits,
    mut progress: impl FnMut(u64),
    mut hook: Option<&mut dyn RowHook>,
) -> Result<Stats, BatchError> {
    let mut rdr = csv::ReaderBuilder::new().flexible(true).from_reader(input);
    let headers = rdr.byte_headers()?.clone();
    let col = headers
        .iter()
        .position(|h| {
            h == column.as_bytes() || h.strip_prefix("\u{feff}".as_bytes()) == Some(column.as_bytes())
        })
        .ok_or_else(|| BatchError::NoColumn(column.to_string()))?;
    let record_col = hook.as_ref().and_then(|h| {
        let name = h.record_field().as_bytes();
        headers.iter().position(|c| c == name || c.strip_prefix("\u{feff}".as_bytes()) == Some(name))
    });
    let extra_columns: Vec<&'static str> = hook.as_ref().map(|h| h.columns().to_vec()).unwrap_or_default();
    let mut wtr = csv::Writer::from_writer(output);
    let mut head = headers.clone();
    for c in RESULT_COLUMNS.iter().chain(&extra_columns) {
        head.push_field(c.as_bytes());
    }
    wtr.write_byte_record(&head)?;
    let mut stats = Stats::default();
    let mut records: Vec<csv::ByteRecord> = Vec::with_capacity(CHUNK_ROWS);
    let mut over = false;
    loop {
        records.clear();
        let mut rec = csv::ByteRecord::new();
        while records.len() < CHUNK_ROWS {
            if stats.rows + records.len() as u64 >= limits.max_rows {
                over = rdr.read_byte_record(&mut rec)?;
                break;
            }
            if !rdr.read_byte_record(&mut rec)? {
                break;
            }
            records.push(std::mem::take(&mut rec));
        }
        if records.is_empty() {
            break;
        }
        let inputs: Vec<Result<String, String>> = records
            .iter()
            .map(|r| match r.get(col) {
                _ if r.get(0) == Some(super::batch_rows::OVERLONG) => Err(overlong(limits)),
                None => Err(format!("缺少地址列 “{column}”")),
                Some(b) => {
                    std::str::from_utf8(b).map(str::to_string).map_err(|_| "地址不是有效的 UTF-8".into())
                }
            })
            .collect();
        let mut results = geocode_chunk(g, &inputs, limits, hook.as_deref().map(|h| h as &dyn RowHook));
        let keys = records
            .iter()
            .map(|r| {
                record_col
                    .and_then(|c| r.get(c))
                    .and_then(|b| std::str::from_utf8(b).ok())
                    .map(str::to_string)
            })
            .collect();
        hook_chunk(&mut hook, keys, &mut results);
        for (rec, res) in records.iter_mut().zip(&results) {
            // Short rows are padded so every result lands in its column.
            while rec.len() < headers.len() {
                rec.push_field(b"");
            }
            rec.truncate(headers.len());
            for f in res.fields.iter().chain(&res.extra) {
                rec.push_field(f.as_bytes());
            }
            wtr.write_byte_record(rec)?;
            stats.matched += u64::from(res.matched);
            stats.errors += u64::from(res.error);
        }
        stats.rows += records.len() as u64;
        wtr.flush()?;
        progress(stats.rows);
        if over {
            break;
        }
    }
    if over {
        let mut row: Vec<String> =
            vec![String::new(); headers.len() + RESULT_COLUMNS.len() + extra_columns.len()];
        row[headers.len() + RESULT_COLUMNS.len() - 1] = too_many(limits);
        wtr.write_record(&row)?;
        stats.errors += 1;
    }
    wtr.flush()?;
    Ok(stats)
}

fn run_ndjson(
    g: &Gazetteer,
    input: impl Read,
    mut output: impl Write,
    limits: Limits,
    mut progress: impl FnMut(u64),
    mut hook: Option<&mut dyn RowHook>,
) -> Result<Stats, BatchError> {
    let extra_columns: Vec<&'static str> = hook.as_ref().map(|h| h.columns().to_vec()).unwrap_or_default();
    let record_field = hook.as_ref().map(|h| h.record_field().to_string());
    let mut lines = std::io::BufReader::new(input);
    let mut stats = Stats::default();
    let mut over = false;
    loop {
        let mut rows: Vec<(Map<String, Value>, Result<String, String>)> = Vec::with_capacity(CHUNK_ROWS);
        let mut buf = Vec::new();
        while rows.len() < CHUNK_ROWS {
            buf.clear();
            if lines.read_until(b'\n', &mut buf)? == 0 {
                break;
            }
            let line = String::from_utf8_lossy(&buf);
            let line = line.trim();
            if line.is_empty() {
                continue;
            }
            if stats.rows + rows.len() as u64 >= limits.max_rows {
                over = true;
                break;
            }
            if buf.strip_suffix(b"\n").unwrap_or(&buf) == super::batch_rows::OVERLONG {
                rows.push((Map::new(), Err(overlong(limits))));
                continue;
            }
            rows.push(match serde_json::from_str::<Value>(line) {
                Ok(Value::Object(mut m)) => {
                    let address = m.remove("address").or_else(|| m.remove("q"));
                    let input = match address {
                        Some(Value::String(s)) => Ok(s),
                        Some(_) => Err("“address” 应为字符串".to_string()),
                        None => Err("缺少 “address” 字段".to_string()),
                    };
                    (m, input)
                }
                Ok(_) => (Map::new(), Err("每行应为一个 JSON 对象".to_string())),
                Err(e) => (Map::new(), Err(format!("JSON 格式错误: {e}"))),
            });
        }
        if rows.is_empty() {
            break;
        }
        let inputs: Vec<Result<String, String>> = rows.iter().map(|(_, i)| i.clone()).collect();
        let mut results = geocode_chunk(g, &inputs, limits, hook.as_deref().map(|h| h as &dyn RowHook));
        let keys = rows
            .iter()
            .map(|(m, _)| {
                record_field.as_ref().and_then(|f| match m.get(f)? {
                    Value::String(s) => Some(s.clone()),
                    Value::Number(n) => Some(n.to_string()),
                    _ => None,
                })
            })
            .collect();
        hook_chunk(&mut hook, keys, &mut results);
        for ((mut echo, input), res) in rows.into_iter().zip(&results) {
            if let Ok(a) = input {
                echo.insert("address".into(), Value::String(a));
            }
            for (k, v) in RESULT_COLUMNS.iter().zip(&res.fields) {
                let value = match *k {
                    _ if v.is_empty() => Value::Null,
                    "confidence" | "lon" | "lat" => v.parse::<f64>().map_or(Value::Null, |n| json!(n)),
                    _ => Value::String(v.clone()),
                };
                echo.insert((*k).into(), value);
            }
            for (k, v) in extra_columns.iter().zip(&res.extra) {
                let value = match v.as_str() {
                    "" => Value::Null,
                    "true" => Value::Bool(true),
                    "false" => Value::Bool(false),
                    _ => Value::String(v.clone()),
                };
                echo.insert((*k).into(), value);
            }
            serde_json::to_writer(&mut output, &echo).map_err(std::io::Error::from)?;
            output.write_all(b"\n")?;
            stats.rows += 1;
            stats.matched += u64::from(res.matched);
            stats.errors += u64::from(res.error);
        }
        output.flush()?;
        progress(stats.rows);
        if over {
            break;
        }
    }
    if over {
        serde_json::to_writer(&mut output, &json!({"error": too_many(limits)}))
            .map_err(std::io::Error::from)?;
        output.write_all(b"\n")?;
        stats.errors += 1;
    }
    output.flush()?;
    Ok(stats)
}
