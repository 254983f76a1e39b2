//! In-process point-in-polygon throughput, with same-run baselines.
//!
//! County level: the grid-accelerated base layer against (a) an R-tree of
//! county bounding boxes + `geo::Contains` on the plain polygons and (b) the
//! same R-tree + `geo`'s interval-tree polygons. Village level: the full
//! chain (county → township → village) for points inside villages.
//!
//! Store: `FANGYU_BENCH_STORE` (default `target/test-demo.gpkg`; use the
//! national store from `fangyu demo --national` for national villages).

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use fangyu::index::DivisionIndex;
use fangyu::index::metric::LocalFrame;
use fangyu::model::Level;
use fangyu::store::{ChangeRow, DivisionRow, Store};
use geo::indexed::IntervalTreeMultiPolygon;
use geo::{BoundingRect, Contains, Coord, MultiPolygon};
use rand::{RngExt, SeedableRng};
use rstar::{RTree, primitives::GeomWithData, primitives::Rectangle};
use std::hint::black_box;

/// The server's allocator, so that allocation costs what it costs there.
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

const POINTS: usize = 100_000;

struct Fixture {
    index: DivisionIndex,
    plain: Vec<MultiPolygon<f64>>,
    trees: Vec<IntervalTreeMultiPolygon<f64>>,
    rtree: RTree<GeomWithData<Rectangle<[f64; 2]>, usize>>,
    county_points: Vec<Coord<f64>>,
    village_points: Vec<Coord<f64>>,
}

fn fixture() -> Fixture {
    let path = std::env::var("FANGYU_BENCH_STORE").unwrap_or_else(|_| "target/test-demo.gpkg".into());
    let store = Store::open(std::path::Path::new(&path))
        .expect("bench store (run scripts/test.sh or fangyu demo first)");
    let (rows, changes) =
        store.read(|c| Ok((DivisionRow::load_all(c, true)?, ChangeRow::load_all(c)?))).expect("read");
    let counties: Vec<MultiPolygon<f64>> = rows
        .iter()
        .filter(|r| r.level == Level::County && r.valid_to.is_none())
        .filter_map(|r| r.geom.clone())
        .collect();
    let index = DivisionIndex::build(rows, &changes);
    let trees = counties.iter().map(IntervalTreeMultiPolygon::new).collect();
    let rtree = RTree::bulk_load(
        counties
            .iter()
            .enumerate()
            .filter_map(|(i, m)| {
                m.bounding_rect().map(|r| {
                    GeomWithData::new(
                        Rectangle::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y]),
                        i,
                    )
                })
            })
            .collect(),
    );
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(42);
    let mut county_points = Vec::with_capacity(POINTS);
    let mut village_points = Vec::new();
    let mut tries = 0;
    while county_points.len() < POINTS && tries < 50 * POINTS {
        tries += 1;
        let c = Coord { x: rng.random_range(73.5..135.0), y: rng.random_range(18.0..53.5) };
        if let Some(i) = index.locate_base(c)
            && index.get(i).level == Level::County
        {
            county_points.push(c);
        }
    }
    // Points inside villages: sample near village seats.
    let seats: Vec<Coord<f64>> = index
        .all()
        .iter()
        .filter(|d| d.level == Level::Village && d.valid_to.is_none())
        .filter_map(|d| d.seat.map(|(x, y)| Coord { x, y }))
        .collect();
    for k in 0..POINTS.min(seats.len() * 20) {
        let s = seats[k % seats.len()];
        let c = Coord { x: s.x + rng.random_range(-0.002..0.002), y: s.y + rng.random_range(-0.002..0.002) };
        if index.locate(c).is_some_and(|i| index.get(i).level == Level::Village) {
            village_points.push(c);
        }
    }
    eprintln!(
        "store {path}: {} county points, {} village points ({} villages), grid boundary share {:.1}%",
        county_points.len(),
        village_points.len(),
        seats.len(),
        index.grid_boundary_share() * 100.0
    );
    Fixture { index, plain: counties, trees, rtree, county_points, village_points }
}

/// Times `hit` over every point of `points` as one benchmark.
fn count_hits(
    g: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    name: &str,
    points: &[Coord<f64>],
    hit: impl Fn(&Coord<f64>) -> bool,
) {
    g.bench_function(name, |b| b.iter(|| black_box(points.iter().filter(|p| hit(p)).count())));
}

fn county(c: &mut Criterion) {
    let f = fixture();
    let mut g = c.benchmark_group("county_lookup");
    g.throughput(Throughput::Elements(f.county_points.len() as u64));
    count_hits(&mut g, "baseline_rtree_contains", &f.county_points, |p| {
        f.rtree.locate_all_at_point(&[p.x, p.y]).any(|h| f.plain[h.data].contains(p))
    });
    count_hits(&mut g, "baseline_rtree_interval_tree", &f.county_points, |p| {
        f.rtree.locate_all_at_point(&[p.x, p.y]).any(|h| f.trees[h.data].contains(p))
    });
    count_hits(&mut g, "fangyu_grid", &f.county_points, |p| f.index.locate_base(*p).is_some());
    g.finish();
    if !f.village_points.is_empty() {
        let mut g = c.benchmark_group("village_lookup");
        g.throughput(Throughput::Elements(f.village_points.len() as u64));
        count_hits(&mut g, "fangyu_full_chain", &f.village_points, |p| f.index.locate(*p).is_some());
        g.finish();
    }
}

/// The whole reverse answer (chain, nearest plate and road, strings and
/// JSON) in process, at random points over 宁波市 as the load script uses.
fn reverse(c: &mut Criterion) {
    let path = std::env::var("FANGYU_BENCH_STORE").unwrap_or_else(|_| "target/test-demo.gpkg".into());
    let store = Store::open(std::path::Path::new(&path)).expect("store");
    let g = fangyu::index::Gazetteer::load(&store).expect("indices");
    let json = fangyu::geocode::DivisionJson::build(&g.divisions);
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
    let pts: Vec<Coord<f64>> = (0..10_000)
        .map(|_| Coord { x: rng.random_range(121.0..122.2), y: rng.random_range(29.2..30.1) })
        .collect();
    let mut grp = c.benchmark_group("reverse_in_process");
    grp.throughput(Throughput::Elements(pts.len() as u64));
    let mut each = |name: &str, f: &dyn Fn(Coord<f64>)| {
        grp.bench_function(name, |b| b.iter(|| pts.iter().for_each(|p| f(*p))));
    };
    each("answer", &|p| {
        black_box(fangyu::geocode::reverse(&g, &json, p, None, 2000.0));
    });
    each("answer_as_json", &|p| {
        black_box(
            serde_json::to_vec(&fangyu::geocode::reverse(&g, &json, p, None, 2000.0))
                .map(|v| v.len())
                .unwrap_or(0),
        );
    });
    each("divisions", &|p| {
        black_box(g.divisions.locate(p));
    });
    each("nearest_plate", &|p| {
        black_box(g.plates.nearest(&LocalFrame::new(p), 2000.0));
    });
    each("nearest_road", &|p| {
        black_box(g.roads.nearest(&LocalFrame::new(p), 2000.0));
    });
    grp.finish();
    // The nearest searches by how far the answer lies (each class is timed
    // over its own points; the per-point time is the figure to compare).
    let class = |d: Option<f64>| match d {
        None => "none",
        Some(d) if d < 100.0 => "lt100",
        Some(d) if d < 400.0 => "lt400",
        Some(_) => "far",
    };
    let mut grp = c.benchmark_group("nearest_by_distance");
    for what in ["plate", "road"] {
        for cls in ["none", "lt100", "lt400", "far"] {
            let find = |p: Coord<f64>| match what {
                "plate" => g.plates.nearest(&LocalFrame::new(p), 2000.0).map(|n| n.distance_m),
                _ => g.roads.nearest(&LocalFrame::new(p), 2000.0).map(|n| n.distance_m),
            };
            let sel: Vec<Coord<f64>> = pts.iter().copied().filter(|&p| class(find(p)) == cls).collect();
            grp.throughput(Throughput::Elements(sel.len() as u64));
            grp.bench_function(format!("{what}_{cls}"), |b| {
                b.iter(|| {
                    sel.iter().for_each(|&p| {
                        black_box(find(p));
                    })
                })
            });
        }
    }
    grp.finish();
}

/// Forward geocoding of standard addresses sampled from the store (the same
/// sample, in the same order, as the `/geocode` load of
/// `scripts/bench-geocode.sh`), one best candidate each.
fn geocode(c: &mut Criterion) {
    let path = std::env::var("FANGYU_BENCH_STORE").unwrap_or_else(|_| "target/test-demo.gpkg".into());
    let store = Store::open(std::path::Path::new(&path)).expect("store");
    let g = fangyu::index::Gazetteer::load(&store).expect("indices");
    let queries: Vec<String> = store
        .read(|c| {
            let mut st = c.prepare(
                "SELECT standard_address FROM addresses WHERE kind <> 'room' \
                 ORDER BY (fid * 40503) % 65536, fid LIMIT 10000",
            )?;
            let rows = st.query_map([], |r| r.get(0))?.collect::<Result<Vec<String>, _>>()?;
            Ok(rows)
        })
        .expect("addresses");
    let opts = || fangyu::geocode::Options { limit: 1, within: None, at: None };
    let found = queries
        .iter()
        .filter(|q| fangyu::geocode::geocode(&g, q, opts()).first().is_some_and(|c| c.address_code.is_some()))
        .count();
    eprintln!("geocode: {found} of {} standard addresses matched to a door plate", queries.len());
    let mut grp = c.benchmark_group("geocode_in_process");
    grp.throughput(Throughput::Elements(queries.len() as u64));
    grp.bench_function("standard_addresses", |b| {
        b.iter(|| queries.iter().for_each(|q| drop(black_box(fangyu::geocode::geocode(&g, q, opts())))))
    });
    grp.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(10).measurement_time(std::time::Duration::from_secs(5));
    targets = county, reverse, geocode
}
criterion_main!(benches);
