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
    UnknownImageType(u8),
}

/// Why DG2 cannot be used: malformed, or in a format we do not support.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Dg2Error {
    #[error(transparent)]
    Malformed(#[from] LdsError),
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
    pub format: ImageFormat,
    /// Width and height as the record declares them (0 when a 39794-5 record omits its optional
    /// image size); the decoder reads the real size from the image.
    pub width: u16,
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
    Iso19794_5(Iso19794Face),
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
    pub gender: u8,
    pub eye_colour: u8,
    pub hair_colour: u8,
    pub expression: u16,
    /// Yaw, pitch, roll as encoded (0 = unspecified, else 1 + (angle+180)/2).
    pub pose: [u8; 3],
    pub feature_points: u16,
    /// 19794-5 face image type (0 basic, 1 full frontal, 2 token frontal).
    pub image_type: u8,
    pub colour_space: u8,
    pub source_type: u8,
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
    pub representation_id: u32,
    /// ImageDataFormatCode as declared: 2 JPEG, 3 JPEG 2000 lossy, 4 JPEG 2000 lossless.
    pub image_data_format: u8,
    /// FaceImageKind2DCode (0 = MRTD).
    pub face_image_kind: Option<u8>,
    /// ImageColourSpaceCode (2 = 24-bit RGB, 5 = 8-bit greyscale, …).
    pub colour_space: Option<u8>,
    /// LossyTransformationAttemptsCode (0 unknown, 1 zero, 2 one, 3 more than one).
    pub lossy_transformation_attempts: Option<u8>,
    pub gender: Option<u8>,
    pub eye_colour: Option<u8>,
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
