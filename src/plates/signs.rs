//! What a sign shows under GB 17733 besides the name and its pinyin: a
//! road-name sign's direction (the compass ends the road runs between)
//! and the door numbers on each side; a place-name sign's class.

use super::numbering::RoadWalk;
use crate::config::PlateSettings;
use crate::store::{AddressRow, PlaceRow, StoreResult};
use geo::{Geometry, MultiLineString};
use serde_json::{Value, json};

/// The number range of the plates of one parity (`1—99号`), if any.
fn range(mains: &[i64], odd: bool) -> Option<String> {
    let of: Vec<i64> = mains.iter().copied().filter(|m| (m % 2 == 1) == odd).collect();
    Some(format!("{}—{}号", of.iter().min()?, of.iter().max()?))
}

/// A road-name sign's content: `arrows` (the compass ends, in the order
/// the road is numbered), `odd` and `even` (the number ranges).
pub fn road_content(
    conn: &rusqlite::Connection,
    road: &PlaceRow,
    plates: &PlateSettings,
) -> StoreResult<Value> {
    let line = match &road.geom {
        Some(Geometry::LineString(l)) => Some(MultiLineString(vec![l.clone()])),
        Some(Geometry::MultiLineString(m)) => Some(m.clone()),
        _ => None,
    };
    let (_, rule) = plates.rule_for(&road.division_code);
    let arrows = line.and_then(|l| RoadWalk::new(&l, &rule)).map(|w| {
        let (a, b) = if w.east_west { ("东", "西") } else { ("北", "南") };
        let from = w.from.label();
        let to = if from == a { b } else { a };
        json!([from, to])
    });
    let mains: Vec<i64> = AddressRow::plates_on(conn, road.fid)?.into_iter().map(|p| p.1).collect();
    Ok(json!({"arrows": arrows, "odd": range(&mains, true), "even": range(&mains, false)}))
}

/// A place-name sign's content: the class of the place.
pub fn place_content(class: &str) -> Value {
    json!({"class": class})
}
