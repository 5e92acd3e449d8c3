//! Fuzz targets of the LDS parsers a chip feeds (ICAO 9303 Part 10/11), each on raw bytes and on
//! mutations of a valid file built with this crate's own encoders: `lds_dg1`, `lds_dg7`,
//! `lds_dg11_dg12`, `lds_com`, `lds_dg2_19794`, `lds_dg2_39794` (with the image decoders behind
//! them), `lds_security_infos` (EF.CardAccess and DG14). Every input ends in a value or a typed
//! error — never a panic — and what is accepted is checked: it round-trips, or a changed byte never
//! yields the same accepted result. Runner: `scripts/fuzz lds_dg1 …` (driver:
//! `idgate_testbed::fuzz`); `cargo test` runs each for a few hundred cases.

#[path = "support/testdata.rs"]
mod testdata;

use std::time::{Duration, Instant};

use idgate_emrtd::emulator::select_from_dg14;
use idgate_emrtd::iso7816::tlv;
use idgate_emrtd::lds::LdsFile;
use idgate_emrtd::lds::card_access::CardAccess;
use idgate_emrtd::lds::com::EfCom;
use idgate_emrtd::lds::dg1::Dg1;
use idgate_emrtd::lds::dg2::{self, Dg2};
use idgate_emrtd::lds::dg7::Dg7;
use idgate_emrtd::lds::dg11::Dg11;
use idgate_emrtd::lds::dg12::Dg12;
use idgate_emrtd::lds::image::{self, ImageFormat};
use idgate_emrtd::lds::security_infos::SecurityInfos;
use idgate_mrz::{MrzFields, MrzFormat, Sex};
use idgate_testbed::fuzz::{bytes, fuzz, mutated_bytes, one_byte_changed, reached, text};
use proptest::prelude::*;
use testdata::testdata;

fn dg1_of(fields: &MrzFields) -> Option<Vec<u8>> {
    let mrz = fields.encode().ok()?;
    Some(tlv::encode(
        0x61,
        &tlv::encode(0x5F1F, mrz.dg1_text().as_bytes()),
    ))
}

fn specimen(format: MrzFormat) -> MrzFields {
    MrzFields {
        format,
        document_code: if format == MrzFormat::Td3 { "P" } else { "I" }.into(),
        issuing_state: "UTO".into(),
        primary_identifier: "Eriksson".into(),
        secondary_identifier: "Anna Maria".into(),
        document_number: "L898902C3".into(),
        nationality: "UTO".into(),
        birth_date: "740812".into(),
        sex: Sex::Female,
        expiry_date: "120415".into(),
        optional_data: "ZE184226B".into(),
        optional_data_2: String::new(),
    }
}

/// DG1 of a TD3, TD2 or TD1 MRZ with arbitrary names and number (the encoder computes the check
/// digits), so the parser's accepting paths get exercised, not only its refusals.
fn generated_dg1() -> impl Strategy<Value = Vec<u8>> {
    let format = prop_oneof![
        Just(MrzFormat::Td3),
        Just(MrzFormat::Td2),
        Just(MrzFormat::Td1)
    ];
    let name = "[A-Z]{1,12}( [A-Z]{1,10})?";
    (format, name, name, "[A-Z0-9]{1,12}", "[A-Z0-9]{0,14}").prop_map(
        |(format, primary, secondary, number, optional)| {
            let mut f = specimen(format);
            f.primary_identifier = primary;
            f.secondary_identifier = secondary;
            f.document_number = number;
            f.optional_data = optional;
            dg1_of(&f).unwrap_or_default()
        },
    )
}

#[test]
fn lds_dg1() {
    let valid = dg1_of(&specimen(MrzFormat::Td3)).expect("specimen");
    let original = Dg1::parse(&valid).expect("the specimen parses");
    let input = prop_oneof![
        bytes(120),
        mutated_bytes(valid.clone(), 4),
        generated_dg1(),
        generated_dg1().prop_flat_map(|v| mutated_bytes(v, 2)),
        text(100).prop_map(|t| tlv::encode(0x61, &tlv::encode(0x5F1F, t.as_bytes()))),
        one_byte_changed(valid.clone()),
    ];
    fuzz("lds_dg1", 5000, input, |raw| {
        if let Ok(dg1) = Dg1::parse(&raw) {
            reached("accepted");
            // Round trip: DG1 rebuilt from what was accepted parses to the same fields.
            let again = tlv::encode(0x61, &tlv::encode(0x5F1F, dg1.mrz.as_bytes()));
            prop_assert!(Dg1::parse(&again).as_ref() == Ok(&dg1), "no round trip");
            prop_assert!(!dg1.document_number.is_empty());
            // Every byte of DG1 is structure or MRZ text: one changed byte is refused or shows.
            if differs_in_one_byte(&raw, &valid) {
                prop_assert!(dg1 != original, "a changed DG1 gave the specimen's fields");
            }
        }
        Ok(())
    });
}

fn differs_in_one_byte(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).filter(|(x, y)| x != y).count() == 1
}

/// A small real JPEG (encoded here), as DG7's signature image or DG2's portrait.
fn small_jpeg(w: u32, h: u32) -> Vec<u8> {
    let mut out = Vec::new();
    let pixels: Vec<u8> = (0..w * h * 3).map(|i| (i * 7 % 251) as u8).collect();
    ::image::codecs::jpeg::JpegEncoder::new(&mut out)
        .encode(&pixels, w, h, ::image::ExtendedColorType::Rgb8)
        .expect("encode a JPEG");
    out
}

fn dg7_of(images: &[&[u8]]) -> Vec<u8> {
    let mut body = tlv::encode(0x02, &[images.len() as u8]);
    for i in images {
        body.extend(tlv::encode(0x5F43, i));
    }
    tlv::encode(0x67, &body)
}

#[test]
fn lds_dg7() {
    let jpeg = small_jpeg(16, 8);
    let valid = dg7_of(&[&jpeg]);
    assert_eq!(Dg7::parse(&valid).expect("parses").images.len(), 1);
    let two = dg7_of(&[&jpeg, b"not an image"]);
    let input = prop_oneof![
        bytes(200),
        mutated_bytes(valid.clone(), 4),
        mutated_bytes(two, 4),
        proptest::collection::vec(bytes(40), 0..4).prop_map(|imgs| {
            let refs: Vec<&[u8]> = imgs.iter().map(Vec::as_slice).collect();
            dg7_of(&refs)
        }),
    ];
    fuzz("lds_dg7", 5000, input, |raw| {
        match Dg7::parse(&raw) {
            Ok(dg7) => {
                reached("accepted");
                for (format, bytes) in &dg7.images {
                    // What is kept is the stored image, and its format is what the bytes say.
                    prop_assert!(
                        bytes.is_empty() || raw.windows(bytes.len()).any(|w| w == bytes.as_slice())
                    );
                    prop_assert_eq!(*format, ImageFormat::sniff(bytes));
                }
            }
            Err(e) => prop_assert!(!e.to_string().is_empty()),
        }
        Ok(())
    });
}

fn text_group(tag: u32, fields: &[(u32, &[u8])]) -> Vec<u8> {
    let mut list = Vec::new();
    for (t, _) in fields {
        tlv::encode_tag(*t, &mut list);
    }
    let mut body = tlv::encode(0x5C, &list);
    for (t, v) in fields {
        body.extend(tlv::encode(*t, v));
    }
    tlv::encode(tag, &body)
}

#[test]
fn lds_dg11_dg12() {
    // ICAO 9303 Part 10 §4.7.11/§4.7.12 layouts, with the Part 10 worked example's values.
    let dg11 = text_group(
        0x6B,
        &[
            (0x5F0E, b"SMITH<<JOHN<J"),
            (0x5F2B, b"19740812"),
            (0x5F11, b"ANYTOWN<MN"),
            (0x5F42, b"123 MAPLE RD<ANYTOWN<MN"),
            (0x5F12, b"16125551212"),
            (0x5F13, b"TRAVEL<AGENT"),
        ],
    );
    let dg12 = text_group(
        0x6C,
        &[
            (0x5F19, b"UTOPIA PASSPORT OFFICE"),
            (0x5F26, &[0x20, 0x02, 0x04, 0x15]),
            (0x5F55, b"20161115013612"),
            (0x5F56, b"N-4962"),
        ],
    );
    assert!(Dg11::parse(&dg11).is_ok() && Dg12::parse(&dg12).is_ok());
    // Arbitrary fields, known tags or not, in a well-formed group.
    let tags = proptest::sample::select(vec![
        0x5F0Eu32, 0x5F0F, 0x5F10, 0x5F2B, 0x5F11, 0x5F42, 0x5F19, 0x5F26, 0x5F55, 0xA0, 0x5F16,
        0x5F1D, 0x42,
    ]);
    let fields = proptest::collection::vec((tags, bytes(24)), 0..6);
    let generated = (prop_oneof![Just(0x6Bu32), Just(0x6C)], fields).prop_map(|(tag, fields)| {
        let refs: Vec<(u32, &[u8])> = fields.iter().map(|(t, v)| (*t, v.as_slice())).collect();
        text_group(tag, &refs)
    });
    let input = prop_oneof![
        bytes(200),
        mutated_bytes(dg11, 4),
        mutated_bytes(dg12, 4),
        generated,
    ];
    fuzz("lds_dg11_dg12", 5000, input, |raw| {
        let a = Dg11::parse(&raw);
        let b = Dg12::parse(&raw);
        // One file is one data group: never both.
        prop_assert!(!(a.is_ok() && b.is_ok()), "accepted as DG11 and DG12");
        if let Ok(d) = a {
            reached("DG11 accepted");
            for date in d.full_birth_date.iter() {
                prop_assert!(date.chars().all(|c| c.is_ascii_digit()), "{:?}", date);
            }
        }
        if let Ok(d) = b {
            reached("DG12 accepted");
            for date in d.date_of_issue.iter().chain(d.personalisation_time.iter()) {
                prop_assert!(date.chars().all(|c| c.is_ascii_digit()), "{:?}", date);
            }
        }
        Ok(())
    });
}

fn com_of(lds: &[u8], unicode: &[u8], tags: &[u8]) -> Vec<u8> {
    tlv::encode(
        0x60,
        &[
            tlv::encode(0x5F01, lds),
            tlv::encode(0x5F36, unicode),
            tlv::encode(0x5C, tags),
        ]
        .concat(),
    )
}

#[test]
fn lds_com() {
    // ICAO 9303 Part 10 Appendix A's EF.COM, and one listing every data group.
    let sample = hex::decode("60145F0104303130365F36063034303030305C026175").expect("hex");
    let all: Vec<u8> = (1..=16)
        .filter_map(|n| LdsFile::Dg(n).tag())
        .map(|t| t as u8)
        .collect();
    let full = com_of(b"0107", b"040000", &all);
    let generated = (bytes(6), bytes(8), bytes(20)).prop_map(|(a, b, c)| com_of(&a, &b, &c));
    let input = prop_oneof![
        bytes(60),
        mutated_bytes(sample, 4),
        mutated_bytes(full, 4),
        generated,
    ];
    fuzz("lds_com", 5000, input, |raw| {
        if let Ok(com) = EfCom::parse(&raw) {
            reached("accepted");
            // Round trip through the tags of the data groups it names.
            let tags: Vec<u8> = com
                .data_groups
                .iter()
                .filter_map(|f| f.tag())
                .map(|t| t as u8)
                .collect();
            prop_assert_eq!(tags.len(), com.data_groups.len());
            let again = com_of(
                com.lds_version.as_bytes(),
                com.unicode_version.as_bytes(),
                &tags,
            );
            prop_assert_eq!(EfCom::parse(&again), Ok(com));
        }
        Ok(())
    });
}

/// Decodes each face the way the station would, within a time bound: a typed result or an error,
/// and what decodes has the size the decoder reports and is within the pixel limit.
fn decode_faces(dg2: &Dg2) -> Result<(), TestCaseError> {
    for face in &dg2.faces {
        if face.format == ImageFormat::Jpeg2000 {
            let _ = image::jpeg2000_header(&face.data);
        }
        let started = Instant::now();
        if let Ok(rgb) = image::decode(&face.data) {
            reached("image decoded");
            prop_assert!(rgb.width <= image::MAX_SIDE && rgb.height <= image::MAX_SIDE);
            prop_assert_eq!(
                rgb.pixels.len(),
                rgb.width as usize * rgb.height as usize * 3
            );
        }
        prop_assert!(
            started.elapsed() < Duration::from_secs(5),
            "decoding took {:?}",
            started.elapsed()
        );
    }
    Ok(())
}

fn check_dg2(raw: &[u8]) -> Result<(), TestCaseError> {
    match Dg2::parse(raw) {
        Ok(dg2) => {
            reached("parsed");
            prop_assert!(!dg2.faces.is_empty());
            for face in &dg2.faces {
                // The image is a slice of the file, not something made up.
                let n = face.data.len();
                prop_assert!(n == 0 || raw.windows(n).any(|w| w == face.data.as_slice()));
            }
            decode_faces(&dg2)?;
        }
        Err(e) => prop_assert!(!e.to_string().is_empty()),
    }
    Ok(())
}

#[test]
fn lds_dg2_19794() {
    let jpeg = small_jpeg(24, 32);
    let jp2 = testdata("emrtd/jp2/monochrome.jp2");
    let valid = dg2::build(&[(ImageFormat::Jpeg, 24, 32, &jpeg)]);
    let two = dg2::build(&[
        (ImageFormat::Jpeg, 24, 32, &jpeg),
        (ImageFormat::Jpeg2000, 512, 384, jp2),
    ]);
    assert_eq!(Dg2::parse(&two).expect("parses").faces.len(), 2);
    // Mutated images inside an intact record reach the decoders.
    let image_only = (mutated_bytes(jpeg.clone(), 6), any::<bool>()).prop_map(move |(img, j2k)| {
        let format = if j2k {
            ImageFormat::Jpeg2000
        } else {
            ImageFormat::Jpeg
        };
        dg2::build(&[(format, 24, 32, &img)])
    });
    let j2k_only = mutated_bytes(jp2.to_vec(), 6)
        .prop_map(|img| dg2::build(&[(ImageFormat::Jpeg2000, 512, 384, &img)]));
    let input = prop_oneof![
        1 => bytes(200),
        3 => mutated_bytes(valid, 6),
        2 => mutated_bytes(two, 6),
        2 => image_only,
        2 => j2k_only,
    ];
    fuzz("lds_dg2_19794", 1000, input, |raw| check_dg2(&raw));
}

#[test]
fn lds_dg2_39794() {
    let jpeg = small_jpeg(24, 32);
    let built = dg2::build_iso39794(&[(ImageFormat::Jpeg, 24, 32, &jpeg)]);
    // The ICAO application-profile samples (mandatory fields; all fields) with their 15 KB JP2.
    let mand = testdata("emrtd/iso39794/ICAO_39794_5_AP_DG2_MandFields.dat").to_vec();
    let all = testdata("emrtd/iso39794/ICAO_39794_5_AP_DG2_AllFields.dat").to_vec();
    assert!(Dg2::parse(&all).is_ok() && Dg2::parse(&built).is_ok());
    // Edits in the metadata (before the image) of the samples: the image stays decodable, so
    // every exec does not pay for a 15 KB JPEG 2000 unless the edit reaches it.
    let head = |v: Vec<u8>| {
        let cut = v.len().min(400);
        let (h, t) = v.split_at(cut);
        let tail = t.to_vec();
        mutated_bytes(h.to_vec(), 4).prop_map(move |mut h| {
            h.extend_from_slice(&tail);
            h
        })
    };
    let input = prop_oneof![
        1 => bytes(200),
        4 => mutated_bytes(built, 6),
        2 => head(mand),
        2 => head(all),
    ];
    fuzz("lds_dg2_39794", 800, input, |raw| check_dg2(&raw));
}

fn h(s: &str) -> Vec<u8> {
    hex::decode(s).expect("hex")
}

#[test]
fn lds_security_infos() {
    // ICAO 9303-11 G.1's EF.CardAccess, a PACE-CAM one, and the ICAO 9303-10 sample DG14 with its
    // explicit brainpoolP384r1 key (as in tests/hostile_inputs.rs).
    let gm = h("31143012060A04007F0007020204020202010202010D");
    let cam =
        h("31283012060A04007F0007020204020202010202010D3012060A04007F0007020204060202010202010D");
    let dg14 = h(concat!(
        "6e82021431820210308201c4060904007f000702020102308201b53082014d06072a8648ce3d020130820140",
        "020101303c06072a8648ce3d01010231008cb91e82a3386d280f5d6f7e50e641df152f7109ed5456b412b1da",
        "197fb71123acd3a729901d1a71874700133107ec53306404307bc382c63d8c150c3c72080ace05afa0c2bea2",
        "8e4fb22787139165efba91f90f8aa5814a503ad4eb04a8c7dd22ce2826043004a8c7dd22ce28268b39b55416",
        "f0447c2fb77de107dcd2a62e880ea53eeb62d57cb4390295dbc9943ab78696fa504c110461041d1c64f068cf",
        "45ffa2a63a81b7c13f6b8847a3e77ef14fe3db7fcafe0cbd10e8e826e03436d646aaef87b2e247d4af1e8abe",
        "1d7520f9c2a45cb1eb8e95cfd55262b70b29feec5864e19c054ff99129280e4646217791811142820341263c",
        "53150231008cb91e82a3386d280f5d6f7e50e641df152f7109ed5456b31f166e6cac0425a7cf3ab6af6b7fc3",
        "103b883202e9046565020101036200047777b5202c812ea334f4295b6ae711f70cc77ca43a53560569603cb9",
        "2fb55c084d714bcf291f3c4dbb8ead1278fca88c3d6adebd71f9e2de90cb0450f8ab7cdcba5af6752eb3c57e",
        "a7d5f126e21c10cedd0fcb6d7ff2f57a713306e59882b51d300f060a04007f00070202030204020101300d06",
        "0804007f00070202020201013012060a04007f000702020402040201020201103012060a04007f0007020204",
        "0604020102020110"
    ));
    assert!(select_from_dg14(&dg14).is_ok());
    // SecurityInfo SEQUENCEs with PACE/CA/AA-like OIDs and arbitrary data.
    let oid = proptest::sample::select(vec![
        h("04007F0007020204020202"),
        h("04007F0007020204060202"),
        h("04007F00070202040202"),
        h("04007F00070202030202"),
        h("04007F000702020102"),
        h("04007F0007020201"),
        h("2A8648CE3D0201"),
    ]);
    let info = (oid, proptest::collection::vec(bytes(12), 0..3)).prop_map(|(oid, rest)| {
        let mut body = tlv::encode(0x06, &oid);
        for r in rest {
            body.extend(if r.len() % 2 == 0 {
                tlv::encode(0x02, &r)
            } else {
                r
            });
        }
        tlv::encode(0x30, &body)
    });
    let generated =
        proptest::collection::vec(info, 0..4).prop_map(|infos| tlv::encode(0x31, &infos.concat()));
    let input = prop_oneof![
        bytes(100),
        mutated_bytes(gm, 4),
        mutated_bytes(cam, 4),
        mutated_bytes(dg14.clone(), 4),
        generated,
    ];
    fuzz("lds_security_infos", 5000, input, |raw| {
        let simple = CardAccess::parse(&raw);
        let parsed = SecurityInfos::parse(&raw);
        // One owner of SecurityInfo parsing: EF.CardAccess is exactly what SecurityInfos reads.
        prop_assert_eq!(
            simple.as_ref().map(CardAccess::security_infos).ok(),
            parsed.as_ref().ok()
        );
        if let Ok(infos) = parsed {
            reached("SecurityInfos parsed");
            // A PACE offer the reader picks is one it supports.
            if let Some(best) = infos.best_pace() {
                reached("PACE offered");
                prop_assert!(best.is_supported());
            }
            let _ = infos.chip_auth_public_keys().count();
            let _ = infos.active_auth();
        }
        if let Ok(ca) = &simple {
            prop_assert_eq!(ca.raw(), raw.as_slice());
        }
        let _ = SecurityInfos::parse_dg14(&raw);
        if select_from_dg14(&raw).is_ok() {
            reached("DG14 key selected");
        }
        Ok(())
    });
}
