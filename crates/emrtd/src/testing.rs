//! What the unit tests share.

/// Bytes from hex as the published vectors print it; spaces (grouping long values) are ignored.
pub(crate) fn hex(s: &str) -> Vec<u8> {
    hex::decode(s.replace(' ', "")).expect("hex")
}
