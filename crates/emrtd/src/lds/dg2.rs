//! DG2 (ICAO 9303 Part 10 §4.7.2): the facial image in a CBEFF biometric information template
//! group (`7F61` → `7F60`) whose biometric data block is either `5F2E`, an ISO/IEC 19794-5:2005
//! facial record (`FAC\0`), or `7F2E`, an ISO/IEC 39794-5 face image data block (see
//! [`super::face39794`]).

use zeroize::Zeroizing;

use super::LdsError;
pub use super::face::{
    Dg2Error, Dg2Unsupported, FaceImage, FaceRecord, Iso19794Face, Iso39794Face,
};
use super::face39794;
use super::image::ImageFormat;
use crate::iso7816::tlv::{self, Tlv};

/// DG2's facial images.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dg2 {
    /// Every facial image, in the order of the biometric information templates; at least one.
    pub faces: Vec<FaceImage>,
}

impl Dg2 {
    /// Parses DG2: `75` { `7F61` { `02` count, `7F60` template… } }, each template's data block
    /// decoded as ISO/IEC 19794-5 (`5F2E`) or 39794-5 (`7F2E`). The image bytes are kept, not
    /// decoded. [`Dg2Error::Unsupported`] for an encoding this reader does not know,
    /// [`Dg2Error::Malformed`] for a structure that breaks its standard.
    pub fn parse(raw: &[u8]) -> Result<Self, Dg2Error> {
        let dg2 = tlv::parse_tagged(raw, 0x75)?;
        let group = dg2.required(0x7F61)?;
        let mut faces = Vec::new();
        for bit in group.children()?.into_iter().filter(|t| t.tag == 0x7F60) {
            faces.extend(parse_bit(&bit)?);
        }
        if faces.is_empty() {
            return Err(LdsError::Invalid("DG2 holds no facial image").into());
        }
        Ok(Self { faces })
    }
}

/// One biometric information template: header `A1`, data `5F2E` (19794-5) or `7F2E` (39794-5).
fn parse_bit(bit: &Tlv<'_>) -> Result<Vec<FaceImage>, Dg2Error> {
    let kids = bit.children()?;
    if let Some(block) = kids.iter().find(|t| t.tag == 0x7F2E) {
        return face39794::parse_data_block(block.value);
    }
    let data = kids
        .iter()
        .find(|t| t.tag == 0x5F2E)
        .ok_or(LdsError::Invalid(
            "biometric template without data 5F2E or 7F2E",
        ))?;
    parse_facial_record(data.value)
}

struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], LdsError> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|e| *e <= self.buf.len())
            .ok_or(LdsError::Invalid("facial record truncated"))?;
        let out = &self.buf[self.pos..end];
        self.pos = end;
        Ok(out)
    }
    fn u8(&mut self) -> Result<u8, LdsError> {
        Ok(self.take(1)?[0])
    }
    fn u16(&mut self) -> Result<u16, LdsError> {
        let b = self.take(2)?;
        Ok(u16::from_be_bytes([b[0], b[1]]))
    }
    fn u32(&mut self) -> Result<u32, LdsError> {
        let b = self.take(4)?;
        Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }
}

/// ISO/IEC 19794-5:2005 §5: general header (14 bytes), then per image a facial information block
/// (20 bytes), feature points (8 bytes each), image information (12 bytes) and the image data.
pub fn parse_facial_record(record: &[u8]) -> Result<Vec<FaceImage>, Dg2Error> {
    let mut r = Reader {
        buf: record,
        pos: 0,
    };
    if r.take(4)? != b"FAC\0" {
        return Err(LdsError::Invalid("facial record does not start with FAC\\0").into());
    }
    let _version = r.take(4)?;
    let total = r.u32()? as usize;
    if total > record.len() || total < 14 {
        return Err(LdsError::Invalid("facial record length disagrees with its container").into());
    }
    let count = r.u16()?;
    let mut faces = Vec::with_capacity(usize::from(count.min(8)));
    for _ in 0..count {
        let start = r.pos;
        let block_len = r.u32()? as usize;
        let feature_points = r.u16()?;
        let gender = r.u8()?;
        let eye_colour = r.u8()?;
        let hair_colour = r.u8()?;
        let _feature_mask = r.take(3)?;
        let expression = r.u16()?;
        let pose_bytes = r.take(3)?;
        let _pose_uncertainty = r.take(3)?;
        r.take(usize::from(feature_points) * 8)?;
        let image_type = r.u8()?;
        let data_type = r.u8()?;
        let width = r.u16()?;
        let height = r.u16()?;
        let colour_space = r.u8()?;
        let source_type = r.u8()?;
        let _device_type = r.u16()?;
        let quality = r.u16()?;
        let header = r.pos - start;
        let image_len = block_len
            .checked_sub(header)
            .ok_or(LdsError::Invalid("facial block shorter than its header"))?;
        let data = r.take(image_len)?;
        // The bytes decide: issuers' declared types are not reliable (the ICAO Part 10 sample
        // declares JPEG 2000 around a JPEG).
        let format = match (ImageFormat::sniff(data), data_type) {
            (Some(sniffed), _) => sniffed,
            (None, 0 | 1) => {
                return Err(LdsError::Invalid("image bytes are neither JPEG nor JPEG 2000").into());
            }
            (None, other) => {
                return Err(Dg2Error::Unsupported(Dg2Unsupported::UnknownImageType(
                    other,
                )));
            }
        };
        faces.push(FaceImage {
            format,
            width,
            height,
            record: FaceRecord::Iso19794_5(Iso19794Face {
                gender,
                eye_colour,
                hair_colour,
                expression,
                pose: [pose_bytes[0], pose_bytes[1], pose_bytes[2]],
                feature_points,
                image_type,
                colour_space,
                source_type,
                quality,
            }),
            data: Zeroizing::new(data.to_vec()),
        });
    }
    Ok(faces)
}

/// Builds a DG2 around encoded images as 19794-5 records (the virtual passport's
/// personalisation; tests).
pub fn build(images: &[(ImageFormat, u16, u16, &[u8])]) -> Vec<u8> {
    let blocks: Vec<Vec<u8>> = images
        .iter()
        .map(|(format, width, height, data)| facial_record(*format, *width, *height, data))
        .collect();
    group(FORMAT_TYPE_19794_5, 0x5F2E, &blocks)
}

/// Builds a DG2 around encoded images as 39794-5 face image data blocks (`7F2E`).
pub fn build_iso39794(images: &[(ImageFormat, u16, u16, &[u8])]) -> Vec<u8> {
    let blocks: Vec<Vec<u8>> = images
        .iter()
        .map(|(format, width, height, data)| {
            face39794::encode_data_block(*format, *width, *height, data)
        })
        .collect();
    group(FORMAT_TYPE_39794_5, 0x7F2E, &blocks)
}

/// CBEFF format types (owner ISO/IEC JTC 1 SC 37, 0x0101) of the two face encodings.
const FORMAT_TYPE_19794_5: [u8; 2] = [0x00, 0x08];
const FORMAT_TYPE_39794_5: [u8; 2] = [0x00, 0x2A];

fn facial_record(format: ImageFormat, width: u16, height: u16, data: &[u8]) -> Vec<u8> {
    let mut block = Vec::new();
    let block_len = 20 + 12 + data.len();
    block.extend_from_slice(&(block_len as u32).to_be_bytes());
    block.extend_from_slice(&0u16.to_be_bytes()); // feature points
    block.extend_from_slice(&[0, 0, 0]); // gender, eye, hair unspecified
    block.extend_from_slice(&[0, 0, 0]); // feature mask
    block.extend_from_slice(&0u16.to_be_bytes()); // expression
    block.extend_from_slice(&[0; 6]); // pose and uncertainty
    block.push(1); // full frontal
    block.push(match format {
        ImageFormat::Jpeg => 0,
        ImageFormat::Jpeg2000 => 1,
    });
    block.extend_from_slice(&width.to_be_bytes());
    block.extend_from_slice(&height.to_be_bytes());
    block.extend_from_slice(&[1, 2]); // sRGB, digital camera
    block.extend_from_slice(&0u16.to_be_bytes());
    block.extend_from_slice(&0u16.to_be_bytes());
    block.extend_from_slice(data);
    let mut record = b"FAC\x00010\x00".to_vec();
    record.extend_from_slice(&((14 + block.len()) as u32).to_be_bytes());
    record.extend_from_slice(&1u16.to_be_bytes());
    record.extend_from_slice(&block);
    record
}

/// `75 { 7F61 { 02 count, 7F60 { A1 header, <bdb_tag> block }… } }`.
fn group(format_type: [u8; 2], bdb_tag: u32, blocks: &[Vec<u8>]) -> Vec<u8> {
    let mut group = tlv::encode(0x02, &[blocks.len() as u8]);
    for block in blocks {
        // Biometric header template: CBEFF patron header version, type face, subtype none, format owner/type.
        let header = [
            tlv::encode(0x80, &[0x01, 0x01]),
            tlv::encode(0x81, &[0x02]),
            tlv::encode(0x87, &[0x01, 0x01]),
            tlv::encode(0x88, &format_type),
        ]
        .concat();
        let bit = [tlv::encode(0xA1, &header), tlv::encode(bdb_tag, block)].concat();
        group.extend(tlv::encode(0x7F60, &bit));
    }
    tlv::encode(0x75, &tlv::encode(0x7F61, &group))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A real 148×70 JPEG (the size of ICAO 9303 Part 10's worked-example portrait), encoded here.
    fn jpeg_148x70() -> Vec<u8> {
        let pixels: Vec<u8> = (0..148u32 * 70 * 3).map(|i| (i % 251) as u8).collect();
        let mut out = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 80)
            .encode(&pixels, 148, 70, image::ExtendedColorType::Rgb8)
            .expect("encode");
        out
    }

    #[test]
    fn a_19794_5_dg2_parses_to_its_jpeg_whatever_the_record_declares() {
        // Declared JPEG 2000 while the bytes are JPEG (issuers' declarations are unreliable, as in
        // ICAO 9303 Part 10's own worked example): the format comes from the bytes.
        let jpeg = jpeg_148x70();
        let raw = build(&[(ImageFormat::Jpeg2000, 148, 70, &jpeg)]);
        let h = tlv::parse_header(&raw).expect("header");
        assert_eq!((h.tag, h.total_len()), (0x75, raw.len()));
        let dg2 = Dg2::parse(&raw).expect("parses");
        assert_eq!(dg2.faces.len(), 1);
        let face = &dg2.faces[0];
        assert_eq!(
            (face.format, face.width, face.height),
            (ImageFormat::Jpeg, 148, 70)
        );
        let FaceRecord::Iso19794_5(_) = &face.record else {
            panic!("a 19794-5 record")
        };
        assert_eq!(face.data.as_slice(), jpeg.as_slice());
        let rgb = crate::lds::image::decode(&face.data).expect("decodes");
        assert_eq!((rgb.width, rgb.height), (148, 70));
    }

    #[test]
    fn build_and_parse_round_trip() {
        let jpeg = [0xFFu8, 0xD8, 0xFF, 0xE0, 1, 2, 3];
        let raw = build(&[(ImageFormat::Jpeg, 100, 120, &jpeg)]);
        let dg2 = Dg2::parse(&raw).expect("parses");
        assert_eq!(dg2.faces.len(), 1);
        assert_eq!(dg2.faces[0].data.as_slice(), &jpeg);
        assert_eq!((dg2.faces[0].width, dg2.faces[0].height), (100, 120));
    }

    #[test]
    fn hostile_records_are_typed_errors() {
        let jpeg = [0xFFu8, 0xD8, 0xFF, 0xE0, 1, 2, 3];
        let raw = build(&[(ImageFormat::Jpeg, 100, 120, &jpeg)]);
        // Every truncation fails cleanly.
        for cut in 0..raw.len() {
            assert!(Dg2::parse(&raw[..cut]).is_err(), "cut {cut}");
        }
        // Declared JPEG but holding neither JPEG nor JPEG 2000 bytes.
        let gif = build(&[(ImageFormat::Jpeg, 1, 1, b"GIF89a")]);
        assert!(matches!(Dg2::parse(&gif), Err(Dg2Error::Malformed(_))));
        // A 39794-5 template whose data block is empty.
        let modern = tlv::encode(
            0x75,
            &tlv::encode(
                0x7F61,
                &[
                    tlv::encode(0x02, &[1]),
                    tlv::encode(0x7F60, &tlv::encode(0x7F2E, &[0xA1, 0x00])),
                ]
                .concat(),
            ),
        );
        assert!(matches!(Dg2::parse(&modern), Err(Dg2Error::Malformed(_))));
        // A face count of 65535 with one face's worth of bytes.
        let mut record = b"FAC\x00010\x00".to_vec();
        record.extend_from_slice(&14u32.to_be_bytes());
        record.extend_from_slice(&0xFFFFu16.to_be_bytes());
        assert!(parse_facial_record(&record).is_err());
    }
}
