//! `fangyu token …`: API tokens in the store the server serves.

use super::TokenCommand;
use anyhow::Result;
use fangyu::config::Settings;
use fangyu::demo::Scale;
use fangyu::store::Store;
use std::sync::Arc;

/// `fangyu token …`: tokens in the store the server serves (built first
/// if missing, as `serve` would).
pub fn run(settings: &Settings, command: TokenCommand) -> Result<()> {
    use fangyu::model::AccountId;
    use fangyu::review::Role;
    use fangyu::service::accounts::{Caller, NewAccount, lifetime};
    fangyu::startup::ensure_demo_store(settings, &settings.store.path, Scale::Demo)?;
    let store = Arc::new(Store::open(&settings.store.path)?);
    let service = fangyu::service::Service::offline(store.clone());
    match command {
        TokenCommand::Create { role, name, department, account, days } => {
            let r = Role::parse(&role).ok_or_else(|| {
                let all: Vec<&str> = Role::ALL.iter().map(|r| r.as_str()).collect();
                anyhow::anyhow!("unknown role {role}; one of {}", all.join(", "))
            })?;
            let days = lifetime(&settings.access, days)?;
            let issued = match (account, name) {
                (Some(a), _) => service.create_token(AccountId(a), r, days, Caller::CLI)?,
                (None, Some(name)) => {
                    anyhow::ensure!(!name.trim().is_empty(), "--name must not be empty");
                    let new = NewAccount {
                        name: name.trim().to_string(),
                        department: department.trim().to_string(),
                        ..Default::default()
                    };
                    service.account_with_token(&new, r, days, Caller::CLI)?.1
                }
                (None, None) => anyhow::bail!("give --name or --account"),
            };
            let t = &issued.token;
            eprintln!(
                "token {} of account {} ({}, {role}), expires {}; shown once:",
                t.id,
                t.account,
                t.name,
                t.expires_at.map_or("never".into(), |e| e.to_string())
            );
            println!("{}", issued.secret);
        }
        TokenCommand::List => {
            for t in store.read(|c| fangyu::store::TokenRow::list(c, None))? {
                let state = t.revoked_at.map_or("live".to_string(), |d| format!("revoked {d}"));
                let expires = t.expires_at.map_or("-".to_string(), |d| d.to_string());
                println!(
                    "{}\t{}\t{}\t{}\t{}\t{expires}\t{state}",
                    t.id, t.account, t.role, t.name, t.created_at
                );
            }
        }
        TokenCommand::Accounts => {
            for a in store.read(fangyu::store::AccountRow::list)? {
                let roles: Vec<&str> = a.roles.iter().map(|r| r.as_str()).collect();
                let state = a.disabled_at.map_or("live".to_string(), |d| format!("disabled {d}"));
                println!(
                    "{}\t{}\t{}\t{}\t{}\t{state}",
                    a.id,
                    a.name,
                    a.department,
                    a.divisions.join(","),
                    roles.join(",")
                );
            }
        }
        TokenCommand::Revoke { id } => {
            anyhow::ensure!(service.revoke_token(id, Caller::CLI)?, "no live token {id}");
            println!("token {id} revoked");
        }
    }
    Ok(())
}
