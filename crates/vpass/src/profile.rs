//! What a virtual passport holds and how its chip behaves.

use std::fmt;
use std::time::Duration;

use idgate_emrtd::lds::LdsFile;
use idgate_emrtd::lds::image::ImageFormat;
use idgate_mrz::{ChipAccessKey, MrzError, MrzFields, MrzFormat, Sex};
use zeroize::Zeroizing;

/// The facial image stored in DG2.
#[derive(Clone)]
pub struct FaceImage {
    pub format: ImageFormat,
    pub width: u16,
    pub height: u16,
    /// Encoded JPEG or JPEG 2000 bytes.
    pub data: Zeroizing<Vec<u8>>,
}

impl fmt::Debug for FaceImage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "FaceImage({:?} {}×{}, {} bytes)",
            self.format,
            self.width,
            self.height,
            self.data.len()
        )
    }
}

impl FaceImage {
    /// A synthetic portrait-sized JPEG of about `target_bytes` (a smooth colour field with
    /// texture, not a face): realistic DG2 sizes without shipping a photo.
    pub fn synthetic_jpeg(width: u16, height: u16, target_bytes: usize) -> Self {
        let (w, h) = (u32::from(width), u32::from(height));
        let img = image::RgbImage::from_fn(w, h, |x, y| {
            // A soft radial field with fine deterministic grain: the encoder has detail to spend
            // bytes on, as with a photo, and the size tracks the quality setting.
            let grain = (x.wrapping_mul(73_856_093) ^ y.wrapping_mul(19_349_663)) % 5;
            let cx = (x as f32 - w as f32 / 2.0) / (w as f32 / 2.0);
            let cy = (y as f32 - h as f32 / 2.5) / (h as f32 / 2.0);
            let r = ((cx * cx + cy * cy).sqrt() * 200.0) as u32;
            image::Rgb([
                ((r + grain) % 256) as u8,
                ((y * 255 / h.max(1)) + grain).min(255) as u8,
                (128 + grain) as u8,
            ])
        });
        let encode = |quality: u8| {
            let mut out = Vec::new();
            // Encoding into a Vec cannot fail for an in-memory RGB image of valid size.
            let _ = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, quality)
                .encode_image(&img);
            out
        };
        // The highest quality whose size stays within the target (size grows with quality).
        let (mut lo, mut hi) = (5u8, 95u8);
        let mut best = encode(lo);
        while lo < hi {
            let mid = lo + (hi - lo).div_ceil(2);
            let candidate = encode(mid);
            if candidate.len() <= target_bytes {
                best = candidate;
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        Self {
            format: ImageFormat::Jpeg,
            width,
            height,
            data: Zeroizing::new(best),
        }
    }
}

/// DG11 fields the emulator can carry.
#[derive(Debug, Clone, Default)]
pub struct Dg11Fields {
    pub full_name: Option<String>,
    pub place_of_birth: Option<String>,
    pub address: Option<String>,
    pub telephone: Option<String>,
    pub profession: Option<String>,
}

/// DG12 fields the emulator can carry.
#[derive(Debug, Clone, Default)]
pub struct Dg12Fields {
    pub issuing_authority: Option<String>,
    /// YYYYMMDD.
    pub date_of_issue: Option<String>,
}

/// How the chip behaves: capabilities and faults for tests.
#[derive(Debug, Clone)]
pub struct ChipBehaviour {
    /// Accepts extended length APDUs and says so (historical bytes, EF.ATR/INFO).
    pub extended_length: bool,
    /// Largest plain Le a READ BINARY may ask for; more is refused with `6700`
    /// (a chip that "rejects Le=256 but takes 0xDF" has `max_le = 0xDF`).
    pub max_le: u32,
    /// READ BINARY with a short file identifier works.
    pub sfi: bool,
    /// READ BINARY with odd INS (`B1`, offsets beyond 32767) works.
    pub odd_ins: bool,
    /// The card leaves the field after serving this many file bytes (once).
    pub drop_after_bytes: Option<usize>,
    /// Time each answer takes (the in-process transport advances its clock by it; over vpcd the
    /// emulator sleeps).
    pub response_delay: Duration,
    /// Historical bytes of the ATR; derived from `extended_length` when `None`.
    pub historical_bytes: Option<Vec<u8>>,
}

impl Default for ChipBehaviour {
    fn default() -> Self {
        Self {
            extended_length: false,
            max_le: 256,
            sfi: true,
            odd_ins: true,
            drop_after_bytes: None,
            response_delay: Duration::ZERO,
            historical_bytes: None,
        }
    }
}

impl ChipBehaviour {
    /// A modern chip: accepts extended length APDUs (and says so), so a reader can take a whole
    /// data group in a few large reads, as current passports allow.
    pub fn modern() -> Self {
        Self {
            extended_length: true,
            max_le: 0xFFFF,
            ..Self::default()
        }
    }

    pub fn historical_bytes(&self) -> Vec<u8> {
        self.historical_bytes.clone().unwrap_or_else(|| {
            // Compact-TLV card capabilities (tag 7, 3 bytes); third byte bit 7 = extended length.
            vec![
                0x80,
                0x73,
                0x00,
                0x00,
                if self.extended_length { 0x40 } else { 0x00 },
            ]
        })
    }
}

/// The standard DG2's facial record follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FaceEncoding {
    /// ISO/IEC 19794-5:2005 binary record in `5F2E` (passports to date).
    #[default]
    Iso19794_5,
    /// ISO/IEC 39794-5 ASN.1 face image data block in `7F2E` (ICAO 9303 8th ed., newer passports).
    Iso39794_5,
}

/// Everything a virtual passport is personalised with.
#[derive(Clone)]
pub struct PassportProfile {
    pub mrz: MrzFields,
    pub face: FaceImage,
    pub face_encoding: FaceEncoding,
    pub dg11: Option<Dg11Fields>,
    pub dg12: Option<Dg12Fields>,
    /// EF.SOD as raw bytes (`pki` signs a matching one; `None`: the chip has no EF.SOD).
    pub sod: Option<Vec<u8>>,
    /// EF.CardAccess in the master file (PACE), raw; `None`: absent (BAC only).
    pub card_access: Option<Vec<u8>>,
    /// Further files as raw bytes (e.g. DG14, DG15 from `pki`), listed in EF.COM.
    pub extra_files: Vec<(LdsFile, Vec<u8>)>,
    pub chip: ChipBehaviour,
}

impl fmt::Debug for PassportProfile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PassportProfile")
            .field("face", &self.face)
            .field("face_encoding", &self.face_encoding)
            .field("chip", &self.chip)
            .finish_non_exhaustive()
    }
}

impl PassportProfile {
    /// The ICAO 9303 Part 4 specimen (ERIKSSON ANNA MARIA, L898902C3, UTO) with a synthetic
    /// ~15 KB JPEG portrait and the specimen EF.SOD.
    pub fn specimen() -> Self {
        let mut specimen = Self {
            mrz: MrzFields {
                format: MrzFormat::Td3,
                document_code: "P".into(),
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
            },
            face: FaceImage::synthetic_jpeg(413, 531, 15_000),
            face_encoding: FaceEncoding::Iso19794_5,
            dg11: Some(Dg11Fields {
                full_name: Some("ERIKSSON<<ANNA<MARIA".into()),
                place_of_birth: Some("ZENITH".into()),
                ..Dg11Fields::default()
            }),
            dg12: Some(Dg12Fields {
                issuing_authority: Some("UTOPIA PASSPORT OFFICE".into()),
                date_of_issue: Some("20020415".into()),
            }),
            sod: None,
            card_access: None,
            extra_files: Vec::new(),
            chip: ChipBehaviour::default(),
        };
        specimen.sod = crate::pki::sod::throwaway_sod(&specimen);
        specimen
    }

    /// The key the code step would produce for this passport.
    pub fn access_key(&self) -> Result<ChipAccessKey, MrzError> {
        Ok(self.mrz.encode()?.access_key())
    }
}
