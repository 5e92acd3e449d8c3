//! idgated: owns the NFC reader and the camera and serves the verification flow over D-Bus.
//!
//! - [`station`]: the actor that owns the claim, the flow and the devices;
//! - [`bus`]: thin zbus adapters forwarding calls to the actor;
//! - [`devices`], [`reader`]: chip reads over PC/SC, camera jobs, on threads of their own;
//! - [`audit`]: the crash-safe session log; [`config`]: the TOML configuration;
//! - [`contract`]: every domain result (chip failure, check results, manual-entry problems)
//!   mapped to the bus contract, with exhaustive matches;
//! - [`serve`]: wiring it together for `idgated run`, from one [`serve::Backend`].
//!
//! No test code is linked here: the simulated station is the separate `idgated-sim` crate
//! (`sim/`), which builds its own [`serve::Backend`]. A test (`tests/no_test_code.rs`) checks that
//! this crate's normal dependencies include neither `idgate-vpass` nor `idgate-testbed`.

pub mod audit;
pub mod bus;
pub mod camera;
pub mod chip_cli;
pub mod chip_read;
pub mod cli;
pub mod config;
pub mod contract;
pub mod devices;
pub mod logging;
pub mod mrz_cli;
pub mod notify;
pub mod reader;
pub mod sandbox;
pub mod selftest;
pub mod serve;
pub mod station;
pub mod trust_cli;
