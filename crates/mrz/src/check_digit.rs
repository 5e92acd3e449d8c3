//! ICAO Doc 9303 Part 3 §4.9 check digits: weights 7-3-1 repeating, modulus 10,
//! `0-9` = 0-9, `A-Z` = 10-35, `<` = 0.

/// The value of one MRZ character for the check digit, or `None` if the character cannot appear in an MRZ.
pub fn char_value(c: u8) -> Option<u32> {
    match c {
        b'0'..=b'9' => Some(u32::from(c - b'0')),
        b'A'..=b'Z' => Some(u32::from(c - b'A') + 10),
        b'<' => Some(0),
        _ => None,
    }
}

/// The check digit over `field`, or `None` if it holds a character that cannot appear in an MRZ.
pub fn check_digit(field: &[u8]) -> Option<u8> {
    const WEIGHTS: [u32; 3] = [7, 3, 1];
    let mut sum = 0u32;
    for (i, &c) in field.iter().enumerate() {
        sum += char_value(c)? * WEIGHTS[i % 3];
    }
    // sum % 10 < 10, so the cast cannot truncate.
    Some(b'0' + (sum % 10) as u8)
}

#[cfg(test)]
mod tests {
    use super::*;

    // ICAO 9303 Part 3 §4.9 worked examples and gmrtd mrz_test.go TestCalcCheckdigit.
    #[test]
    fn published_check_digits() {
        assert_eq!(check_digit(b"L898902C<"), Some(b'3'));
        assert_eq!(check_digit(b"690806"), Some(b'1'));
        assert_eq!(check_digit(b"940623"), Some(b'6'));
        assert_eq!(check_digit(b"520727"), Some(b'3'));
        assert_eq!(
            check_digit(b"D231458907<<<<<<<<<<<<<<<34071279507122<<<<<<<<<<<"),
            Some(b'2')
        );
        assert_eq!(check_digit(b"HA672242<658022549601086<<<<<<<"), Some(b'8'));
        assert_eq!(
            check_digit(b"HA672242<658022549601086<<<<<<<<<<<<<<0"),
            Some(b'8')
        );
    }

    #[test]
    fn characters_outside_the_mrz_alphabet_have_no_check_digit() {
        assert_eq!(check_digit(b"L898902c<"), None);
        assert_eq!(check_digit(b"12 34"), None);
        assert_eq!(check_digit("Ø1".as_bytes()), None);
    }
}
