"""Whole-strip speed and memory: a synthetic 4-cut strip with 8 real faces through `analyse_photo`, on one core.

The strip is built at run time from real face photos of ../shared/eval/identity (8 different people, two per frame),
laid out like a Life4Cuts 1x4 print (about 1200x3600 pixels). It runs in a fresh spawned process pinned to one CPU
with every thread pool at 1, so the figures are one core's and the model memory is not hidden by earlier modules.

METRIC bench.strip_8faces_s      median seconds for analyse_photo (decode, cuts, detection, embedding, smile, poses)
METRIC bench.strip_8faces_cpu_s  the same in CPU seconds of the process (what a busy machine does not inflate)
METRIC bench.strip_<stage>_s     median seconds per stage (decode, cuts, detection, embedding, smile, poses)
METRIC bench.strip_faces_found   faces found (8 are on the strip)
METRIC bench.strip_frames_with_faces  frames the faces were found in (4: the cuts were split)
METRIC bench.models_rss_mb       resident memory after loading every model minus before (libraries included)
METRIC bench.peak_rss_mb         peak resident memory of the benchmark process
"""

from __future__ import annotations

import csv
import io
import multiprocessing
import os
import statistics
import time
from pathlib import Path

from evals.common import metric, skip

RUNS = 5
STRIP_SIZE = (1200, 3600)
FRAME_SIZE = (1100, 760)
FACE_TILE = 420  # each 150x150 LFW photo is scaled to this (a face of roughly 200 px, as in a booth frame)
THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS")


# Eight different people, each photo (index in file-name order) showing one face: some LFW photos also show a
# second person at the edge, which would make the strip's face count drift from 8.
STRIP_PEOPLE = (
    ("Junichiro_Koizumi", 1),
    ("Nicole_Kidman", 1),
    ("Kofi_Annan", 1),
    ("Jennifer_Lopez", 1),
    ("Roh_Moo-hyun", 1),
    ("Yoriko_Kawaguchi", 1),
    ("Jackie_Chan", 1),
    ("Naomi_Watts", 1),
)


def _face_photos(identity: Path) -> list[Path]:
    by_person: dict[str, list[Path]] = {}
    with (identity / "labels.csv").open(newline="") as handle:
        for row in csv.DictReader(handle):
            by_person.setdefault(row["identity"], []).append(identity / row["file"])
    return [sorted(by_person[name])[index] for name, index in STRIP_PEOPLE]


def build_strip(photos: list[Path]) -> bytes:
    """A 1x4 strip, white margins and a logo band, two faces per frame."""
    from PIL import Image, ImageDraw

    strip = Image.new("RGB", STRIP_SIZE, (250, 250, 248))
    margin_x = (STRIP_SIZE[0] - FRAME_SIZE[0]) // 2
    gap = 40
    for index in range(4):
        frame = Image.new("RGB", FRAME_SIZE, (205, 190, 170))
        for slot, path in enumerate(photos[2 * index : 2 * index + 2]):
            face = Image.open(path).convert("RGB").resize((FACE_TILE, FACE_TILE), Image.Resampling.LANCZOS)
            x = 90 + slot * (FRAME_SIZE[0] - 2 * 90 - FACE_TILE)
            frame.paste(face, (x, (FRAME_SIZE[1] - FACE_TILE) // 2))
        strip.paste(frame, (margin_x, 50 + index * (FRAME_SIZE[1] + gap)))
    ImageDraw.Draw(strip).text((STRIP_SIZE[0] // 2, STRIP_SIZE[1] - 120), "choosecheese", fill=(60, 60, 60))
    out = io.BytesIO()
    strip.save(out, "JPEG", quality=90)
    return out.getvalue()


def _rss_mb(field: str = "VmRSS") -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _measure(strip: bytes) -> dict[str, float]:
    """Runs in the spawned child: one core, one thread everywhere."""
    for name in THREAD_VARIABLES:
        os.environ[name] = "1"
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    # The storage side that pipeline.analysis also imports is not model memory: loaded before the baseline.
    import pipeline.workers  # noqa: F401
    import storage.faces  # noqa: F401

    before = _rss_mb()
    import cv2

    from pipeline.analysis import analyse_photo, analyse_rgb
    from vision.faces import FaceModels
    from vision.images import load_rgb
    from vision.poses.landmarks import LandmarkModels
    from vision.smile import SmileScorer

    cv2.setNumThreads(1)
    FaceModels.shared()
    SmileScorer.shared()
    LandmarkModels.shared()
    models_mb = _rss_mb() - before

    analyse_photo(strip, 60_000_000)  # warm-up: first-call allocations are not the steady state
    stages: dict[str, list[float]] = {}
    totals, cpu_totals, found, frames = [], [], 0, 0
    for _ in range(RUNS):
        started, cpu_started = time.perf_counter(), time.process_time()
        analysis = analyse_photo(strip, 60_000_000)
        found, frames = len(analysis.faces), len({face.frame for face in analysis.faces})
        totals.append(time.perf_counter() - started)
        cpu_totals.append(time.process_time() - cpu_started)
        times: dict[str, float] = {}
        started = time.perf_counter()
        rgb = load_rgb(strip, 60_000_000)
        times["decode"] = time.perf_counter() - started
        analyse_rgb(rgb, times)
        for stage, seconds in times.items():
            stages.setdefault(stage, []).append(seconds)
    result = {
        "strip_8faces_s": statistics.median(totals),
        "strip_8faces_cpu_s": statistics.median(cpu_totals),
        "strip_faces_found": found,
        "strip_frames_with_faces": frames,
    }
    result |= {f"strip_{stage}_s": statistics.median(values) for stage, values in stages.items()}
    result |= {"models_rss_mb": models_mb, "peak_rss_mb": _rss_mb("VmHWM")}
    return result


def run(data: Path | None) -> None:
    identity = data / "identity" if data else None
    if identity is None or not (identity / "labels.csv").is_file():
        skip("bench_strip: no ../shared/eval/identity (set EVAL_DATA); the strip is built from its real faces")
        return
    strip = build_strip(_face_photos(identity))
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        result = pool.apply(_measure, (strip,))
    for name in ("8faces", "8faces_cpu", "decode", "cuts", "detection", "embedding", "smile", "poses"):
        metric(f"bench.strip_{name}_s", result.get(f"strip_{name}_s", 0.0))
    metric("bench.strip_faces_found", int(result["strip_faces_found"]))
    metric("bench.strip_frames_with_faces", int(result["strip_frames_with_faces"]))
    metric("bench.models_rss_mb", round(result["models_rss_mb"], 1))
    metric("bench.peak_rss_mb", round(result["peak_rss_mb"], 1))
