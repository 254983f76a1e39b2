//! Webhook deliveries. Each change a subscription receives is POSTed as
//! the JSON of the change (exactly as `/changes` shows it) with
//! `X-Fangyu-Signature: sha256=<hex HMAC-SHA256 of the body>` and
//! `X-Fangyu-Seq`. A 2xx answer moves the subscription's cursor past it;
//! anything else is retried after a delay that doubles up to a ceiling.
//! The cursor is in the store and the changes are in the log, so what was
//! not acknowledged before a crash goes out after the restart: at least
//! once, and in sequence order per subscription.

use crate::config::FeedSettings;
use crate::store::feed::{FeedChange, head};
use crate::store::subscriptions::{self, SubscriptionRow};
use crate::store::{Store, StoreError};
use chrono::{DateTime, SecondsFormat, Utc};
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Notify, watch};

/// Changes fetched per subscription per round.
const BATCH: usize = 100;

/// The signature header's value for `body` under `secret`.
pub fn signature(secret: &str, body: &[u8]) -> String {
    // HMAC takes keys of any length.
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC accepts any key length");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// Delivers changes to every live subscription, for as long as the
/// server runs.
pub struct Deliverer {
    store: Arc<Store>,
    settings: FeedSettings,
    client: reqwest::Client,
}

fn now_text(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, StoreError> + Send + 'static,
) -> Result<T, StoreError> {
    tokio::task::spawn_blocking(f).await.unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()))
}

impl Deliverer {
    /// A deliverer over `store`.
    pub fn new(store: Arc<Store>, settings: FeedSettings) -> Deliverer {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(settings.delivery_timeout_secs))
            .user_agent(concat!("fangyu/", env!("CARGO_PKG_VERSION")))
            .build()
            .unwrap_or_default();
        Deliverer { store, settings, client }
    }

    /// Runs until the head channel closes: a round over every subscription
    /// whenever the head moves, a subscription is made, or a retry falls
    /// due (and once a second regardless).
    pub async fn run(self, mut head_rx: watch::Receiver<i64>, wake: Arc<Notify>) {
        loop {
            let next_due = match self.round().await {
                Ok(d) => d,
                Err(e) => {
                    tracing::warn!("webhook deliveries: {e}");
                    Some(Duration::from_secs(1))
                }
            };
            let sleep = next_due.unwrap_or(Duration::from_secs(1)).min(Duration::from_secs(1));
            tokio::select! {
                changed = head_rx.changed() => if changed.is_err() { return },
                _ = wake.notified() => {}
                _ = tokio::time::sleep(sleep) => {}
            }
        }
    }

    /// One round; returns how long until the earliest retry is due.
    async fn round(&self) -> Result<Option<Duration>, StoreError> {
        let store = self.store.clone();
        let subs = blocking(move || store.read(subscriptions::live)).await?;
        let now = Utc::now();
        let mut next_due: Option<Duration> = None;
        for s in subs {
            if let Some(due) = s.next_attempt_at.as_deref().and_then(|t| DateTime::parse_from_rfc3339(t).ok())
            {
                let due = due.with_timezone(&Utc);
                if due > now {
                    let wait = (due - now).to_std().unwrap_or_default();
                    next_due = Some(next_due.map_or(wait, |d| d.min(wait)));
                    continue;
                }
            }
            if let Some(wait) = self.deliver(&s).await? {
                next_due = Some(next_due.map_or(wait, |d| d.min(wait)));
            }
        }
        Ok(next_due)
    }

    /// Sends what `s` has pending, in order, until a failure; returns the
    /// retry delay after a failure.
    async fn deliver(&self, s: &SubscriptionRow) -> Result<Option<Duration>, StoreError> {
        let (store, row) = (self.store.clone(), s.clone());
        let (head_seq, changes) = blocking(move || {
            store.read(|c| {
                // The head first: every change up to it that the
                // subscription receives is in the answer that follows.
                let h = head(c)?;
                Ok((h, subscriptions::next_changes(c, &row, h, BATCH)?))
            })
        })
        .await?;
        if changes.is_empty() {
            if head_seq > s.delivered_seq {
                let (store, id) = (self.store.clone(), s.id);
                blocking(move || store.write(|tx| subscriptions::skip_to(tx, id, head_seq))).await?;
            }
            return Ok(None);
        }
        let mut attempts = s.attempts;
        for change in changes {
            match self.post(s, &change).await {
                Ok(()) => {
                    let (store, id, seq, at) = (self.store.clone(), s.id, change.seq, now_text(Utc::now()));
                    blocking(move || store.write(|tx| subscriptions::delivered(tx, id, seq, &at))).await?;
                    attempts = 0;
                }
                Err(why) => {
                    let delay = self.backoff(attempts);
                    let now = Utc::now();
                    let retry = now + chrono::Duration::from_std(delay).unwrap_or_default();
                    let (store, id) = (self.store.clone(), s.id);
                    let (at, retry_at) = (now_text(now), now_text(retry));
                    tracing::info!(
                        "webhook {id}: change {} not delivered ({why}); retry in {delay:?}",
                        change.seq
                    );
                    blocking(move || store.write(|tx| subscriptions::failed(tx, id, &why, &at, &retry_at)))
                        .await?;
                    return Ok(Some(delay));
                }
            }
        }
        Ok(None)
    }

    /// The delay after `attempts` failures at the same change.
    fn backoff(&self, attempts: i64) -> Duration {
        let first = self.settings.retry_first_secs.max(1);
        let factor = 1u64.checked_shl(attempts.clamp(0, 40) as u32).unwrap_or(u64::MAX);
        Duration::from_secs(first.saturating_mul(factor).min(self.settings.retry_max_secs.max(first)))
    }

    /// POSTs one change; `Err` says why it did not count as delivered.
    async fn post(&self, s: &SubscriptionRow, change: &FeedChange) -> Result<(), String> {
        let body = serde_json::to_vec(change).map_err(|e| e.to_string())?;
        let resp = self
            .client
            .post(&s.url)
            .header("content-type", "application/json")
            .header("x-fangyu-signature", signature(&s.secret, &body))
            .header("x-fangyu-seq", change.seq.to_string())
            .body(body)
            .send()
            .await
            .map_err(|e| format!("{e}"))?;
        if resp.status().is_success() {
            Ok(())
        } else {
            Err(format!("接收方答复 HTTP {}", resp.status().as_u16()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_is_the_rfc_4231_hmac_sha256() {
        // RFC 4231, test case 2.
        assert_eq!(
            signature("Jefe", b"what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn retry_delays_double_up_to_the_ceiling() {
        let store =
            Arc::new(Store::open(&tempfile::tempdir().expect("tmp").path().join("s.gpkg")).expect("store"));
        let d = Deliverer::new(
            store,
            FeedSettings { retry_first_secs: 2, retry_max_secs: 60, ..Default::default() },
        );
        let secs: Vec<u64> = (0..7).map(|a| d.backoff(a).as_secs()).collect();
        assert_eq!(secs, [2, 4, 8, 16, 32, 60, 60]);
        assert_eq!(d.backoff(10_000).as_secs(), 60);
    }
}
