//! The reverse answer written as JSON by hand, byte for byte what its
//! `Serialize` derive writes (a unit test holds the two together), for the
//! hottest route: the keys are literals rather than strings escaped on
//! every answer, and a text is copied as it is once a vectorised scan has
//! found nothing in it to escape.

use super::reverse::{AddressCode, Chain, Joined, PlateRef, ReverseResult, RoadRef};
use std::borrow::Cow;

impl ReverseResult<'_> {
    /// Appends the answer as JSON.
    pub fn write_json(&self, out: &mut Vec<u8>) -> serde_json::Result<()> {
        out.extend_from_slice(b"{\"location\":");
        pair(out, self.location);
        if let Some(at) = self.at {
            out.extend_from_slice(b",\"at\":");
            text(out, &at.to_string())?;
        }
        out.extend_from_slice(b",\"divisions\":");
        match &self.divisions {
            Chain::Rendered(fragments) => fragments.write_json(out),
            Chain::Dated(chain) => serde_json::to_writer(&mut *out, chain)?,
        }
        out.extend_from_slice(b",\"formatted_address\":");
        joined(out, &self.formatted_address)?;
        out.extend_from_slice(b",\"door_plate\":");
        match &self.door_plate {
            Some(p) => plate(out, p)?,
            None => out.extend_from_slice(b"null"),
        }
        out.extend_from_slice(b",\"road\":");
        match &self.road {
            Some(r) => road(out, r)?,
            None => out.extend_from_slice(b"null"),
        }
        out.push(b'}');
        Ok(())
    }
}

fn plate(out: &mut Vec<u8>, p: &PlateRef) -> serde_json::Result<()> {
    out.extend_from_slice(b"{\"address_code\":\"");
    code(out, p.address_code);
    out.extend_from_slice(b"\",\"standard_address\":");
    joined(out, &p.standard_address)?;
    out.extend_from_slice(b",\"distance_m\":");
    number(out, p.distance_m);
    out.extend_from_slice(b",\"direction\":");
    text(out, p.direction)?;
    out.extend_from_slice(b",\"location\":");
    pair(out, p.location);
    out.push(b'}');
    Ok(())
}

fn road(out: &mut Vec<u8>, r: &RoadRef) -> serde_json::Result<()> {
    out.extend_from_slice(b"{\"id\":");
    out.extend_from_slice(itoa::Buffer::new().format(r.id).as_bytes());
    out.extend_from_slice(b",\"name\":");
    text(out, r.name)?;
    out.extend_from_slice(b",\"distance_m\":");
    number(out, r.distance_m);
    out.push(b'}');
    Ok(())
}

/// 18 digits, zero-padded (codes have 18 digits; a shorter one is padded
/// as `{:018}` pads it).
fn code(out: &mut Vec<u8>, c: AddressCode) {
    let mut digits = itoa::Buffer::new();
    let digits = digits.format(c.0);
    out.extend(std::iter::repeat_n(b'0', 18usize.saturating_sub(digits.len())));
    out.extend_from_slice(digits.as_bytes());
}

fn pair(out: &mut Vec<u8>, p: [f64; 2]) {
    out.push(b'[');
    number(out, p[0]);
    out.push(b',');
    number(out, p[1]);
    out.push(b']');
}

/// A number as serde_json writes it (`null` when not finite).
fn number(out: &mut Vec<u8>, x: f64) {
    if x.is_finite() {
        out.extend_from_slice(zmij::Buffer::new().format_finite(x).as_bytes());
    } else {
        out.extend_from_slice(b"null");
    }
}

/// Whether `s` can go between quotes as it is: no control character,
/// quote or backslash (what serde_json escapes). No early exit, so that the
/// scan is vectorised.
fn plain(s: &str) -> bool {
    s.bytes().fold(true, |ok, b| ok & (b >= 0x20) & (b != b'"') & (b != b'\\'))
}

/// One text, as a JSON string.
fn text(out: &mut Vec<u8>, s: &str) -> serde_json::Result<()> {
    joined(out, &Joined(Cow::Borrowed(s), ""))
}

/// Two texts written as one JSON string.
fn joined(out: &mut Vec<u8>, j: &Joined) -> serde_json::Result<()> {
    if plain(&j.0) && plain(j.1) {
        out.push(b'"');
        out.extend_from_slice(j.0.as_bytes());
        out.extend_from_slice(j.1.as_bytes());
        out.push(b'"');
        Ok(())
    } else {
        serde_json::to_writer(&mut *out, j)
    }
}

#[cfg(test)]
mod tests {
    use super::super::reverse::{DivisionRef, Joined};
    use super::*;
    use crate::index::divisions::DivisionIndex;
    use crate::model::Level;
    use crate::store::DivisionRow;

    fn same_as_serde(answer: &ReverseResult) {
        let mut ours = Vec::new();
        answer.write_json(&mut ours).expect("writes");
        let theirs = serde_json::to_vec(answer).expect("serialises");
        assert_eq!(String::from_utf8_lossy(&ours), String::from_utf8_lossy(&theirs));
    }

    #[test]
    fn the_hand_written_answer_is_byte_for_byte_the_derived_one() {
        // Names with what JSON must escape, next to plain Chinese ones.
        let rows: Vec<DivisionRow> = [
            ("330000", "浙江省", Level::Province, None),
            ("330200", "宁\"波\"市", Level::Prefecture, Some("330000")),
            ("330203", "海曙区\\", Level::County, Some("330200")),
            ("330203001", "鼓楼\n街道", Level::Township, Some("330203")),
        ]
        .into_iter()
        .map(|(code, name, level, parent)| {
            let code_of = |c: &str| crate::model::DivisionCode::parse(c).expect("a code");
            DivisionRow {
                name: name.into(),
                parent_code: parent.map(code_of),
                ..DivisionRow::new(code_of(code), level)
            }
        })
        .collect();
        let index = std::sync::Arc::new(DivisionIndex::build(rows, &[]));
        let json = crate::geocode::DivisionJson::build(&index);
        let deepest = index.by_code("330203001", None).expect("township");
        let plates = [
            None,
            Some(PlateRef {
                address_code: AddressCode(330_203_001_001_000_088),
                standard_address: Joined(Cow::Borrowed("浙江省宁波市"), "中山东路88号"),
                distance_m: 12.5,
                direction: "东北",
                location: [121.5477494, 29.8737376],
            }),
            Some(PlateRef {
                address_code: AddressCode(42),
                standard_address: Joined(Cow::Owned("引号\"里".into()), "1号"),
                distance_m: 0.0,
                direction: "北",
                location: [121.0, -0.0],
            }),
            Some(PlateRef {
                address_code: AddressCode(7),
                standard_address: Joined(Cow::Borrowed("制表"), "\t1号"),
                distance_m: 1e-7,
                direction: "西南",
                location: [f64::INFINITY, 1e21],
            }),
        ];
        let roads = [
            None,
            Some(RoadRef { id: 580, name: "申集街", distance_m: 1207.7 }),
            Some(RoadRef { id: -3, name: "a\u{1}b", distance_m: f64::NAN }),
            Some(RoadRef { id: i64::MAX, name: "路\\口", distance_m: 3.0 }),
        ];
        let dated = vec![
            DivisionRef { code: "33", name: "浙江省", level: Level::Province },
            DivisionRef { code: "510124", name: "郫\"县", level: Level::County },
        ];
        for (k, (door_plate, road)) in plates.iter().zip(roads.iter().rev()).enumerate() {
            for at in [None, "2010-06-01".parse().ok()] {
                let divisions = if k == 1 {
                    Chain::Dated(dated.clone())
                } else {
                    Chain::Rendered(json.chain(&index, deepest))
                };
                same_as_serde(&ReverseResult {
                    location: [121.55, 29.87 + k as f64 * 1e-7],
                    at,
                    divisions,
                    formatted_address: Joined(Cow::Borrowed(index.address_prefix(deepest)), ""),
                    door_plate: door_plate.clone(),
                    road: road.clone(),
                });
            }
        }
        same_as_serde(&ReverseResult {
            location: [2.35, 48.85],
            at: None,
            divisions: Chain::Dated(vec![]),
            formatted_address: Joined(Cow::Borrowed(""), ""),
            door_plate: None,
            road: None,
        });
    }
}
