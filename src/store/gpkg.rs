//! The GeoPackage side of the store: the core tables that make the file a
//! valid OGC GeoPackage (so QGIS, `ogrinfo` and GDAL open the live store),
//! and the geometry blob format (GeoPackage header + WKB, srs 4490).

use geo::{BoundingRect, Geometry};
use geozero::{CoordDimensions, ToGeo, ToWkb, wkb::GpkgWkb};

/// CGCS2000 geographic (EPSG:4490), the coordinate system of every
/// geometry in the store: longitude, latitude in degrees.
pub const SRS_CGCS2000: i32 = 4490;

const CGCS2000_WKT: &str = r#"GEOGCS["China Geodetic Coordinate System 2000",DATUM["China_2000",SPHEROID["CGCS2000",6378137,298.257222101,AUTHORITY["EPSG","1024"]],AUTHORITY["EPSG","1043"]],PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],AXIS["Latitude",NORTH],AXIS["Longitude",EAST],AUTHORITY["EPSG","4490"]]"#;

const WGS84_WKT: &str = r#"GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563,AUTHORITY["EPSG","7030"]],AUTHORITY["EPSG","6326"]],PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],AXIS["Latitude",NORTH],AXIS["Longitude",EAST],AUTHORITY["EPSG","4326"]]"#;

/// SQL creating the GeoPackage core tables (spec 1.3, section 1.1).
pub fn core_sql() -> String {
    format!(
        r#"
CREATE TABLE gpkg_spatial_ref_sys (
  srs_name TEXT NOT NULL, srs_id INTEGER PRIMARY KEY, organization TEXT NOT NULL,
  organization_coordsys_id INTEGER NOT NULL, definition TEXT NOT NULL, description TEXT);
CREATE TABLE gpkg_contents (
  table_name TEXT NOT NULL PRIMARY KEY, data_type TEXT NOT NULL, identifier TEXT UNIQUE,
  description TEXT DEFAULT '',
  last_change DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
  min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE, srs_id INTEGER,
  CONSTRAINT fk_gc_r_srs_id FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys(srs_id));
CREATE TABLE gpkg_geometry_columns (
  table_name TEXT NOT NULL, column_name TEXT NOT NULL, geometry_type_name TEXT NOT NULL,
  srs_id INTEGER NOT NULL, z TINYINT NOT NULL, m TINYINT NOT NULL,
  CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name),
  CONSTRAINT uk_gc_table_name UNIQUE (table_name),
  CONSTRAINT fk_gc_tn FOREIGN KEY (table_name) REFERENCES gpkg_contents(table_name),
  CONSTRAINT fk_gc_srs FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys (srs_id));
INSERT INTO gpkg_spatial_ref_sys VALUES
  ('Undefined cartesian SRS', -1, 'NONE', -1, 'undefined', 'undefined cartesian coordinate reference system'),
  ('Undefined geographic SRS', 0, 'NONE', 0, 'undefined', 'undefined geographic coordinate reference system'),
  ('WGS 84 geodetic', 4326, 'EPSG', 4326, '{WGS84_WKT}', 'longitude/latitude coordinates in decimal degrees on the WGS 84 spheroid'),
  ('China Geodetic Coordinate System 2000', 4490, 'EPSG', 4490, '{CGCS2000_WKT}', 'CGCS2000 geographic, longitude/latitude in degrees');
"#
    )
}

/// SQL registering a feature table (`geometry_type` is a GeoPackage type
/// name such as `MULTIPOLYGON`) or, with `None`, an attribute table.
pub fn register_sql(table: &str, description: &str, geometry_type: Option<&str>) -> String {
    match geometry_type {
        Some(gt) => format!(
            "INSERT INTO gpkg_contents (table_name, data_type, identifier, description, srs_id, \
             min_x, min_y, max_x, max_y) VALUES ('{table}', 'features', '{table}', '{description}', \
             {SRS_CGCS2000}, 73.0, 3.0, 136.0, 54.0);
             INSERT INTO gpkg_geometry_columns VALUES ('{table}', 'geom', '{gt}', {SRS_CGCS2000}, 0, 0);"
        ),
        None => format!(
            "INSERT INTO gpkg_contents (table_name, data_type, identifier, description) \
             VALUES ('{table}', 'attributes', '{table}', '{description}');"
        ),
    }
}

/// Errors reading or writing geometry blobs.
#[derive(Debug, thiserror::Error)]
pub enum BlobError {
    /// The blob is not a GeoPackage geometry.
    #[error("invalid GeoPackage geometry blob: {0}")]
    Decode(String),
    /// The geometry could not be encoded.
    #[error("cannot encode geometry: {0}")]
    Encode(String),
}

/// Encodes a geometry (lon/lat CGCS2000) as a GeoPackage blob with its
/// envelope.
pub fn encode(geom: &Geometry<f64>) -> Result<Vec<u8>, BlobError> {
    let envelope = match geom.bounding_rect() {
        Some(r) if !matches!(geom, Geometry::Point(_)) => {
            vec![r.min().x, r.max().x, r.min().y, r.max().y]
        }
        _ => Vec::new(),
    };
    geom.to_gpkg_wkb(CoordDimensions::xy(), Some(SRS_CGCS2000), envelope)
        .map_err(|e| BlobError::Encode(e.to_string()))
}

/// Decodes a GeoPackage blob.
pub fn decode(blob: &[u8]) -> Result<Geometry<f64>, BlobError> {
    GpkgWkb(blob).to_geo().map_err(|e| BlobError::Decode(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{Point, polygon};

    #[test]
    fn blobs_round_trip() {
        let p: Geometry = polygon![(x: 121.0, y: 29.0), (x: 122.0, y: 29.0), (x: 121.5, y: 30.0)].into();
        assert_eq!(decode(&encode(&p).unwrap()).unwrap(), p);
        let pt: Geometry = Point::new(121.5, 29.8).into();
        let blob = encode(&pt).unwrap();
        assert_eq!(&blob[..2], b"GP");
        assert_eq!(decode(&blob).unwrap(), pt);
    }
}
