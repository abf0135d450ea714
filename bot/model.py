"""Train the Rasa model only when the training data changed.

The model's name is a hash of exactly what training reads (config, domain, NLU data, stories and
the Rasa version), so an unchanged tree reuses the model it already has, and editing the content
pack (data/content/) never retrains. Run as `python -m bot.model [--print]`.
"""

from __future__ import annotations

import argparse
import hashlib
import subprocess
import sys
import time
from pathlib import Path

from bot.content import question_nlu
from bot.settings import PROJECT_ROOT, Settings, rasa_environment

TRAINING_INPUTS = ("config.yml", "domain.yml", "data/nlu", "data/stories", "requirements/rasa.lock")
TRAINING_DATA = ("data/nlu", "data/stories")


def training_fingerprint(root: Path = PROJECT_ROOT) -> str:
    """A short hash of every file that training reads, by path and content."""
    digest = hashlib.sha256()
    for name in TRAINING_INPUTS:
        path = root / name
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for file in files:
            digest.update(str(file.relative_to(root)).encode())
            digest.update(b"\0")
            digest.update(file.read_bytes())
            digest.update(b"\0")
    return digest.hexdigest()[:16]


def model_path(settings: Settings | None = None, root: Path = PROJECT_ROOT) -> Path:
    settings = settings or Settings()
    return settings.models_dir / f"model-{training_fingerprint(root)}.tar.gz"


def rasa_command(settings: Settings, *args: str) -> list[str]:
    """A Rasa CLI command in the Rasa environment, with log redaction installed before Rasa starts."""
    return [str(settings.rasa_venv / "bin" / "python"), "-m", "rasa_plugins.serve", *args]


def ensure_model(settings: Settings | None = None) -> Path:
    """Return the model for the current training data, training it first if there is none."""
    settings = settings or Settings()
    if question_nlu.write():
        print(f"==> rewrote {question_nlu.GENERATED.relative_to(PROJECT_ROOT)} from the content pack's questions")
    if question_nlu.write_overlay():
        print(f"==> rewrote {question_nlu.OVERLAY_GENERATED.relative_to(PROJECT_ROOT)} from the overlay pack's questions")
    target = model_path(settings)
    if target.exists():
        print(f"==> model is up to date: {target.relative_to(PROJECT_ROOT) if target.is_relative_to(PROJECT_ROOT) else target}")
        return target
    print("==> training data changed: training a new model (about 1-3 minutes)")
    start = time.monotonic()
    settings.models_dir.mkdir(parents=True, exist_ok=True)
    command = rasa_command(
        settings,
        "train",
        "--config", "config.yml",
        "--domain", "domain.yml",
        "--data", *TRAINING_DATA,
        "--out", str(settings.models_dir),
        "--fixed-model-name", target.name.removesuffix(".tar.gz"),
    )  # fmt: skip
    subprocess.run(command, cwd=PROJECT_ROOT, env=rasa_environment(settings), check=True)
    elapsed = time.monotonic() - start
    print(f"==> trained {target.name} in {elapsed:.0f} s")
    # Older models are never used again; keep the folder small.
    for old in settings.models_dir.glob("model-*.tar.gz"):
        if old != target:
            old.unlink()
    (settings.models_dir / "last-training-seconds").write_text(f"{elapsed:.1f}\n")
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--print", action="store_true", help="print the model path for the current data; do not train")
    args = parser.parse_args(argv)
    if args.print:
        print(model_path())
        return 0
    try:
        ensure_model()
    except subprocess.CalledProcessError as error:
        print(f"error: training failed (exit {error.returncode})", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
