//! BER-TLV (ISO/IEC 7816-4 §5.2, ITU-T X.690) as used by the LDS and secure messaging.
//!
//! Everything here reads bytes that came from a chip: every length is checked, nesting depth is
//! bounded, and indefinite lengths (never valid in the LDS, which is DER) are refused.

/// Maximum nesting the parser follows; LDS structures nest at most ~6 deep.
pub const MAX_DEPTH: usize = 16;

/// Why bytes are not well-formed BER-TLV.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TlvError {
    /// The input ends inside a tag, a length field or a value.
    #[error("TLV truncated: needed {needed} more byte(s)")]
    Truncated {
        /// How many bytes are missing, at least: a file reader fetches more and parses again.
        needed: usize,
    },
    /// A tag of more than four bytes (X.690 §8.1.2.4); no LDS or secure messaging tag is that long.
    #[error("TLV tag longer than 4 bytes")]
    TagTooLong,
    /// A length field of more than four subsequent bytes (X.690 §8.1.3.5); no chip file needs one.
    #[error("TLV length field uses {0} bytes (at most 4 allowed)")]
    LengthTooLong(usize),
    /// Length byte `80`, the indefinite form (X.690 §8.1.3.6): DER and the LDS allow only definite
    /// lengths.
    #[error("TLV indefinite length is not allowed")]
    IndefiniteLength,
    /// Constructed objects nest deeper than [`MAX_DEPTH`]: hostile input, refused before recursing
    /// further.
    #[error("TLV nesting deeper than {MAX_DEPTH}")]
    TooDeep,
    /// An object with the wrong tag where the structure fixes one (e.g. EF.COM must start with
    /// `60`).
    #[error("expected tag {expected:X}, found {found:X}")]
    UnexpectedTag {
        /// The tag the structure requires here.
        expected: u32,
        /// The tag the bytes carry.
        found: u32,
    },
    /// A mandatory child object (its tag) is absent from a constructed object.
    #[error("mandatory tag {0:X} missing")]
    Missing(u32),
    /// Bytes (their count) follow the object that should fill the input alone.
    #[error("{0} unexpected byte(s) after the TLV object")]
    TrailingData(usize),
}

/// Tag and length of a TLV object, without its value (enough to learn a file's total size).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    /// The tag with all its bytes as a big-endian number (`5F1F` for the MRZ, `7F61` for the
    /// biometric information group template); the class and constructed bits stay in the first
    /// byte.
    pub tag: u32,
    /// Bit 6 of the first tag byte: the value is itself a sequence of TLV objects.
    pub constructed: bool,
    /// Length of the value.
    pub len: usize,
    /// Bytes taken by tag and length.
    pub header_len: usize,
}

impl Header {
    /// Tag, length and value together.
    pub fn total_len(&self) -> usize {
        self.header_len.saturating_add(self.len)
    }
}

/// One parsed TLV object borrowing its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tlv<'a> {
    /// The tag with all its bytes as a big-endian number, as [`Header::tag`].
    pub tag: u32,
    /// The value is a sequence of TLV objects ([`Tlv::children`]), as [`Header::constructed`].
    pub constructed: bool,
    /// The value bytes, exactly the length the length field gave.
    pub value: &'a [u8],
}

impl<'a> Tlv<'a> {
    /// The children of a constructed object (parses them all, checking each).
    pub fn children(&self) -> Result<Vec<Tlv<'a>>, TlvError> {
        parse_all(self.value)
    }

    /// The first child with `tag`.
    pub fn child(&self, tag: u32) -> Result<Option<Tlv<'a>>, TlvError> {
        Ok(self.children()?.into_iter().find(|t| t.tag == tag))
    }

    /// The first child with `tag`, or [`TlvError::Missing`].
    pub fn required(&self, tag: u32) -> Result<Tlv<'a>, TlvError> {
        self.child(tag)?.ok_or(TlvError::Missing(tag))
    }
}

fn need(input: &[u8], n: usize) -> Result<(), TlvError> {
    if input.len() < n {
        Err(TlvError::Truncated {
            needed: n - input.len(),
        })
    } else {
        Ok(())
    }
}

/// Reads tag and length from the start of `input`; the value need not be present yet.
pub fn parse_header(input: &[u8]) -> Result<Header, TlvError> {
    need(input, 1)?;
    let first = input[0];
    let constructed = first & 0x20 != 0;
    let mut tag = u32::from(first);
    let mut pos = 1;
    if first & 0x1F == 0x1F {
        // Subsequent tag bytes: bit 8 set means another byte follows.
        loop {
            need(input, pos + 1)?;
            if pos >= 4 {
                return Err(TlvError::TagTooLong);
            }
            let b = input[pos];
            tag = (tag << 8) | u32::from(b);
            pos += 1;
            if b & 0x80 == 0 {
                break;
            }
        }
    }
    need(input, pos + 1)?;
    let l0 = input[pos];
    pos += 1;
    let len = match l0 {
        0x00..=0x7F => usize::from(l0),
        0x80 => return Err(TlvError::IndefiniteLength),
        _ => {
            let n = usize::from(l0 & 0x7F);
            if n > 4 {
                return Err(TlvError::LengthTooLong(n));
            }
            need(input, pos + n)?;
            let len = input[pos..pos + n]
                .iter()
                .fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
            pos += n;
            len
        }
    };
    Ok(Header {
        tag,
        constructed,
        len,
        header_len: pos,
    })
}

/// Parses one object at the start of `input`; returns it and the rest.
pub fn parse_one(input: &[u8]) -> Result<(Tlv<'_>, &[u8]), TlvError> {
    let h = parse_header(input)?;
    let rest = &input[h.header_len..];
    need(rest, h.len)?;
    let (value, rest) = rest.split_at(h.len);
    Ok((
        Tlv {
            tag: h.tag,
            constructed: h.constructed,
            value,
        },
        rest,
    ))
}

/// Parses exactly one object filling all of `input`, checking that its whole subtree is well formed.
pub fn parse_exact(input: &[u8]) -> Result<Tlv<'_>, TlvError> {
    let (tlv, rest) = parse_one(input)?;
    if !rest.is_empty() {
        return Err(TlvError::TrailingData(rest.len()));
    }
    check_nesting(tlv, 1)?;
    Ok(tlv)
}

/// Parses exactly one object with the given tag.
pub fn parse_tagged(input: &[u8], tag: u32) -> Result<Tlv<'_>, TlvError> {
    let tlv = parse_exact(input)?;
    if tlv.tag != tag {
        return Err(TlvError::UnexpectedTag {
            expected: tag,
            found: tlv.tag,
        });
    }
    Ok(tlv)
}

/// Parses a sequence of sibling objects filling all of `input` (not recursing).
pub fn parse_all(mut input: &[u8]) -> Result<Vec<Tlv<'_>>, TlvError> {
    let mut out = Vec::new();
    while !input.is_empty() {
        let (tlv, rest) = parse_one(input)?;
        out.push(tlv);
        input = rest;
    }
    Ok(out)
}

fn check_nesting(tlv: Tlv<'_>, depth: usize) -> Result<(), TlvError> {
    if depth > MAX_DEPTH {
        return Err(TlvError::TooDeep);
    }
    if tlv.constructed {
        for child in parse_all(tlv.value)? {
            check_nesting(child, depth + 1)?;
        }
    }
    Ok(())
}

/// Writes a BER length field (definite, minimal).
pub fn encode_len(len: usize, out: &mut Vec<u8>) {
    match len {
        0..=0x7F => out.push(len as u8),
        0x80..=0xFF => out.extend_from_slice(&[0x81, len as u8]),
        0x100..=0xFFFF => {
            out.push(0x82);
            out.extend_from_slice(&(len as u16).to_be_bytes());
        }
        0x1_0000..=0xFF_FFFF => {
            out.push(0x83);
            out.extend_from_slice(&(len as u32).to_be_bytes()[1..]);
        }
        _ => {
            out.push(0x84);
            out.extend_from_slice(&(len as u32).to_be_bytes());
        }
    }
}

/// Writes a tag (1 to 4 bytes, as given).
pub fn encode_tag(tag: u32, out: &mut Vec<u8>) {
    let bytes = tag.to_be_bytes();
    let skip = bytes.iter().take_while(|b| **b == 0).count().min(3);
    out.extend_from_slice(&bytes[skip..]);
}

/// One TLV object as bytes.
pub fn encode(tag: u32, value: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(value.len() + 8);
    encode_tag(tag, &mut out);
    encode_len(value.len(), &mut out);
    out.extend_from_slice(value);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::hex;

    #[test]
    fn ef_com_sample_parses() {
        // ICAO 9303 Part 10 Appendix A EF.COM (gmrtd document/sample_document.go).
        let com = hex("60145F0104303130365F36063034303030305C026175");
        let t = parse_tagged(&com, 0x60).expect("EF.COM");
        assert!(t.constructed);
        let kids = t.children().expect("children");
        assert_eq!(
            kids.iter().map(|k| k.tag).collect::<Vec<_>>(),
            [0x5F01, 0x5F36, 0x5C]
        );
        assert_eq!(t.required(0x5C).expect("tag list").value, [0x61, 0x75]);
    }

    #[test]
    fn all_length_forms() {
        for len in [0usize, 1, 0x7F, 0x80, 0xFF, 0x100, 0xFFFF, 0x1_0000] {
            let value = vec![0xAB; len];
            let bytes = encode(0x5F2E, &value);
            let h = parse_header(&bytes).expect("header");
            assert_eq!((h.tag, h.len), (0x5F2E, len));
            assert_eq!(h.total_len(), bytes.len());
            let (t, rest) = parse_one(&bytes).expect("object");
            assert_eq!(t.value.len(), len);
            assert!(rest.is_empty());
        }
        // Non-minimal long form is still BER and accepted: 84 00 00 00 02.
        let h = parse_header(&hex("7584000000020102")).expect("84 form");
        assert_eq!((h.len, h.header_len), (2, 6));
    }

    #[test]
    fn header_from_first_bytes_of_a_file() {
        // A DG2 begins `75 82 14 39`: the whole file is 4 + 0x1439 bytes.
        let h = parse_header(&hex("75821439")).expect("header");
        assert_eq!(h.total_len(), 4 + 0x1439);
    }

    #[test]
    fn hostile_input_gives_typed_errors() {
        assert_eq!(parse_header(&[]), Err(TlvError::Truncated { needed: 1 }));
        assert_eq!(
            parse_header(&[0x5F]),
            Err(TlvError::Truncated { needed: 1 })
        );
        assert_eq!(
            parse_header(&[0x75]),
            Err(TlvError::Truncated { needed: 1 })
        );
        assert_eq!(
            parse_header(&hex("7582")),
            Err(TlvError::Truncated { needed: 2 })
        );
        assert_eq!(
            parse_header(&hex("758501020304050607")),
            Err(TlvError::LengthTooLong(5))
        );
        assert_eq!(parse_header(&hex("7580")), Err(TlvError::IndefiniteLength));
        assert_eq!(
            parse_header(&hex("1FFFFFFFFF01")),
            Err(TlvError::TagTooLong)
        );
        // Value shorter than its length says.
        assert_eq!(
            parse_one(&hex("5F1F0A4142")),
            Err(TlvError::Truncated { needed: 8 })
        );
        // Huge declared length never allocates: it is just a truncation.
        assert!(matches!(
            parse_one(&hex("7584FFFFFFFF00")),
            Err(TlvError::Truncated { .. })
        ));
        assert_eq!(
            parse_exact(&hex("5C0161FF")),
            Err(TlvError::TrailingData(1))
        );
        assert_eq!(
            parse_tagged(&hex("5C0161"), 0x60),
            Err(TlvError::UnexpectedTag {
                expected: 0x60,
                found: 0x5C
            })
        );
    }

    #[test]
    fn deep_nesting_is_refused() {
        let mut v = encode(0x80, &[1]);
        for _ in 0..MAX_DEPTH + 2 {
            v = encode(0x30, &v);
        }
        assert_eq!(parse_exact(&v), Err(TlvError::TooDeep));
        let mut ok = encode(0x80, &[1]);
        for _ in 0..MAX_DEPTH - 1 {
            ok = encode(0x30, &ok);
        }
        assert!(parse_exact(&ok).is_ok());
    }

    #[test]
    fn broken_grandchild_is_found_by_parse_exact() {
        // 30 04 30 02 04 05: the inner OCTET STRING claims 5 bytes but has 0.
        assert!(matches!(
            parse_exact(&hex("300430020405")),
            Err(TlvError::Truncated { .. })
        ));
    }
}
