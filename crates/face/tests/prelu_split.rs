//! SFace with its PRelu activations split (src/prelu_split.rs) computes the same embeddings as
//! the model as published, on every single-face photo of shared/faces.

mod common;

use common::{catalogue, photo};
use idgate_face::{Engine, EngineConfig};

#[test]
fn the_split_model_embeds_real_faces_as_the_original_does() {
    let split = Engine::new(EngineConfig {
        passive_pad: false,
        ..EngineConfig::default()
    })
    .expect("engine (run scripts/setup)");
    let original = Engine::new(EngineConfig {
        passive_pad: false,
        split_prelu: false,
        ..EngineConfig::default()
    })
    .expect("engine");
    // SFace 2021dec has 27 Conv → BN → PRelu blocks; every one must have been rewritten.
    assert_eq!(split.prelu_split(), 27);
    assert_eq!(original.prelu_split(), 0);

    let mut compared = 0;
    let mut worst = 1.0f32;
    for (file, _, kind) in catalogue() {
        if kind != "single" {
            continue;
        }
        let img = photo(&file);
        let a = split.enroll_reference(&img).expect("split").expect("face");
        let b = original
            .enroll_reference(&img)
            .expect("original")
            .expect("face");
        let c = a.embedding.cosine(&b.embedding);
        worst = worst.min(c);
        compared += 1;
    }
    assert!(compared >= 15, "only {compared} photos compared");
    eprintln!("{compared} photos, worst cosine split vs original: {worst}");
    // Float rounding only: genuine/impostor margins are ~0.1 wide, this is 10^-5.
    assert!(
        worst > 0.99999,
        "worst cosine between the two models: {worst}"
    );
}
