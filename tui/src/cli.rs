//! Command line and environment: which bus, which language, colour or not.

use clap::Parser;
use idgate_api::Lang;

#[derive(Debug, Clone, Parser)]
#[command(
    name = "idgate",
    version,
    about = "Identity check at the service desk: passport code, chip and face"
)]
pub struct Args {
    /// D-Bus address of the bus the station is on (default: the system bus), e.g. the
    /// simulated station's `unix:path=/tmp/idgate-station.XXXXXX/bus`.
    #[arg(long, value_name = "ADDR")]
    pub bus_address: Option<String>,

    /// Language of the screen (default: from LC_ALL, LC_MESSAGES or LANG).
    #[arg(long, value_parser = parse_lang, value_name = "en|da")]
    pub lang: Option<Lang>,

    /// No colour: meaning is carried by symbols and bold (also when NO_COLOR is set).
    #[arg(long)]
    pub mono: bool,

    /// Seconds to wait for any reply from the station.
    #[arg(long, default_value_t = 5, value_name = "SECS", value_parser = clap::value_parser!(u64).range(1..=120))]
    pub timeout: u64,

    /// Seconds to wait for idgated to appear on the bus before giving up (for scripts that start
    /// the daemon and the front end together).
    #[arg(long, default_value_t = 0, value_name = "SECS", value_parser = clap::value_parser!(u64).range(0..=300))]
    pub wait: u64,
}

fn parse_lang(s: &str) -> Result<Lang, String> {
    match s {
        "en" => Ok(Lang::En),
        "da" => Ok(Lang::Da),
        other => Err(format!("unknown language {other:?}: use en or da")),
    }
}

/// The POSIX order for messages: LC_ALL, then LC_MESSAGES, then LANG; the first one set wins.
pub fn lang_from_env(get: impl Fn(&str) -> Option<String>) -> Lang {
    ["LC_ALL", "LC_MESSAGES", "LANG"]
        .iter()
        .filter_map(|k| get(k))
        .find(|v| !v.is_empty())
        .map_or(Lang::En, |v| Lang::from_locale(&v))
}

/// `NO_COLOR` counts when set to anything non-empty (no-color.org).
pub fn mono_from_env(flag: bool, get: impl Fn(&str) -> Option<String>) -> bool {
    flag || get("NO_COLOR").is_some_and(|v| !v.is_empty())
}

/// Terminals announce 24-bit colour with `COLORTERM=truecolor` (or `24bit`).
pub fn truecolor_from_env(get: impl Fn(&str) -> Option<String>) -> bool {
    get("COLORTERM").is_some_and(|v| v == "truecolor" || v == "24bit")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |k| {
            pairs
                .iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| (*v).to_owned())
        }
    }

    #[test]
    fn lc_all_beats_lc_messages_beats_lang() {
        assert_eq!(lang_from_env(env(&[("LANG", "da_DK.UTF-8")])), Lang::Da);
        assert_eq!(
            lang_from_env(env(&[
                ("LANG", "da_DK.UTF-8"),
                ("LC_MESSAGES", "en_GB.UTF-8")
            ])),
            Lang::En
        );
        assert_eq!(
            lang_from_env(env(&[
                ("LC_ALL", "da_DK.UTF-8"),
                ("LC_MESSAGES", "en_GB.UTF-8")
            ])),
            Lang::Da
        );
        assert_eq!(
            lang_from_env(env(&[("LC_ALL", ""), ("LANG", "da_DK")])),
            Lang::Da
        );
        assert_eq!(lang_from_env(env(&[])), Lang::En);
    }

    #[test]
    fn no_color_or_the_flag_means_mono() {
        assert!(mono_from_env(true, env(&[])));
        assert!(mono_from_env(false, env(&[("NO_COLOR", "1")])));
        assert!(!mono_from_env(false, env(&[("NO_COLOR", "")])));
        assert!(!mono_from_env(false, env(&[])));
    }

    #[test]
    fn truecolor_only_when_announced() {
        assert!(truecolor_from_env(env(&[("COLORTERM", "truecolor")])));
        assert!(truecolor_from_env(env(&[("COLORTERM", "24bit")])));
        assert!(!truecolor_from_env(env(&[("COLORTERM", "yes")])));
        assert!(!truecolor_from_env(env(&[])));
    }

    #[test]
    fn the_flags_parse() {
        let a = Args::try_parse_from([
            "idgate",
            "--bus-address",
            "unix:path=/x",
            "--lang",
            "da",
            "--mono",
        ])
        .expect("valid");
        assert_eq!(a.lang, Some(Lang::Da));
        assert!(a.mono);
        assert!(Args::try_parse_from(["idgate", "--lang", "de"]).is_err());
        assert!(Args::try_parse_from(["idgate", "--timeout", "0"]).is_err());
    }
}
