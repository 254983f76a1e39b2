//! Door plates issued by the jurisdiction's rules: [`numbering`], the
//! number a new plate at a point gets on a road; [`certificate`], the
//! certificate of a standard address; [`qr`], the QR codes of public links;
//! [`signs`], what a sign shows.

pub mod certificate;
pub mod numbering;
pub mod qr;
pub mod signs;
