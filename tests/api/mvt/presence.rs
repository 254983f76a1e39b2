//! What the generated `vector_tile` types cannot tell: whether a layer's
//! `version` field was on the wire (proto2 gives an absent one its default
//! of 1), and how many packed `geometry` records a feature has (prost
//! concatenates them). A second prost decoding of the same bytes, into
//! messages that keep only those fields, tells both.

use prost::Message;
use prost::bytes::Buf;
use prost::encoding::{DecodeContext, WireType, skip_field};

use super::Violation;

/// Field number of `Feature.geometry` in `vector_tile.proto`.
const FEATURE_GEOMETRY_FIELD: u32 = 4;

/// `vector_tile.Tile`, its layers only.
#[derive(Clone, PartialEq, Message)]
struct TilePresence {
    #[prost(message, repeated, tag = "3")]
    layers: Vec<LayerPresence>,
}

/// `vector_tile.Tile.Layer`: whether the version is present, and the features.
#[derive(Clone, PartialEq, Message)]
pub(super) struct LayerPresence {
    #[prost(uint32, optional, tag = "15")]
    pub(super) version: Option<u32>,
    #[prost(message, repeated, tag = "2")]
    pub(super) features: Vec<FeaturePresence>,
}

/// `vector_tile.Tile.Feature`: how many length-delimited (packed) records
/// its `geometry` field has. Decoding only: it encodes to nothing.
#[derive(Clone, Debug, Default, PartialEq)]
pub(super) struct FeaturePresence {
    pub(super) geometry_fields: usize,
}

impl Message for FeaturePresence {
    fn encode_raw(&self, _buf: &mut impl prost::bytes::BufMut) {}

    fn merge_field(
        &mut self,
        tag: u32,
        wire_type: WireType,
        buf: &mut impl Buf,
        ctx: DecodeContext,
    ) -> Result<(), prost::DecodeError> {
        if tag == FEATURE_GEOMETRY_FIELD && wire_type == WireType::LengthDelimited {
            self.geometry_fields += 1;
        }
        skip_field(wire_type, tag, buf, ctx)
    }

    fn encoded_len(&self) -> usize {
        0
    }

    fn clear(&mut self) {
        self.geometry_fields = 0;
    }
}

/// The presence of the fields of each layer of a tile that prost has
/// already parsed as a `vector_tile.Tile`.
pub(super) fn scan(bytes: &[u8]) -> Result<Vec<LayerPresence>, Violation> {
    TilePresence::decode(bytes).map(|tile| tile.layers).map_err(|error| Violation {
        layer: None,
        feature: None,
        rule: "protobuf.parse",
        detail: format!("the tile's protobuf encoding cannot be walked: {error}"),
    })
}
