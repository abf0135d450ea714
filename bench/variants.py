"""The two things compared: our bot as configured, and the same data under Rasa's default config.

"Ours" is exactly what `make run` starts: the processes of bot.supervisor.build_children (our
Rasa launcher, config.yml, endpoints, plugins, action server, gateway), on free loopback ports.
"Stock" is the same domain.yml, data/nlu and data/stories, trained with the config Rasa 3.6 uses
when none is given (rasa/engine/recipes/config_files/default_config.yml: DIET, ResponseSelector,
TED, UnexpecTED...) by the bare `rasa` command, served with Rasa's own InMemoryTrackerStore and no
plugins. Both use our action server, because the domain's actions are ours. Training and serving
happen in subprocesses only.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from bench.procs import LOOPBACK, Service, free_port
from bot.model import TRAINING_DATA, model_path
from bot.settings import PROJECT_ROOT, Settings
from bot.supervisor import build_children

TRAIN_TIMEOUT_SECONDS = 3600

#: Rasa 3.6's default config, used if the installed package's copy cannot be found.
DEFAULT_CONFIG_FALLBACK = """\
recipe: default.v1
assistant_id: placeholder_default
language: en
pipeline:
  - name: WhitespaceTokenizer
  - name: RegexFeaturizer
  - name: LexicalSyntacticFeaturizer
  - name: CountVectorsFeaturizer
  - name: CountVectorsFeaturizer
    analyzer: "char_wb"
    min_ngram: 1
    max_ngram: 4
  - name: DIETClassifier
    epochs: 100
    constrain_similarities: true
  - name: EntitySynonymMapper
  - name: ResponseSelector
    epochs: 100
    constrain_similarities: true
  - name: FallbackClassifier
    threshold: 0.3
    ambiguity_threshold: 0.1
policies:
  - name: MemoizationPolicy
  - name: RulePolicy
  - name: UnexpecTEDIntentPolicy
    max_history: 5
    epochs: 100
  - name: TEDPolicy
    max_history: 5
    epochs: 100
    constrain_similarities: true
"""


@dataclass(frozen=True)
class Trained:
    """A model and how long training it took (None when an existing model was reused)."""

    model: Path
    seconds: Optional[float]


def base_environment() -> dict[str, str]:
    """Our environment with Rasa telemetry off; every child starts from this."""
    return dict(os.environ, RASA_TELEMETRY_ENABLED="false")


def stock_config_text(settings: Settings) -> str:
    """The default config shipped inside the installed Rasa (read as a file, never imported)."""
    pattern = "lib/python*/site-packages/rasa/engine/recipes/config_files/default_config.yml"
    for path in sorted(settings.rasa_venv.glob(pattern)):
        return path.read_text(encoding="utf-8")
    return DEFAULT_CONFIG_FALLBACK


def existing_model() -> Optional[Path]:
    """Our model for the current training data in models/, if `make train` already built it."""
    path = model_path()
    return path if path.exists() else None


def _run_logged(command: list[str], cwd: Path, env: dict[str, str], log_path: Path) -> float:
    """Run a command to completion with its output in a log file; return its wall-clock seconds."""
    start = time.monotonic()
    with log_path.open("ab") as log:
        completed = subprocess.run(
            command, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT, timeout=TRAIN_TIMEOUT_SECONDS, check=False
        )
    elapsed = time.monotonic() - start
    if completed.returncode != 0:
        tail = log_path.read_text(errors="replace")[-3000:]
        raise RuntimeError(f"{command[0]} exited {completed.returncode}; end of {log_path}:\n{tail}")
    return elapsed


def train_ours(work: Path) -> Trained:
    """Time a fresh `python -m bot.model` into an empty models folder with an empty Rasa cache."""
    models_dir, cache_dir = work / "ours-models", work / "ours-cache"
    models_dir.mkdir(parents=True, exist_ok=True)
    env = dict(base_environment(), MODELS_DIR=str(models_dir), RASA_CACHE_DIRECTORY=str(cache_dir))
    seconds = _run_logged([sys.executable, "-m", "bot.model"], PROJECT_ROOT, env, work / "ours-train.log")
    models = sorted(models_dir.glob("model-*.tar.gz"))
    if not models:
        raise RuntimeError(f"bot.model finished but left no model in {models_dir}")
    return Trained(models[-1], seconds)


def ensure_ours(work: Path) -> Trained:
    """Reuse models/model-<fingerprint>.tar.gz if it exists, else `python -m bot.model` builds it there."""
    found = existing_model()
    if found is not None:
        return Trained(found, None)
    env = dict(base_environment(), RASA_CACHE_DIRECTORY=str(work / "ours-cache"))
    seconds = _run_logged([sys.executable, "-m", "bot.model"], PROJECT_ROOT, env, work / "ours-train.log")
    return Trained(model_path(), seconds)


def stock_rasa(settings: Settings, *args: str) -> list[str]:
    """The bare `rasa` CLI of the Rasa environment: no launcher, no plugins."""
    return [str(settings.rasa_venv / "bin" / "rasa"), *args]


def stock_environment(work: Path) -> dict[str, str]:
    """What a stock `rasa` command gets: no plugins on PYTHONPATH, no thread tuning, a private cache."""
    return dict(base_environment(), TF_CPP_MIN_LOG_LEVEL="2", RASA_CACHE_DIRECTORY=str(work / "stock-cache"))


def train_stock(work: Path, settings: Settings) -> Trained:
    """Time `rasa train` of our domain and data with Rasa's default pipeline and policies."""
    project = work / "stock"
    project.mkdir(parents=True, exist_ok=True)
    (project / "config.yml").write_text(stock_config_text(settings), encoding="utf-8")
    data = [str(PROJECT_ROOT / d) for d in TRAINING_DATA]
    files = ["--config", str(project / "config.yml"), "--domain", str(PROJECT_ROOT / "domain.yml"), "--data", *data]
    command = stock_rasa(settings, "train", *files, "--out", str(project / "models"), "--fixed-model-name", "stock")
    seconds = _run_logged(command, project, stock_environment(work), work / "stock-train.log")
    return Trained(project / "models" / "stock.tar.gz", seconds)


@dataclass
class Stack:
    """One deployment under test: action server, Rasa server and (ours only) the gateway."""

    variant: str
    rasa_port: int
    action_port: int
    services: dict[str, Service]
    gateway_port: Optional[int] = None

    @property
    def rest_url(self) -> str:
        return f"http://{LOOPBACK}:{self.rasa_port}/webhooks/rest/webhook"

    @property
    def rasa_root_url(self) -> str:
        return f"http://{LOOPBACK}:{self.rasa_port}/"

    @property
    def action_url(self) -> str:
        return f"http://{LOOPBACK}:{self.action_port}/webhook"

    @property
    def gateway_url(self) -> Optional[str]:
        return f"http://{LOOPBACK}:{self.gateway_port}" if self.gateway_port and "gateway" in self.services else None

    @property
    def started_at(self) -> float:
        """When the first process of the stack was started (time.monotonic())."""
        return min(service.started_at for service in self.services.values())

    def start(self) -> None:
        for service in self.services.values():
            service.start()

    def stop(self) -> None:
        for service in reversed(list(self.services.values())):
            service.stop()

    def dead(self) -> list[str]:
        """Names of services that have exited."""
        return [name for name, service in self.services.items() if not service.alive()]

    def memory_mb(self) -> dict[str, float]:
        """Resident memory of each service's process tree, in MiB."""
        return {name: round(service.rss_mb(), 1) for name, service in self.services.items()}


@dataclass(frozen=True)
class Ports:
    """Where one stack listens, all on 127.0.0.1."""

    rasa: int
    action: int
    gateway: int

    @classmethod
    def free(cls) -> Ports:
        """Three different free loopback ports."""
        for _ in range(100):
            ports = {free_port() for _ in range(3)}
            if len(ports) == 3:
                return cls(*sorted(ports))
        raise RuntimeError("could not find three free loopback ports")


def bench_settings(ports: Ports, ttl_seconds: int) -> Settings:
    """Settings for one stack: loopback, these ports, this TTL, the in-memory store."""
    extra = {"tracker_store": "memory"} if "tracker_store" in Settings.model_fields else {}
    return Settings(
        BOT_HOST=LOOPBACK,
        rasa_port=ports.rasa,
        action_port=ports.action,
        gateway_port=ports.gateway,
        tracker_ttl_seconds=ttl_seconds,
        **extra,  # type: ignore[arg-type]
    )


def bench_overrides(work: Path, ports: Ports, ttl_seconds: int) -> dict[str, str]:
    """Environment every child of a benchmark stack gets on top of what the supervisor gives it.

    Everything on loopback and these ports, telemetry off, Telegram off (no traffic leaves the
    machine), the web API's rate limits lifted, Rasa's cache in the run's temporary folder.
    """
    return {
        "BOT_HOST": LOOPBACK,
        "SANIC_HOST": LOOPBACK,
        "RASA_PORT": str(ports.rasa),
        "ACTION_PORT": str(ports.action),
        "GATEWAY_PORT": str(ports.gateway),
        "RASA_URL": f"http://{LOOPBACK}:{ports.rasa}",
        "ACTION_SERVER_URL": f"http://{LOOPBACK}:{ports.action}/webhook",
        "TRACKER_TTL_SECONDS": str(ttl_seconds),
        "TRACKER_STORE": "memory",
        "RASA_TELEMETRY_ENABLED": "false",
        "TELEGRAM_BOT_TOKEN": "",
        "TELEGRAM_WEBHOOK_URL": "",
        "WEB_SESSION_MESSAGES_PER_MINUTE": "1000000",
        "WEB_CLIENT_MESSAGES_PER_MINUTE": "1000000",
        "RASA_CACHE_DIRECTORY": str(work / "run-cache"),
    }


def supervised_services(work: Path, tag: str, model: Path, ports: Ports, ttl_seconds: int) -> dict[str, Service]:
    """The supervisor's children ("action server", "Rasa server", "gateway") as benchmark services."""
    overrides = bench_overrides(work, ports, ttl_seconds)
    services = {}
    for child in build_children(bench_settings(ports, ttl_seconds), model):
        log = work / f"{tag}-{child.name.replace(' ', '-').lower()}.log"
        services[child.name] = Service(child.name, list(child.command), {**child.env, **overrides}, PROJECT_ROOT, log)
    missing = {"action server", "Rasa server"} - set(services)
    if missing:
        raise RuntimeError(f"bot.supervisor.build_children no longer has {sorted(missing)}; update bench/variants.py")
    return services


def ours_stack(work: Path, tag: str, model: Path, ttl_seconds: int, with_gateway: bool) -> Stack:
    """Our deployment as `make run` starts it; the gateway only when asked (its web API exists)."""
    ports = Ports.free()
    services = supervised_services(work, tag, model, ports, ttl_seconds)
    if not with_gateway:
        services.pop("gateway", None)
    return Stack("ours", ports.rasa, ports.action, services, ports.gateway if with_gateway else None)


def stock_stack(work: Path, tag: str, model: Path) -> Stack:
    """Stock Rasa serving the stock model: only an action endpoint, so Rasa's InMemoryTrackerStore."""
    ports = Ports.free()
    project = work / "stock"
    project.mkdir(parents=True, exist_ok=True)
    endpoints = project / "endpoints.yml"
    endpoints.write_text(f'action_endpoint:\n  url: "http://{LOOPBACK}:{ports.action}/webhook"\n', encoding="utf-8")
    settings = bench_settings(ports, 1800)
    credentials = PROJECT_ROOT / "credentials.yml"
    files = ["--model", str(model), "--endpoints", str(endpoints), "--credentials", str(credentials)]
    command = stock_rasa(settings, "run", *files, "--interface", LOOPBACK, "--port", str(ports.rasa))
    rasa = Service("Rasa server", command, stock_environment(work), project, work / f"{tag}-rasa-server.log")
    actions = supervised_services(work, tag, model, ports, 1800)["action server"]
    return Stack("stock", ports.rasa, ports.action, {"action server": actions, "Rasa server": rasa})


def gateway_available() -> bool:
    """Whether the gateway's web API module (bot/gateway/web/channel.py) exists in this tree yet."""
    return (PROJECT_ROOT / "bot" / "gateway" / "web" / "channel.py").exists()
