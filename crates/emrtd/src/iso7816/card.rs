//! What the card says about itself before any command: the ATR's historical bytes (ISO/IEC 7816-3
//! §8.2, 7816-4 §8.1.1) and their card capabilities — does it take extended length APDUs?
//!
//! For contactless cards a PC/SC reader builds the ATR from the ATS historical bytes
//! (`3B 8n 80 01 <historical bytes> TCK`, PC/SC Part 3 §3.1.3.2.3).

/// Why the ATR could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AtrError {
    /// The ATR ends before T0, an interface byte T0/TDi announces, or the K historical bytes T0
    /// counts (ISO/IEC 7816-3 §8.2): not a usable answer to reset.
    #[error("ATR truncated")]
    Truncated,
}

/// The historical bytes of an ATR.
pub fn historical_bytes(atr: &[u8]) -> Result<&[u8], AtrError> {
    let t0 = *atr.get(1).ok_or(AtrError::Truncated)?;
    let k = usize::from(t0 & 0x0F);
    let mut y = t0 >> 4;
    let mut pos = 2;
    loop {
        // TA, TB, TC present per bits 1-3 of Y; TD per bit 4.
        pos += (y & 0x07).count_ones() as usize;
        if y & 0x08 == 0 {
            break;
        }
        let td = *atr.get(pos).ok_or(AtrError::Truncated)?;
        pos += 1;
        y = td >> 4;
    }
    atr.get(pos..pos + k).ok_or(AtrError::Truncated)
}

/// Extended Lc/Le support from the card capabilities in compact-TLV historical bytes
/// (tag 7, third byte bit 7), when they say.
pub fn extended_length_from_historical(hist: &[u8]) -> Option<bool> {
    let (category, rest) = hist.split_first()?;
    let objects = match category {
        0x80 => rest,
        // Category 00: the last three bytes are a status indicator.
        0x00 => rest.get(..rest.len().checked_sub(3)?)?,
        _ => return None,
    };
    let mut i = 0;
    while let Some(b) = objects.get(i) {
        let (tag, len) = (b >> 4, usize::from(b & 0x0F));
        let value = objects.get(i + 1..i + 1 + len)?;
        if tag == 0x7 {
            return value.get(2).map(|c| c & 0x40 != 0);
        }
        i += 1 + len;
    }
    None
}

/// A PC/SC-style contactless ATR around the given historical bytes (the emulator's ATR).
pub fn contactless_atr(hist: &[u8]) -> Vec<u8> {
    let mut atr = vec![0x3B, 0x80 | (hist.len().min(15) as u8), 0x80, 0x01];
    atr.extend_from_slice(&hist[..hist.len().min(15)]);
    let tck = atr[1..].iter().fold(0u8, |acc, b| acc ^ b);
    atr.push(tck);
    atr
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contactless_atr_round_trip() {
        let hist = [0x80, 0x73, 0x00, 0x00, 0x40];
        let atr = contactless_atr(&hist);
        assert_eq!(
            atr,
            [0x3B, 0x85, 0x80, 0x01, 0x80, 0x73, 0x00, 0x00, 0x40, 0xB7]
        );
        assert_eq!(historical_bytes(&atr).expect("parses"), &hist);
        assert_eq!(extended_length_from_historical(&hist), Some(true));
        assert_eq!(
            extended_length_from_historical(&[0x80, 0x73, 0, 0, 0]),
            Some(false)
        );
        assert_eq!(extended_length_from_historical(&[0x80, 0x31, 0xC0]), None);
    }

    #[test]
    fn contact_atr_with_interface_bytes() {
        // T0 = 02: no interface bytes, two historical bytes.
        let atr = [0x3B, 0x02, 0x14, 0x50];
        // T0 = 95: TA1 and TD1 (= 01: T=1, nothing more), then five historical bytes and TCK.
        let with_ta = [0x3B, 0x95, 0x13, 0x01, 1, 2, 3, 4, 5, 0x00];
        assert_eq!(
            historical_bytes(&with_ta).expect("parses"),
            &[1, 2, 3, 4, 5]
        );
        assert_eq!(historical_bytes(&atr).expect("parses"), &[0x14, 0x50]);
        assert_eq!(
            historical_bytes(&[0x3B, 0x88, 0x80]),
            Err(AtrError::Truncated)
        );
        assert_eq!(historical_bytes(&[0x3B]), Err(AtrError::Truncated));
    }

    #[test]
    fn hostile_historical_bytes() {
        assert_eq!(extended_length_from_historical(&[]), None);
        assert_eq!(extended_length_from_historical(&[0x80, 0x7F]), None);
        assert_eq!(extended_length_from_historical(&[0x00, 0x01]), None);
    }
}
