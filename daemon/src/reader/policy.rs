//! Which PC/SC reader is the station's: the configured allow-list of name patterns (the first
//! pattern that an acceptable reader matches wins), and virtual readers refused unless the
//! configuration allows them.
//!
//! A virtual reader (vsmartcard's `vpcd`) takes its card from a TCP socket: any program that can
//! reach that socket can present a "chip" of its own making. On a production station it is how a
//! forged chip would get in, so it is never chosen silently — like a virtual camera.
//!
//! A reader is known to be virtual by its name: vsmartcard's default `Virtual PCD`, and every
//! name pcscd's configuration directory (`reader.conf.d`) gives an entry whose driver is vpcd.
//! pcsc-lite names such readers after the entry's `FRIENDLYNAME`, which only the station's admin
//! can set — a card on the socket cannot.

use std::path::Path;

use crate::config::reader_name_matches;

/// The reader rule from the configuration (`[reader]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReaderPolicy {
    /// The allow-list, most preferred first: `*` stands for any run of characters; the match
    /// ignores case. A reader no pattern matches is never used.
    pub patterns: Vec<String>,
    /// Accept a virtual reader (tests, the simulated station).
    pub allow_virtual: bool,
    /// Friendly names of the vpcd entries in pcscd's configuration (see [`vpcd_names`]).
    pub virtual_names: Vec<String>,
}

/// What the rule makes of the connected readers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Choice {
    /// The station's reader: an acceptable match of the earliest pattern that has one, the first
    /// in name order among them (PC/SC lists readers in attach order, which changes with every
    /// replug; name order does not).
    pub chosen: Option<String>,
    /// Readers that match a pattern but were refused as virtual.
    pub refused_virtual: Vec<String>,
    /// Further acceptable matches that were not chosen.
    pub others: Vec<String>,
}

impl ReaderPolicy {
    /// Applies the rule to the reader names PC/SC lists.
    pub fn choose(&self, names: &[String]) -> Choice {
        let mut sorted: Vec<&String> = names.iter().collect();
        sorted.sort();
        sorted.dedup();
        // Pattern order first, then name order; a reader two patterns match counts once.
        let mut matching: Vec<&String> = Vec::new();
        for pattern in &self.patterns {
            for name in &sorted {
                if reader_name_matches(pattern, name) && !matching.contains(name) {
                    matching.push(name);
                }
            }
        }
        let mut choice = Choice::default();
        for name in matching {
            if self.is_virtual(name) && !self.allow_virtual {
                choice.refused_virtual.push(name.clone());
            } else if choice.chosen.is_none() {
                choice.chosen = Some(name.clone());
            } else {
                choice.others.push(name.clone());
            }
        }
        choice
    }

    /// Whether the reader is a software one. pcsc-lite appends the slot numbers to an entry's
    /// friendly name (`Virtual PCD 00 01`).
    pub fn is_virtual(&self, name: &str) -> bool {
        let name = name.to_ascii_lowercase();
        std::iter::once(DEFAULT_VPCD_NAME)
            .chain(self.virtual_names.iter().map(String::as_str))
            .map(str::to_ascii_lowercase)
            .any(|friendly| {
                name.strip_prefix(&friendly)
                    .is_some_and(|rest| rest.is_empty() || rest.starts_with(' '))
            })
    }
}

/// The name Debian's `vsmartcard-vpcd` gives its reader.
const DEFAULT_VPCD_NAME: &str = "Virtual PCD";

/// Friendly names of the entries in pcscd's configuration directory whose driver is vpcd
/// (`LIBPATH …libifdvpcd…`). An unreadable directory gives none: the default name still counts.
pub fn vpcd_names(conf_dir: &Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(conf_dir) else {
        return Vec::new();
    };
    let mut names = Vec::new();
    for entry in entries.flatten() {
        // reader.conf files are a few lines; a huge file is not one.
        let Ok(meta) = entry.metadata() else { continue };
        if !meta.is_file() || meta.len() > 64 * 1024 {
            continue;
        }
        if let Ok(text) = std::fs::read_to_string(entry.path()) {
            names.extend(vpcd_entries(&text));
        }
    }
    names.sort();
    names.dedup();
    names
}

/// Parses reader.conf text (`FRIENDLYNAME "…"`, `LIBPATH …`, one entry after another).
fn vpcd_entries(text: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut friendly: Option<String> = None;
    for line in text.lines() {
        let line = line.trim();
        if let Some(value) = line.strip_prefix("FRIENDLYNAME") {
            friendly = Some(value.trim().trim_matches('"').to_owned());
        } else if let Some(value) = line.strip_prefix("LIBPATH") {
            let driver = Path::new(value.trim())
                .file_name()
                .map(|f| f.to_string_lossy().to_ascii_lowercase())
                .unwrap_or_default();
            if let Some(name) = friendly.take() {
                if driver.contains("vpcd") && !name.is_empty() {
                    names.push(name);
                }
            }
        }
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    fn strict(pattern: &str) -> ReaderPolicy {
        ReaderPolicy {
            patterns: vec![pattern.into()],
            allow_virtual: false,
            virtual_names: Vec::new(),
        }
    }

    #[test]
    fn a_virtual_reader_is_refused_unless_allowed() {
        let connected = names(&["Virtual PCD 00 00", "Virtual PCD 00 01"]);
        let strict = strict("*");
        let choice = strict.choose(&connected);
        assert_eq!(choice.chosen, None);
        assert_eq!(choice.refused_virtual, connected);

        let relaxed = ReaderPolicy {
            allow_virtual: true,
            ..strict
        };
        let choice = relaxed.choose(&connected);
        assert_eq!(choice.chosen.as_deref(), Some("Virtual PCD 00 00"));
        assert_eq!(choice.others, names(&["Virtual PCD 00 01"]));
    }

    #[test]
    fn a_usb_reader_is_chosen_over_a_virtual_one_whatever_the_attach_order() {
        let connected = names(&[
            "Virtual PCD 00 00",
            "ACS ACR1252 Dual Reader [ACR1252 Dual Reader PICC] 01 00",
            "ACS ACR1252 Dual Reader [ACR1252 Dual Reader PICC] 00 00",
        ]);
        let choice = strict("*").choose(&connected);
        assert_eq!(
            choice.chosen.as_deref(),
            Some("ACS ACR1252 Dual Reader [ACR1252 Dual Reader PICC] 00 00")
        );
        assert_eq!(choice.refused_virtual, names(&["Virtual PCD 00 00"]));
        assert_eq!(choice.others.len(), 1);
    }

    #[test]
    fn only_readers_matching_the_pattern_are_considered() {
        let policy = ReaderPolicy {
            allow_virtual: true,
            ..strict("ACS*PICC*")
        };
        let choice = policy.choose(&names(&[
            "Virtual PCD 00 00",
            "ACS ACR1252 Dual Reader [ACR1252 Dual Reader SAM] 00 01",
        ]));
        assert_eq!(choice, Choice::default());
    }

    #[test]
    fn the_allow_list_prefers_its_earlier_patterns_and_ignores_readers_it_does_not_name() {
        let connected = names(&[
            "ACS ACR1252 Dual Reader [ACR1252 Dual Reader PICC] 00 00",
            "Identiv uTrust 3700 F CL Reader 00 00",
            "Gemalto PC Twin Reader 00 00",
        ]);
        let policy = ReaderPolicy {
            patterns: names(&["Identiv uTrust 3700 F*", "ACS ACR1252*PICC*"]),
            ..strict("*")
        };
        let choice = policy.choose(&connected);
        // The admin's first choice wins over name order; the unlisted reader is not a candidate.
        assert_eq!(
            choice.chosen.as_deref(),
            Some("Identiv uTrust 3700 F CL Reader 00 00")
        );
        assert_eq!(
            choice.others,
            names(&["ACS ACR1252 Dual Reader [ACR1252 Dual Reader PICC] 00 00"])
        );
        // Its first choice unplugged, the second pattern's reader takes over.
        let choice = policy.choose(&connected[..1]);
        assert_eq!(
            choice.chosen.as_deref(),
            Some("ACS ACR1252 Dual Reader [ACR1252 Dual Reader PICC] 00 00")
        );
        // A reader matched by two patterns is listed once.
        let overlapping = ReaderPolicy {
            patterns: names(&["ACS*", "*PICC*"]),
            ..strict("*")
        };
        let choice = overlapping.choose(&connected);
        assert_eq!(choice.others, Vec::<String>::new());
        // Nothing listed: nothing chosen, and the virtual reader is refused even if listed.
        let choice = strict("Virtual PCD*").choose(&names(&["Virtual PCD 00 00"]));
        assert_eq!(choice.chosen, None);
        assert_eq!(choice.refused_virtual, names(&["Virtual PCD 00 00"]));
    }

    #[test]
    fn virtual_readers_are_known_by_the_default_name_and_pcscds_vpcd_entries() {
        let mut policy = strict("*");
        assert!(policy.is_virtual("Virtual PCD 00 00"));
        assert!(policy.is_virtual("virtual pcd 01 00"));
        assert!(!policy.is_virtual("Identiv uTrust 3700 F CL Reader 00 00"));
        assert!(!policy.is_virtual("My Virtual PCD"));
        assert!(!policy.is_virtual("Virtual PCDX 00 00"));

        // As Debian's vsmartcard-vpcd and an admin's renamed second entry configure it.
        let conf = tempfile::tempdir().expect("tmp");
        std::fs::write(
            conf.path().join("vpcd"),
            "FRIENDLYNAME \"Virtual PCD\"\nDEVICENAME   /dev/null:0x8C7B\n\
             LIBPATH      /usr/lib/pcsc/drivers/serial/libifdvpcd.so\nCHANNELID    0x8C7B\n\n\
             FRIENDLYNAME \"Desk 2\"\nDEVICENAME /dev/null:0x8C7D\n\
             LIBPATH /opt/vpcd/libifdvpcd.so\nCHANNELID 0x8C7D\n",
        )
        .expect("write");
        std::fs::write(
            conf.path().join("libccidtwin"),
            "FRIENDLYNAME \"GemPCTwin serial\"\nDEVICENAME /dev/ttyS0\n\
             LIBPATH /usr/lib/pcsc/drivers/serial/libccidtwin.so\n",
        )
        .expect("write");
        policy.virtual_names = vpcd_names(conf.path());
        assert_eq!(policy.virtual_names, names(&["Desk 2", "Virtual PCD"]));
        assert!(policy.is_virtual("Desk 2 00 01"));
        assert!(!policy.is_virtual("GemPCTwin serial 00 00"));
        assert!(vpcd_names(&conf.path().join("missing")).is_empty());
    }
}
