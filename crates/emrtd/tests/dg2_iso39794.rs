//! DG2 in the ISO/IEC 39794-5 encoding (biometric data block `7F2E`), on the ICAO application-profile
//! samples published by gmrtd (gmrtd/gmrtd@7f23b50, MIT; the ICAO ISO/IEC 39794-5 application-profile test data): both parse,
//! the image is the published one byte for byte and decodes, and hostile variants give typed errors.

use idgate_emrtd::iso7816::tlv;
use idgate_emrtd::lds::dg2::{Dg2, Dg2Error, FaceRecord, Iso39794Face};
use idgate_emrtd::lds::image::{self, ImageFormat};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

#[path = "support/testdata.rs"]
mod testdata;
use testdata::testdata;

fn all_fields() -> &'static [u8] {
    testdata("emrtd/iso39794/ICAO_39794_5_AP_DG2_AllFields.dat")
}
fn mand_fields() -> &'static [u8] {
    testdata("emrtd/iso39794/ICAO_39794_5_AP_DG2_MandFields.dat")
}
/// The image of both samples (a JP2 despite the name).
fn sample_face() -> &'static [u8] {
    testdata("emrtd/iso39794/ICAO_39794_5_AP_DG2_Face.jpg")
}
fn invalid_image_bdb() -> &'static [u8] {
    testdata("emrtd/iso39794/ICAO_39794_5_AP_MandFields_InvalidImage.dat")
}

fn only_face(raw: &[u8]) -> (idgate_emrtd::lds::dg2::FaceImage, Iso39794Face) {
    let dg2 = Dg2::parse(raw).expect("parses");
    assert_eq!(dg2.faces.len(), 1);
    let face = dg2.faces.into_iter().next().expect("one face");
    let FaceRecord::Iso39794_5(meta) = face.record.clone() else {
        panic!("a 39794-5 record, got {:?}", face.record)
    };
    (face, meta)
}

#[test]
fn all_fields_sample_yields_the_published_jpeg2000_and_its_metadata() {
    let (face, meta) = only_face(all_fields());
    assert_eq!(face.data.as_slice(), sample_face());
    assert_eq!(face.format, ImageFormat::Jpeg2000);
    // The sample declares 572×731 although its image is 413×531: declared sizes are claims.
    assert_eq!((face.width, face.height), (572, 731));
    assert_eq!(meta.version, (3, 2019));
    assert_eq!(meta.representation_id, 0);
    assert_eq!(meta.image_data_format, 3, "JPEG 2000 lossy");
    assert_eq!(meta.face_image_kind, Some(0), "MRTD");
    assert_eq!(meta.lossy_transformation_attempts, Some(1), "zero");
    assert_eq!(meta.colour_space, Some(2), "24-bit RGB");
    assert_eq!(
        (meta.gender, meta.eye_colour, meta.hair_colour),
        (Some(3), Some(3), Some(5)),
        "female, blue, brown"
    );
    assert_eq!(meta.pose, [Some(2), Some(3), Some(1)]);
}

#[test]
fn mandatory_fields_sample_yields_the_same_image_without_optional_metadata() {
    let (face, meta) = only_face(mand_fields());
    assert_eq!(face.data.as_slice(), sample_face());
    assert_eq!(face.format, ImageFormat::Jpeg2000);
    assert_eq!((face.width, face.height), (0, 0), "no imageSizeBlock");
    assert_eq!(meta.version, (3, 2019));
    assert_eq!(meta.image_data_format, 3);
    assert_eq!(
        (meta.face_image_kind, meta.colour_space, meta.gender),
        (None, None, None)
    );
    assert_eq!(meta.pose, [None; 3]);
}

#[test]
fn extracted_image_decodes_through_the_photo_path() {
    let (face, _) = only_face(all_fields());
    let rgb = image::decode(&face.data).expect("decodes");
    assert_eq!((rgb.width, rgb.height), (413, 531));
    assert_eq!(rgb.pixels.len(), 413 * 531 * 3);
}

#[test]
fn debug_output_hides_the_metadata_and_image() {
    let (face, meta) = only_face(all_fields());
    let text = format!("{face:?} {meta:?}");
    assert!(text.contains("39794-5"), "{text}");
    assert!(
        !text.contains("gender") && !text.contains("Some("),
        "{text}"
    );
}

/// `75 { 7F61 { 02 01, 7F60 { A1 {87 0101, 88 002A}, 7F2E <bdb> } } }`.
fn dg2_around(bdb: &[u8]) -> Vec<u8> {
    let header = [
        tlv::encode(0x87, &[0x01, 0x01]),
        tlv::encode(0x88, &[0x00, 0x2A]),
    ]
    .concat();
    let bit = [tlv::encode(0xA1, &header), tlv::encode(0x7F2E, bdb)].concat();
    let group = [tlv::encode(0x02, &[1]), tlv::encode(0x7F60, &bit)].concat();
    tlv::encode(0x75, &tlv::encode(0x7F61, &group))
}

#[test]
fn damaged_image_signature_is_a_malformed_dg2() {
    // gmrtd's InvalidImage sample: the JP2 signature box and codestream marker are overwritten.
    let raw = dg2_around(invalid_image_bdb());
    assert!(matches!(Dg2::parse(&raw), Err(Dg2Error::Malformed(_))));
}

#[test]
fn a_bare_face_image_data_block_without_the_a1_wrapper_also_parses() {
    let (face, _) = only_face(all_fields());
    let wrapped = idgate_emrtd::lds::face39794::encode_data_block(
        ImageFormat::Jpeg2000,
        413,
        531,
        &face.data,
    );
    let inner = tlv::parse_tagged(&wrapped, 0xA1).expect("A1").value;
    let (bare, _) = only_face(&dg2_around(inner));
    assert_eq!(bare.data.as_slice(), sample_face());
    assert_eq!((bare.width, bare.height), (413, 531));
}

// --- hostile input ---------------------------------------------------------------------------

/// One node of a parsed TLV tree, to rebuild variants with consistent lengths.
enum Node {
    Primitive(u32, Vec<u8>),
    Constructed(u32, Vec<Node>),
}

fn tree(bytes: &[u8]) -> Vec<Node> {
    tlv::parse_all(bytes)
        .expect("well formed")
        .into_iter()
        .map(|t| {
            if t.constructed {
                Node::Constructed(t.tag, tree(t.value))
            } else {
                Node::Primitive(t.tag, t.value.to_vec())
            }
        })
        .collect()
}

fn count(nodes: &[Node]) -> usize {
    nodes
        .iter()
        .map(|n| match n {
            Node::Primitive(..) => 1,
            Node::Constructed(_, kids) => 1 + count(kids),
        })
        .sum()
}

/// Encodes `nodes`, leaving out the node numbered `skip` in preorder (counting down `*index`).
fn encode_without(nodes: &[Node], skip: usize, index: &mut usize) -> Vec<u8> {
    let mut out = Vec::new();
    for node in nodes {
        let this = *index;
        *index += 1;
        match node {
            Node::Primitive(tag, value) => {
                if this != skip {
                    out.extend(tlv::encode(*tag, value));
                }
            }
            Node::Constructed(tag, kids) => {
                let inner = encode_without(kids, skip, index);
                if this != skip {
                    out.extend(tlv::encode(*tag, &inner));
                }
            }
        }
    }
    out
}

#[test]
fn removing_any_element_keeps_the_image_or_gives_a_typed_error() {
    for sample in [all_fields(), mand_fields()] {
        let nodes = tree(sample);
        assert_eq!(encode_without(&nodes, usize::MAX, &mut 0), sample);
        let mut optional_removed = 0;
        for skip in 0..count(&nodes) {
            let variant = encode_without(&nodes, skip, &mut 0);
            match Dg2::parse(&variant) {
                // Only an optional element was gone: the image is still the published one.
                Ok(dg2) => {
                    assert_eq!(dg2.faces.len(), 1, "element {skip}");
                    assert_eq!(
                        dg2.faces[0].data.as_slice(),
                        sample_face(),
                        "element {skip}"
                    );
                    optional_removed += 1;
                }
                Err(Dg2Error::Malformed(_) | Dg2Error::Unsupported(_)) => {}
            }
        }
        // The CBEFF header fields and 39794-5 optional blocks can go; the image path cannot.
        assert!(optional_removed > 0);
    }
    // The mandatory-fields sample has 23 elements; only the CBEFF count `02` and header `A1 {87, 88}`
    // are not on the mandatory path (75 7F61 7F60 7F2E A1 65 A0{80 81} A1 30 80 A1 A0 A0 80 A1 A0 80).
    let nodes = tree(mand_fields());
    assert_eq!(count(&nodes), 23);
    let failures = (0..count(&nodes))
        .filter(|skip| Dg2::parse(&encode_without(&nodes, *skip, &mut 0)).is_err())
        .count();
    assert_eq!(failures, 19);
}

#[test]
fn every_truncation_is_a_typed_error() {
    for sample in [all_fields(), mand_fields()] {
        for cut in 0..sample.len() {
            assert!(Dg2::parse(&sample[..cut]).is_err(), "cut {cut}");
        }
    }
    // Truncating the image inside consistent lengths: the bytes are no longer the image, and
    // short stubs lose the signature.
    let (face, _) = only_face(all_fields());
    for keep in [0, 1, 3, 11, 100, face.data.len() / 2] {
        let bdb = idgate_emrtd::lds::face39794::encode_data_block(
            ImageFormat::Jpeg2000,
            413,
            531,
            &face.data[..keep],
        );
        match Dg2::parse(&dg2_around(&bdb)) {
            Ok(dg2) => assert_eq!(dg2.faces[0].data.as_slice(), &face.data[..keep]),
            Err(e) => assert!(keep < 12, "keep {keep}: {e}"),
        }
    }
}

#[test]
fn single_byte_corruptions_of_the_structure_never_panic() {
    for sample in [all_fields(), mand_fields()] {
        let image_at = sample
            .windows(sample_face().len())
            .position(|w| w == sample_face())
            .expect("image inside");
        // Every byte outside the image bytes (the image is opaque to this parser).
        let structure = (0..image_at).chain(image_at + sample_face().len()..sample.len());
        for i in structure {
            for x in [0xFFu8, 0x80, 0x01, 0x20] {
                let mut v = sample.to_vec();
                v[i] ^= x;
                let _ = Dg2::parse(&v);
            }
        }
    }
}

#[test]
fn random_mutations_never_panic() {
    // Seeded: a failure reproduces (with this Cargo.lock's rand).
    let mut rng = StdRng::seed_from_u64(0x3979_4005_DEC0_DE01);
    let (mut survived, mut refused) = (0, 0);
    for round in 0..4000 {
        let sample = if round % 2 == 0 {
            all_fields()
        } else {
            mand_fields()
        };
        let mut v = sample.to_vec();
        // Aim most mutations at the structure before the image, some anywhere.
        let window = if round % 4 < 3 {
            120.min(v.len())
        } else {
            v.len()
        };
        for _ in 0..1 + rng.random_range(0..4) {
            let i = rng.random_range(0..window);
            v[i] = rng.random::<u8>();
        }
        if round % 5 == 0 {
            let cut = rng.random_range(0..v.len());
            v.truncate(cut);
        }
        match Dg2::parse(&v) {
            Ok(dg2) => {
                // Whatever survives still holds an image the photo path can be given safely.
                for face in &dg2.faces {
                    assert!(ImageFormat::sniff(&face.data).is_some());
                }
                survived += 1;
            }
            Err(Dg2Error::Malformed(_) | Dg2Error::Unsupported(_)) => refused += 1,
        }
    }
    // Both outcomes occur: the mutations reach past the outer TLV into the 39794-5 fields.
    assert!(
        survived > 100 && refused > 100,
        "{survived} parsed, {refused} refused"
    );
}
