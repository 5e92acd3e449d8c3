//! The corpus: seeds made by this workspace's own encoders (the LDS builders of emrtd and vpass,
//! the test PKI of vpass), written by `idgate-fuzz --write-seeds` to `fuzz/corpus/<target>/` with
//! the PKI they were signed with in `fuzz/fixtures/`. Nothing in it comes from elsewhere.

use std::path::Path;

use idgate_emrtd::iso7816::tlv;
use idgate_emrtd::lds::LdsFile;
use idgate_emrtd::lds::dg2;
use idgate_emrtd::lds::image::ImageFormat;
use idgate_mrz::{MrzFields, MrzFormat, Sex};
use idgate_vpass::FaceImage;

use crate::hostile::{FILES, fixtures};
use crate::pki::{aa_dg15, material};
use crate::targets::{aa_representative, aa_signature, explicit_p256};

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
        // TD2's optional data field holds 7 characters.
        optional_data: if format == MrzFormat::Td2 {
            "ZE1842"
        } else {
            "ZE184226B"
        }
        .into(),
        optional_data_2: String::new(),
    }
}

fn dg1_of(format: MrzFormat) -> Vec<u8> {
    let mrz = specimen(format).encode().expect("specimen MRZ");
    tlv::encode(0x61, &tlv::encode(0x5F1F, mrz.dg1_text().as_bytes()))
}

/// The TD3 specimen's DG1 (`lds_dg1` compares one-byte changes of it with the original).
pub fn specimen_dg1() -> Vec<u8> {
    dg1_of(MrzFormat::Td3)
}

pub fn com_of(lds: &[u8], unicode: &[u8], tags: &[u8]) -> Vec<u8> {
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

fn small_jpeg() -> Vec<u8> {
    FaceImage::synthetic_jpeg(24, 32, 600).data.to_vec()
}

fn file_of(fx: &crate::hostile::Fixture, file: LdsFile) -> Vec<u8> {
    fx.files
        .iter()
        .find(|(f, _)| *f == file)
        .map(|(_, b)| b.clone())
        .unwrap_or_default()
}

/// Every target's seeds: (target, seed name, bytes).
pub fn seeds() -> Vec<(&'static str, String, Vec<u8>)> {
    let mut out: Vec<(&'static str, String, Vec<u8>)> = Vec::new();
    let mut add = |t: &'static str, name: &str, b: Vec<u8>| out.push((t, name.to_string(), b));

    for (f, n) in [
        (MrzFormat::Td3, "td3"),
        (MrzFormat::Td2, "td2"),
        (MrzFormat::Td1, "td1"),
    ] {
        add("lds_dg1", n, dg1_of(f));
        let mrz = specimen(f).encode().expect("specimen MRZ");
        add("mrz_parse", n, mrz.lines().join("\n").into_bytes());
    }
    add(
        "manual_entry",
        "dates_iso",
        b"L898902C3\n1974-08-12\n2012-04-15\n123456".to_vec(),
    );
    add(
        "manual_entry",
        "dates_yymmdd",
        b"L898902C3\n740812\n120415\n".to_vec(),
    );

    let jpeg = small_jpeg();
    let mut dg7 = tlv::encode(0x02, &[1]);
    dg7.extend(tlv::encode(0x5F43, &jpeg));
    add("lds_dg7", "one_jpeg", tlv::encode(0x67, &dg7));
    // ICAO 9303 Part 10 §4.7.11/§4.7.12 layouts, with the Part 10 worked example's values.
    add(
        "lds_dg11_dg12",
        "dg11",
        text_group(
            0x6B,
            &[
                (0x5F0E, b"SMITH<<JOHN<J"),
                (0x5F2B, b"19740812"),
                (0x5F11, b"ANYTOWN<MN"),
                (0x5F42, b"123 MAPLE RD<ANYTOWN<MN"),
                (0x5F12, b"16125551212"),
                (0x5F13, b"TRAVEL<AGENT"),
            ],
        ),
    );
    add(
        "lds_dg11_dg12",
        "dg12",
        text_group(
            0x6C,
            &[
                (0x5F19, b"UTOPIA PASSPORT OFFICE"),
                (0x5F26, &[0x20, 0x02, 0x04, 0x15]),
                (0x5F55, b"20161115013612"),
                (0x5F56, b"N-4962"),
            ],
        ),
    );
    add(
        "lds_com",
        "dg1_dg2",
        com_of(b"0107", b"040000", &[0x61, 0x75]),
    );
    let all: Vec<u8> = (1..=16)
        .filter_map(|n| LdsFile::Dg(n).tag())
        .map(|t| t as u8)
        .collect();
    add("lds_com", "all_dgs", com_of(b"0107", b"040000", &all));
    add(
        "lds_dg2_19794",
        "jpeg",
        dg2::build(&[(ImageFormat::Jpeg, 24, 32, &jpeg)]),
    );
    add(
        "lds_dg2_19794",
        "two_faces",
        dg2::build(&[
            (ImageFormat::Jpeg, 24, 32, &jpeg),
            (ImageFormat::Jpeg, 24, 32, &jpeg),
        ]),
    );
    add(
        "lds_dg2_39794",
        "jpeg",
        dg2::build_iso39794(&[(ImageFormat::Jpeg, 24, 32, &jpeg)]),
    );

    let fx = fixtures();
    let names = ["gm_ecdh", "jp2", "cam", "dh_rsa_aa"];
    for (i, name) in names.iter().enumerate() {
        if i == 1 {
            continue; // the same security files as the first
        }
        add(
            "lds_security_infos",
            &format!("card_access_{name}"),
            file_of(&fx[i], LdsFile::CardAccess),
        );
        add(
            "lds_security_infos",
            &format!("dg14_{name}"),
            file_of(&fx[i], LdsFile::Dg(14)),
        );
    }

    let m = material();
    add("pki_sod", "sod", m.sod.clone());
    let der = |c: &x509_cert::Certificate| der::Encode::to_der(c).expect("der");
    add("pki_ds_chain", "ds", [vec![0], der(&m.ds)].concat());
    add(
        "pki_ds_chain",
        "explicit_p256",
        [vec![1], explicit_p256()].concat(),
    );
    add("pki_crl", "crl_revoked", m.crl_revoked_der.clone());
    add("pki_master_list", "master_list", m.master_list.clone());
    add(
        "aa_iso9796_2",
        "representative",
        [vec![0], aa_representative()].concat(),
    );
    add(
        "aa_iso9796_2",
        "signature",
        [vec![1], aa_signature()].concat(),
    );
    add(
        "aa_iso9796_2",
        "dg15",
        [vec![2], aa_dg15(&m.aa_key)].concat(),
    );

    // hostile_chip (layout in hostile.rs): every passport with each file under an empty edit
    // script (the genuine read, checks on), each answer class, and the plain files replaced.
    for (p, name) in names.iter().enumerate() {
        for (i, file) in FILES.iter().enumerate() {
            if p == 0
                || matches!(
                    *file,
                    LdsFile::Sod | LdsFile::CardAccess | LdsFile::Dg(14) | LdsFile::Dg(15)
                )
            {
                add(
                    "hostile_chip",
                    &format!("{name}_file_{file:?}"),
                    vec![p as u8, 0b001, i as u8],
                );
            }
        }
        for (class, cname) in ["security", "reads", "any"].iter().enumerate() {
            add(
                "hostile_chip",
                &format!("{name}_answer_{cname}"),
                vec![p as u8, 0b011, class as u8, 0, 0, 0],
            );
        }
    }
    for (i, file) in FILES.iter().enumerate() {
        if matches!(
            *file,
            LdsFile::Com | LdsFile::DG1 | LdsFile::DG11 | LdsFile::DG12
        ) {
            let bytes = file_of(&fx[0], *file);
            add(
                "hostile_chip",
                &format!("replace_{file:?}"),
                [vec![0, 0b101, i as u8], bytes].concat(),
            );
        }
    }
    out
}

/// Writes the PKI to `fixtures` and the seeds to `corpus/<target>/` (both replaced).
pub fn write(corpus: &Path, fixtures: &Path) -> Result<usize, Box<dyn std::error::Error>> {
    crate::pki::write_material(fixtures)?;
    // `material()` reads what was just written (main passes the default fixtures directory).
    debug_assert_eq!(fixtures, crate::pki::fixtures_dir());
    let seeds = seeds();
    for (target, _) in crate::TARGETS {
        let dir = corpus.join(target);
        if dir.is_dir() {
            std::fs::remove_dir_all(&dir)?;
        }
        std::fs::create_dir_all(&dir)?;
    }
    for (target, name, bytes) in &seeds {
        let file = name.replace(|c: char| !c.is_ascii_alphanumeric() && c != '_', "_");
        std::fs::write(corpus.join(target).join(file), bytes)?;
    }
    Ok(seeds.len())
}
