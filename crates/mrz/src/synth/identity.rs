//! Random but valid identities: MRZ fields for every layout, for tests, benches and the simulated camera.

use crate::date::Date;
use crate::format::MrzFormat;
use crate::mrz::{Mrz, Sex};
use crate::{MrzError, MrzFields};

use super::rng::SynthRng;

const STATES: &[&str] = &[
    "UTO", "D", "DNK", "NLD", "FRA", "GBR", "SWE", "CAN", "ITA", "ESP", "POL", "USA",
];
const ONSETS: &[&str] = &[
    "B", "CH", "D", "F", "G", "H", "J", "K", "L", "M", "N", "P", "R", "S", "T", "V", "W", "Z",
    "ST", "BR", "KL",
];
const VOWELS: &[&str] = &["A", "E", "I", "O", "U", "AA", "IE", "OU", "Y"];
const CODAS: &[&str] = &[
    "", "", "N", "R", "S", "L", "T", "SEN", "SON", "BERG", "ER", "X",
];

fn word(rng: &mut SynthRng, syllables: u32) -> String {
    let mut out = String::new();
    for _ in 0..syllables {
        out.push_str(rng.pick(ONSETS).copied().unwrap_or("K"));
        out.push_str(rng.pick(VOWELS).copied().unwrap_or("A"));
    }
    out.push_str(rng.pick(CODAS).copied().unwrap_or(""));
    out
}

fn alnum(rng: &mut SynthRng, len: usize, letters: f32) -> String {
    (0..len)
        .map(|_| {
            if rng.chance(letters) {
                char::from(b'A' + rng.below(26) as u8)
            } else {
                char::from(b'0' + rng.below(10) as u8)
            }
        })
        .collect()
}

fn date_between(rng: &mut SynthRng, from: Date, years: u32) -> Date {
    let year = from.year() + rng.below(years.max(1)) as u16;
    let month = rng.range(1, 12) as u8;
    let day = rng.range(1, 28) as u8;
    Date::new(year, month, day).unwrap_or(from)
}

/// Fields of a random valid MRZ of `format`. Birth dates lie 1–90 years before `today`, expiry dates
/// between two years ago and ten years ahead; about one in six TD1/TD2 numbers is longer than nine.
pub fn random_fields(rng: &mut SynthRng, format: MrzFormat, today: Date) -> MrzFields {
    let long_number = matches!(format, MrzFormat::Td1 | MrzFormat::Td2) && rng.chance(0.17);
    let number_len = if long_number {
        rng.range(10, if format == MrzFormat::Td1 { 13 } else { 12 }) as usize
    } else {
        rng.range(7, 9) as usize
    };
    let mut document_number = alnum(rng, 1, 1.0);
    document_number.push_str(&alnum(rng, number_len - 1, 0.25));
    let document_code = match format {
        MrzFormat::Td3 => *rng.pick(&["P", "P", "PE", "PD"]).unwrap_or(&"P"),
        MrzFormat::MrvA | MrzFormat::MrvB => "V",
        MrzFormat::Td1 | MrzFormat::Td2 => *rng.pick(&["I", "ID", "IR", "AC", "C"]).unwrap_or(&"I"),
    };
    let state = rng.pick(STATES).copied().unwrap_or("UTO");
    let nationality = if rng.chance(0.8) {
        state
    } else {
        rng.pick(STATES).copied().unwrap_or("UTO")
    };
    let birth_start = Date::new(today.year().saturating_sub(90), 1, 1).unwrap_or(today);
    let birth = date_between(rng, birth_start, 89);
    let expiry_start = Date::new(today.year().saturating_sub(2), 1, 1).unwrap_or(today);
    let expiry = date_between(rng, expiry_start, 12);
    let surname_parts = if rng.chance(0.2) { 2 } else { 1 };
    let primary = (0..surname_parts)
        .map(|_| {
            let syllables = rng.range(1, 3);
            word(rng, syllables)
        })
        .collect::<Vec<_>>()
        .join(" ");
    let given_parts = rng.range(0, 3);
    let secondary = (0..given_parts)
        .map(|_| {
            let syllables = rng.range(1, 3);
            word(rng, syllables)
        })
        .collect::<Vec<_>>()
        .join(" ");
    let optional_room = match format {
        MrzFormat::Td1 => 15 - if long_number { number_len - 9 + 1 } else { 0 },
        MrzFormat::Td2 => 7 - if long_number { number_len - 9 + 1 } else { 0 },
        MrzFormat::Td3 => 14,
        MrzFormat::MrvA => 16,
        MrzFormat::MrvB => 8,
    };
    let optional_data = if rng.chance(0.5) {
        let len = rng.range(1, optional_room.saturating_sub(1) as u32) as usize;
        alnum(rng, len.min(optional_room), 0.2)
    } else {
        String::new()
    };
    let optional_data_2 = if format == MrzFormat::Td1 && rng.chance(0.4) {
        let len = rng.range(1, 11) as usize;
        alnum(rng, len, 0.2)
    } else {
        String::new()
    };
    let sex = *rng
        .pick(&[
            Sex::Male,
            Sex::Female,
            Sex::Female,
            Sex::Male,
            Sex::Unspecified,
        ])
        .unwrap_or(&Sex::Female);
    MrzFields {
        format,
        document_code: document_code.into(),
        issuing_state: state.into(),
        primary_identifier: primary,
        secondary_identifier: secondary,
        document_number,
        nationality: nationality.into(),
        birth_date: birth.yymmdd(),
        sex,
        expiry_date: expiry.yymmdd(),
        optional_data,
        optional_data_2,
    }
}

/// A random valid MRZ of `format`.
pub fn random_mrz(rng: &mut SynthRng, format: MrzFormat, today: Date) -> Result<Mrz, MrzError> {
    random_fields(rng, format, today).encode()
}

/// A random valid passport (TD3) MRZ: what the camera usually sees.
pub fn random_passport(rng: &mut SynthRng, today: Date) -> Result<Mrz, MrzError> {
    random_mrz(rng, MrzFormat::Td3, today)
}
