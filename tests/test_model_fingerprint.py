"""Training happens only when training data changes; editing the content pack never retrains."""

from __future__ import annotations

import shutil
from pathlib import Path

from bot.model import TRAINING_INPUTS, training_fingerprint

ROOT = Path(__file__).resolve().parents[1]


def copy_project(tmp_path: Path) -> Path:
    for name in (*TRAINING_INPUTS, "data/content"):
        source = ROOT / name
        target = tmp_path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        (shutil.copytree if source.is_dir() else shutil.copy)(source, target)
    return tmp_path


def test_fingerprint_is_stable(tmp_path: Path) -> None:
    root = copy_project(tmp_path)
    assert training_fingerprint(root) == training_fingerprint(root) == training_fingerprint(ROOT)


def test_editing_the_content_pack_does_not_retrain(tmp_path: Path) -> None:
    root = copy_project(tmp_path)
    before = training_fingerprint(root)
    messages = root / "data/content/en/messages.yml"
    messages.write_text(messages.read_text().replace("messages:", "messages:  # a charity's edit", 1))
    assert training_fingerprint(root) == before


def test_editing_training_data_retrains(tmp_path: Path) -> None:
    root = copy_project(tmp_path)
    before = training_fingerprint(root)
    nlu = next((root / "data/nlu").glob("*.yml"))
    nlu.write_text(nlu.read_text() + "\n")
    assert training_fingerprint(root) != before


def test_changing_the_pipeline_retrains(tmp_path: Path) -> None:
    root = copy_project(tmp_path)
    before = training_fingerprint(root)
    config = root / "config.yml"
    config.write_text(config.read_text().replace("threshold: 0.25", "threshold: 0.26"))
    assert training_fingerprint(root) != before


def test_the_generated_nlu_of_the_questions_is_up_to_date() -> None:
    """data/nlu/questions_asks.yml is what bot/content/question_nlu.py makes of the default pack (`make train` rewrites it)."""
    from bot.content import question_nlu

    committed = question_nlu.GENERATED.read_text(encoding="utf-8")
    assert committed == question_nlu.render(question_nlu.default_pack()), (
        "run `make train` and commit data/nlu/questions_asks.yml"
    )
    assert committed.count("\n      - ") >= 500  # nearly every question's phrasings, each under its topic's intent
