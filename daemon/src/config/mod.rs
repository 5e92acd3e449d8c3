//! The station's TOML configuration (`/etc/idgate/idgated.toml`, or `--config FILE`).
//!
//! Every field has a default, unknown fields are errors, and errors name the file, line and
//! field (from toml's byte span), so `idgated config check FILE` points at the typo.

mod weaken;

use std::path::{Path, PathBuf};
use std::time::Duration;

use idgate_api::Lang;
use idgate_flow::{Alternatives, FlowConfig, StepLimits};
use serde::Deserialize;

pub use weaken::{Weakness, weaknesses};

/// Where the packaged daemon looks when `--config` is not given.
pub const DEFAULT_PATH: &str = "/etc/idgate/idgated.toml";

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    pub station: StationConfig,
    pub reader: ReaderConfig,
    pub camera: CameraConfig,
    pub code: CodeConfig,
    pub chip: ChipConfig,
    pub face: FaceConfig,
    pub alternatives: AlternativesConfig,
    pub audit: AuditConfig,
    pub bus: BusConfig,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StationConfig {
    /// Language of status texts on the bus: `en` or `da`.
    pub language: String,
    /// A claim with no call from its owner and no progress of the flow for this long is
    /// released (a front end that hung, or a session left open at a desk).
    pub idle_release_secs: u64,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ReaderConfig {
    /// The allow-list of PC/SC reader name patterns, one pattern or a list, most preferred first:
    /// `*` matches any run of characters, the match ignores case. The station uses a reader of
    /// the earliest pattern that matches one (the first in name order); readers no pattern
    /// names are never used.
    pub name_pattern: ReaderPatterns,
    /// Accept a virtual reader (vsmartcard's vpcd). Never on a production station: a virtual
    /// reader takes its card from a socket, which is how a forged chip gets in.
    pub allow_virtual: bool,
    /// pcscd's configuration directory (`pcscd --config`): its vpcd entries name virtual readers.
    pub pcscd_config: PathBuf,
}

/// `[reader] name_pattern`: one pattern (`"ACS ACR1252*"`) or an allow-list
/// (`["Identiv uTrust 3700 F*", "ACS ACR1252*PICC*"]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReaderPatterns(pub Vec<String>);

impl<'de> Deserialize<'de> for ReaderPatterns {
    fn deserialize<D: serde::Deserializer<'de>>(de: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum OneOrMany {
            One(String),
            Many(Vec<String>),
        }
        Ok(match OneOrMany::deserialize(de)? {
            OneOrMany::One(p) => Self(vec![p]),
            OneOrMany::Many(ps) => Self(ps),
        })
    }
}

impl std::fmt::Display for ReaderPatterns {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let quoted: Vec<String> = self.0.iter().map(|p| format!("{p:?}")).collect();
        f.write_str(&quoted.join(", "))
    }
}

impl ReaderConfig {
    /// The rule that picks the station's reader (reads `pcscd_config`).
    pub fn policy(&self) -> crate::reader::ReaderPolicy {
        crate::reader::ReaderPolicy {
            patterns: self.name_pattern.0.clone(),
            allow_virtual: self.allow_virtual,
            virtual_names: crate::reader::vpcd_names(&self.pcscd_config),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CameraConfig {
    /// The one camera the station accepts: a stable device path (`/dev/v4l/by-path/…`) or a USB
    /// id `vvvv:pppp[:SERIAL]`. Unset: no camera (the code is typed, the face step cannot run).
    pub device: Option<String>,
    /// Smallest acceptable frame size; the smallest offered size at or above it is used.
    pub width: u32,
    pub height: u32,
    pub fps: u32,
    /// Accept virtual cameras (v4l2loopback). Never on a production station: a virtual camera
    /// is how injected video gets in.
    pub allow_virtual: bool,
}

impl CameraConfig {
    /// The camera module's view of this table (`device` already validated).
    pub fn station(&self) -> crate::camera::CameraConfig {
        crate::camera::CameraConfig {
            device: self.device.as_deref().and_then(|d| d.parse().ok()),
            width: self.width,
            height: self.height,
            fps: self.fps,
            simulated: self.allow_virtual,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CodeConfig {
    pub attempts: u32,
    pub timeout_secs: u64,
    /// The OCR-B font the OCR renders its templates from (Debian package `fonts-ocr-b`).
    pub ocr_font: PathBuf,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ChipConfig {
    pub attempts: u32,
    pub timeout_secs: u64,
    /// CSCA certificates / master lists (a directory of `.der`, `.pem`, `.ml` files).
    pub trust_store: PathBuf,
    /// Require Chip or Active Authentication (clone detection).
    pub require_clone_protection: bool,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FaceConfig {
    pub attempts: u32,
    pub timeout_secs: u64,
    /// SFace cosine similarity at or above which a live face matches the chip photo (the median
    /// over the frames of an attempt; calibrated default, see the admin guide).
    pub match_threshold: f32,
    /// Passive anti-spoofing live score at or above which a frame counts as live.
    pub pad_threshold: f32,
    /// Quality-passed frames compared per attempt; more than half must reach the threshold.
    pub frames: u32,
    /// Ask for the "move closer / move back" challenge.
    pub challenge: bool,
    /// Directory holding the ONNX models [default: `$IDGATE_MODEL_DIR`, else
    /// /usr/share/idgate/models].
    pub model_dir: Option<PathBuf>,
    /// The ONNX Runtime shared library [default: `$ORT_DYLIB_PATH`, else
    /// /usr/lib/idgate/libonnxruntime.so].
    pub ort_library: Option<PathBuf>,
}

impl FaceConfig {
    /// The model directory: configured, else `IDGATE_MODEL_DIR`, else the packaged location.
    pub fn model_dir(&self) -> PathBuf {
        self.model_dir
            .clone()
            .or_else(|| std::env::var_os("IDGATE_MODEL_DIR").map(PathBuf::from))
            .unwrap_or_else(|| PathBuf::from("/usr/share/idgate/models"))
    }

    /// The runtime library: configured, else `ORT_DYLIB_PATH`, else the packaged location.
    pub fn ort_library(&self) -> PathBuf {
        self.ort_library
            .clone()
            .or_else(|| std::env::var_os("ORT_DYLIB_PATH").map(PathBuf::from))
            .unwrap_or_else(|| PathBuf::from("/usr/lib/idgate/libonnxruntime.so"))
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AlternativesConfig {
    /// Shown when attempts are exhausted: this deployment's other ways to prove identity.
    pub en: String,
    pub da: String,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AuditConfig {
    /// The sled store's directory.
    pub path: PathBuf,
    /// Records older than this are removed.
    pub retention_days: u32,
    /// At most this many records are kept (oldest removed first).
    pub max_records: u64,
    /// The store is trimmed (oldest first) when its files exceed this size.
    pub max_bytes: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct BusConfig {
    /// How each method call is authorised. Unset: polkit, on any bus (a private bus given with
    /// `--bus-address` is no reason to skip it; a test bus without polkitd says
    /// `authorize = "policy-only"`, which `config check` names as a weakening).
    pub authorize: Option<Authorize>,
}

/// Who decides whether a caller may make a method call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Authorize {
    /// Ask polkit (action `io.idgate.station.verify`) for the caller's bus name, on every call;
    /// denied when polkit cannot be asked.
    Polkit,
    /// The D-Bus policy alone decides who may call (it admits root and the group `idgate`).
    PolicyOnly,
}

impl BusConfig {
    /// The configured mode, else polkit.
    pub fn authorize(&self) -> Authorize {
        self.authorize.unwrap_or(Authorize::Polkit)
    }
}

impl Default for StationConfig {
    fn default() -> Self {
        Self {
            language: "en".into(),
            idle_release_secs: 300,
        }
    }
}

impl Default for ReaderConfig {
    fn default() -> Self {
        Self {
            name_pattern: ReaderPatterns(vec!["*".into()]),
            allow_virtual: false,
            pcscd_config: PathBuf::from("/etc/reader.conf.d"),
        }
    }
}

impl Default for CameraConfig {
    fn default() -> Self {
        Self {
            device: None,
            width: 640,
            height: 480,
            fps: 15,
            allow_virtual: false,
        }
    }
}

impl Default for CodeConfig {
    fn default() -> Self {
        Self {
            attempts: 3,
            timeout_secs: 60,
            ocr_font: "/usr/share/fonts/opentype/ocr-b/OCRB.otf".into(),
        }
    }
}

impl Default for ChipConfig {
    fn default() -> Self {
        Self {
            attempts: 3,
            timeout_secs: 30,
            trust_store: "/etc/idgate/csca".into(),
            require_clone_protection: true,
        }
    }
}

impl Default for FaceConfig {
    fn default() -> Self {
        Self {
            attempts: 3,
            timeout_secs: 30,
            match_threshold: idgate_face::DEFAULT_MATCH_THRESHOLD,
            pad_threshold: 0.5,
            frames: 5,
            challenge: true,
            model_dir: None,
            ort_library: None,
        }
    }
}

impl Default for AlternativesConfig {
    fn default() -> Self {
        let a = Alternatives::default();
        Self { en: a.en, da: a.da }
    }
}

impl Default for AuditConfig {
    fn default() -> Self {
        Self {
            path: "/var/lib/idgate/audit".into(),
            retention_days: 90,
            max_records: 100_000,
            max_bytes: 256 * 1024 * 1024,
        }
    }
}

/// Why a configuration could not be used. The message names the file, line and field.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("{path}:{line}:{column}: {message}")]
    Syntax {
        path: String,
        line: usize,
        column: usize,
        message: String,
    },
    #[error("{path}: {field}: {message}")]
    Invalid {
        path: String,
        field: &'static str,
        message: String,
    },
}

impl Config {
    /// Reads and checks a configuration file.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.display().to_string(),
            source,
        })?;
        Self::parse(&text, &path.display().to_string())
    }

    /// Parses and checks configuration text; `origin` names it in errors.
    pub fn parse(text: &str, origin: &str) -> Result<Self, ConfigError> {
        let cfg: Config = toml::from_str(text).map_err(|e| {
            let (line, column) = e
                .span()
                .map_or((0, 0), |span| line_and_column(text, span.start));
            ConfigError::Syntax {
                path: origin.to_owned(),
                line,
                column,
                // toml's message repeats the source excerpt; the first line is the reason.
                message: e.message().lines().next().unwrap_or("invalid").to_owned(),
            }
        })?;
        cfg.validate(origin)?;
        Ok(cfg)
    }

    fn validate(&self, origin: &str) -> Result<(), ConfigError> {
        let bad = |field: &'static str, message: &str| ConfigError::Invalid {
            path: origin.to_owned(),
            field,
            message: message.to_owned(),
        };
        if !matches!(self.station.language.as_str(), "en" | "da") {
            return Err(bad("station.language", "must be \"en\" or \"da\""));
        }
        if !(1..=86_400).contains(&self.station.idle_release_secs) {
            return Err(bad(
                "station.idle_release_secs",
                "must be between 1 and 86400 seconds",
            ));
        }
        for (field, attempts) in [
            ("code.attempts", self.code.attempts),
            ("chip.attempts", self.chip.attempts),
            ("face.attempts", self.face.attempts),
        ] {
            if !(1..=20).contains(&attempts) {
                return Err(bad(field, "must be between 1 and 20"));
            }
        }
        for (field, secs) in [
            ("code.timeout_secs", self.code.timeout_secs),
            ("chip.timeout_secs", self.chip.timeout_secs),
            ("face.timeout_secs", self.face.timeout_secs),
        ] {
            if !(1..=3600).contains(&secs) {
                return Err(bad(field, "must be between 1 and 3600 seconds"));
            }
        }
        if !(0.0..=1.0).contains(&self.face.match_threshold) {
            return Err(bad("face.match_threshold", "must be between 0 and 1"));
        }
        if !(0.0..=1.0).contains(&self.face.pad_threshold) {
            return Err(bad("face.pad_threshold", "must be between 0 and 1"));
        }
        if !(1..=50).contains(&self.face.frames) {
            return Err(bad("face.frames", "must be between 1 and 50"));
        }
        if let Some(device) = &self.camera.device {
            if let Err(e) = device.parse::<crate::camera::CameraSelector>() {
                return Err(bad(
                    "camera.device",
                    &format!("{e} (a /dev/… path or a USB id vvvv:pppp[:SERIAL])"),
                ));
            }
        }
        if !(1..=60).contains(&self.camera.fps) {
            return Err(bad("camera.fps", "must be between 1 and 60"));
        }
        if self.reader.name_pattern.0.is_empty()
            || self.reader.name_pattern.0.iter().any(|p| p.is_empty())
        {
            return Err(bad(
                "reader.name_pattern",
                "needs at least one pattern and no empty one (use \"*\" for any reader)",
            ));
        }
        if self.alternatives.en.trim().is_empty() || self.alternatives.da.trim().is_empty() {
            return Err(bad("alternatives", "both en and da texts are needed"));
        }
        if self.audit.max_records == 0 {
            return Err(bad("audit.max_records", "must be at least 1"));
        }
        if self.audit.max_bytes < 1024 * 1024 {
            return Err(bad("audit.max_bytes", "must be at least 1 MiB"));
        }
        Ok(())
    }

    pub fn lang(&self) -> Lang {
        Lang::from_locale(&self.station.language)
    }

    /// The flow's view of this configuration.
    pub fn flow(&self) -> FlowConfig {
        let limits = |attempts: u32, secs: u64| StepLimits {
            attempts,
            timeout: Duration::from_secs(secs),
        };
        FlowConfig {
            code: limits(self.code.attempts, self.code.timeout_secs),
            chip: limits(self.chip.attempts, self.chip.timeout_secs),
            face: limits(self.face.attempts, self.face.timeout_secs),
            alternatives: Alternatives {
                en: self.alternatives.en.clone(),
                da: self.alternatives.da.clone(),
            },
            lang: self.lang(),
            require_clone_protection: self.chip.require_clone_protection,
        }
    }
}

/// 1-based line and column of a byte offset.
fn line_and_column(text: &str, offset: usize) -> (usize, usize) {
    let upto = text.get(..offset.min(text.len())).unwrap_or(text);
    let line = upto.matches('\n').count() + 1;
    let column = upto.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

/// Matches a reader name against a pattern where `*` stands for any run of characters,
/// ignoring case.
pub fn reader_name_matches(pattern: &str, name: &str) -> bool {
    let pattern = pattern.to_lowercase();
    let name = name.to_lowercase();
    let parts: Vec<&str> = pattern.split('*').collect();
    let (Some(first), Some(last)) = (parts.first(), parts.last()) else {
        return false;
    };
    if parts.len() == 1 {
        return name == pattern;
    }
    if !name.starts_with(first) || !name[first.len()..].ends_with(last) {
        return false;
    }
    let mut rest = &name[first.len()..name.len() - last.len()];
    for middle in &parts[1..parts.len() - 1] {
        match rest.find(middle) {
            Some(at) => rest = &rest[at + middle.len()..],
            None => return false,
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_file_gives_the_defaults() {
        assert_eq!(Config::parse("", "t").expect("valid"), Config::default());
    }

    #[test]
    fn the_example_config_is_valid_and_spells_out_the_defaults() {
        let text = include_str!("../../idgated.example.toml");
        let cfg = Config::parse(text, "idgated.example.toml").expect("valid");
        assert_eq!(cfg, Config::default(), "the example documents the defaults");
    }

    #[test]
    fn an_unknown_field_is_named_with_its_line() {
        let text = "[chip]\nattempts = 2\ntimout_secs = 5\n";
        let err = Config::parse(text, "station.toml").expect_err("typo");
        let shown = err.to_string();
        assert!(shown.starts_with("station.toml:3:"), "{shown}");
        assert!(shown.contains("timout_secs"), "{shown}");
    }

    #[test]
    fn a_wrong_type_is_named_with_its_line() {
        let text = "[face]\n\nmatch_threshold = \"high\"\n";
        let shown = Config::parse(text, "s.toml").expect_err("type").to_string();
        assert!(shown.starts_with("s.toml:3:"), "{shown}");
    }

    #[test]
    fn out_of_range_values_name_the_field() {
        let shown = Config::parse("[face]\nattempts = 0\n", "s.toml")
            .expect_err("range")
            .to_string();
        assert_eq!(shown, "s.toml: face.attempts: must be between 1 and 20");
        let shown = Config::parse("[station]\nlanguage = \"fr\"\n", "s.toml")
            .expect_err("lang")
            .to_string();
        assert!(shown.contains("station.language"), "{shown}");
        let shown = Config::parse("[camera]\ndevice = \"webcam\"\n", "s.toml")
            .expect_err("selector")
            .to_string();
        assert!(shown.starts_with("s.toml: camera.device:"), "{shown}");
    }

    #[test]
    fn the_flow_gets_the_limits_texts_and_language() {
        let cfg = Config::parse(
            "[station]\nlanguage = \"da\"\n[chip]\nattempts = 5\ntimeout_secs = 12\n[alternatives]\nen = \"Go to desk 4.\"\nda = \"Gå til skranke 4.\"\n",
            "s.toml",
        )
        .expect("valid");
        let flow = cfg.flow();
        assert_eq!(flow.chip.attempts, 5);
        assert_eq!(flow.chip.timeout, Duration::from_secs(12));
        assert_eq!(flow.alternatives.da, "Gå til skranke 4.");
        assert_eq!(flow.lang, Lang::Da);
    }

    #[test]
    fn polkit_decides_unless_policy_only_is_configured() {
        let unset = Config::default();
        assert_eq!(unset.bus.authorize(), Authorize::Polkit);
        let polkit = Config::parse("[bus]\nauthorize = \"polkit\"\n", "s.toml").expect("valid");
        assert_eq!(polkit.bus.authorize(), Authorize::Polkit);
        let policy =
            Config::parse("[bus]\nauthorize = \"policy-only\"\n", "s.toml").expect("valid");
        assert_eq!(policy.bus.authorize(), Authorize::PolicyOnly);
        let shown = Config::parse("[bus]\nauthorize = \"none\"\n", "s.toml")
            .expect_err("unknown mode")
            .to_string();
        assert!(shown.starts_with("s.toml:2:"), "{shown}");
    }

    #[test]
    fn the_reader_allow_list_is_one_pattern_or_a_list_and_never_empty() {
        let one = Config::parse("[reader]\nname_pattern = \"ACS*\"\n", "r.toml").expect("valid");
        assert_eq!(one.reader.policy().patterns, vec!["ACS*".to_owned()]);
        let list = Config::parse(
            "[reader]\nname_pattern = [\"Identiv*\", \"ACS*PICC*\"]\n",
            "r.toml",
        )
        .expect("valid");
        assert_eq!(
            list.reader.policy().patterns,
            vec!["Identiv*".to_owned(), "ACS*PICC*".to_owned()]
        );
        assert_eq!(
            list.reader.name_pattern.to_string(),
            "\"Identiv*\", \"ACS*PICC*\""
        );
        for bad in ["[]", "[\"ACS*\", \"\"]", "\"\"", "3"] {
            let text = format!("[reader]\nname_pattern = {bad}\n");
            assert!(Config::parse(&text, "r.toml").is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn reader_patterns_use_stars_and_ignore_case() {
        assert!(reader_name_matches("*", "Virtual PCD 00 00"));
        assert!(reader_name_matches("virtual pcd*", "Virtual PCD 00 01"));
        assert!(reader_name_matches("*PCD*01", "Virtual PCD 00 01"));
        assert!(!reader_name_matches("*PCD*01", "Virtual PCD 00 00"));
        assert!(reader_name_matches(
            "ACS ACR122U*",
            "ACS ACR122U PICC Interface 00 00"
        ));
        assert!(!reader_name_matches(
            "Identiv*",
            "ACS ACR122U PICC Interface 00 00"
        ));
        assert!(reader_name_matches("exact", "EXACT"));
        assert!(!reader_name_matches("a*b*c", "ac"));
    }
}
