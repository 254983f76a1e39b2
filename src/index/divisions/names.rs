//! The names of a division's chain: joined whole (浙江省宁波市鄞州区…),
//! and the head of every standard address in it (the names down to the
//! township), kept for every division.

use super::DivisionIndex;
use crate::model::Level;

impl DivisionIndex {
    /// Every division's address prefix (see [`DivisionIndex::address_prefix`]).
    pub(super) fn address_prefixes(&self) -> Vec<Box<str>> {
        (0..self.all.len() as u32)
            .map(|i| {
                self.chain(i)
                    .into_iter()
                    .map(|c| self.get(c))
                    .filter(|d| d.level <= Level::Township)
                    .map(|d| d.name.as_str())
                    .collect::<String>()
                    .into_boxed_str()
            })
            .collect()
    }

    /// The head of a standard address in division `i`: the names from the
    /// province down to the township (浙江省宁波市鄞州区首南街道).
    pub fn address_prefix(&self, i: u32) -> &str {
        &self.prefixes[i as usize]
    }

    /// The names of division `i`'s chain joined (浙江省宁波市鄞州区…).
    pub fn chain_names(&self, i: u32) -> String {
        let (up, n) = self.chain_array(i);
        up[..n].iter().map(|&a| self.all[a as usize].name.as_str()).collect()
    }
}
