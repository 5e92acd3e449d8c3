"""PassportEye (+ Tesseract) on the real-image set, as the peer figures printed by `ocr_bench`.

Bench only, never at run time. Run through tools/passporteye-peer, which makes the venv:
    crates/mrz/tools/passporteye-peer ../shared/mrz_real
Prints the same figures as idgate's own line: found, key fields (number, birth, expiry) right,
all lines exact, wrong verified readings (every check digit valid but not the truth), time per image.
"""

import csv
import statistics
import sys
import time
import warnings
from pathlib import Path

warnings.filterwarnings("ignore")
from passporteye import read_mrz  # noqa: E402


def main(folder: str) -> None:
    root = Path(folder)
    with open(root / "truth.tsv", newline="") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    found = key = exact = wrong = wrong_any = 0
    times = []
    for row in rows:
        truth = [row["line1"], row["line2"]] + ([row["line3"]] if row["line3"] else [])
        start = time.perf_counter()
        mrz = read_mrz(str(root / row["file"]))
        times.append((time.perf_counter() - start) * 1000.0)
        if mrz is None:
            continue
        found += 1
        d = mrz.to_dict()
        lines = d.get("raw_text", "").split("\n")
        want_number, want_birth, want_expiry = fields(d["mrz_type"], truth)
        got = (d.get("number", "").rstrip("<"), d.get("date_of_birth"), d.get("expiration_date"))
        key_ok = got == (want_number, want_birth, want_expiry)
        key += key_ok
        exact += lines == truth
        if not key_ok:
            wrong_any += 1
        if d.get("valid_score") == 100 and lines != truth:
            wrong += 1
    n = len(rows)
    times.sort()
    print(
        f"  PassportEye: found {found}/{n}, key fields right {key}/{n}, all lines exact {exact}/{n}, "
        f"wrong verified readings {wrong} (readings with wrong key fields: {wrong_any})"
    )
    print(f"  PassportEye: time per image median {times[n // 2]:.0f} ms, max {times[-1]:.0f} ms")


def fields(kind, truth):
    """Document number (fillers stripped), birth and expiry as PassportEye reports them."""
    if len(truth) == 3:
        return truth[0][5:14].rstrip("<"), truth[1][0:6], truth[1][8:14]
    return truth[1][0:9].rstrip("<"), truth[1][13:19], truth[1][21:27]


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "../shared/mrz_real")
