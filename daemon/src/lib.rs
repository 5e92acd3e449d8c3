//! idgated: owns the NFC reader and the camera and serves the verification flow over D-Bus.
//!
//! - [`station`]: the actor that owns the claim, the flow and the devices;
//! - [`bus`]: thin zbus adapters forwarding calls to the actor;
//! - [`devices`], [`reader`]: chip reads over PC/SC, camera jobs, on threads of their own;
//! - [`audit`]: the crash-safe session log; [`config`]: the TOML configuration;
//! - [`serve`]: wiring it together for `idgated run`.

pub mod audit;
pub mod bus;
pub mod camera;
pub mod cli;
pub mod config;
pub mod devices;
pub mod logging;
pub mod mrz_cli;
pub mod notify;
pub mod reader;
pub mod selftest;
pub mod serve;
pub mod simulate;
pub mod station;
