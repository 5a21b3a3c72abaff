"""Time and peak memory of one large upload: a 6,000 × 4,000 JPEG, checked, re-encoded and
stored, with all its renditions (AVIF, WebP and JPEG at every width) made as the task makes them.

Runs on a scratch SQLite database and media folder, in a fresh process whose peak resident
memory is read from the kernel (ru_maxrss), the picture drawn beforehand in another process.
Not part of CI: the figure depends on the machine.

    make image-benchmark            # or: .venv/bin/python scripts/image_benchmark.py
"""

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# A photograph-like picture: noise softened and blended with a gradient and strokes, so the
# encoders have real detail to work on (a flat colour would encode in no time), with the
# camera's metadata a phone writes (GPS, make, orientation).
DRAW = """
import sys
from PIL import Image, ImageDraw
noise = Image.effect_noise((1500, 1000), 60).convert("RGB")
gradient = Image.linear_gradient("L").resize((1500, 1000)).convert("RGB")
picture = Image.blend(noise, gradient, 0.5).resize((6000, 4000), Image.Resampling.BICUBIC)
draw = ImageDraw.Draw(picture)
for x in range(0, 6000, 150):
    draw.line([(x, 0), (6000 - x, 4000)], fill=(x % 255, 80, 200), width=9)
exif = Image.Exif()
exif[0x010F] = "BenchCam"
exif[0x0112] = 1
exif.get_ifd(0x8825)[2] = (48.0, 51.0, 23.0)
picture.save(sys.argv[1], "JPEG", quality=90, exif=exif.tobytes())
"""

MEASURE = """
import json, os, resource, sys, time
import django
django.setup()
from django.core.files.uploadedfile import SimpleUploadedFile
from articles import images
from articles.models import Image
path = sys.argv[1]
data = open(path, "rb").read()
upload = SimpleUploadedFile("photo.jpg", data, "image/jpeg")
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
start = time.perf_counter()
checked = images.check_upload(upload)
checked_at = time.perf_counter()
image = images.store_image(checked, alt_text="x", digital_source_type="digitalCapture")
done = time.perf_counter()
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
image = Image.objects.get(pk=image.pk)
print(json.dumps({
    "upload_bytes": len(data),
    "stored": [image.width, image.height],
    "renditions": sorted(f"{r.format} {r.width}" for r in image.renditions.all()),
    "check_and_reencode_seconds": round(checked_at - start, 2),
    "store_and_renditions_seconds": round(done - checked_at, 2),
    "total_seconds": round(done - start, 2),
    "peak_rss_mib": round(peak / 1024),
    "peak_growth_mib": round((peak - before) / 1024),
}))
"""
# Linux carries ru_maxrss across exec: a small Python in between starts the measurement from
# its own ~10 MiB rather than from whatever started it.
LAUNCH = "import subprocess, sys; sys.exit(subprocess.call(sys.argv[1:]))"


def main():
    with tempfile.TemporaryDirectory(prefix="newsroom-image-bench-") as scratch:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "newsroom.settings",
            "DJANGO_DEBUG": "1",
            "SQLITE_PATH": str(Path(scratch) / "bench.sqlite3"),
            "MEDIA_ROOT": str(Path(scratch) / "media"),
            # The renditions are made in this process, as the worker would make them.
            "NEWSROOM_TASKS_BACKEND": "django.tasks.backends.immediate.ImmediateBackend",
        }
        env.pop("DATABASE_URL", None)
        python = sys.executable
        subprocess.run(
            [python, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True
        )
        photo = Path(scratch) / "photo.jpg"
        subprocess.run([python, "-c", DRAW, str(photo)], check=True, timeout=300)
        result = subprocess.run(
            [python, "-c", LAUNCH, python, "-c", MEASURE, str(photo)],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
            text=True,
            timeout=300,
        )
        figures = json.loads(result.stdout.strip().splitlines()[-1])
        print(json.dumps(figures, indent=2))
        verdict = figures["total_seconds"] < 3 and figures["peak_rss_mib"] < 400
        print("within the aim (< 3 s, < 400 MB):", "yes" if verdict else "no")


if __name__ == "__main__":
    main()
