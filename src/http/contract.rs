//! What the OpenAPI description promises beyond the handlers' own
//! annotations: the error answers every operation can give (each as
//! `application/problem+json`), and the shape of the success bodies the
//! handlers build as JSON by hand (GeoJSON features of divisions, places,
//! addresses and markers; the naming, account and token documents).
//! `scripts/schemathesis.sh` holds the service to it.

use serde_json::{Value, json};
use utoipa::openapi::path::{Operation, ParameterIn};
use utoipa::openapi::{ContentBuilder, OpenApi, Ref, RefOr, ResponseBuilder, Schema};

/// Adds the error answers and the success body schemas to the document.
pub struct Contract;

impl utoipa::Modify for Contract {
    fn modify(&self, doc: &mut OpenApi) {
        let bodies = success_bodies();
        for (path, item) in doc.paths.paths.iter_mut() {
            let ops = [
                ("get", &mut item.get),
                ("put", &mut item.put),
                ("post", &mut item.post),
                ("delete", &mut item.delete),
                ("patch", &mut item.patch),
            ];
            for (method, op) in ops {
                let Some(op) = op.as_mut() else { continue };
                add_problems(method, op);
                if let Some((status, content_type, schema)) = bodies
                    .iter()
                    .find(|(m, p, ..)| *m == method && p == path)
                    .map(|(_, _, s, c, b)| (s, c, b))
                {
                    set_body(op, status, content_type, schema);
                }
            }
        }
    }
}

/// The error statuses an operation can answer: any (400 malformed, 408,
/// 429, 500), with path parameters (404), with a token (401, 403), with a
/// body (413, 415, 422), a write (409, 503). Handlers declare the rest.
fn problem_statuses(method: &str, op: &Operation) -> Vec<u16> {
    let mut statuses = vec![400, 408, 429, 500];
    let params = op.parameters.as_deref().unwrap_or_default();
    if params.iter().any(|p| matches!(p.parameter_in, ParameterIn::Path)) {
        statuses.push(404);
    }
    if op.security.as_ref().is_some_and(|s| !s.is_empty()) {
        statuses.extend([401, 403]);
    }
    if op.request_body.is_some() {
        statuses.extend([413, 415, 422]);
    }
    if method != "get" {
        statuses.extend([409, 503]);
    }
    statuses
}

fn add_problems(method: &str, op: &mut Operation) {
    for status in problem_statuses(method, op) {
        let reason = axum::http::StatusCode::from_u16(status)
            .ok()
            .and_then(|s| s.canonical_reason())
            .unwrap_or("Error");
        op.responses
            .responses
            .entry(status.to_string())
            .or_insert_with(|| RefOr::T(ResponseBuilder::new().description(reason).build()));
    }
    for (status, response) in op.responses.responses.iter_mut() {
        let RefOr::T(response) = response else { continue };
        if status.starts_with('4') || status.starts_with('5') {
            response.content.clear();
            response.content.insert(
                "application/problem+json".into(),
                ContentBuilder::new().schema(Some(Ref::from_schema_name("Problem"))).build(),
            );
        }
    }
}

fn set_body(op: &mut Operation, status: &str, content_type: &str, schema: &Value) {
    let Some(RefOr::T(response)) = op.responses.responses.get_mut(status) else { return };
    let Ok(schema) = serde_json::from_value::<RefOr<Schema>>(schema.clone()) else {
        tracing::error!("contract: the schema of a {status} answer does not read as a schema");
        return;
    };
    response.content.clear();
    for ct in content_type.split(", ") {
        response.content.insert(ct.into(), ContentBuilder::new().schema(Some(schema.clone())).build());
    }
}

/// A GeoJSON geometry, or null for a record answered without one.
fn geometry() -> Value {
    json!({"type": ["object", "null"], "required": ["type"], "properties": {"type": {"type": "string"}}})
}

/// A GeoJSON Feature whose properties follow `props`.
fn feature(props: Value) -> Value {
    json!({
        "type": "object",
        "required": ["type", "geometry", "properties"],
        "properties": {
            "type": {"type": "string", "enum": ["Feature"]},
            "id": {"type": ["string", "integer"]},
            "geometry": geometry(),
            "properties": props
        }
    })
}

/// A GeoJSON FeatureCollection of `feature(props)`.
fn collection(props: Value) -> Value {
    json!({
        "type": "object",
        "required": ["type", "features"],
        "properties": {
            "type": {"type": "string", "enum": ["FeatureCollection"]},
            "features": {"type": "array", "items": feature(props)}
        }
    })
}

/// An object with `required` keys of the given JSON types.
fn object(required: &[(&str, &str)]) -> Value {
    let props: serde_json::Map<String, Value> =
        required.iter().map(|(k, t)| ((*k).to_string(), type_of(t))).collect();
    let names: Vec<&str> = required.iter().map(|(k, _)| *k).collect();
    json!({"type": "object", "required": names, "properties": props})
}

fn type_of(t: &str) -> Value {
    match t.strip_suffix('?') {
        Some(t) => json!({"type": [t, "null"]}),
        None => json!({"type": t}),
    }
}

fn list_of(key: &str, item: Value, more: &[(&str, &str)]) -> Value {
    let mut v = object(more);
    if let Some(r) = v["required"].as_array_mut() {
        r.push(json!(key));
    }
    v["properties"][key] = json!({"type": "array", "items": item});
    v
}

fn division() -> Value {
    object(&[("code", "string"), ("name", "string"), ("level", "string"), ("status", "string")])
}

fn place() -> Value {
    object(&[("id", "integer"), ("name", "string"), ("class", "string"), ("status", "string")])
}

fn address() -> Value {
    object(&[("address_code", "string"), ("standard_address", "string"), ("status", "string")])
}

fn geocoded() -> Value {
    let mut v = collection(object(&[("match_level", "string"), ("confidence", "number")]));
    if let Some(r) = v["required"].as_array_mut() {
        r.push(json!("query"));
    }
    v["properties"]["query"] = json!({"type": "string"});
    v
}

fn account() -> Value {
    object(&[("id", "integer"), ("name", "string"), ("department", "string"), ("roles", "array")])
}

fn token() -> Value {
    object(&[("id", "integer"), ("account", "integer"), ("role", "string"), ("expires_at", "string")])
}

fn marker_change() -> Value {
    object(&[("id", "integer"), ("line_code", "string"), ("number", "string"), ("state", "string")])
}

fn boundary_line() -> Value {
    object(&[("id", "string"), ("name", "string"), ("left", "object"), ("right", "object")])
}

/// The topology check: one Feature a problem, and the counts per kind.
fn topology_report() -> Value {
    let mut v = collection(object(&[("kind", "string"), ("description", "string"), ("codes", "array")]));
    if let Some(r) = v["required"].as_array_mut() {
        r.push(json!("summary"));
    }
    v["properties"]["summary"] = object(&[("total", "integer")]);
    v
}

fn round() -> Value {
    object(&[
        ("id", "integer"),
        ("year", "integer"),
        ("title", "string"),
        ("state", "string"),
        ("sides", "array"),
    ])
}

fn finding() -> Value {
    object(&[("id", "integer"), ("round_id", "integer"), ("line_code", "string"), ("kind", "string")])
}

fn photo() -> Value {
    object(&[("id", "integer"), ("finding_id", "integer"), ("content_type", "string"), ("sha256", "string")])
}

fn repair() -> Value {
    object(&[("id", "integer"), ("finding_id", "integer"), ("task", "string"), ("due_on", "string")])
}

fn proposal() -> Value {
    object(&[("id", "integer"), ("state", "string")])
}

/// (method, path, status, content type, schema) of the bodies built by hand.
fn success_bodies() -> Vec<(&'static str, &'static str, &'static str, &'static str, Value)> {
    const J: &str = "application/json";
    const G: &str = "application/geo+json";
    let issued = {
        let mut t = token();
        if let Some(r) = t["required"].as_array_mut() {
            r.push(json!("token"));
        }
        t["properties"]["token"] = json!({"type": "string"});
        t
    };
    vec![
        ("get", "/health", "200", J, object(&[("status", "string")])),
        (
            "get",
            "/ready",
            "200",
            J,
            object(&[("status", "string"), ("divisions", "integer"), ("head", "integer")]),
        ),
        ("get", "/divisions", "200", J, collection(division())),
        ("get", "/divisions/{code}", "200", J, feature(division())),
        ("get", "/divisions/{code}/children", "200", J, collection(division())),
        ("get", "/places", "200", J, collection(place())),
        ("get", "/places/{id}", "200", J, feature(place())),
        ("get", "/addresses/{code}", "200", J, feature(address())),
        ("get", "/markers", "200", J, collection(object(&[("number", "string"), ("kind", "string")]))),
        (
            "get",
            "/markers/{number}",
            "200",
            J,
            feature(object(&[("number", "string"), ("positions", "object")])),
        ),
        ("post", "/markers", "202", J, marker_change()),
        ("post", "/markers/{number}/{action}", "202", J, marker_change()),
        ("get", "/marker-changes", "200", J, list_of("changes", marker_change(), &[])),
        ("post", "/marker-changes/{id}/{action}", "200", J, marker_change()),
        (
            "get",
            "/markers/overdue",
            "200",
            J,
            collection(object(&[("number", "string"), ("overdue", "array")])),
        ),
        ("get", "/inspection-rounds", "200", J, list_of("rounds", round(), &[])),
        ("post", "/inspection-rounds", "201", J, round()),
        (
            "get",
            "/inspection-rounds/{id}",
            "200",
            J,
            list_of(
                "findings",
                finding(),
                &[("round", "object"), ("markers", "array"), ("unchecked", "array")],
            ),
        ),
        (
            "post",
            "/inspection-rounds/{id}/findings",
            "201",
            J,
            list_of("photos", photo(), &[("finding", "object")]),
        ),
        (
            "post",
            "/inspection-rounds/{id}/findings/{finding}/photos",
            "201",
            J,
            list_of("photos", photo(), &[]),
        ),
        ("post", "/inspection-rounds/{id}/repairs", "201", J, repair()),
        ("post", "/inspection-rounds/{id}/repairs/{repair}/complete", "200", J, repair()),
        ("post", "/inspection-rounds/{id}/sign", "200", J, round()),
        ("get", "/boundaries", "200", J, collection(boundary_line())),
        ("get", "/boundaries/{id}", "200", J, feature(boundary_line())),
        ("get", "/checks/topology", "200", J, topology_report()),
        ("get", "/geocode", "200", G, geocoded()),
        ("get", "/geocode/structured", "200", G, geocoded()),
        ("get", "/standardize", "200", J, object(&[("input", "string")])),
        (
            "get",
            "/autocomplete",
            "200",
            J,
            list_of("suggestions", object(&[("text", "string"), ("kind", "string")]), &[("query", "string")]),
        ),
        (
            "get",
            "/tiles",
            "200",
            J,
            list_of("tilesets", object(&[("id", "string"), ("tilejson", "string")]), &[]),
        ),
        (
            "get",
            "/tiles/{tileset}",
            "200",
            J,
            object(&[("tilejson", "string"), ("tiles", "array"), ("vector_layers", "array")]),
        ),
        (
            "get",
            "/tiles/{tileset}/{z}/{x}/{y}",
            "200",
            "application/vnd.mapbox-vector-tile",
            json!({"type": "string", "contentMediaType": "application/vnd.mapbox-vector-tile"}),
        ),
        ("get", "/changes/stream", "200", "text/event-stream", json!({"type": "string"})),
        ("post", "/geocode/batch", "200", "text/csv, application/x-ndjson", json!({"type": "string"})),
        ("get", "/proposals", "200", J, list_of("proposals", proposal(), &[("limit", "integer")])),
        ("post", "/proposals", "201", J, proposal()),
        ("get", "/proposals/{id}", "200", J, proposal()),
        ("patch", "/proposals/{id}", "200", J, proposal()),
        ("post", "/proposals/{id}/{action}", "200", J, proposal()),
        (
            "get",
            "/proposals/overdue",
            "200",
            J,
            list_of("overdue", json!({"type": "object"}), &[("on", "string")]),
        ),
        ("get", "/accounts", "200", J, list_of("accounts", account(), &[])),
        ("post", "/accounts", "201", J, account()),
        ("get", "/accounts/{id}", "200", J, list_of("tokens", token(), &[("account", "object")])),
        (
            "get",
            "/accounts/{id}/activity",
            "200",
            J,
            list_of("entries", object(&[("seq", "integer"), ("at", "string"), ("action", "string")]), &[]),
        ),
        ("put", "/accounts/{id}/roles/{role}", "200", J, account()),
        ("delete", "/accounts/{id}/roles/{role}", "200", J, account()),
        ("get", "/tokens", "200", J, list_of("tokens", token(), &[])),
        ("post", "/tokens", "201", J, issued.clone()),
        ("post", "/tokens/{id}/rotate", "201", J, issued),
        (
            "get",
            "/audit/verify",
            "200",
            J,
            object(&[("intact", "boolean"), ("entries", "integer"), ("head", "string?")]),
        ),
        ("post", "/subscriptions", "201", J, object(&[("id", "integer"), ("secret", "string")])),
        ("get", "/subscriptions/{id}", "200", J, object(&[("id", "integer")])),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_success_body_reads_as_a_schema() {
        for (method, path, _, _, schema) in success_bodies() {
            assert!(serde_json::from_value::<RefOr<Schema>>(schema).is_ok(), "{method} {path}");
        }
    }
}
