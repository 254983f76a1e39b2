//! The geometry encoding (4.3): command streams of MoveTo, LineTo and
//! ClosePath per geometry type, their counts and parameters, zero-length
//! segments, and polygon rings with their winding and area.

use super::TileGeometry;

/// The geometry types a feature can be decoded as.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Kind {
    Point,
    Line,
    Polygon,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Point => "POINT",
            Kind::Line => "LINESTRING",
            Kind::Polygon => "POLYGON",
        }
    }
}

/// Command ids (4.3.1).
const MOVE_TO: u32 = 1;
const LINE_TO: u32 = 2;
const CLOSE_PATH: u32 = 7;

/// A geometry rule broken inside a command stream.
#[derive(Debug)]
pub(super) struct GeometryError {
    pub(super) rule: &'static str,
    pub(super) detail: String,
}

/// One command integer (4.3.1) and its position in the stream.
#[derive(Clone, Copy)]
struct Command {
    id: u32,
    count: u32,
    offset: usize,
}

fn command_name(id: u32) -> &'static str {
    match id {
        MOVE_TO => "MoveTo",
        LINE_TO => "LineTo",
        CLOSE_PATH => "ClosePath",
        _ => "an unknown command",
    }
}

/// Reads command and parameter integers (4.3.1, 4.3.2), keeping the cursor.
struct CommandReader<'a> {
    integers: &'a [u32],
    position: usize,
    cursor: [i32; 2],
}

impl<'a> CommandReader<'a> {
    fn new(integers: &'a [u32]) -> Self {
        CommandReader { integers, position: 0, cursor: [0, 0] }
    }

    fn is_done(&self) -> bool {
        self.position >= self.integers.len()
    }

    /// Reads the next command, which must be `expected`, in a geometry of type `kind`.
    fn expect(&mut self, expected: u32, kind: Kind) -> Result<Command, GeometryError> {
        let offset = self.position;
        let Some(&integer) = self.integers.get(offset) else {
            let detail = format!(
                "the {} geometry ends at integer {offset} where a {} command must follow",
                kind.name(),
                command_name(expected)
            );
            return Err(GeometryError { rule: "geometry.truncated", detail });
        };
        self.position += 1;
        let command = Command { id: integer & 0x7, count: integer >> 3, offset };
        if ![MOVE_TO, LINE_TO, CLOSE_PATH].contains(&command.id) {
            let detail =
                format!("command id {} at integer {offset} is not MoveTo, LineTo or ClosePath", command.id);
            return Err(GeometryError { rule: "geometry.unknown_command", detail });
        }
        if command.id != expected {
            let detail = format!(
                "expected {} at integer {offset} of the {} geometry, found {}",
                command_name(expected),
                kind.name(),
                command_name(command.id)
            );
            return Err(GeometryError { rule: "geometry.unexpected_command", detail });
        }
        Ok(command)
    }

    /// Reads the `count` coordinate pairs of a MoveTo or LineTo, moving the cursor. All the
    /// parameters must be there, which is checked before anything is allocated.
    fn points(&mut self, command: Command) -> Result<Vec<[i32; 2]>, GeometryError> {
        let needed = command.count as usize * 2;
        let remaining = self.integers.len() - self.position;
        if needed > remaining {
            let detail = format!(
                "{} with count {} at integer {} needs {needed} parameter integers; \
                 the geometry has {remaining} left",
                command_name(command.id),
                command.count,
                command.offset
            );
            return Err(GeometryError { rule: "geometry.missing_parameters", detail });
        }
        let integers = self.integers;
        let parameters = &integers[self.position..self.position + needed];
        self.position += needed;
        let points = parameters
            .chunks_exact(2)
            .map(|pair| {
                let x = self.cursor[0].wrapping_add(zigzag(pair[0]));
                let y = self.cursor[1].wrapping_add(zigzag(pair[1]));
                self.cursor = [x, y];
                self.cursor
            })
            .collect();
        Ok(points)
    }
}

/// Decodes a parameter integer (4.3.2).
fn zigzag(parameter: u32) -> i32 {
    ((parameter >> 1) as i32) ^ -((parameter & 1) as i32)
}

/// Decodes a command stream as `kind`, returning what could be read and every rule broken.
/// An empty stream decodes to an empty geometry without errors (the caller reports it).
pub(super) fn decode_geometry(kind: Kind, integers: &[u32]) -> (TileGeometry, Vec<GeometryError>) {
    let mut reader = CommandReader::new(integers);
    let mut errors = Vec::new();
    let geometry = match kind {
        Kind::Point => {
            let mut points = Vec::new();
            if let Err(error) = read_points(&mut reader, &mut points) {
                errors.push(error);
            }
            TileGeometry::Points(points)
        }
        Kind::Line => {
            let mut lines = Vec::new();
            if let Err(error) = read_lines(&mut reader, &mut lines, &mut errors) {
                errors.push(error);
            }
            TileGeometry::Lines(lines)
        }
        Kind::Polygon => {
            let mut rings = Vec::new();
            let stopped = read_rings(&mut reader, &mut rings, &mut errors).err();
            let polygons = assemble_polygons(rings, &mut errors);
            errors.extend(stopped);
            TileGeometry::Polygons(polygons)
        }
    };
    (geometry, errors)
}

/// A POINT geometry is a single MoveTo with a count greater than 0 (4.3.4.2).
fn read_points(reader: &mut CommandReader<'_>, points: &mut Vec<[i32; 2]>) -> Result<(), GeometryError> {
    if reader.is_done() {
        return Ok(());
    }
    let move_to = reader.expect(MOVE_TO, Kind::Point)?;
    if move_to.count == 0 {
        let detail = "the MoveTo of a POINT geometry has count 0".to_owned();
        return Err(GeometryError { rule: "geometry.moveto_count", detail });
    }
    points.extend(reader.points(move_to)?);
    if !reader.is_done() {
        let detail = format!(
            "a POINT geometry is a single MoveTo command, but integers follow it from integer {}",
            reader.position
        );
        return Err(GeometryError { rule: "geometry.point_extra_command", detail });
    }
    Ok(())
}

/// Reads a MoveTo with count 1 and returns its point.
fn read_start(reader: &mut CommandReader<'_>, kind: Kind) -> Result<[i32; 2], GeometryError> {
    let move_to = reader.expect(MOVE_TO, kind)?;
    if move_to.count != 1 {
        let detail = format!(
            "MoveTo at integer {} has count {}; in a {} geometry it must be 1",
            move_to.offset,
            move_to.count,
            kind.name()
        );
        return Err(GeometryError { rule: "geometry.moveto_count", detail });
    }
    let points = reader.points(move_to)?;
    Ok(points[0])
}

/// Reads a LineTo whose count is at least `minimum` and returns its points.
fn read_line_to(
    reader: &mut CommandReader<'_>,
    kind: Kind,
    minimum: u32,
) -> Result<(Command, Vec<[i32; 2]>), GeometryError> {
    let line_to = reader.expect(LINE_TO, kind)?;
    if line_to.count < minimum {
        let detail = format!(
            "LineTo at integer {} has count {}; in a {} geometry it must be at least {minimum}",
            line_to.offset,
            line_to.count,
            kind.name()
        );
        return Err(GeometryError { rule: "geometry.lineto_count", detail });
    }
    Ok((line_to, reader.points(line_to)?))
}

/// Every LineTo segment must have a length (4.3.3.2: dX and dY must not both be 0).
fn check_segments(vertices: &[[i32; 2]], line_to: Command, errors: &mut Vec<GeometryError>) {
    for (index, pair) in vertices.windows(2).enumerate() {
        if pair[0] == pair[1] {
            let detail = format!(
                "segment {} of the LineTo at integer {} has zero length (dX and dY are both 0)",
                index + 1,
                line_to.offset
            );
            errors.push(GeometryError { rule: "geometry.zero_length_lineto", detail });
        }
    }
}

/// A LINESTRING geometry repeats MoveTo (count 1), LineTo (count > 0) (4.3.4.3).
fn read_lines(
    reader: &mut CommandReader<'_>,
    lines: &mut Vec<Vec<[i32; 2]>>,
    errors: &mut Vec<GeometryError>,
) -> Result<(), GeometryError> {
    while !reader.is_done() {
        let start = read_start(reader, Kind::Line)?;
        let (line_to, points) = read_line_to(reader, Kind::Line, 1)?;
        let mut line = Vec::with_capacity(points.len() + 1);
        line.push(start);
        line.extend(points);
        check_segments(&line, line_to, errors);
        lines.push(line);
    }
    Ok(())
}

/// A ring read from a POLYGON geometry, closed, with the offset of its MoveTo.
struct Ring {
    vertices: Vec<[i32; 2]>,
    offset: usize,
}

/// Each ring of a POLYGON geometry is MoveTo (count 1), LineTo (count > 1), ClosePath (count 1)
/// (4.3.4.4, 4.3.3.3).
fn read_rings(
    reader: &mut CommandReader<'_>,
    rings: &mut Vec<Ring>,
    errors: &mut Vec<GeometryError>,
) -> Result<(), GeometryError> {
    while !reader.is_done() {
        let offset = reader.position;
        let start = read_start(reader, Kind::Polygon)?;
        let (line_to, points) = read_line_to(reader, Kind::Polygon, 2)?;
        let close = reader.expect(CLOSE_PATH, Kind::Polygon)?;
        if close.count != 1 {
            let detail =
                format!("ClosePath at integer {} has count {}; it must be 1", close.offset, close.count);
            return Err(GeometryError { rule: "geometry.closepath_count", detail });
        }
        let mut vertices = Vec::with_capacity(points.len() + 2);
        vertices.push(start);
        vertices.extend(points);
        check_segments(&vertices, line_to, errors);
        if vertices.last() == Some(&start) {
            let detail = format!(
                "the ring starting at integer {offset} returns to its first point before ClosePath, \
                 which makes a zero-length closing segment"
            );
            errors.push(GeometryError { rule: "geometry.ring_repeats_start", detail });
        }
        vertices.push(start);
        rings.push(Ring { vertices, offset });
    }
    Ok(())
}

/// Twice the signed area of a closed ring by the surveyor's formula, in tile coordinates (y down):
/// positive for an exterior ring, negative for an interior ring (4.3.4.4).
fn twice_signed_area(ring: &[[i32; 2]]) -> i128 {
    ring.windows(2)
        .map(|pair| {
            let ([x0, y0], [x1, y1]) = (pair[0], pair[1]);
            i128::from(x0) * i128::from(y1) - i128::from(x1) * i128::from(y0)
        })
        .sum()
}

/// Groups rings into polygons: an exterior ring (positive area) starts a polygon and the interior
/// rings (negative area) after it belong to it (4.3.4.4). The first ring must be exterior, and no
/// ring may have zero area; such rings are still kept, as best as they fit.
fn assemble_polygons(rings: Vec<Ring>, errors: &mut Vec<GeometryError>) -> Vec<Vec<Vec<[i32; 2]>>> {
    let mut polygons: Vec<Vec<Vec<[i32; 2]>>> = Vec::new();
    for Ring { vertices, offset } in rings {
        let area = twice_signed_area(&vertices);
        if area == 0 {
            let detail = format!("the ring starting at integer {offset} has zero area");
            errors.push(GeometryError { rule: "geometry.zero_area_ring", detail });
        } else if area < 0 && polygons.is_empty() {
            let detail = format!(
                "the first ring (at integer {offset}) has negative area, so it is an interior ring; \
                 a polygon must start with an exterior ring (positive area, clockwise with y down)"
            );
            errors.push(GeometryError { rule: "geometry.exterior_ring_missing", detail });
        }
        match polygons.last_mut() {
            Some(polygon) if area <= 0 => polygon.push(vertices),
            _ => polygons.push(vec![vertices]),
        }
    }
    polygons
}
