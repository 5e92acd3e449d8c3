//! Folds SFace's int8 block-quantised weights (opencv_zoo `face_recognition_sface_2021dec_int8bq.onnx`)
//! back into float32: the file the face engine loads. `scripts/setup` runs it when the float file
//! is not at hand: `cargo run -q -p idgate-face --bin fold-sface -- IN.onnx OUT.onnx`.

use std::process::ExitCode;

fn main() -> ExitCode {
    match run() {
        Ok(line) => {
            println!("{line}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("fold-sface: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<String, String> {
    let mut args = std::env::args_os().skip(1);
    let (Some(input), Some(output), None) = (args.next(), args.next(), args.next()) else {
        return Err("usage: fold-sface IN.onnx OUT.onnx".into());
    };
    let (input, output) = (
        std::path::PathBuf::from(input),
        std::path::PathBuf::from(output),
    );
    let bytes = std::fs::read(&input).map_err(|e| format!("{}: {e}", input.display()))?;
    let folded = idgate_face::fold_int8::fold_dequantize(&bytes)
        .map_err(|e| format!("{}: {e}", input.display()))?;
    if folded.folded == 0 || folded.kept > 0 {
        return Err(format!(
            "{}: {} weights folded, {} left quantised: not the SFace int8 file",
            input.display(),
            folded.folded,
            folded.kept
        ));
    }
    std::fs::write(&output, &folded.model).map_err(|e| format!("{}: {e}", output.display()))?;
    Ok(format!(
        "folded {} DequantizeLinear nodes, dropped {} unused graph inputs: {}",
        folded.folded,
        folded.pruned_inputs,
        output.display()
    ))
}
