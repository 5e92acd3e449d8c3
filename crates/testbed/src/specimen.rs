//! The station's specimen person (ICAO's Utopia, a made-up name): the simulator (`idgated-sim`)
//! prints it on the data page and personalises the chip with it; tests type it, mutate it and
//! search for it in what the station wrote. Kept as text, so the bench needs no MRZ crate; the
//! simulator checks that its fields encode to exactly these lines.

/// The specimen's TD3 machine readable zone (a passport), line by line.
pub const SPECIMEN_TD3: [&str; 2] = [
    "P<UTOSPECIMEN<<STATION<PERSON<<<<<<<<<<<<<<<",
    "IDG0042113UTO6108045M3504152<<<<<<<<<<<<<<<6",
];
