//! Vector tiles: the division coverage as an edge graph generalised per
//! zoom, clipping, MVT encoding, the `base` tileset and its cache, and
//! archives (PMTiles, MBTiles). The decoder that holds tiles to the MVT
//! specification lives with the tests (`tests/api/mvt/`).

pub mod archive;
pub mod cache;
pub mod clip;
pub mod coverage;
pub mod encode;
pub mod layers;
pub mod service;
pub mod tilejson;
pub mod tileset;
pub mod topology;
pub mod world;

pub use tileset::TileSet;
pub use world::TileId;
