//! Divisions as the answers carry them, `{"code":…,"level":…,"name":…}`:
//! a per-division cache of those fragments built from a [`DivisionIndex`]
//! for the hot `/reverse` writer (a chain is answered by writing its
//! members' fragments as they are, with no per-request rendering and no
//! cache that grows as queries touch more divisions), and the chain
//! rendered anew for answers that are not on the hot path.

use crate::index::DivisionIndex;
use crate::model::Level;
use arc_swap::{ArcSwap, Guard};
use serde::Serialize;
use serde_json::value::RawValue;
use std::sync::{Arc, Weak};

/// One division as the answers carry it (the key order is the JSON's).
#[derive(Serialize)]
struct Fragment<'a> {
    code: &'a str,
    level: Level,
    name: &'a str,
}

impl<'a> Fragment<'a> {
    fn of(divisions: &'a DivisionIndex, i: u32) -> Fragment<'a> {
        let d = divisions.get(i);
        Fragment { code: d.code.as_str(), level: d.level, name: &d.name }
    }
}

/// Every division's fragment, rendered once from one division index.
pub struct DivisionJson {
    /// The index the fragments were rendered from (compared by address;
    /// a weak pointer keeps the address from being reused).
    divisions: Weak<DivisionIndex>,
    /// By division index.
    fragments: Vec<Box<RawValue>>,
}

impl DivisionJson {
    /// Renders every division of `divisions`.
    pub fn build(divisions: &Arc<DivisionIndex>) -> DivisionJson {
        let fragments = (0..divisions.all().len() as u32)
            .map(|i| {
                serde_json::value::to_raw_value(&Fragment::of(divisions, i)).expect("a JSON object renders")
            })
            .collect();
        DivisionJson { divisions: Arc::downgrade(divisions), fragments }
    }

    /// Whether the fragments were rendered from `divisions`.
    pub fn is_of(&self, divisions: &Arc<DivisionIndex>) -> bool {
        std::ptr::eq(self.divisions.as_ptr(), Arc::as_ptr(divisions))
    }

    /// The current chain of division `i` of `divisions` (the index these
    /// fragments were rendered from) as its fragments, province first;
    /// serialises as the JSON array of [`chain_json`] without building it.
    pub fn chain<'a>(&'a self, divisions: &DivisionIndex, i: u32) -> ChainFragments<'a> {
        let (up, n) = divisions.chain_array(i);
        ChainFragments { fragments: &self.fragments, up, n }
    }
}

/// The current chain of division `i` as the answers carry it,
/// `[{"code":…,"level":…,"name":…}, …]`, province first, rendered anew.
pub fn chain_json(divisions: &DivisionIndex, i: u32) -> Box<RawValue> {
    let (up, n) = divisions.chain_array(i);
    let chain: Vec<Fragment> = up[..n].iter().map(|&a| Fragment::of(divisions, a)).collect();
    serde_json::value::to_raw_value(&chain).expect("division objects render")
}

/// A chain of pre-rendered division fragments (see [`DivisionJson::chain`]).
#[derive(Debug, Clone, Copy)]
pub struct ChainFragments<'a> {
    /// Every division's fragment.
    fragments: &'a [Box<RawValue>],
    /// The chain's divisions, province first: `up[..n]`.
    up: [u32; 8],
    n: usize,
}

impl Serialize for ChainFragments<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.up[..self.n].iter().map(|&a| &*self.fragments[a as usize]))
    }
}

impl ChainFragments<'_> {
    /// Appends the chain as its JSON array, the fragments as they are.
    pub fn write_json(&self, out: &mut Vec<u8>) {
        out.push(b'[');
        for (k, &a) in self.up[..self.n].iter().enumerate() {
            if k > 0 {
                out.push(b',');
            }
            out.extend_from_slice(self.fragments[a as usize].get().as_bytes());
        }
        out.push(b']');
    }
}

/// The fragments of the division index being answered from, held next to
/// the index snapshot: rebuilt only when a snapshot with another division
/// index is installed (division changes reload every index), shared
/// otherwise.
pub struct DivisionJsonCache(ArcSwap<DivisionJson>);

impl DivisionJsonCache {
    /// The fragments of `divisions`.
    pub fn new(divisions: &Arc<DivisionIndex>) -> DivisionJsonCache {
        DivisionJsonCache(ArcSwap::from_pointee(DivisionJson::build(divisions)))
    }

    /// The fragments of `divisions`: those held, or (the first time a
    /// snapshot with a rebuilt division index is answered from) rendered
    /// now and held from then on.
    pub fn of(&self, divisions: &Arc<DivisionIndex>) -> Guard<Arc<DivisionJson>> {
        let held = self.0.load();
        if held.is_of(divisions) {
            return held;
        }
        let fresh = Arc::new(DivisionJson::build(divisions));
        self.0.store(fresh.clone());
        Guard::from_inner(fresh)
    }

    /// Renders the fragments of `divisions` unless they are held already
    /// (a snapshot about to be installed).
    pub fn refresh(&self, divisions: &Arc<DivisionIndex>) {
        if !self.0.load().is_of(divisions) {
            self.0.store(Arc::new(DivisionJson::build(divisions)));
        }
    }
}
