//! Plates no longer current because a renumbering replaced them: their old
//! labels (`中山东路88号`), so that the geocoder finds an old number and
//! answers the plate that replaced it.

use super::plates::PlateIndex;
use crate::store::{AddressRow, StoreResult};
use std::collections::HashMap;

/// Old labels and the codes that replaced them.
#[derive(Debug, Default, Clone)]
pub struct Superseded {
    /// Old label → the code that replaced it.
    by_label: HashMap<Box<str>, u64>,
    /// Old code → the code that replaced it (to follow a plate renumbered
    /// more than once).
    next: HashMap<u64, u64>,
}

impl Superseded {
    /// The superseded plates of the store.
    pub fn read(c: &rusqlite::Connection) -> StoreResult<Superseded> {
        let mut s = Superseded::default();
        for a in AddressRow::superseded_plates(c)? {
            s.add(&a);
        }
        Ok(s)
    }

    /// Files address `a` if a renumbering replaced it (rooms aside).
    pub fn add(&mut self, a: &AddressRow) {
        if let Some(by) = a.superseded_by.filter(|_| a.kind != crate::model::AddressKind::Room) {
            self.by_label.insert(a.plate_row().label().into(), by.0);
            self.next.insert(a.code.0, by.0);
        }
    }

    /// Whether nothing is filed.
    pub fn is_empty(&self) -> bool {
        self.next.is_empty()
    }

    /// The live plate that replaced the plate once labelled `label`,
    /// following later renumberings.
    pub fn current(&self, label: &str, plates: &PlateIndex) -> Option<u32> {
        let mut code = *self.by_label.get(label)?;
        for _ in 0..50 {
            if let Some(p) = plates.find_code(code) {
                return Some(p);
            }
            code = *self.next.get(&code)?;
        }
        None
    }
}
