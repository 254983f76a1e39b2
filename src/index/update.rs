//! Changes applied to a snapshot of the indices. The division tree and its
//! names are shared; the changed places replace theirs in the place index;
//! new roads and the names of new places go into tiers of their own
//! ([`RoadIndex::with_changes`](super::RoadIndex::with_changes),
//! [`Names::with_added`]); door plates and their street entries go into
//! overlays over the shared grids ([`PlateIndex::with_changes`]).

use super::plates::PlateChanges;
use super::{
    DivisionCache, DivisionIndex, Gazetteer, Names, PlaceIndex, Plate, PlateIndex, Street, StreetIndex,
};
use super::{NameIndexBuilder, NameRef};
use crate::model::{AddressCode, AddressKind, PlaceStatus};
use crate::store::{AddressRow, PlaceRow, PlateRow, RoomRow};
use geo::Coord;
use std::sync::Arc;

/// The plate of a store row, its street interned (roads and compounds are
/// unique within a county; village names are not, so rural plates are
/// filed under their village).
pub(super) fn plate_of(
    a: &PlateRow,
    code: u64,
    divisions: &DivisionIndex,
    places: &PlaceIndex,
    streets: &mut StreetIndex,
    at: &mut DivisionCache,
) -> Plate {
    let (division, county) = at.get(divisions, a.division_code);
    let street = match (division, county) {
        (Some(division), Some(county)) if !a.street.is_empty() => {
            let place = a.place_fid.and_then(|f| places.by_fid(f));
            let scope = if a.group_no.is_some() { division } else { county };
            Some(streets.intern(a.street, scope, || Street {
                name: a.street.into(),
                scope,
                place,
                division,
                at: place.and_then(|p| places.get(p).point).unwrap_or(Coord { x: a.lon, y: a.lat }),
                province: super::plates::province_of_code(code),
            }))
        }
        _ => None,
    };
    Plate { code, label: a.label().into(), division: division.into(), street: street.into() }
}

/// Files a room under the plate of its building, when both are known.
pub(super) fn file_room(
    r: &RoomRow,
    divisions: &DivisionIndex,
    plates: &PlateIndex,
    streets: &mut StreetIndex,
    at: &mut DivisionCache,
) {
    let (_, Some(county)) = at.get(divisions, r.division_code) else { return };
    let Some(sid) = streets.find(r.street, county) else { return };
    if let Some(b) = streets.live_plate(plates, sid, r.building) {
        streets.add_room(plates.get(b).code, r.unit_room, r.code.0);
    }
}

/// The names after places `at` got `names` (`old` is the place index
/// before): the names of new places go into a tier of added names (their
/// keys made in parallel when there are many: an import); a place whose
/// name changed in place (no write does that today: a rename makes a new
/// place) rebuilds the place names from their kept keys.
fn place_names(names: &Names, old: &PlaceIndex, new_names: &[String], at: &[u32]) -> Names {
    let existing = old.len() as u32;
    let renamed = new_names.iter().zip(at).any(|(n, &i)| i < existing && old.get(i).name != *n);
    if !renamed {
        let new: Vec<(&String, u32)> =
            new_names.iter().zip(at.iter().copied()).filter(|&(_, i)| i >= existing).collect();
        let keys_of = |chunk: &[(&String, u32)]| {
            let mut keys = NameIndexBuilder::default();
            for &(name, i) in chunk {
                keys.add_name(name, NameRef::Place(i));
            }
            keys
        };
        let added = if new.len() < 2048 {
            keys_of(&new)
        } else {
            use rayon::prelude::*;
            new.par_chunks(1024).map(keys_of).reduce(NameIndexBuilder::default, |mut a, b| {
                a.merge(&b);
                a
            })
        };
        return if added.is_empty() { names.clone() } else { names.with_added(added) };
    }
    let mut keys = names.place_keys.as_ref().clone();
    keys.merge(&names.added_keys());
    keys.remove_targets(|t| matches!(t, NameRef::Place(i) if at.contains(&i)));
    for (name, &i) in new_names.iter().zip(at) {
        keys.add_name(name, NameRef::Place(i));
    }
    Names::with_places(names.divisions.clone(), keys)
}

impl Gazetteer {
    /// A new snapshot with the place rows `places` (each a place that
    /// changed, with its geometry) and the current rows of the addresses
    /// `addresses` names (a code absent from the rows is no longer current).
    pub fn with_changes(
        &self,
        places: Vec<PlaceRow>,
        addresses: &[(AddressCode, Option<AddressRow>)],
    ) -> Gazetteer {
        let mut g = self.clone();
        let mut changed_places = Vec::new();
        if !places.is_empty() {
            let fids: Vec<i64> = places.iter().map(|p| p.fid).collect();
            let roads: Vec<_> = places.iter().filter_map(super::road_of).collect();
            let names: Vec<String> = places.iter().map(|p| p.name.clone()).collect();
            let (index, at) = g.places.with_places(places.into_iter().map(super::place_of).collect());
            g.names = place_names(&g.names, &self.places, &names, &at);
            changed_places = at;
            g.places = Arc::new(index);
            g.roads = Arc::new(g.roads.with_changes(&fids, roads));
        }
        let mut at = DivisionCache::default();
        let mut changes = PlateChanges::default();
        let mut rooms: Vec<&AddressRow> = Vec::new();
        let renumbered: Vec<&AddressRow> =
            addresses.iter().filter_map(|(_, r)| r.as_ref()).filter(|r| r.superseded_by.is_some()).collect();
        if !renumbered.is_empty() {
            let mut s = (*g.superseded).clone();
            renumbered.iter().for_each(|r| s.add(r));
            g.superseded = Arc::new(s);
        }
        for (code, row) in addresses {
            let n = code.0;
            let is_room = row.as_ref().is_some_and(|r| r.kind == AddressKind::Room);
            if is_room || row.is_none() {
                g.streets.remove_room(n);
            }
            if !is_room {
                changes.removed.push(n);
            }
            match row {
                Some(r) if r.status == PlaceStatus::Current && is_room => rooms.push(r),
                Some(r) if r.status == PlaceStatus::Current => {
                    let pr = r.plate_row();
                    let plate = plate_of(&pr, n, &g.divisions, &g.places, &mut g.streets, &mut at);
                    changes.added.push(([r.lon, r.lat], plate));
                }
                _ => {}
            }
        }
        if !changes.removed.is_empty() || !changes.added.is_empty() {
            let (plates, _) = g.plates.with_changes(&changes);
            for (_, p) in &changes.added {
                // The place a new street stands for links to it.
                changed_places.extend(p.street.get().and_then(|s| g.streets.get(s).place));
            }
            g.plates = Arc::new(plates);
        }
        for r in rooms {
            let unit_room = r.unit_room();
            if let Some(room) = r.room_row(&unit_room) {
                file_room(&room, &g.divisions, &g.plates, &mut g.streets, &mut at);
            }
        }
        changed_places.sort_unstable();
        changed_places.dedup();
        g.streets.link_changed(&g.places, &g.divisions, &changed_places);
        g.streets.seal();
        g
    }
}
