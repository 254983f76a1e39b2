//! Door plates issued by the jurisdiction's rules: [`numbering`], the
//! number a new plate at a point gets on a road.

pub mod numbering;
