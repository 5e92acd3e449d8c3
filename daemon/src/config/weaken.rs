//! Settings that make the station accept more than it should. Each is legal (a deployment may
//! have its reasons) but never silent: `idgated config check` and `idgated selftest` name them as
//! warnings with an exit code of their own, the daemon logs them once at start, and the
//! attendant's screen shows them (the station's `Weakened` property).

use super::{Authorize, Config};

/// One weakening setting: the TOML key and what it gives away.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Weakness {
    pub setting: &'static str,
    pub why: String,
}

impl std::fmt::Display for Weakness {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.setting, self.why)
    }
}

/// Every setting of `cfg` that weakens the station compared with the defaults.
pub fn weaknesses(cfg: &Config) -> Vec<Weakness> {
    let defaults = Config::default();
    let mut out = Vec::new();
    let mut weak = |setting: &'static str, why: String| out.push(Weakness { setting, why });
    if cfg.face.match_threshold < defaults.face.match_threshold {
        weak(
            "face.match_threshold",
            format!(
                "{} is below the calibrated {}: more faces of other people match",
                cfg.face.match_threshold, defaults.face.match_threshold
            ),
        );
    }
    if cfg.face.pad_threshold < defaults.face.pad_threshold {
        weak(
            "face.pad_threshold",
            format!(
                "{} is below {}: more photos and screens pass as live",
                cfg.face.pad_threshold, defaults.face.pad_threshold
            ),
        );
    }
    if !cfg.face.challenge {
        weak(
            "face.challenge",
            "off: no liveness challenge, a held-up photo meets only passive PAD".into(),
        );
    }
    if !cfg.chip.require_clone_protection {
        weak(
            "chip.require_clone_protection",
            "off: a chip without Chip or Active Authentication (a possible clone) is accepted"
                .into(),
        );
    }
    if cfg.camera.allow_virtual {
        weak(
            "camera.allow_virtual",
            "on: a virtual camera (how injected video gets in) is accepted".into(),
        );
    }
    if cfg.reader.allow_virtual {
        weak(
            "reader.allow_virtual",
            "on: a virtual reader (a chip served from a network socket, how a forged chip gets in) is accepted"
                .into(),
        );
    }
    if cfg.bus.authorize == Some(Authorize::PolicyOnly) {
        weak(
            "bus.authorize",
            "policy-only: polkit is not asked; the D-Bus policy alone decides who may verify"
                .into(),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn named(toml: &str) -> Vec<&'static str> {
        let cfg = Config::parse(toml, "t.toml").expect("valid");
        weaknesses(&cfg).iter().map(|w| w.setting).collect()
    }

    #[test]
    fn the_defaults_weaken_nothing() {
        assert!(weaknesses(&Config::default()).is_empty());
        assert!(named("[face]\nmatch_threshold = 0.6\npad_threshold = 0.9\n").is_empty());
    }

    #[test]
    fn every_weakening_setting_is_named() {
        let all = named(
            "[face]\nmatch_threshold = 0.0\npad_threshold = 0.0\nchallenge = false\n\
             [chip]\nrequire_clone_protection = false\n\
             [camera]\nallow_virtual = true\n\
             [reader]\nallow_virtual = true\n\
             [bus]\nauthorize = \"policy-only\"\n",
        );
        assert_eq!(
            all,
            [
                "face.match_threshold",
                "face.pad_threshold",
                "face.challenge",
                "chip.require_clone_protection",
                "camera.allow_virtual",
                "reader.allow_virtual",
                "bus.authorize",
            ]
        );
        assert_eq!(named("[bus]\nauthorize = \"polkit\"\n"), Vec::<&str>::new());
    }
}
