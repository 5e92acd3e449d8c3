//! Per-frame latency at 640×480 on this machine, and the same models through OpenCV for a ratio.
//!
//! cargo run --release -p idgate-face --example bench [ITERATIONS]
//!
//! Frames: four public test photos (shared/faces) framed 640×480 around the face and
//! JPEG-encoded in memory (as an MJPEG camera delivers them). Per frame: decode (zune-jpeg) +
//! detect (YuNet, 320×240 input padded to 320×256) + quality + align + embed (SFace fp32) +
//! passive PAD (2× MiniFASNet). The OpenCV peer runs in `.idgate/bench-venv` (python3 -m venv
//! .idgate/bench-venv && .idgate/bench-venv/bin/pip install opencv-python-headless numpy).

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use idgate_face::quality::{evaluate, measure};
use idgate_face::{
    Engine, EngineConfig, Frame, FrameSource, ReplaySource, Shot, align, load_image,
};
use image::RgbImage;
use image::codecs::jpeg::JpegEncoder;

const PHOTOS: [&str; 4] = [
    "obama.jpg",
    "alex_lacamoire_knn_train1.jpg",
    "lin-manuel-miranda.png",
    "biden.jpg",
];

fn decode_mjpeg(buf: &[u8]) -> Result<RgbImage, String> {
    let mut d = zune_jpeg::JpegDecoder::new(zune_jpeg::zune_core::bytestream::ZCursor::new(buf));
    let px = d.decode().map_err(|e| e.to_string())?;
    let info = d.info().ok_or("no header")?;
    RgbImage::from_raw(info.width as u32, info.height as u32, px)
        .ok_or_else(|| "short frame".to_string())
}

fn stats(v: &mut [f64]) -> (f64, f64) {
    v.sort_by(f64::total_cmp);
    let at = |p: f64| v[((v.len() - 1) as f64 * p).round() as usize];
    (at(0.5), at(0.95))
}

/// CPU time of every thread of this process so far (ms), from /proc/self/task/*/schedstat.
fn process_cpu_ms() -> f64 {
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return f64::NAN;
    };
    tasks
        .filter_map(Result::ok)
        .filter_map(|t| std::fs::read_to_string(t.path().join("schedstat")).ok())
        .filter_map(|s| s.split_whitespace().next()?.parse::<f64>().ok())
        .sum::<f64>()
        / 1e6
}

fn vm_hwm_kib() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = s.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let iterations: usize = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(300);
    let faces = std::env::var_os("IDGATE_FACES_DIR")
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("IDGATE_ROOT").map(|r| PathBuf::from(r).join("../shared/faces"))
        })
        .ok_or("set IDGATE_FACES_DIR")?;
    let mut cfg = EngineConfig::default();
    if let Some(t) = std::env::var("IDGATE_BENCH_THREADS")
        .ok()
        .and_then(|s| s.parse().ok())
    {
        cfg.threads = t;
    }
    // IDGATE_BENCH_SPIN=0 measures without spinning (the default spins within runs only).
    if let Ok(v) = std::env::var("IDGATE_BENCH_SPIN") {
        cfg.spinning = v != "0";
    }
    let t_load = Instant::now();
    let engine = Engine::new(cfg.clone())?;
    println!(
        "engine load: {:.0} ms (ONNX Runtime {:?}, {} threads, spinning {}); load average {}",
        t_load.elapsed().as_secs_f64() * 1e3,
        cfg.runtime_path,
        cfg.threads,
        cfg.spinning,
        std::fs::read_to_string("/proc/loadavg")
            .unwrap_or_default()
            .trim()
    );

    // Frame the photos 640×480 around the face and encode them as MJPEG frames would arrive.
    let mut jpegs = Vec::new();
    let mut peer_frames = Vec::new();
    for name in PHOTOS {
        let path = faces.join(name);
        let img = Arc::new(load_image(&path)?);
        let a = engine.analyze_still(&img)?;
        let (cx, cy) = a.primary.ok_or("no face")?.detection.bbox.centre();
        let centre = (cx / img.width() as f32, cy / img.height() as f32);
        let shot = Shot::Zoom {
            image: img,
            from: 1.0,
            to: 1.0,
            centre,
            duration: Duration::from_millis(100),
        };
        let frame = ReplaySource::new(vec![shot], 10.0, 640, 480)?.next_frame()?;
        let mut buf = Vec::new();
        JpegEncoder::new_with_quality(&mut buf, 90).encode_image(&frame.image)?;
        jpegs.push(buf);
        peer_frames.push(serde_json::json!({"path": path, "centre": [centre.0, centre.1]}));
    }

    let warmup = 10;
    let ms = |a: Instant, b: Instant| (b - a).as_secs_f64() * 1e3;

    // Phase 1: per-stage breakdown.
    let (mut t_dec, mut t_det, mut t_q, mut t_al, mut t_emb, mut t_pad, mut t_rs) =
        (vec![], vec![], vec![], vec![], vec![], vec![], vec![]);
    for i in 0..iterations + warmup {
        let buf = &jpegs[i % jpegs.len()];
        let t0 = Instant::now();
        let img = decode_mjpeg(buf)?;
        let t1 = Instant::now();
        let dets = engine.detect(&img, &cfg.detector)?;
        let t2 = Instant::now();
        let det = dets.first().ok_or("no face in frame")?;
        let crop = align::align_crop(&img, det).ok_or("degenerate landmarks")?;
        let t3 = Instant::now();
        let q = measure(img.width(), img.height(), det, &crop, None, &cfg.quality);
        let _g = evaluate(&q, &cfg.quality);
        let t4 = Instant::now();
        let _e = engine.embed(&img, det)?; // aligns again: subtracted below
        let t5 = Instant::now();
        let _p = engine.pad(&img, det)?;
        let t6 = Instant::now();
        let _small =
            idgate_face::imageops::resize(&img, cfg.detector.max_width, cfg.detector.max_height);
        let t7 = Instant::now();
        if i < warmup {
            continue;
        }
        t_dec.push(ms(t0, t1));
        t_det.push(ms(t1, t2));
        t_al.push(ms(t2, t3));
        t_q.push(ms(t3, t4));
        t_emb.push((ms(t4, t5) - ms(t2, t3)).max(0.0));
        t_pad.push(ms(t5, t6));
        t_rs.push(ms(t6, t7));
    }

    // Phase 2: detect + align + embed only (what the OpenCV peer runs), wall and CPU time.
    let mut t_dae = vec![];
    let frames: Vec<RgbImage> = jpegs
        .iter()
        .map(|j| decode_mjpeg(j))
        .collect::<Result<_, _>>()?;
    for i in 0..warmup {
        let img = &frames[i % frames.len()];
        let d = engine.detect(img, &cfg.detector)?;
        engine.embed(img, d.first().ok_or("no face")?)?;
    }
    let cpu0 = process_cpu_ms();
    for i in 0..iterations {
        let img = &frames[i % frames.len()];
        let t0 = Instant::now();
        let d = engine.detect(img, &cfg.detector)?;
        engine.embed(img, d.first().ok_or("no face")?)?;
        t_dae.push(ms(t0, Instant::now()));
    }
    let cpu_dae = (process_cpu_ms() - cpu0) / iterations as f64;

    // Phase 3: the whole per-frame path the daemon runs: decode + analyze_frame (detect,
    // quality, align, embed, passive PAD).
    let mut t_all = vec![];
    let mut prev = None;
    let cpu0 = process_cpu_ms();
    for i in 0..iterations {
        let t0 = Instant::now();
        let img = decode_mjpeg(&jpegs[i % jpegs.len()])?;
        let frame = Frame::new(img, Duration::from_millis(i as u64 * 66));
        let a = engine.analyze_frame(&frame, prev.as_ref())?;
        t_all.push(ms(t0, Instant::now()));
        prev = Some(a);
    }
    let cpu_all = (process_cpu_ms() - cpu0) / iterations as f64;

    println!("\nidgate-face, {iterations} frames 640x480 (median / p95 wall ms):");
    for (name, v) in [
        ("decode (zune-jpeg)", &mut t_dec),
        ("detect (YuNet 320x256, incl. resize)", &mut t_det),
        ("  of which resize 640x480 -> 320x240", &mut t_rs),
        ("align (5-point, 112x112)", &mut t_al),
        ("quality", &mut t_q),
        ("embed (SFace fp32)", &mut t_emb),
        ("passive PAD (2x MiniFASNet)", &mut t_pad),
    ] {
        let (m, p) = stats(v);
        println!("  {name:<48} {m:7.2} / {p:7.2}");
    }
    let (ours_dae, ours_dae95) = stats(&mut t_dae);
    let (ours_all, ours_all95) = stats(&mut t_all);
    println!(
        "  {:<48} {ours_dae:7.2} / {ours_dae95:7.2}   (CPU {cpu_dae:.2} ms/frame)",
        "detect+align+embed"
    );
    println!(
        "  {:<48} {ours_all:7.2} / {ours_all95:7.2}   (CPU {cpu_all:.2} ms/frame)",
        "whole per-frame path (decode+analyze_frame)"
    );
    println!(
        "  peak memory (VmHWM): {:.1} MiB",
        vm_hwm_kib().unwrap_or(0) as f64 / 1024.0
    );

    let python = PathBuf::from(".idgate/bench-venv/bin/python3");
    let root = std::env::var_os("IDGATE_ROOT")
        .map(PathBuf::from)
        .unwrap_or_default();
    let python = root.join(python);
    if !python.is_file() {
        println!("\nOpenCV peer skipped: no venv at {}", python.display());
        return Ok(());
    }
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("examples/bench_peer_opencv.py");
    let job = serde_json::json!({
        "threads": cfg.threads, "model_dir": cfg.model_dir, "det_size": [cfg.detector.max_width, cfg.detector.max_height],
        "frames": peer_frames, "iterations": iterations, "warmup": warmup,
    });
    let mut child = Command::new(&python)
        .arg(&script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()?;
    child
        .stdin
        .take()
        .ok_or("stdin")?
        .write_all(job.to_string().as_bytes())?;
    let out = child.wait_with_output()?;
    let peer: serde_json::Value = serde_json::from_slice(&out.stdout)?;
    let f = |k: &str| peer[k].as_f64().unwrap_or(f64::NAN);
    println!(
        "\nOpenCV {} (FaceDetectorYN + FaceRecognizerSF, same weights, {} threads), {} frames (median ms):",
        peer["opencv"], cfg.threads, peer["n"]
    );
    println!(
        "  decode (imdecode)                                {:7.2}",
        f("decode_median")
    );
    println!(
        "  detect (incl. resize)                            {:7.2}",
        f("detect_median")
    );
    println!(
        "  align+embed                                      {:7.2}",
        f("align_embed_median")
    );
    println!(
        "  detect+align+embed                               {:7.2} / {:7.2}   (CPU {:.2} ms/frame)",
        f("detect_align_embed_median"),
        f("detect_align_embed_p95"),
        f("detect_align_embed_cpu")
    );
    println!(
        "\nratio OpenCV / idgate-face, detect+align+embed: wall {:.2}x, CPU {:.2}x",
        f("detect_align_embed_median") / ours_dae,
        f("detect_align_embed_cpu") / cpu_dae
    );
    println!("whole per-frame path median {ours_all:.2} ms (target <= 25 ms)");
    Ok(())
}
