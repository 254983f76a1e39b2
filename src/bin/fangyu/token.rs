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
    use fangyu::review::Role;
    fangyu::startup::ensure_demo_store(settings, &settings.store.path, Scale::Demo)?;
    let store = Arc::new(Store::open(&settings.store.path)?);
    let service = fangyu::service::Service::offline(store.clone());
    match command {
        TokenCommand::Create { role, name } => {
            let r = Role::parse(&role).ok_or_else(|| {
                let all: Vec<&str> = Role::ALL.iter().map(|r| r.as_str()).collect();
                anyhow::anyhow!("unknown role {role}; one of {}", all.join(", "))
            })?;
            anyhow::ensure!(!name.trim().is_empty(), "--name must not be empty");
            let (id, secret) = service.create_token(name.trim(), r, "cli")?;
            eprintln!("token {id} for {name} ({role}); shown once:");
            println!("{secret}");
        }
        TokenCommand::List => {
            for t in store.read(fangyu::store::TokenRow::list)? {
                let state = t.revoked_at.map_or("live".to_string(), |d| format!("revoked {d}"));
                println!("{}\t{}\t{}\t{}\t{state}", t.id, t.role, t.name, t.created_at);
            }
        }
        TokenCommand::Revoke { id } => {
            anyhow::ensure!(service.revoke_token(id, "cli")?, "no live token {id}");
            println!("token {id} revoked");
        }
    }
    Ok(())
}
