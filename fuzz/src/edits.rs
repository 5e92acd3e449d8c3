//! Fuzzer bytes read as an edit script on an answer or file the chip computes at run time (an
//! EF.SOD signed in this process, a GENERAL AUTHENTICATE answer with fresh nonces), so the
//! fuzzer's mutations land on real structure it could not have guessed as raw bytes.

/// Byte values on the edges of BER-TLV tags and lengths and of signed integers.
const INTERESTING: [u8; 12] = [
    0x00, 0x01, 0x02, 0x1F, 0x30, 0x7F, 0x80, 0x81, 0x82, 0x83, 0x84, 0xFF,
];

/// `base` edited by `script`, four bytes an edit: kind, position (big-endian u16, taken modulo
/// the current length), value. Kinds: set, flip a bit, add a small signed amount, insert, delete,
/// truncate, duplicate a run of up to 32 bytes, set to an interesting value. A trailing partial
/// edit is ignored; an empty script leaves `base` as it is.
pub fn apply(base: &[u8], script: &[u8]) -> Vec<u8> {
    let mut b = base.to_vec();
    for op in script.chunks_exact(4) {
        let (kind, raw_pos, v) = (
            op[0] % 8,
            usize::from(u16::from_be_bytes([op[1], op[2]])),
            op[3],
        );
        let len = b.len();
        let at = |n: usize| if n == 0 { 0 } else { raw_pos % n };
        match kind {
            0 if len > 0 => b[at(len)] = v,
            1 if len > 0 => b[at(len)] ^= 1 << (v % 8),
            2 if len > 0 => {
                let p = at(len);
                // -2..=2: a length one or two too long or too short.
                b[p] = b[p].wrapping_add(((v % 5) as i8 - 2) as u8);
            }
            3 => b.insert(at(len + 1), v),
            4 if len > 0 => {
                b.remove(at(len));
            }
            5 => b.truncate(at(len + 1)),
            6 if len > 0 => {
                let start = at(len);
                let end = (start + usize::from(v % 32) + 1).min(len);
                let run = b[start..end].to_vec();
                b.splice(end..end, run);
            }
            7 if len > 0 => b[at(len)] = INTERESTING[usize::from(v) % INTERESTING.len()],
            _ => {}
        }
    }
    b
}

#[cfg(test)]
mod tests {
    use super::apply;

    #[test]
    fn an_empty_script_keeps_the_bytes() {
        assert_eq!(apply(b"abc", &[]), b"abc");
        assert_eq!(apply(b"abc", &[0, 0]), b"abc", "a partial edit is ignored");
    }

    #[test]
    fn each_kind_edits_at_its_position() {
        assert_eq!(apply(b"abc", &[0, 0, 1, b'X']), b"aXc");
        assert_eq!(apply(b"abc", &[3, 0, 3, b'd']), b"abcd");
        assert_eq!(apply(b"abc", &[4, 0, 0, 0]), b"bc");
        assert_eq!(apply(b"abc", &[5, 0, 1, 0]), b"a");
        assert_eq!(apply(b"abc", &[6, 0, 0, 1]), b"ababc");
        assert_eq!(
            apply(b"", &[0, 0, 0, 1, 4, 0, 0, 0]),
            b"",
            "no edit of nothing"
        );
    }
}
