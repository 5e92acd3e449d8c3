//! The idgate bus contract, shared by the daemon, the TUI and any other app on the bus:
//! well-known names, guidance codes, wire types and (as the daemon lands) typed proxies.
//!
//! Only this crate is shared between `idgated` and `idgate`; it knows nothing of devices.

pub mod guidance;
pub mod names;

pub use guidance::{Guidance, Lang, UnknownGuidance};
