use super::{StoreResult, geom_blob, geom_col};
use crate::model::{Proposal, ProposalId, ProposalState};
use geo::Geometry;
use rusqlite::{Connection, OptionalExtension, Transaction, params};

/// A proposal as stored: its indexed fields, the whole record as JSON and
/// its geometry.
pub struct ProposalRow;

/// Another proposal under way (for duplicate checks).
#[derive(Debug, Clone)]
pub struct ActiveProposal {
    /// Id.
    pub id: ProposalId,
    /// Class.
    pub class: String,
    /// Name.
    pub name: String,
    /// Division code.
    pub division: String,
}

fn parse(
    fid: ProposalId,
    doc: &str,
    geom: Option<Vec<u8>>,
) -> StoreResult<(Proposal, Option<Geometry<f64>>)> {
    let mut p: Proposal = serde_json::from_str(doc)?;
    p.id = fid;
    Ok((p, geom_col(geom)?))
}

impl ProposalRow {
    /// Inserts a new proposal; returns its id.
    pub fn insert(tx: &Transaction, p: &Proposal, geom: Option<&Geometry<f64>>) -> StoreResult<ProposalId> {
        tx.execute(
            "INSERT INTO proposals (kind, class, name, division_code, state, version, created_by, created_at, \
             updated_at, doc, geom) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11)",
            params![
                p.kind,
                p.class,
                p.name,
                p.division,
                p.state,
                p.version,
                p.created_by,
                p.created_at,
                p.updated_at,
                serde_json::to_string(p)?,
                geom_blob(geom)?,
            ],
        )?;
        Ok(ProposalId(tx.last_insert_rowid()))
    }

    /// Replaces the proposal if it is still at `expected_version`; returns
    /// whether it was.
    pub fn update(
        tx: &Transaction,
        p: &Proposal,
        geom: Option<&Geometry<f64>>,
        expected_version: i64,
    ) -> StoreResult<bool> {
        let n = tx.execute(
            "UPDATE proposals SET class=?2, name=?3, division_code=?4, state=?5, version=?6, updated_at=?7, \
             doc=?8, geom=?9 WHERE fid=?1 AND version=?10",
            params![
                p.id,
                p.class,
                p.name,
                p.division,
                p.state,
                p.version,
                p.updated_at,
                serde_json::to_string(p)?,
                geom_blob(geom)?,
                expected_version,
            ],
        )?;
        Ok(n == 1)
    }

    /// One proposal with its geometry.
    pub fn get(conn: &Connection, id: ProposalId) -> StoreResult<Option<(Proposal, Option<Geometry<f64>>)>> {
        let row: Option<(ProposalId, String, Option<Vec<u8>>)> = conn
            .prepare_cached("SELECT fid, doc, geom FROM proposals WHERE fid = ?1")?
            .query_row([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .optional()?;
        row.map(|(fid, doc, geom)| parse(fid, &doc, geom)).transpose()
    }

    /// Proposals, newest first, optionally in one state.
    pub fn list(
        conn: &Connection,
        state: Option<ProposalState>,
        limit: usize,
        offset: usize,
    ) -> StoreResult<Vec<Proposal>> {
        let mut stmt = conn.prepare_cached(
            "SELECT fid, doc FROM proposals WHERE (?1 IS NULL OR state = ?1) ORDER BY fid DESC LIMIT ?2 OFFSET ?3",
        )?;
        let mut rows = stmt.query(params![state, limit as i64, offset as i64])?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            out.push(parse(r.get(0)?, &r.get::<_, String>(1)?, None)?.0);
        }
        Ok(out)
    }

    /// Proposals approved by the government and not yet published (the
    /// ones with filing and announcement deadlines running).
    pub fn approved(conn: &Connection) -> StoreResult<Vec<Proposal>> {
        let mut stmt = conn.prepare_cached("SELECT fid, doc FROM proposals WHERE state = ?1 ORDER BY fid")?;
        let mut rows = stmt.query([ProposalState::Approved])?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            out.push(parse(r.get(0)?, &r.get::<_, String>(1)?, None)?.0);
        }
        Ok(out)
    }

    /// Proposals under review (submitted and not final), but `except`.
    pub fn active(conn: &Connection, except: ProposalId) -> StoreResult<Vec<ActiveProposal>> {
        let mut stmt = conn.prepare_cached(
            "SELECT fid, class, name, division_code FROM proposals \
             WHERE state NOT IN ('draft','published','rejected','withdrawn') AND fid <> ?1",
        )?;
        let rows = stmt.query_map([except], |r| {
            Ok(ActiveProposal { id: r.get(0)?, class: r.get(1)?, name: r.get(2)?, division: r.get(3)? })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}
