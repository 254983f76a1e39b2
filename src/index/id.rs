//! An optional id in four bytes, for the tables of millions of entries
//! (door plates, division ancestors): the id plus one, zero for none, so
//! that `Option` costs no space and no sentinel value is compared.

use std::num::NonZeroU32;

/// An optional index into one of the indices' tables; [`OptId::get`]
/// reads it as an `Option<u32>`. Ids are below `u32::MAX`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct OptId(Option<NonZeroU32>);

impl OptId {
    /// No id.
    pub const NONE: OptId = OptId(None);

    /// The id `id`.
    #[inline]
    pub fn some(id: u32) -> OptId {
        OptId(NonZeroU32::new(id.wrapping_add(1)))
    }

    /// The id, if any.
    #[inline]
    pub fn get(self) -> Option<u32> {
        self.0.map(|n| n.get() - 1)
    }
}

impl From<Option<u32>> for OptId {
    #[inline]
    fn from(id: Option<u32>) -> OptId {
        id.map_or(OptId::NONE, OptId::some)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_reads_back_as_itself_in_four_bytes() {
        assert_eq!(std::mem::size_of::<OptId>(), 4);
        for id in [0, 1, 7, u32::MAX - 1] {
            assert_eq!(OptId::some(id).get(), Some(id));
        }
        assert_eq!(OptId::NONE.get(), None);
        assert_eq!(OptId::from(None), OptId::NONE);
        assert_eq!(OptId::from(Some(3)).get(), Some(3));
    }
}
