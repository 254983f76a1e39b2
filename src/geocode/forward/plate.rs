//! Plate matching: the door number read against the plates of one street,
//! falling back to the main number, the lane's entrance or the building,
//! and the room of the building when it is registered.

use super::confidence::candidate;
use super::{Candidate, Components, MatchLevel};
use crate::geocode::normalize::Correction;
use crate::geocode::number::DoorNumber;
use crate::index::Gazetteer;

/// The plate the number names on street `sid`, falling back to the main
/// number when a sub-number or prefix is unknown.
pub(super) fn plate_candidate(
    g: &Gazetteer,
    sid: u32,
    number: &DoorNumber,
    notes: &[Correction],
    components: &Components,
) -> Option<Candidate> {
    let find = |suffix: &str| g.streets.live_plate(&g.plates, sid, suffix);
    let mut notes = notes.to_vec();
    let mut found = None;
    if let Some(b) = number.building_text() {
        let with_plate = number.plate_text().map(|p| format!("{p}{b}"));
        found = with_plate.as_deref().and_then(find).or_else(|| find(&b));
    }
    // 358弄81号: plates inside a numbered lane are not registered here; the
    // lane's entrance is plate 358 of the road.
    if let Some(lane) = number.lane {
        found = find(&format!("{lane}号"));
        if found.is_some() {
            let asked = format!("{lane}弄{}", number.plate_text().unwrap_or_default());
            notes.push(Correction::new("number_not_found", asked, format!("{lane}号")));
        }
    }
    if found.is_none()
        && number.lane.is_none()
        && let Some(t) = number.plate_text()
    {
        found = find(&t);
        // A number a renumbering replaced: the plate that replaced it.
        if found.is_none() {
            let label = format!("{}{t}", g.streets.get(sid).name);
            found = g.superseded.current(&label, &g.plates);
            if let Some(p) = found {
                let now = g.plates.get(p).label.strip_prefix(&*g.streets.get(sid).name).unwrap_or_default();
                notes.push(Correction::new("renumbered", t.clone(), now));
            }
        }
        if found.is_none()
            && let Some(m) = number.main_text()
            && m != t
        {
            found = find(&m);
            if found.is_some() {
                notes.push(Correction::new("number_not_found", t, m));
            }
        }
    }
    let p = found?;
    let plate = g.plates.get(p);
    // A plate filed under a street always has its division.
    let division = plate.division.get()?;
    let mut standard_address = format!("{}{}", g.divisions.address_prefix(division), plate.label);
    let mut code = plate.code;
    // A room of the building: its own code when registered.
    let unit_room = number.unit_room_text();
    if !unit_room.is_empty() {
        match g.streets.room(plate.code, &unit_room) {
            Some(room) => {
                standard_address.push_str(&unit_room);
                code = room;
            }
            None => notes.push(Correction::new("number_not_found", unit_room, "")),
        }
    }
    Some(candidate(
        g,
        standard_address,
        Some(format!("{code:018}")),
        MatchLevel::DoorPlate,
        division,
        g.plates.point(p),
        components.clone(),
        notes,
    ))
}
