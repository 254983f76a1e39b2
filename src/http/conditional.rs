//! Conditional reads of single records: each answer carries an `ETag` and
//! a `Last-Modified` from the record's last change in the change log, and
//! `If-None-Match` (or, without it, `If-Modified-Since`) naming that
//! version is answered 304 with no body.

use super::error::ApiResult;
use super::state::AppState;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use headers::{ETag, HeaderMapExt, IfModifiedSince, IfNoneMatch, LastModified};
use std::time::SystemTime;

/// The version of a record: the change that last touched it.
pub struct Version {
    /// Its sequence number.
    pub seq: i64,
    /// When it was committed.
    pub at: Option<SystemTime>,
}

impl Version {
    /// The version of record `key` of `entity` (`place`, `address`,
    /// `division`).
    pub async fn of(s: &AppState, entity: &'static str, key: String) -> ApiResult<Version> {
        let found =
            s.read(move |svc| svc.store().read(|c| crate::store::feed::last_change(c, entity, &key))).await?;
        let (seq, at) = found.unwrap_or((0, String::new()));
        let at = chrono::DateTime::parse_from_rfc3339(&at).ok().map(SystemTime::from);
        Ok(Version { seq, at })
    }

    /// The strong tag of the representation `variant` of record `key` at
    /// this version.
    fn etag(&self, key: &str, variant: &str) -> Option<ETag> {
        format!("\"{key}-{}{variant}\"", self.seq).parse().ok()
    }

    /// 304 when the request's validators name this version; otherwise the
    /// answer `make` builds, with the validators.
    pub fn answer(
        &self,
        headers: &HeaderMap,
        key: &str,
        variant: &str,
        make: impl FnOnce() -> Response,
    ) -> Response {
        let etag = self.etag(key, variant);
        let last_modified = self.at.map(LastModified::from);
        let fresh = match (headers.typed_get::<IfNoneMatch>(), &etag) {
            (Some(inm), Some(tag)) => !inm.precondition_passes(tag),
            (Some(_), None) => false,
            (None, _) => match (headers.typed_get::<IfModifiedSince>(), self.at) {
                (Some(ims), Some(at)) => !ims.is_modified(at),
                _ => false,
            },
        };
        let mut resp = if fresh { StatusCode::NOT_MODIFIED.into_response() } else { make() };
        let h = resp.headers_mut();
        if let Some(tag) = etag {
            h.typed_insert(tag);
        }
        if let Some(lm) = last_modified {
            h.typed_insert(lm);
        }
        resp
    }
}
