//! Webhook subscriptions: created by a `subscriber` (or `admin`) token,
//! each with a secret shown once; read and ended by their owner.

use super::Service;
use crate::model::ChangeKind;
use crate::review::token::new_secret;
use crate::store::StoreError;
use crate::store::feed::head;
use crate::store::subscriptions::{self, NewSubscription, SubscriptionRow};

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
    /// Creates a subscription owned by token `owner`; deliveries start with
    /// the first change after now. Returns it and its secret.
    pub fn subscribe(
        &self,
        owner: i64,
        input: &SubscriptionInput,
    ) -> Result<(i64, String), SubscriptionError> {
        check_url(&input.url)?;
        let mut kinds = Vec::new();
        for k in &input.kinds {
            let kind = ChangeKind::parse(k).ok_or_else(|| {
                let all: Vec<&str> = ChangeKind::ALL.iter().map(|k| k.as_str()).collect();
                invalid("kinds", format!("未知类别“{k}”，可用：{}", all.join("、")))
            })?;
            kinds.push(kind);
        }
        let division = input.division.clone().unwrap_or_default();
        if !division.chars().all(|c| c.is_ascii_digit()) || division.len() > 12 {
            return Err(invalid("division", "须为区划代码或其前缀（至多 12 位数字）"));
        }
        let secret = new_secret();
        let id = self.store.write(|tx| {
            let from_seq = head(tx)?;
            let new = NewSubscription {
                url: &input.url,
                kinds: &kinds,
                division: &division,
                secret: &secret,
                owner,
                from_seq,
            };
            subscriptions::insert(tx, &new)
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
            let pending = subscriptions::pending(c, &row)?;
            Ok(Some(SubscriptionStatus { row, pending }))
        })
    }

    /// Ends a subscription; returns whether a live one was ended.
    pub fn unsubscribe(&self, id: i64) -> Result<bool, StoreError> {
        self.store.write(|tx| subscriptions::delete(tx, id))
    }
}
