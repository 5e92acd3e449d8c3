//! Matching on shared/faces: every genuine pair of single-face photos scores at or above the
//! threshold and every impostor pair below it; multi-face photos are flagged; the CLI helpers.

mod common;

use common::{catalogue, engine, photo};
use idgate_api::Guidance;
use idgate_face::{CompareError, check_image, compare_images};
use image::{Rgb, RgbImage};

#[test]
fn every_genuine_pair_matches_and_every_impostor_pair_does_not() {
    let e = engine();
    let singles: Vec<_> = catalogue()
        .into_iter()
        .filter(|(_, _, k)| k == "single")
        .collect();
    assert!(
        singles.len() >= 15,
        "expected the single-face photos of faces.csv"
    );
    let refs: Vec<_> = singles
        .iter()
        .map(|(f, id, _)| {
            let r = e
                .enroll_reference(&photo(f))
                .expect("engine")
                .unwrap_or_else(|| panic!("{f}: no usable face"));
            (f.as_str(), id.as_str(), r)
        })
        .collect();
    let t = e.match_threshold();
    let (mut genuine, mut impostor) = (0, 0);
    let mut failures = Vec::new();
    for (i, a) in refs.iter().enumerate() {
        for b in &refs[i + 1..] {
            let s = a.2.embedding.cosine(&b.2.embedding);
            let same = a.1 == b.1;
            if same {
                genuine += 1;
            } else {
                impostor += 1;
            }
            if same != (s >= t) {
                failures.push(format!(
                    "{} ~ {}: {s:.3} ({})",
                    a.0,
                    b.0,
                    if same { "genuine" } else { "impostor" }
                ));
            }
        }
    }
    assert_eq!(
        (genuine, impostor),
        (70, 83),
        "pair counts of faces.csv changed"
    );
    assert!(failures.is_empty(), "threshold {t}: {failures:#?}");
}

#[test]
fn multi_face_photos_are_flagged_multiple() {
    for (file, want) in [("two_people.jpg", 2), ("obama_and_biden.jpg", 3)] {
        let a = engine().analyze_still(&photo(file)).expect("analysis");
        assert_eq!(a.face_count, want, "{file}");
        assert_eq!(
            a.guidance.first(),
            Some(&Guidance::FaceMultiple),
            "{file}: {:?}",
            a.guidance
        );
        assert!(!a.usable());
    }
}

#[test]
fn a_good_single_face_photo_passes_every_gate() {
    for file in [
        "obama.jpg",
        "alex_lacamoire_knn_train1.jpg",
        "lin-manuel-miranda.png",
    ] {
        let a = engine().analyze_still(&photo(file)).expect("analysis");
        assert_eq!(a.face_count, 1, "{file}");
        assert!(
            a.guidance.is_empty(),
            "{file}: {:?} {:?}",
            a.guidance,
            a.primary.map(|p| p.quality)
        );
        assert!(a.usable());
    }
}

#[test]
fn check_image_reports_faces_measures_and_guidance_as_json() {
    let report = check_image(engine(), &photo("two_people.jpg")).expect("check");
    let json = serde_json::to_value(&report).expect("json");
    assert_eq!(json["face_count"], 2);
    assert_eq!(json["guidance"][0], "face.multiple");
    assert_eq!(json["usable"], false);
    assert!(
        json["primary"]["quality"]["inter_eye_px"]
            .as_f64()
            .expect("ied")
            > 20.0
    );
    // The template never leaves the engine.
    assert!(json["primary"].get("embedding").is_none());
    assert!(format!("{report:?}").contains("Embedding(<redacted>)"));
}

#[test]
fn compare_images_says_same_for_obama_and_not_for_biden() {
    let e = engine();
    let same = compare_images(e, &photo("obama.jpg"), &photo("obama2.jpg")).expect("compare");
    assert!(same.same && same.score >= same.threshold, "{same:?}");
    let other = compare_images(e, &photo("obama.jpg"), &photo("biden.jpg")).expect("compare");
    assert!(!other.same && other.score < other.threshold, "{other:?}");
    let json = serde_json::to_value(same).expect("json");
    assert_eq!(json["same"], true);
}

#[test]
fn compare_without_a_face_is_a_typed_no_face_error() {
    let blank = RgbImage::from_pixel(320, 240, Rgb([128, 128, 128]));
    match compare_images(engine(), &photo("obama.jpg"), &blank) {
        Err(CompareError::NoFace(which)) => assert_eq!(which, "second"),
        other => panic!("expected NoFace, got {other:?}"),
    }
    let a = engine().analyze_still(&blank).expect("analysis");
    assert_eq!(a.guidance, vec![Guidance::FaceNone]);
    // A degenerate image is "no face" too, not an engine error.
    let tiny = RgbImage::from_pixel(3, 2, Rgb([0, 0, 0]));
    assert!(matches!(
        compare_images(engine(), &tiny, &photo("obama.jpg")),
        Err(CompareError::NoFace("first"))
    ));
    let empty = RgbImage::new(0, 0);
    assert_eq!(
        engine().analyze_still(&empty).expect("analysis").guidance,
        vec![Guidance::FaceNone]
    );
}

#[test]
fn passive_pad_scores_the_upstream_real_sample_high_and_the_fakes_low() {
    let e = engine();
    let live = |f: &str| {
        let a = e.analyze_still(&photo(f)).expect("analysis");
        a.primary
            .and_then(|p| p.pad)
            .unwrap_or_else(|| panic!("{f}: no PAD score"))
            .live
    };
    let t = e.config().pad_threshold;
    let (t1, f1, f2) = (
        live("antispoof_sample_image_T1.jpg"),
        live("antispoof_sample_image_F1.jpg"),
        live("antispoof_sample_image_F2.jpg"),
    );
    assert!(t1 >= 0.9, "T1 (real) {t1}");
    assert!(
        f1 < t && f2 < t,
        "F1 {f1}, F2 {f2} (fakes) must be below {t}"
    );
}

#[test]
fn debug_output_never_contains_a_template() {
    let a = engine()
        .analyze_still(&photo("obama.jpg"))
        .expect("analysis");
    let dbg = format!("{a:?}");
    assert!(dbg.contains("Embedding(<redacted>)"), "{dbg}");
}
