//! Guidance codes: the stable ids that the D-Bus API, the TUI, logs and the audit store share,
//! each with the sentence a person at the desk reads (after MitID's help page).
//!
//! The id strings are an API: never rename one, only add.

use std::fmt;
use std::str::FromStr;

/// Language of the texts shown to the person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Lang {
    #[default]
    En,
    Da,
}

impl Lang {
    /// Picks the language from a POSIX locale string such as `da_DK.UTF-8`; English otherwise.
    pub fn from_locale(locale: &str) -> Self {
        if locale.starts_with("da") {
            Lang::Da
        } else {
            Lang::En
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Da => "da",
        }
    }
}

macro_rules! guidance_codes {
    ($( $variant:ident => $id:literal, en: $en:literal, da: $da:literal; )*) => {
        /// One concrete next step for the person (or for staff), by stable id.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Guidance {
            $( $variant, )*
        }

        impl Guidance {
            /// Every code, in declaration order.
            pub const ALL: &'static [Guidance] = &[ $( Guidance::$variant, )* ];

            /// The stable id, e.g. `chip.keep_still`.
            pub fn id(self) -> &'static str {
                match self { $( Guidance::$variant => $id, )* }
            }

            /// The sentence shown to the person.
            pub fn text(self, lang: Lang) -> &'static str {
                match (self, lang) {
                    $( (Guidance::$variant, Lang::En) => $en,
                       (Guidance::$variant, Lang::Da) => $da, )*
                }
            }
        }

        impl FromStr for Guidance {
            type Err = UnknownGuidance;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $( $id => Ok(Guidance::$variant), )*
                    other => Err(UnknownGuidance(other.to_owned())),
                }
            }
        }
    };
}

guidance_codes! {
    // --- step 1: the code (MRZ) ---
    CodeShowPage => "code.show_page",
        en: "Hold the passport's photo page up to the camera.",
        da: "Hold pasets billedside op foran kameraet.";
    CodeHoldStill => "code.hold_still",
        en: "Hold the passport still.",
        da: "Hold passet stille.";
    CodeGlare => "code.glare",
        en: "Tilt the passport a little to avoid reflections.",
        da: "Vip passet lidt for at undgå genskin.";
    CodeUnreadable => "code.unreadable",
        en: "We could not read the code. Try again, or type it in.",
        da: "Vi kunne ikke læse koden. Prøv igen, eller indtast den.";
    CodeTypeIn => "code.type_in",
        en: "Type the document number, date of birth and expiry date from the photo page.",
        da: "Indtast dokumentnummer, fødselsdato og udløbsdato fra billedsiden.";
    CodeFieldInvalid => "code.field_invalid",
        en: "Some of the information you typed is not valid. Check the marked field.",
        da: "Noget af det, du har indtastet, er ikke gyldigt. Tjek det markerede felt.";
    // --- step 2: the chip ---
    ChipPlace => "chip.place",
        en: "Take the passport out of any cover or wallet, place it on the reader and leave it there.",
        da: "Tag passet ud af etui eller pung, læg det på læseren og lad det ligge.";
    ChipKeepStill => "chip.keep_still",
        en: "Keep the passport completely still until the tick appears.",
        da: "Hold passet helt stille, indtil fluebenet vises.";
    ChipTimeout => "chip.timeout",
        en: "That took too long. Lift the passport, put it back and try again.",
        da: "Det tog for lang tid. Løft passet, læg det tilbage og prøv igen.";
    ChipWrongCode => "chip.wrong_code",
        en: "The code does not open the chip. Check the code you scanned or typed.",
        da: "Koden åbner ikke chippen. Tjek den kode, du har scannet eller indtastet.";
    ChipUnsupported => "chip.unsupported",
        en: "This document's chip cannot be read here. Please ask staff.",
        da: "Chippen i dette dokument kan ikke læses her. Spørg venligst personalet.";
    ChipNotGenuine => "chip.not_genuine",
        en: "The document could not be verified. Please ask staff.",
        da: "Dokumentet kunne ikke verificeres. Spørg venligst personalet.";
    // --- step 3: the face ---
    FaceNone => "face.none",
        en: "Place your face in the frame.",
        da: "Placer dit ansigt i rammen.";
    FaceMultiple => "face.multiple",
        en: "Only one person in front of the camera, please.",
        da: "Kun én person foran kameraet, tak.";
    FaceTooFar => "face.too_far",
        en: "Move a little closer.",
        da: "Kom lidt tættere på.";
    FaceTooClose => "face.too_close",
        en: "Move a little back.",
        da: "Gå lidt tilbage.";
    FaceOffCentre => "face.off_centre",
        en: "Centre your face in the frame.",
        da: "Placer dit ansigt midt i rammen.";
    FaceTooDark => "face.too_dark",
        en: "Find better light: it is too dark.",
        da: "Find bedre lys: det er for mørkt.";
    FaceTooBright => "face.too_bright",
        en: "Too much light: move a little away from the window or lamp.",
        da: "For meget lys: flyt dig lidt væk fra vinduet eller lampen.";
    FaceUnevenLight => "face.uneven_light",
        en: "Face the light evenly.",
        da: "Vend ansigtet ligeligt mod lyset.";
    FaceHoldStill => "face.hold_still",
        en: "Keep your face and the camera as still as possible.",
        da: "Hold ansigtet og kameraet så stille som muligt.";
    FaceAngle => "face.angle",
        en: "Look straight into the camera, with no angle.",
        da: "Se direkte ind i kameraet, uden vinkel.";
    FaceOccluded => "face.occluded",
        en: "Remove glasses and brush hair away from your face.",
        da: "Tag briller af og stryg håret væk fra ansigtet.";
    FaceMoveCloser => "face.move_closer",
        en: "Now move slowly closer.",
        da: "Kom nu langsomt tættere på.";
    FaceMoveBack => "face.move_back",
        en: "Now move slowly back.",
        da: "Gå nu langsomt tilbage.";
    FaceLivenessFailed => "face.liveness_failed",
        en: "Try again with slow movements.",
        da: "Prøv igen med langsomme bevægelser.";
    FaceNoMatch => "face.no_match",
        en: "Your face could not be matched to your passport photo.",
        da: "Dit ansigt kunne ikke matches med billedet i dit pas.";
    // --- the flow ---
    FlowUpdateNeeded => "flow.update_needed",
        en: "This station needs an update. Please ask staff.",
        da: "Denne station skal opdateres. Spørg venligst personalet.";
    FlowVerified => "flow.verified",
        en: "You are verified. Thank you.",
        da: "Du er verificeret. Tak.";
    FlowCancelled => "flow.cancelled",
        en: "The verification was cancelled.",
        da: "Verificeringen blev afbrudt.";
    FlowStationFault => "flow.station_fault",
        en: "The station is not working right now. Please ask staff.",
        da: "Stationen virker ikke lige nu. Spørg venligst personalet.";
    FlowAlternatives => "flow.alternatives",
        en: "The photo in the passport may not be good enough for a safe match, or your appearance may have changed. You can book an appointment at citizen service instead, or ask staff.",
        da: "Billedet i passet er måske ikke godt nok til et sikkert match, eller dit udseende kan have ændret sig. Du kan i stedet bestille tid i Borgerservice eller spørge personalet.";
}

impl fmt::Display for Guidance {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

/// A guidance id that this build does not know (e.g. a newer daemon): the front end shows
/// `flow.update_needed` rather than guessing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown guidance code {0:?}")]
pub struct UnknownGuidance(pub String);

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn ids_are_unique_and_round_trip() {
        let mut seen = HashSet::new();
        for g in Guidance::ALL {
            assert!(seen.insert(g.id()), "duplicate id {}", g.id());
            assert_eq!(g.id().parse::<Guidance>(), Ok(*g));
        }
    }

    #[test]
    fn every_code_has_both_languages() {
        for g in Guidance::ALL {
            assert!(!g.text(Lang::En).is_empty());
            assert!(!g.text(Lang::Da).is_empty());
            assert_ne!(g.text(Lang::En), g.text(Lang::Da), "{g} is untranslated");
        }
    }

    #[test]
    fn the_design_notes_codes_are_all_present() {
        // The design notes' guidance table, verbatim ids.
        let design = [
            "code.show_page",
            "code.hold_still",
            "code.glare",
            "code.unreadable",
            "code.field_invalid",
            "chip.place",
            "chip.keep_still",
            "chip.timeout",
            "chip.wrong_code",
            "chip.unsupported",
            "chip.not_genuine",
            "face.none",
            "face.multiple",
            "face.too_far",
            "face.too_close",
            "face.off_centre",
            "face.too_dark",
            "face.too_bright",
            "face.uneven_light",
            "face.hold_still",
            "face.angle",
            "face.occluded",
            "face.move_closer",
            "face.move_back",
            "face.liveness_failed",
            "face.no_match",
            "flow.update_needed",
            "flow.alternatives",
        ];
        // Added by the daemon so every transition has a code: manual entry, the end states and a
        // device fault.
        let added = [
            "code.type_in",
            "flow.verified",
            "flow.cancelled",
            "flow.station_fault",
        ];
        for id in design.iter().chain(added.iter()) {
            assert!(id.parse::<Guidance>().is_ok(), "{id} missing");
        }
        assert_eq!(Guidance::ALL.len(), design.len() + added.len());
        assert!("face.smile".parse::<Guidance>().is_err());
    }

    #[test]
    fn locale_picks_danish_only_for_da() {
        assert_eq!(Lang::from_locale("da_DK.UTF-8"), Lang::Da);
        assert_eq!(Lang::from_locale("en_GB.UTF-8"), Lang::En);
        assert_eq!(Lang::from_locale("C"), Lang::En);
    }
}
