//! Per-deployment limits and texts for one verification.

use std::time::Duration;

use idgate_api::{Guidance, Lang};

/// How often and how long one step may be tried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StepLimits {
    /// Attempts before the flow gives up with the alternatives (at least 1).
    pub attempts: u32,
    /// An attempt that takes longer is ended and the step restarted (counting an attempt).
    pub timeout: Duration,
}

/// The deployment's "other ways" text, shown when attempts are exhausted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alternatives {
    pub en: String,
    pub da: String,
}

impl Default for Alternatives {
    fn default() -> Self {
        Self {
            en: Guidance::FlowAlternatives.text(Lang::En).to_owned(),
            da: Guidance::FlowAlternatives.text(Lang::Da).to_owned(),
        }
    }
}

impl Alternatives {
    pub fn text(&self, lang: Lang) -> &str {
        match lang {
            Lang::En => &self.en,
            Lang::Da => &self.da,
        }
    }
}

/// Everything the flow needs to decide; the daemon builds it from its TOML config.
#[derive(Debug, Clone, PartialEq)]
pub struct FlowConfig {
    /// Camera OCR of the code. Manual entry has no timeout: a person typing is not stuck.
    pub code: StepLimits,
    /// Waiting for the card and reading it.
    pub chip: StepLimits,
    /// Face capture, liveness and match.
    pub face: StepLimits,
    pub alternatives: Alternatives,
    /// Language of status texts on the bus.
    pub lang: Lang,
    /// Require Chip or Active Authentication to have passed (a chip without either cannot be
    /// told from a copy). Passive Authentication is always required.
    pub require_clone_protection: bool,
}

impl Default for FlowConfig {
    fn default() -> Self {
        Self {
            code: StepLimits {
                attempts: 3,
                timeout: Duration::from_secs(60),
            },
            chip: StepLimits {
                attempts: 3,
                timeout: Duration::from_secs(30),
            },
            face: StepLimits {
                attempts: 3,
                timeout: Duration::from_secs(30),
            },
            alternatives: Alternatives::default(),
            lang: Lang::En,
            require_clone_protection: true,
        }
    }
}
