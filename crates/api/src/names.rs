//! Well-known names on the bus. Versioned interfaces (`…1`) change only by adding a new one.

/// The daemon's well-known bus name.
pub const BUS_NAME: &str = "io.idgate.Station";
/// The station object.
pub const STATION_PATH: &str = "/io/idgate/Station";
/// The station interface.
pub const STATION_INTERFACE: &str = "io.idgate.Station1";
/// Prefix of session objects: `/io/idgate/Session/N`.
pub const SESSION_PATH_PREFIX: &str = "/io/idgate/Session";
/// The session interface.
pub const SESSION_INTERFACE: &str = "io.idgate.Session1";
/// Prefix of the named D-Bus errors.
pub const ERROR_PREFIX: &str = "io.idgate.Error";
/// Version of the bus contract; the TUI compares it and shows `flow.update_needed` on a mismatch.
pub const API_VERSION: u32 = 1;
