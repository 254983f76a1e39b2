//! The domain model: divisions, place names, door plates and standard
//! addresses, boundary lines and markers, naming proposals and the roles
//! that act on them. Values here are parsed once at the edge ("parse,
//! don't validate") so the rest of the code holds checked data.

mod account;
mod address;
mod change;
mod code;
mod division_class;
mod division_name;
mod inspection;
mod keyword;
mod level;
mod marker;
mod place;
pub mod plate_rule;
mod proposal;
mod proposal_state;
pub mod romanize;
mod sign;
mod timestamp;
mod token;

pub use account::{Account, AccountId, in_scope, significant};
pub use address::{AddressCode, AddressKind, DoorPlate};
pub use change::{ChangeAction, ChangeFilter, ChangeKind, FilterError};
pub use code::{CodeError, DivisionCode};
pub use division_class::DivisionClass;
pub use division_name::{COLLOQUIAL_NAMES, everyday_names, short_name, village_name};
pub use inspection::{FindingKind, RoundState};
pub use level::Level;
pub use marker::{MarkerAction, MarkerCondition, MarkerKind, SignOff};
pub use place::{PlaceClass, PlaceStatus};
pub use proposal::{
    Approval, Attachment, Check, Comment, Event, Filing, Kind, Opinion, Proposal, ProposalId, Verdict, Vote,
};
pub use proposal_state::ProposalState;
pub use romanize::{romanize, split_generic};
pub use sign::{SignKind, SignState};
pub use timestamp::Timestamp;
pub use token::{Role, TokenId};
