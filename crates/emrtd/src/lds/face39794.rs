//! ISO/IEC 39794-5 face image data block: DG2's biometric data block `7F2E` (ICAO 9303 Part 10,
//! 8th ed.), the ASN.1 (DER, implicit tags) successor of 19794-5's binary `FAC` record.
//!
//! Schema: ICAO-TRIP-ISO-WG3 `ID-ICAO-ISO-IEC-39794-5-ed-1-v1.asn` (the ICAO application profile).
//! Walked with [`crate::iso7816::tlv`] rather than `der` derives: the schema's extension markers (`...`) admit
//! unknown fields that derived decoders reject, and its CHOICEs of one alternative need explicit tags.
//!
//! Path to the image (tags as encoded):
//! `A1` (ISO 7816-11 wrapper) → `65` FaceImageDataBlock → `A1` representationBlocks → `30`
//! RepresentationBlock → `A1` imageRepresentation → `A0` base → `A0` imageRepresentation2DBlock →
//! `80` representationData2D (the JPEG / JPEG 2000 bytes) and `A1` imageInformation2DBlock.

use zeroize::Zeroizing;

use super::LdsError;
pub use super::face::Iso39794Face;
use super::face::{Dg2Error, Dg2Unsupported, FaceImage, FaceRecord};
use super::image::ImageFormat;
use crate::iso7816::tlv::{self, Tlv};

/// Parses the value of DG2's `7F2E` into its face images.
pub fn parse_data_block(bdb: &[u8]) -> Result<Vec<FaceImage>, Dg2Error> {
    let block = match tlv::parse_all(bdb)?.as_slice() {
        // The observed encoding (ICAO sample DG2s): an ISO 7816-11 `A1` around the block.
        [wrapper] if wrapper.tag == 0xA1 => only_child(wrapper, 0x65)?,
        [block] if block.tag == 0x65 => *block,
        _ => {
            return Err(invalid(
                "39794-5 data block does not hold one FaceImageDataBlock",
            ));
        }
    };
    let kids = block.children()?;
    let version_block = required(&kids, 0xA0, "39794-5 versionBlock missing")?.children()?;
    let version = (
        uint(
            required(&version_block, 0x80, "39794-5 version generation missing")?,
            u16::MAX.into(),
        )? as u16,
        uint(
            required(&version_block, 0x81, "39794-5 version year missing")?,
            u16::MAX.into(),
        )? as u16,
    );
    let representations = required(&kids, 0xA1, "39794-5 representationBlocks missing")?;
    let mut faces = Vec::new();
    for representation in representations.children()? {
        if representation.tag != 0x30 {
            return Err(invalid("39794-5 RepresentationBlock is not a SEQUENCE"));
        }
        faces.push(parse_representation(&representation, version)?);
    }
    if faces.is_empty() {
        return Err(invalid("39794-5 data block holds no representation"));
    }
    Ok(faces)
}

fn parse_representation(rep: &Tlv<'_>, version: (u16, u16)) -> Result<FaceImage, Dg2Error> {
    let kids = rep.children()?;
    let representation_id = uint(
        required(&kids, 0x80, "39794-5 representationId missing")?,
        u32::MAX.into(),
    )? as u32;
    // ImageRepresentation ::= CHOICE { base [0], extensionBlock [1] }; base ::= CHOICE { 2D [0] }.
    let image_representation = required(&kids, 0xA1, "39794-5 imageRepresentation missing")?;
    let base = choice(&image_representation, 0xA0, "image representation")?;
    let two_d = choice(&base, 0xA0, "image representation")?.children()?;
    let data = required(&two_d, 0x80, "39794-5 representationData2D missing")?.value;
    let info = required(&two_d, 0xA1, "39794-5 imageInformation2DBlock missing")?.children()?;

    // ImageDataFormat ::= CHOICE { code [0] ImageDataFormatCode, extensionBlock [1] }.
    let format_choice = required(&info, 0xA0, "39794-5 imageDataFormat missing")?;
    let image_data_format = code(&choice(&format_choice, 0x80, "image data format")?)?;
    let (width, height) = match find(&info, 0xA7) {
        Some(size) => {
            let size = size.children()?;
            let side = |tag, what| {
                required(&size, tag, what).and_then(|t| uint(t, u16::MAX.into()).map(|v| v as u16))
            };
            (
                side(0x80, "39794-5 image width missing")?,
                side(0x81, "39794-5 image height missing")?,
            )
        }
        None => (0, 0),
    };
    let mut meta = Iso39794Face {
        version,
        representation_id,
        image_data_format,
        face_image_kind: find(&info, 0xA1).map(fallback_code).transpose()?,
        lossy_transformation_attempts: find(&info, 0xA3).map(fallback_code).transpose()?,
        colour_space: find(&info, 0xA9).map(fallback_code).transpose()?,
        ..Iso39794Face::default()
    };
    if let Some(identity) = find(&kids, 0xA8) {
        let identity = identity.children()?;
        meta.gender = find(&identity, 0xA0).map(fallback_code).transpose()?;
        meta.eye_colour = find(&identity, 0xA1).map(fallback_code).transpose()?;
        meta.hair_colour = find(&identity, 0xA2).map(fallback_code).transpose()?;
        if let Some(pose) = find(&identity, 0xA6) {
            let pose = pose.children()?;
            for (slot, tag) in meta.pose.iter_mut().zip([0xA0, 0xA1, 0xA2]) {
                if let Some(angle) = find(&pose, tag) {
                    let value = required(&angle.children()?, 0x80, "39794-5 angleValue missing")?;
                    *slot = Some(angle_degrees(value)?);
                }
            }
        }
    }

    // The bytes decide, as for 19794-5: a declared format is only a claim.
    let format = match (ImageFormat::sniff(data), image_data_format) {
        (Some(sniffed), _) => sniffed,
        (None, 2..=4) => return Err(invalid("image bytes are neither JPEG nor JPEG 2000")),
        (None, other) => {
            return Err(Dg2Error::Unsupported(Dg2Unsupported::UnknownImageType(
                other,
            )));
        }
    };
    Ok(FaceImage {
        format,
        width,
        height,
        record: FaceRecord::Iso39794_5(meta),
        data: Zeroizing::new(data.to_vec()),
    })
}

fn invalid(what: &'static str) -> Dg2Error {
    LdsError::Invalid(what).into()
}

fn find<'a>(kids: &[Tlv<'a>], tag: u32) -> Option<Tlv<'a>> {
    kids.iter().find(|t| t.tag == tag).copied()
}

fn required<'a>(kids: &[Tlv<'a>], tag: u32, what: &'static str) -> Result<Tlv<'a>, Dg2Error> {
    find(kids, tag).ok_or_else(|| invalid(what))
}

fn only_child<'a>(outer: &Tlv<'a>, tag: u32) -> Result<Tlv<'a>, Dg2Error> {
    match outer.children()?.as_slice() {
        [inner] if inner.tag == tag => Ok(*inner),
        _ => Err(invalid(
            "39794-5 wrapper does not hold one FaceImageDataBlock",
        )),
    }
}

/// The alternative of an explicitly tagged CHOICE; any other alternative is a later extension.
fn choice<'a>(outer: &Tlv<'a>, tag: u32, what: &'static str) -> Result<Tlv<'a>, Dg2Error> {
    match outer.children()?.as_slice() {
        [inner] if inner.tag == tag => Ok(*inner),
        [_] => Err(Dg2Error::Unsupported(Dg2Unsupported::Iso39794Extension(
            what,
        ))),
        _ => Err(invalid(
            "39794-5 CHOICE does not hold exactly one alternative",
        )),
    }
}

/// `X ::= CHOICE { extensionBlock [1] SEQUENCE { fallback [0] XCode, ... } }`, the schema's pattern
/// for extensible enumerations.
fn fallback_code(outer: Tlv<'_>) -> Result<u8, Dg2Error> {
    let extension = choice(&outer, 0xA1, "enumerated field")?;
    code(&required(
        &extension.children()?,
        0x80,
        "39794-5 fallback code missing",
    )?)
}

/// An ENUMERATED value; every code in the schema is below 256.
fn code(t: &Tlv<'_>) -> Result<u8, Dg2Error> {
    Ok(uint(*t, u8::MAX.into())? as u8)
}

/// A DER INTEGER (or ENUMERATED) in `0..=max`.
fn uint(t: Tlv<'_>, max: u64) -> Result<u64, Dg2Error> {
    let v = integer(t.value)?;
    u64::try_from(v)
        .ok()
        .filter(|v| *v <= max)
        .ok_or_else(|| invalid("39794-5 integer out of range"))
}

fn angle_degrees(t: Tlv<'_>) -> Result<i16, Dg2Error> {
    let v = integer(t.value)?;
    if (-180..=180).contains(&v) {
        Ok(v as i16)
    } else {
        Err(invalid("39794-5 angle outside −180..180"))
    }
}

/// Two's-complement big-endian content of at most 8 bytes.
fn integer(content: &[u8]) -> Result<i64, Dg2Error> {
    let first = *content
        .first()
        .ok_or_else(|| invalid("39794-5 integer without content"))?;
    if content.len() > 8 {
        return Err(invalid("39794-5 integer longer than 8 bytes"));
    }
    let init: i64 = if first & 0x80 != 0 { -1 } else { 0 };
    Ok(content
        .iter()
        .fold(init, |acc, b| (acc << 8) | i64::from(*b)))
}

/// The value of `7F2E` for one 2D face image: JPEG (code 2) or JPEG 2000 lossy (code 3), with the
/// image size declared (the virtual passport's personalisation; tests).
pub fn encode_data_block(format: ImageFormat, width: u16, height: u16, data: &[u8]) -> Vec<u8> {
    let int = |tag: u32, v: u64| {
        let bytes = v.to_be_bytes();
        let skip = bytes.iter().take_while(|b| **b == 0).count().min(7);
        // DER: a leading zero keeps a high first bit from reading as negative.
        let mut content = if bytes[skip] & 0x80 != 0 {
            vec![0]
        } else {
            vec![]
        };
        content.extend_from_slice(&bytes[skip..]);
        tlv::encode(tag, &content)
    };
    let fallback = |tag: u32, code: u64| tlv::encode(tag, &tlv::encode(0xA1, &int(0x80, code)));
    let format_code = match format {
        ImageFormat::Jpeg => 2,
        ImageFormat::Jpeg2000 => 3,
    };
    let info = [
        tlv::encode(0xA0, &int(0x80, format_code)),
        fallback(0xA1, 0), // face image kind: MRTD
        tlv::encode(
            0xA7,
            &[int(0x80, width.into()), int(0x81, height.into())].concat(),
        ),
        fallback(0xA9, 2), // colour space: 24-bit RGB
    ]
    .concat();
    let two_d = [tlv::encode(0x80, data), tlv::encode(0xA1, &info)].concat();
    let image_representation = tlv::encode(0xA0, &tlv::encode(0xA0, &two_d));
    let representation = tlv::encode(
        0x30,
        &[int(0x80, 0), tlv::encode(0xA1, &image_representation)].concat(),
    );
    let version = tlv::encode(0xA0, &[int(0x80, 3), int(0x81, 2019)].concat());
    let block = tlv::encode(
        0x65,
        &[version, tlv::encode(0xA1, &representation)].concat(),
    );
    tlv::encode(0xA1, &block)
}

#[cfg(test)]
mod tests {
    use super::*;

    const JPEG: [u8; 7] = [0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3];

    #[test]
    fn encoded_block_round_trips() {
        let faces = parse_data_block(&encode_data_block(ImageFormat::Jpeg, 300, 400, &JPEG))
            .expect("parses");
        assert_eq!(faces.len(), 1);
        let face = &faces[0];
        assert_eq!(
            (face.format, face.width, face.height),
            (ImageFormat::Jpeg, 300, 400)
        );
        assert_eq!(face.data.as_slice(), &JPEG);
        let FaceRecord::Iso39794_5(meta) = &face.record else {
            panic!("39794-5 record")
        };
        assert_eq!(meta.version, (3, 2019));
        assert_eq!(meta.image_data_format, 2);
        assert_eq!(
            (meta.face_image_kind, meta.colour_space),
            (Some(0), Some(2))
        );
    }

    #[test]
    fn der_integers() {
        assert_eq!(integer(&[0x00]), Ok(0));
        assert_eq!(integer(&[0x07, 0xE3]), Ok(2019));
        assert_eq!(integer(&[0x00, 0xFF]), Ok(255));
        assert_eq!(integer(&[0xFF]), Ok(-1));
        assert_eq!(integer(&[0xFF, 0x4C]), Ok(-180));
        assert!(integer(&[]).is_err());
        assert!(integer(&[1; 9]).is_err());
        let t = |v: &'static [u8]| Tlv {
            tag: 0x80,
            constructed: false,
            value: v,
        };
        assert!(uint(t(&[0xFF]), 10).is_err(), "negative");
        assert!(uint(t(&[0x01, 0x00]), 255).is_err(), "above the maximum");
        assert_eq!(angle_degrees(t(&[0xFF, 0x4C])), Ok(-180));
        assert!(angle_degrees(t(&[0x00, 0xB5])).is_err(), "181°");
    }

    /// A FaceImageDataBlock around one RepresentationBlock with the given imageRepresentation value.
    fn block_with_representation(image_representation: &[u8]) -> Vec<u8> {
        let rep = tlv::encode(
            0x30,
            &[
                tlv::encode(0x80, &[0]),
                tlv::encode(0xA1, image_representation),
            ]
            .concat(),
        );
        let version = tlv::encode(
            0xA0,
            &[tlv::encode(0x80, &[3]), tlv::encode(0x81, &[0x07, 0xE3])].concat(),
        );
        tlv::encode(
            0xA1,
            &tlv::encode(0x65, &[version, tlv::encode(0xA1, &rep)].concat()),
        )
    }

    #[test]
    fn later_extensions_are_unsupported_not_malformed() {
        // imageRepresentation = extensionBlock [1] (a future representation kind).
        let extension = block_with_representation(&tlv::encode(0xA1, &[]));
        assert_eq!(
            parse_data_block(&extension).map(|_| ()),
            Err(Dg2Error::Unsupported(Dg2Unsupported::Iso39794Extension(
                "image representation"
            )))
        );
        // A format code outside the schema with bytes that are no known image.
        let two_d = [
            tlv::encode(0x80, b"GIF89a"),
            tlv::encode(0xA1, &tlv::encode(0xA0, &tlv::encode(0x80, &[9]))),
        ]
        .concat();
        let unknown = block_with_representation(&tlv::encode(0xA0, &tlv::encode(0xA0, &two_d)));
        assert_eq!(
            parse_data_block(&unknown).map(|_| ()),
            Err(Dg2Error::Unsupported(Dg2Unsupported::UnknownImageType(9)))
        );
    }

    #[test]
    fn structural_faults_are_malformed() {
        let empty_blocks = tlv::encode(
            0xA1,
            &tlv::encode(
                0x65,
                &[
                    tlv::encode(0xA0, &[0x80, 1, 3, 0x81, 2, 0x07, 0xE3]),
                    tlv::encode(0xA1, &[]),
                ]
                .concat(),
            ),
        );
        for bad in [
            &[][..],
            &[0xA1, 0x00],
            &[0x04, 0x00],
            &empty_blocks,
            &[0xA1, 0x02, 0x65, 0x00],
        ] {
            assert!(
                matches!(parse_data_block(bad), Err(Dg2Error::Malformed(_))),
                "{bad:02X?}"
            );
        }
    }
}
