//! The second set: strings written the way records and the public write
//! them, from the statistical village and township lists of 2023
//! (`data/sources/villages.csv.gz`, `streets.csv.gz`: their own spellings,
//! 居委会 and 村委会 suffixes, townships since merged or renamed), labelled
//! with the county their statistical code names, never by the geocoder.
//! Nothing here is tuned on: it is measured only.

use super::{Case, Want};
use crate::index::Gazetteer;
use crate::model::Level;
use rand::{RngExt, SeedableRng};
use rustc_hash::FxHashMap;
use std::io::Read;
use std::path::Path;

fn read_gz(path: &Path) -> std::io::Result<String> {
    let mut s = String::new();
    flate2::read::GzDecoder::new(std::fs::File::open(path)?).read_to_string(&mut s)?;
    Ok(s)
}

/// Rows of a CSV with a header: the fields of each.
fn rows(text: &str) -> Vec<Vec<String>> {
    let mut r = csv::Reader::from_reader(text.as_bytes());
    r.records().filter_map(Result::ok).map(|rec| rec.iter().map(str::to_string).collect()).collect()
}

/// How a record writes a village committee's name: as the list has it,
/// as the village (施家梁村), or bare (施家梁).
fn as_written(name: &str, k: usize) -> String {
    let village = crate::model::village_name(name);
    match k % 3 {
        0 => name.to_string(),
        1 => village,
        _ => {
            let bare = village.trim_end_matches("社区").trim_end_matches('村');
            if bare.chars().count() >= 2 { bare.to_string() } else { village.clone() }
        }
    }
}

/// `n` cases from the statistical lists under `sources` (the folder of
/// `villages.csv.gz`), with a fixed seed.
pub fn generate(g: &Gazetteer, sources: &Path, seed: u64, n: usize) -> std::io::Result<Vec<Case>> {
    let townships: FxHashMap<String, String> = rows(&read_gz(&sources.join("streets.csv.gz"))?)
        .into_iter()
        .map(|r| (r[0].clone(), r[1].clone()))
        .collect();
    let villages = rows(&read_gz(&sources.join("villages.csv.gz"))?);
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let mut out = Vec::new();
    let mut tries = 0;
    while out.len() < n && tries < n * 4 {
        tries += 1;
        let v = &villages[rng.random_range(0..villages.len())];
        let (name, township_code, county_code) = (&v[1], &v[2], &v[5]);
        // The label: the county the statistical code names, today.
        let Some(county) =
            g.divisions.by_code(county_code, None).filter(|&c| g.divisions.level(c) == Level::County)
        else {
            continue;
        };
        let Some(township) = townships.get(township_code) else { continue };
        let chain: Vec<&str> =
            g.divisions.chain(county).iter().map(|&d| g.divisions.get(d).name.as_str()).collect();
        let k = rng.random_range(0..6usize);
        let village = as_written(name, k);
        let group = rng.random_range(1..12);
        let number = rng.random_range(1..200);
        let input = match k {
            0 => format!("{}{township}{village}", chain.concat()),
            1 => format!("{}{township}{village}{group}组{number}号", chain[1..].concat()),
            2 => format!("收货地址：{} {township} {village}", chain.join(" ")),
            3 => format!(
                "{}{township}{village} 王建国 139{:08}",
                chain.concat(),
                rng.random_range(0..100_000_000)
            ),
            4 => format!("户籍地址:{}{}{township}{village}{number}号", chain[0], chain[chain.len() - 1]),
            _ => format!("我家在{}{township}{village}附近", chain[1..].concat()),
        };
        let class = match k {
            0 => "public/full",
            1 => "public/no_province_group",
            2 => "public/label_spaced",
            3 => "public/name_phone",
            4 => "public/province_county",
            _ => "public/sentence",
        };
        out.push(Case { class, input, want: Want::Within(county) });
    }
    Ok(out)
}
