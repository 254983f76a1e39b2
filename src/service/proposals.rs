//! The naming workflow's writes: creating and revising a proposal and
//! taking each action, publication included (which writes the gazetteer:
//! a new place, a rename with the old name kept as history and its door
//! plates moved, or a retirement). The domain rules live in
//! [`crate::review`]; this is where they meet the store and the
//! projections.

use super::Service;
use crate::index::Gazetteer;
use crate::model::ProposalId;
use crate::review::lifecycle::{self, ActionInput, Actor, ProposalInput, ReviewError};
use crate::review::{Action, Proposal, Rules};
use chrono::NaiveDate;
use geo::Geometry;
use std::sync::Arc;

/// A proposal and its geometry, as a write returns them.
pub type Written = (Proposal, Option<Geometry<f64>>);

impl Service {
    /// The index snapshot the rule checks read.
    fn snapshot(&self) -> Result<Arc<Gazetteer>, ReviewError> {
        match &self.live {
            Some(p) => Ok(p.gazetteer().clone()),
            None => Ok(Arc::new(Gazetteer::load(&self.store)?)),
        }
    }

    /// `POST /proposals`: a new draft, checked at once.
    pub fn create_proposal(
        &self,
        rules: &Rules,
        actor: &Actor,
        input: &ProposalInput,
    ) -> Result<Written, ReviewError> {
        let g = self.snapshot()?;
        let out = lifecycle::create(&self.store, &g, rules, actor, input)?;
        self.committed();
        Ok(out)
    }

    /// `PATCH /proposals/{id}`: a revision of a draft or returned proposal.
    pub fn revise_proposal(
        &self,
        rules: &Rules,
        actor: &Actor,
        id: ProposalId,
        if_match: Option<&str>,
        input: &ProposalInput,
    ) -> Result<Written, ReviewError> {
        let g = self.snapshot()?;
        let out = lifecycle::revise(&self.store, &g, rules, actor, id, if_match, input)?;
        self.committed();
        Ok(out)
    }

    /// `POST /proposals/{id}/{action}`: one workflow step; `publish`
    /// writes the gazetteer in the same transaction, and the name is in
    /// every index when this returns.
    #[allow(clippy::too_many_arguments)]
    pub fn act_on_proposal(
        &self,
        rules: &Rules,
        actor: &Actor,
        id: ProposalId,
        action: Action,
        if_match: Option<&str>,
        input: &ActionInput,
        today: NaiveDate,
    ) -> Result<Written, ReviewError> {
        let g = self.snapshot()?;
        let out = lifecycle::act(&self.store, &g, rules, actor, id, action, if_match, input, today)?;
        self.committed();
        Ok(out)
    }
}
