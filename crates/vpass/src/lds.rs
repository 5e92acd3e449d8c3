//! Personalisation: the LDS files of a virtual passport built from its profile.

use idgate_emrtd::iso7816::tlv;
use idgate_emrtd::lds::LdsFile;
use idgate_emrtd::lds::dg2;
use idgate_mrz::MrzError;

use crate::profile::{FaceEncoding, PassportProfile};

/// One elementary file: identifier, short identifier and content.
#[derive(Clone)]
pub struct ChipFile {
    pub file: LdsFile,
    pub content: Vec<u8>,
}

impl std::fmt::Debug for ChipFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ChipFile({:?}, {} bytes)", self.file, self.content.len())
    }
}

/// The files of the eMRTD application and of the master file.
#[derive(Debug, Clone, Default)]
pub struct Personalisation {
    pub application: Vec<ChipFile>,
    pub master_file: Vec<ChipFile>,
}

impl Personalisation {
    pub fn build(profile: &PassportProfile) -> Result<Self, MrzError> {
        let mrz = profile.mrz.encode()?;
        let dg1 = tlv::encode(0x61, &tlv::encode(0x5F1F, mrz.dg1_text().as_bytes()));
        let face = &profile.face;
        let images = [(face.format, face.width, face.height, face.data.as_slice())];
        let dg2 = match profile.face_encoding {
            FaceEncoding::Iso19794_5 => dg2::build(&images),
            FaceEncoding::Iso39794_5 => dg2::build_iso39794(&images),
        };
        let mut app = vec![
            ChipFile {
                file: LdsFile::DG1,
                content: dg1,
            },
            ChipFile {
                file: LdsFile::DG2,
                content: dg2,
            },
        ];
        if let Some(f) = &profile.dg11 {
            let fields: Vec<(u32, &Option<String>)> = vec![
                (0x5F0E, &f.full_name),
                (0x5F11, &f.place_of_birth),
                (0x5F42, &f.address),
                (0x5F12, &f.telephone),
                (0x5F13, &f.profession),
            ];
            app.push(ChipFile {
                file: LdsFile::DG11,
                content: text_group(0x6B, &fields),
            });
        }
        if let Some(f) = &profile.dg12 {
            let fields: Vec<(u32, &Option<String>)> =
                vec![(0x5F19, &f.issuing_authority), (0x5F26, &f.date_of_issue)];
            app.push(ChipFile {
                file: LdsFile::DG12,
                content: text_group(0x6C, &fields),
            });
        }
        for (file, content) in &profile.extra_files {
            app.retain(|f| f.file != *file);
            app.push(ChipFile {
                file: *file,
                content: content.clone(),
            });
        }
        let com_given = app.iter().any(|f| f.file == LdsFile::Com);
        let tags: Vec<u8> = app
            .iter()
            .filter(|f| f.file != LdsFile::Com)
            .filter_map(|f| f.file.tag().and_then(|t| u8::try_from(t).ok()))
            .collect();
        let com = ef_com(&tags);
        if !com_given {
            app.insert(
                0,
                ChipFile {
                    file: LdsFile::Com,
                    content: com,
                },
            );
        }
        if let Some(sod) = &profile.sod {
            app.push(ChipFile {
                file: LdsFile::Sod,
                content: sod.clone(),
            });
        }
        let mut master_file = Vec::new();
        if let Some(ca) = &profile.card_access {
            master_file.push(ChipFile {
                file: LdsFile::CardAccess,
                content: ca.clone(),
            });
        }
        if profile.chip.extended_length {
            // 7F66: maximum command and response APDU lengths (ISO/IEC 7816-4 §12.7.1).
            let info = tlv::encode(
                0x7F66,
                &[
                    tlv::encode(0x02, &0x1000u16.to_be_bytes()),
                    tlv::encode(0x02, &0x1000u16.to_be_bytes()),
                ]
                .concat(),
            );
            master_file.push(ChipFile {
                file: LdsFile::AtrInfo,
                content: info,
            });
        }
        Ok(Self {
            application: app,
            master_file,
        })
    }
}

/// EF.COM (LDS 1.7, Unicode 4.0.0) listing the data groups of `tags`.
pub fn ef_com(tags: &[u8]) -> Vec<u8> {
    tlv::encode(
        0x60,
        &[
            tlv::encode(0x5F01, b"0107"),
            tlv::encode(0x5F36, b"040000"),
            tlv::encode(0x5C, tags),
        ]
        .concat(),
    )
}

/// A data group of text fields (with its `5C` tag list).
fn text_group(tag: u32, fields: &[(u32, &Option<String>)]) -> Vec<u8> {
    let present: Vec<(u32, &String)> = fields
        .iter()
        .filter_map(|(t, v)| v.as_ref().map(|v| (*t, v)))
        .collect();
    let mut list = Vec::new();
    for (t, _) in &present {
        tlv::encode_tag(*t, &mut list);
    }
    let mut body = tlv::encode(0x5C, &list);
    for (t, v) in present {
        body.extend(tlv::encode(t, v.as_bytes()));
    }
    tlv::encode(tag, &body)
}
