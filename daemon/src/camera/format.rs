//! Choosing the capture format: MJPEG or YUYV at the smallest offered size that is at least
//! the configured one (larger frames only cost decode time).

/// Pixel formats we can decode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PixelFormat {
    Mjpeg,
    Yuyv,
}

impl PixelFormat {
    pub fn fourcc(self) -> [u8; 4] {
        match self {
            PixelFormat::Mjpeg => *b"MJPG",
            PixelFormat::Yuyv => *b"YUYV",
        }
    }

    pub fn from_fourcc(f: &[u8; 4]) -> Option<Self> {
        match f {
            b"MJPG" => Some(PixelFormat::Mjpeg),
            b"YUYV" => Some(PixelFormat::Yuyv),
            _ => None,
        }
    }
}

/// What a device offers: a fourcc and its discrete frame sizes.
pub type Offer = ([u8; 4], Vec<(u32, u32)>);

/// From `(fourcc, sizes)` offered by the device, the format and size to use: the smallest
/// frame area ≥ `min_w`×`min_h`; on a tie MJPEG (less USB bandwidth, so full frame rate).
pub fn choose_format(offers: &[Offer], min_w: u32, min_h: u32) -> Option<(PixelFormat, u32, u32)> {
    offers
        .iter()
        .filter_map(|(f, sizes)| PixelFormat::from_fourcc(f).map(|p| (p, sizes)))
        .flat_map(|(p, sizes)| sizes.iter().map(move |&(w, h)| (p, w, h)))
        .filter(|&(_, w, h)| w >= min_w && h >= min_h)
        .min_by_key(|&(p, w, h)| (u64::from(w) * u64::from(h), p != PixelFormat::Mjpeg))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picks_the_smallest_size_at_or_above_the_minimum_preferring_mjpeg() {
        let offers = vec![
            (*b"YUYV", vec![(320, 240), (640, 480), (1280, 720)]),
            (*b"MJPG", vec![(640, 480), (1920, 1080)]),
            (*b"H264", vec![(640, 480)]),
        ];
        assert_eq!(
            choose_format(&offers, 640, 480),
            Some((PixelFormat::Mjpeg, 640, 480))
        );
        assert_eq!(
            choose_format(&offers, 1000, 600),
            Some((PixelFormat::Yuyv, 1280, 720))
        );
    }

    #[test]
    fn nothing_decodable_or_large_enough_is_none() {
        assert_eq!(
            choose_format(&[(*b"H264", vec![(1920, 1080)])], 640, 480),
            None
        );
        assert_eq!(
            choose_format(&[(*b"YUYV", vec![(320, 240)])], 640, 480),
            None
        );
    }
}
