//! Accounts over HTTP: people hold tokens, admins grant roles (never their
//! own), one person does not act at two stages of a proposal, a proposal
//! outside an account's divisions is refused, and tokens stop when they
//! expire, are rotated, lose their role or their account is disabled.

use crate::review::{COUNTY, Review, fresh_name, review, road, send};
use fangyu::model::{AccountId, Timestamp};
use fangyu::review::Role;
use serde_json::{Value, json};

/// Creates an account with `roles` (and `divisions`) as the review
/// server's admin; returns its id.
async fn account(r: &Review, name: &str, roles: &[&str], divisions: &[&str]) -> i64 {
    let body = json!({"name": name, "department": "海曙区民政局", "roles": roles, "divisions": divisions});
    let (status, a, _) = send(&r.w, "POST", "/accounts", Some(&r.w.admin), None, Some(body)).await;
    assert_eq!(status, 201, "{a}");
    assert_eq!(a["roles"].as_array().map(Vec::len), Some(roles.len()), "{a}");
    a["id"].as_i64().expect("account id")
}

/// Issues a token of `account` in `role`; returns (token id, secret).
async fn token(r: &Review, account: i64, role: &str) -> (i64, String) {
    let body = json!({"account": account, "role": role, "days": 30});
    let (status, t, _) = send(&r.w, "POST", "/tokens", Some(&r.w.admin), None, Some(body)).await;
    assert_eq!(status, 201, "{t}");
    assert_eq!((t["account"].as_i64(), t["role"].as_str()), (Some(account), Some(role)));
    (t["id"].as_i64().expect("id"), t["token"].as_str().expect("secret").to_string())
}

async fn me(r: &Review, secret: &str) -> (u16, Value) {
    let (status, v, _) = send(&r.w, "GET", "/accounts/me", Some(secret), None, None).await;
    (status, v)
}

#[tokio::test]
async fn one_person_cannot_carry_a_proposal_through_two_stages() {
    let r = review();
    let person = account(r, "李一人", &["applicant", "reviewer", "committee", "approver"], &[]).await;
    let applicant = token(r, person, "applicant").await.1;
    let reviewer = token(r, person, "reviewer").await.1;
    let (status, p, _) =
        send(&r.w, "POST", "/proposals", Some(&applicant), None, Some(road(&fresh_name("守正路"), 0.13)))
            .await;
    assert_eq!(status, 201, "{p}");
    let id = p["id"].clone();
    let (status, _, _) =
        send(&r.w, "POST", &format!("/proposals/{id}/submit"), Some(&applicant), None, Some(json!({}))).await;
    assert_eq!(status, 200);
    // The same person, now with a reviewer's token: refused, nothing moved.
    let (status, refused, _) =
        send(&r.w, "POST", &format!("/proposals/{id}/check"), Some(&reviewer), None, Some(json!({}))).await;
    assert_eq!(
        (status, refused["type"].as_str()),
        (403, Some("/problems/separation-of-duties")),
        "{refused}"
    );
    assert!(refused["detail"].as_str().unwrap_or("").contains("不同人员"), "{refused}");
    let (_, after, _) = send(&r.w, "GET", &format!("/proposals/{id}"), Some(&reviewer), None, None).await;
    assert_eq!(
        (after["state"].as_str(), after["version"].as_i64()),
        (Some("submitted"), p["version"].as_i64().map(|v| v + 1))
    );
    // Another person reviews it.
    let (status, checked, _) = send(
        &r.w,
        "POST",
        &format!("/proposals/{id}/check"),
        Some(r.token("reviewer")),
        None,
        Some(json!({})),
    )
    .await;
    assert_eq!((status, checked["state"].as_str()), (200, Some("checked")), "{checked}");
    // The history names the person behind each step.
    let accounts: Vec<Option<i64>> =
        checked["history"].as_array().expect("history").iter().map(|e| e["account"].as_i64()).collect();
    assert_eq!(accounts[..2], [Some(person), Some(person)], "{accounts:?}");
    assert_ne!(accounts[2], Some(person));
}

#[tokio::test]
async fn an_admin_cannot_grant_their_own_account_a_role() {
    let r = review();
    let (status, mine) = me(r, &r.w.admin).await;
    assert_eq!(status, 200, "{mine}");
    let own = mine["account"]["id"].as_i64().expect("own account");
    let (status, refused, _) =
        send(&r.w, "PUT", &format!("/accounts/{own}/roles/reviewer"), Some(&r.w.admin), None, None).await;
    assert_eq!(
        (status, refused["type"].as_str()),
        (403, Some("/problems/separation-of-duties")),
        "{refused}"
    );
    let (_, mine) = me(r, &r.w.admin).await;
    assert_eq!(mine["account"]["roles"], json!(["admin"]), "nothing was granted");

    // Another admin may grant it, and the grant is logged with who made it.
    let second = account(r, "王管理", &["admin"], &[]).await;
    let (second_token, second_admin) = token(r, second, "admin").await;
    let (status, granted, _) =
        send(&r.w, "PUT", &format!("/accounts/{own}/roles/reviewer"), Some(&second_admin), None, None).await;
    assert_eq!(status, 200, "{granted}");
    assert!(granted["roles"].as_array().expect("roles").contains(&json!("reviewer")), "{granted}");
    let (status, activity, _) =
        send(&r.w, "GET", &format!("/accounts/{second}/activity"), Some(&r.w.admin), None, None).await;
    assert_eq!(status, 200, "{activity}");
    let grant = &activity["entries"][0];
    assert_eq!(
        (grant["action"].as_str(), grant["key"].as_str()),
        (Some("grant"), Some(own.to_string().as_str()))
    );
    assert_eq!(grant["token"].as_i64(), Some(second_token));
    // Nobody but an admin (or the account itself) reads an account.
    let (status, _, _) =
        send(&r.w, "GET", &format!("/accounts/{second}"), Some(r.token("reviewer")), None, None).await;
    assert_eq!(status, 403);
    // A role the account does not hold cannot be put on a token.
    let body = json!({"account": second, "role": "reviewer"});
    let (status, refused, _) = send(&r.w, "POST", "/tokens", Some(&r.w.admin), None, Some(body)).await;
    assert_eq!((status, refused["errors"][0]["field"].as_str()), (400, Some("role")), "{refused}");
    let body = json!({"account": second, "role": "admin", "days": 100_000});
    let (status, refused, _) = send(&r.w, "POST", "/tokens", Some(&r.w.admin), None, Some(body)).await;
    assert_eq!((status, refused["errors"][0]["field"].as_str()), (400, Some("days")), "{refused}");
}

#[tokio::test]
async fn a_revoked_role_or_a_disabled_account_stops_its_tokens() {
    let r = review();
    let person = account(r, "赵两职", &["reviewer", "expert"], &[]).await;
    let reviewer = token(r, person, "reviewer").await.1;
    let expert = token(r, person, "expert").await.1;
    let (status, _, _) = send(&r.w, "GET", "/proposals/overdue", Some(&reviewer), None, None).await;
    assert_eq!(status, 200);
    let (status, _, _) =
        send(&r.w, "DELETE", &format!("/accounts/{person}/roles/reviewer"), Some(&r.w.admin), None, None)
            .await;
    assert_eq!(status, 200);
    let (status, refused, _) = send(&r.w, "GET", "/proposals/overdue", Some(&reviewer), None, None).await;
    assert_eq!((status, refused["type"].as_str()), (401, Some("/problems/unauthorized")), "{refused}");
    assert_eq!(me(r, &expert).await.0, 200, "the token of the role still held works");
    let (status, _, _) =
        send(&r.w, "DELETE", &format!("/accounts/{person}"), Some(&r.w.admin), None, None).await;
    assert_eq!(status, 204);
    let (status, refused) = me(r, &expert).await;
    assert_eq!(status, 401);
    assert!(refused["detail"].as_str().unwrap_or("").contains("停用"), "{refused}");
    let body = json!({"account": person, "role": "expert"});
    let (status, _, _) = send(&r.w, "POST", "/tokens", Some(&r.w.admin), None, Some(body)).await;
    assert_eq!(status, 403, "a disabled account gets no new token");
}

#[tokio::test]
async fn a_rotated_token_replaces_its_secret_and_the_log_says_who() {
    let r = review();
    let person = account(r, "钱轮换", &["expert"], &[]).await;
    let (old_id, old) = token(r, person, "expert").await;
    // The account rotates its own token.
    let (status, new, _) =
        send(&r.w, "POST", &format!("/tokens/{old_id}/rotate"), Some(&old), None, Some(json!({"days": 7})))
            .await;
    assert_eq!(status, 201, "{new}");
    let secret = new["token"].as_str().expect("secret");
    assert_ne!(secret, old);
    assert_eq!((new["account"].as_i64(), new["role"].as_str()), (Some(person), Some("expert")));
    assert_eq!(me(r, &old).await.0, 401);
    let (status, mine) = me(r, secret).await;
    assert_eq!(status, 200);
    assert_eq!(mine["token"]["id"], new["id"]);
    let (_, activity, _) = send(&r.w, "GET", "/accounts/me/activity", Some(secret), None, None).await;
    let rotation = &activity["entries"][0];
    assert_eq!((rotation["action"].as_str(), rotation["token"].as_i64()), (Some("rotate"), Some(old_id)));
    // Someone else's token is not theirs to rotate.
    let (status, _, _) =
        send(&r.w, "POST", &format!("/tokens/{old_id}/rotate"), Some(r.token("expert")), None, None).await;
    assert_eq!(status, 403);
}

#[tokio::test]
async fn an_expired_token_is_refused() {
    let r = review();
    let person = account(r, "孙过期", &["expert"], &[]).await;
    let secret = fangyu::review::token::new_secret();
    let hash = fangyu::review::token::hash_secret(&secret);
    let yesterday: Timestamp = (chrono::Utc::now() - chrono::Duration::days(1)).into();
    // A token whose life ended yesterday, written and logged through the
    // store as the service writes one.
    let store = fangyu::store::Store::open(&r.w.store).expect("store");
    store
        .write(|tx| {
            let id = fangyu::store::TokenRow::insert(
                tx,
                AccountId(person),
                "孙过期",
                Role::Expert,
                &hash,
                Some(yesterday),
            )?;
            let key = id.to_string();
            let entry = fangyu::store::ChangeEntry {
                actor: "cli",
                entity: "api_token",
                entity_key: &key,
                action: "insert",
                detail: json!({"account": person, "role": "expert", "expires_at": yesterday}),
                ..Default::default()
            };
            fangyu::store::append_change(tx, &entry)
        })
        .expect("token");
    drop(store);
    let (status, refused) = me(r, &secret).await;
    assert_eq!(status, 401);
    assert!(refused["detail"].as_str().unwrap_or("").contains("过期"), "{refused}");
}

#[tokio::test]
async fn a_proposal_outside_the_accounts_divisions_is_refused() {
    let r = review();
    // An applicant and a reviewer for Dongcheng, Beijing only.
    let applicant_account = account(r, "周东城", &["applicant"], &["110101"]).await;
    let applicant = token(r, applicant_account, "applicant").await.1;
    let (status, refused, _) =
        send(&r.w, "POST", "/proposals", Some(&applicant), None, Some(road(&fresh_name("崇文新路"), 0.14)))
            .await;
    assert_eq!((status, refused["type"].as_str()), (403, Some("/problems/out-of-scope")), "{refused}");
    assert!(refused["detail"].as_str().unwrap_or("").contains(COUNTY), "{refused}");

    let reviewer_account = account(r, "吴东城", &["reviewer"], &["110101"]).await;
    let reviewer = token(r, reviewer_account, "reviewer").await.1;
    let (status, p, _) = send(
        &r.w,
        "POST",
        "/proposals",
        Some(r.token("applicant")),
        None,
        Some(road(&fresh_name("望春新路"), 0.15)),
    )
    .await;
    assert_eq!(status, 201, "{p}");
    let id = &p["id"];
    let (status, _, _) =
        send(&r.w, "POST", &format!("/proposals/{id}/submit"), Some(r.token("applicant")), None, None).await;
    assert_eq!(status, 200);
    let (status, refused, _) =
        send(&r.w, "POST", &format!("/proposals/{id}/check"), Some(&reviewer), None, None).await;
    assert_eq!((status, refused["type"].as_str()), (403, Some("/problems/out-of-scope")), "{refused}");
    // A division that does not exist is not a scope.
    let body = json!({"name": "郑无区", "roles": ["reviewer"], "divisions": ["999999"]});
    let (status, refused, _) = send(&r.w, "POST", "/accounts", Some(&r.w.admin), None, Some(body)).await;
    assert_eq!((status, refused["errors"][0]["field"].as_str()), (400, Some("divisions")), "{refused}");
}
