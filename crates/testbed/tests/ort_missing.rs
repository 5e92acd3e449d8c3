//! A missing ONNX Runtime library is a clear error, not a crash.
//!
//! Its own test binary: `ort` keeps the first library it loads for the whole process, so in a
//! binary where another test has loaded the real one first, this call would succeed.

#[test]
fn a_missing_runtime_library_is_a_clear_error_not_a_crash() {
    let err = ort::init_from("/nonexistent/libonnxruntime.so")
        .err()
        .expect("must fail");
    assert!(!err.to_string().is_empty());
}
