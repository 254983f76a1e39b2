//! Webhook subscriptions: created by a `subscriber` (or `admin`) token,
//! each with a secret shown once; read and ended by their owner.

use super::Service;
use crate::model::ChangeFilter;
use crate::review::token::new_secret;
use crate::store::feed::head;
use crate::store::subscriptions::{self, NewSubscription, SubscriptionRow};
use crate::store::{ChangeEntry, StoreError, append_change};

/// Why a subscription was not made.
#[derive(Debug, thiserror::Error)]
pub enum SubscriptionError {
    /// A field is wrong.
    #[error("{field}: {reason}")]
    Invalid {
        /// The field.
        field: &'static str,
        /// Why.
        reason: String,
    },
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What a subscriber asks for.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SubscriptionInput {
    /// The receiver: an `http` or `https` URL.
    pub url: String,
    /// The kinds to receive (all when absent or empty).
    #[serde(default)]
    pub kinds: Vec<String>,
    /// Only changes in divisions whose code starts with this.
    #[serde(default)]
    pub division: Option<String>,
}

/// A subscription and what is still to deliver.
#[derive(Debug, Clone)]
pub struct SubscriptionStatus {
    /// The subscription.
    pub row: SubscriptionRow,
    /// Changes not yet acknowledged by the receiver.
    pub pending: usize,
}

fn invalid(field: &'static str, reason: impl Into<String>) -> SubscriptionError {
    SubscriptionError::Invalid { field, reason: reason.into() }
}

/// Checks a receiver URL: absolute, `http` or `https`, with a host.
pub fn check_url(url: &str) -> Result<reqwest::Url, SubscriptionError> {
    let parsed = reqwest::Url::parse(url).map_err(|e| invalid("url", format!("不是有效的网址：{e}")))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(invalid("url", format!("须为 http 或 https 网址，不能是 {}:", parsed.scheme())));
    }
    if parsed.host_str().is_none_or(str::is_empty) {
        return Err(invalid("url", "网址缺少主机名"));
    }
    Ok(parsed)
}

impl Service {
    /// Creates a subscription owned by token `owner` (of account
    /// `by.0`); deliveries start with the first change after now. Returns
    /// it and its secret.
    pub fn subscribe(
        &self,
        (account, owner): (i64, i64),
        input: &SubscriptionInput,
    ) -> Result<(i64, String), SubscriptionError> {
        check_url(&input.url)?;
        let filter =
            ChangeFilter::parse("kinds", input.kinds.iter().map(String::as_str), input.division.as_deref())
                .map_err(|e| invalid(e.field, e.reason))?;
        let division = filter.division.clone().unwrap_or_default();
        let secret = new_secret();
        let id = self.store.write(|tx| {
            let from_seq = head(tx)?;
            let new = NewSubscription {
                url: &input.url,
                kinds: &filter.kinds,
                division: &division,
                secret: &secret,
                owner,
                from_seq,
            };
            let id = subscriptions::insert(tx, &new)?;
            let detail = serde_json::json!({"url": input.url, "kinds": filter.kinds, "division": division, "owner": owner});
            log(tx, id, "insert", detail, (account, owner))?;
            Ok::<_, StoreError>(id)
        })?;
        if let Some(p) = &self.live {
            p.wake_deliveries();
        }
        Ok((id, secret))
    }

    /// A live subscription with its pending count.
    pub fn subscription(&self, id: i64) -> Result<Option<SubscriptionStatus>, StoreError> {
        self.store.read(|c| {
            let Some(row) = subscriptions::get(c, id)? else { return Ok(None) };
            let pending = subscriptions::pending(c, &row, head(c)?)?;
            Ok(Some(SubscriptionStatus { row, pending }))
        })
    }

    /// Ends a subscription (as account and token `by`); returns whether a
    /// live one was ended.
    pub fn unsubscribe(&self, id: i64, by: (i64, i64)) -> Result<bool, StoreError> {
        self.store.write(|tx| {
            let ended = subscriptions::delete(tx, id)?;
            if ended {
                log(tx, id, "retire", serde_json::json!({}), by)?;
            }
            Ok(ended)
        })
    }
}

/// Logs a change of subscription `id` (never its secret).
fn log(
    tx: &rusqlite::Transaction,
    id: i64,
    action: &str,
    detail: serde_json::Value,
    by: (i64, i64),
) -> Result<i64, StoreError> {
    let key = id.to_string();
    let entry = ChangeEntry {
        actor: "api",
        entity: "subscription",
        entity_key: &key,
        action,
        detail,
        by: Some(by),
        ..Default::default()
    };
    append_change(tx, &entry)
}
