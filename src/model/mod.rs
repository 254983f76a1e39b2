//! The domain model: divisions, place names, door plates and standard
//! addresses, boundary lines and markers. Values here are parsed once at the
//! edge ("parse, don't validate") so the rest of the code holds checked data.

mod address;
mod change;
mod code;
mod division_name;
mod level;
mod place;
pub mod romanize;

pub use address::{AddressCode, AddressKind, DoorPlate};
pub use change::{ChangeAction, ChangeFilter, ChangeKind, FilterError};
pub use code::{CodeError, DivisionCode};
pub use division_name::{COLLOQUIAL_NAMES, everyday_names, short_name, village_name};
pub use level::Level;
pub use place::{PlaceClass, PlaceStatus};
pub use romanize::{romanize, split_generic};
