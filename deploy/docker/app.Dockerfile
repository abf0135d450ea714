# The action server and the gateway (one image, two commands): the app environment, runtime
# dependencies only, at the versions locked in requirements/app.lock.
#   docker build -f deploy/docker/app.Dockerfile -t survivor-support/app .
#   actions: python -m actions.server --port 5055      gateway: python -m bot.gateway
FROM python:3.10-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 \
    RASA_TELEMETRY_ENABLED=false BOT_HOST=0.0.0.0

RUN useradd --create-home --uid 10001 bot
WORKDIR /app

COPY pyproject.toml README.md ./
COPY requirements/app.lock requirements/app.lock
COPY bot bot
# The app imports the Rasa plugins' pure parts (fixed commands, crisis patterns, log redaction).
COPY rasa_plugins rasa_plugins
COPY actions actions
COPY data/content data/content
COPY domain.yml domain.yml
# The project's runtime dependencies only (no test tools), pinned by the lock.
RUN pip install --constraint requirements/app.lock . && rm -rf build

USER bot
EXPOSE 5055 8000
CMD ["python", "-m", "bot.gateway"]
