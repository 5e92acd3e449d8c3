//! Typed proxies for the proposed bus contract (`../shared/DESIGN.md`, D-Bus section). They live
//! here until `idgate-api` ships its own; the names come from `idgate_api::names`.

use std::collections::HashMap;

use zbus::{OwnedObjectPath, OwnedVariant, Variant};

#[zbus::proxy(
    interface = "io.idgate.Station1",
    default_service = "io.idgate.Station",
    default_path = "/io/idgate/Station"
)]
pub trait Station {
    /// Makes the caller the station's one owner; returns the session object.
    fn claim(&self) -> zbus::Result<OwnedObjectPath>;

    #[zbus(property)]
    fn reader_present(&self) -> zbus::Result<bool>;

    #[zbus(property)]
    fn camera_present(&self) -> zbus::Result<bool>;

    #[zbus(property)]
    fn busy(&self) -> zbus::Result<bool>;

    #[zbus(property)]
    fn api_version(&self) -> zbus::Result<u32>;

    #[zbus(property)]
    fn version(&self) -> zbus::Result<String>;
}

#[zbus::proxy(
    interface = "io.idgate.Session1",
    default_service = "io.idgate.Station"
)]
pub trait Session {
    fn start(&self) -> zbus::Result<()>;

    #[zbus(name = "SubmitMrz")]
    fn submit_mrz(&self, lines: &str) -> zbus::Result<()>;

    fn submit_manual(&self, fields: HashMap<&str, Variant<'_>>) -> zbus::Result<()>;

    fn submit_can(&self, can: &str) -> zbus::Result<()>;

    fn use_manual_entry(&self) -> zbus::Result<()>;

    fn retry(&self) -> zbus::Result<()>;

    fn cancel(&self) -> zbus::Result<()>;

    fn release(&self) -> zbus::Result<()>;

    #[zbus(property)]
    fn step(&self) -> zbus::Result<String>;

    #[zbus(property)]
    fn attempts(&self) -> zbus::Result<u32>;

    #[zbus(signal)]
    fn status(&self, step: String, code: String, text: String, progress: f64) -> zbus::Result<()>;

    #[zbus(signal)]
    fn code_lines(&self, lines: Vec<String>, uncertain_marks: Vec<String>) -> zbus::Result<()>;

    #[zbus(signal)]
    fn chip_progress(&self, file: String, read: u32, total: u32) -> zbus::Result<()>;

    #[zbus(signal)]
    fn preview(
        &self,
        step: String,
        width: u32,
        height: u32,
        rgb: Vec<u8>,
        boxes: Vec<(i32, i32, i32, i32)>,
    ) -> zbus::Result<()>;

    #[zbus(signal)]
    fn challenge(&self, code: String) -> zbus::Result<()>;

    #[zbus(signal)]
    fn finished(&self, outcome: String, checks: HashMap<String, OwnedVariant>) -> zbus::Result<()>;
}
