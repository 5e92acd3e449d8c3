#!/usr/bin/env python3
"""Peer benchmark for examples/bench.rs: the same photos, framed the same way, through OpenCV's
FaceDetectorYN + FaceRecognizerSF with the same YuNet/SFace weights. Reads a JSON job on stdin,
prints one JSON line of timings (ms). Frames stay in memory."""
import json, sys, time
import cv2, numpy as np

job = json.load(sys.stdin)
cv2.setNumThreads(job["threads"])
models = job["model_dir"]
det_w, det_h = job["det_size"]
det = cv2.FaceDetectorYN.create(models + "/face_detection_yunet_2023mar.onnx", "", (det_w, det_h), 0.75, 0.3, 20)
rec = cv2.FaceRecognizerSF.create(models + "/face_recognition_sface_2021dec_fp32.onnx", "")

frames = []
for item in job["frames"]:
    img = cv2.imread(item["path"])  # applies EXIF orientation, like the Rust loader
    h, w = img.shape[:2]
    cx, cy = item["centre"][0] * w, item["centre"][1] * h
    vw, vh = (h * 4 / 3, h) if w / h > 4 / 3 else (w, w * 3 / 4)
    x0 = int(min(max(cx - vw / 2, 0), w - vw)); y0 = int(min(max(cy - vh / 2, 0), h - vh))
    view = cv2.resize(img[y0:y0 + int(vh), x0:x0 + int(vw)], (640, 480), interpolation=cv2.INTER_AREA)
    ok, jpg = cv2.imencode(".jpg", view, [cv2.IMWRITE_JPEG_QUALITY, 90])
    frames.append(jpg)

def run(buf):
    t0 = time.perf_counter()
    frame = cv2.imdecode(buf, cv2.IMREAD_COLOR)
    t1 = time.perf_counter()
    small = cv2.resize(frame, (det_w, det_h), interpolation=cv2.INTER_LINEAR)
    _, faces = det.detect(small)
    t2 = time.perf_counter()
    if faces is None:
        return None
    f = faces[0].copy()
    f[:14] *= frame.shape[1] / det_w
    crop = rec.alignCrop(frame, f)
    feat = rec.feature(crop)
    t3 = time.perf_counter()
    return (t1 - t0) * 1e3, (t2 - t1) * 1e3, (t3 - t2) * 1e3

for i in range(job["warmup"]):
    run(frames[i % len(frames)])
dec, dt, ae = [], [], []
cpu0 = time.process_time()
for i in range(job["iterations"]):
    r = run(frames[i % len(frames)])
    if r is None:
        continue
    dec.append(r[0]); dt.append(r[1]); ae.append(r[2])
cpu = (time.process_time() - cpu0) * 1e3 / max(len(dec), 1)
q = lambda v, p: float(np.percentile(v, p))
dae = [a + b for a, b in zip(dt, ae)]
print(json.dumps({
    "opencv": cv2.__version__, "n": len(dae),
    "decode_median": q(dec, 50), "detect_median": q(dt, 50), "align_embed_median": q(ae, 50),
    "detect_align_embed_median": q(dae, 50), "detect_align_embed_p95": q(dae, 95),
    "detect_align_embed_cpu": cpu,
}))
