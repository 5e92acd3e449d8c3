//! The facial image as either DG2 encoding gives it (ISO/IEC 19794-5 record or ISO/IEC 39794-5
//! data block): the types `dg2` and `face39794` share, so neither imports the other's.

use std::fmt;

use zeroize::Zeroizing;

use super::LdsError;
use super::image::ImageFormat;
use crate::iso7816::tlv;

/// Where DG2's facial record is in a form we do not implement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dg2Unsupported {
    /// A 39794-5 CHOICE holds an alternative added after edition 1 (named: where).
    Iso39794Extension(&'static str),
    /// The image bytes are neither JPEG nor JPEG 2000 and the record declares a type outside its
    /// standard (the declared code: 19794-5 image data type, 39794-5 ImageDataFormatCode).
    UnknownImageType(u8),
}

/// Why DG2 cannot be used: malformed, or in a format we do not support.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Dg2Error {
    /// DG2 breaks ICAO 9303 Part 10 §4.7.2 or its record's standard (truncated, lengths that
    /// disagree, no image). From a chip: not genuine (`lds`).
    #[error(transparent)]
    Malformed(#[from] LdsError),
    /// DG2 is well formed but in an encoding this reader does not implement: the read fails as
    /// [`ChipFailure::Unsupported`](crate::ChipFailure::Unsupported), the chip is not blamed.
    #[error("unsupported facial record: {0:?}")]
    Unsupported(Dg2Unsupported),
}

impl From<tlv::TlvError> for Dg2Error {
    fn from(e: tlv::TlvError) -> Self {
        Dg2Error::Malformed(e.into())
    }
}

/// One facial image: the encoded image, its declared size, and the record's own fields.
#[derive(Clone, PartialEq, Eq)]
pub struct FaceImage {
    /// The image encoding as sniffed from the bytes; the record's declared type is only a claim.
    pub format: ImageFormat,
    /// Width and height as the record declares them (0 when a 39794-5 record omits its optional
    /// image size); the decoder reads the real size from the image.
    pub width: u16,
    /// Height as the record declares it (see `width`).
    pub height: u16,
    /// Which standard encoded the record, with the fields it carries beside the image.
    pub record: FaceRecord,
    /// The encoded image (JPEG or JPEG 2000).
    pub data: Zeroizing<Vec<u8>>,
}

impl fmt::Debug for FaceImage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "FaceImage({:?} {:?} {}×{}, {} bytes, <redacted>)",
            self.record,
            self.format,
            self.width,
            self.height,
            self.data.len()
        )
    }
}

/// The facial record's encoding and its descriptive fields (gender etc.: personal data, so
/// `Debug` names only the encoding).
#[derive(Clone, PartialEq, Eq)]
pub enum FaceRecord {
    /// An ISO/IEC 19794-5:2005 facial record (`5F2E`, starting `FAC\0`).
    Iso19794_5(Iso19794Face),
    /// An ISO/IEC 39794-5 face image data block (`7F2E`).
    Iso39794_5(Iso39794Face),
}

impl fmt::Debug for FaceRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            FaceRecord::Iso19794_5(_) => "ISO/IEC 19794-5",
            FaceRecord::Iso39794_5(_) => "ISO/IEC 39794-5",
        })
    }
}

/// The 19794-5 header fields of one image that matter for matching.
#[derive(Clone, PartialEq, Eq)]
pub struct Iso19794Face {
    /// Gender code (ISO/IEC 19794-5:2005 §5.5): 0 unspecified, 1 male, 2 female, `FF` unknown.
    pub gender: u8,
    /// Eye colour code (§5.5): 0 unspecified, 1 black, 2 blue, …, 7 pink, `FF` unknown.
    pub eye_colour: u8,
    /// Hair colour code (§5.5): 0 unspecified, 1 bald, 2 black, …, `FF` unknown.
    pub hair_colour: u8,
    /// Expression code (§5.5): 0 unspecified, 1 neutral, 2 smile with closed mouth, 3 smile with
    /// open mouth, 4 raised eyebrows, 5 eyes looking away, 6 squinting, 7 frowning.
    pub expression: u16,
    /// Yaw, pitch, roll as encoded (0 = unspecified, else 1 + (angle+180)/2).
    pub pose: [u8; 3],
    /// Number of feature points the record carries (§5.5); the points themselves are skipped.
    pub feature_points: u16,
    /// 19794-5 face image type (0 basic, 1 full frontal, 2 token frontal).
    pub image_type: u8,
    /// Image colour space code (§5.7): 0 unspecified, 1 24-bit RGB, 2 YUV422, 3 8-bit greyscale, 4
    /// other.
    pub colour_space: u8,
    /// Source type code (§5.7): 0 unspecified, 1–3 a static photo (unknown source, digital camera,
    /// scanner), 4–6 a video frame (unknown, analogue, digital camera), 7 unknown.
    pub source_type: u8,
    /// Image quality (§5.7); 0 = unspecified.
    pub quality: u16,
}

impl fmt::Debug for Iso19794Face {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Iso19794Face(image type {}, <redacted>)",
            self.image_type
        )
    }
}

/// The 39794-5 fields of one face representation that are useful beside the image.
///
/// Codes are the schema's ENUMERATED values (e.g. gender 1 other, 2 male, 3 female; eye colour
/// 0 unknown … 9 pink); `None` where the optional field is absent.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Iso39794Face {
    /// VersionBlock: generation (≥ 3) and year (≥ 2019) of the format.
    pub version: (u16, u16),
    /// representationId: the number of this representation within the data block.
    pub representation_id: u32,
    /// ImageDataFormatCode as declared: 2 JPEG, 3 JPEG 2000 lossy, 4 JPEG 2000 lossless.
    pub image_data_format: u8,
    /// FaceImageKind2DCode (0 = MRTD).
    pub face_image_kind: Option<u8>,
    /// ImageColourSpaceCode (2 = 24-bit RGB, 5 = 8-bit greyscale, …).
    pub colour_space: Option<u8>,
    /// LossyTransformationAttemptsCode (0 unknown, 1 zero, 2 one, 3 more than one).
    pub lossy_transformation_attempts: Option<u8>,
    /// The subject's gender: GenderCode of the identity metadata block.
    pub gender: Option<u8>,
    /// The subject's eye colour: EyeColourCode of the identity metadata block.
    pub eye_colour: Option<u8>,
    /// The subject's hair colour: HairColourCode of the identity metadata block.
    pub hair_colour: Option<u8>,
    /// Yaw, pitch, roll in degrees (−180..=180).
    pub pose: [Option<i16>; 3],
}

impl fmt::Debug for Iso39794Face {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Iso39794Face(version {}/{}, image data format {}, <redacted>)",
            self.version.0, self.version.1, self.image_data_format
        )
    }
}
