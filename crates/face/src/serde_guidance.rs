//! Guidance codes serialise as their stable ids (`face.too_dark`), the same strings the bus uses.

use idgate_api::Guidance;
use serde::Serializer;
use serde::ser::SerializeSeq;

pub fn serialize_list<S: Serializer>(codes: &[Guidance], s: S) -> Result<S::Ok, S::Error> {
    let mut seq = s.serialize_seq(Some(codes.len()))?;
    for g in codes {
        seq.serialize_element(g.id())?;
    }
    seq.end()
}
