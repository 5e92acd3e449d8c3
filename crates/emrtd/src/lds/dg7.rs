//! DG7 (ICAO 9303 Part 10 §4.7.7): displayed signature or usual mark, `67` { `02` count, `5F43` image… }.

use std::fmt;

use zeroize::Zeroizing;

use super::LdsError;
use super::image::ImageFormat;
use crate::iso7816::tlv;

/// The signature images, encoded as stored (JPEG or JPEG 2000 by the specification; kept raw).
#[derive(Clone, PartialEq, Eq)]
pub struct Dg7 {
    /// Each `5F43` image with its format sniffed from the bytes (`None` when neither JPEG nor JPEG
    /// 2000), in stored order.
    pub images: Vec<(Option<ImageFormat>, Zeroizing<Vec<u8>>)>,
}

impl fmt::Debug for Dg7 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Dg7({} image(s), <redacted>)", self.images.len())
    }
}

impl Dg7 {
    /// Parses DG7: `67` { `02` count, `5F43` image… }; [`LdsError::Invalid`] when the count
    /// disagrees with the images present.
    pub fn parse(raw: &[u8]) -> Result<Self, LdsError> {
        let dg7 = tlv::parse_tagged(raw, 0x67)?;
        let images: Vec<_> = dg7
            .children()?
            .into_iter()
            .filter(|t| t.tag == 0x5F43)
            .map(|t| {
                (
                    ImageFormat::sniff(t.value),
                    Zeroizing::new(t.value.to_vec()),
                )
            })
            .collect();
        let declared = dg7.required(0x02)?.value;
        if declared != [images.len() as u8] {
            return Err(LdsError::Invalid(
                "DG7 image count disagrees with its images",
            ));
        }
        Ok(Self { images })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_displayed_signature() {
        // ICAO 9303 Part 10 §4.7.7: 67 { 02 count, 5F43 image }; a JPEG made here.
        let mut jpeg = Vec::new();
        image::codecs::jpeg::JpegEncoder::new(&mut jpeg)
            .encode(&[0u8; 16 * 8], 16, 8, image::ExtendedColorType::L8)
            .expect("encode");
        let body = [tlv::encode(0x02, &[1]), tlv::encode(0x5F43, &jpeg)].concat();
        let raw = tlv::encode(0x67, &body);
        let dg7 = Dg7::parse(&raw).expect("parses");
        assert_eq!(dg7.images.len(), 1);
        assert_eq!(dg7.images[0].0, Some(ImageFormat::Jpeg));
        assert!(Dg7::parse(&raw[..raw.len() - 1]).is_err());
    }
}
