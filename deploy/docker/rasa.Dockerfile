# The Rasa server: rasa==3.6.21 (locked), our Rasa-side plugins and the trained model.
# Build from the project root after `make train`:
#   docker build -f deploy/docker/rasa.Dockerfile -t survivor-support/rasa .
FROM python:3.10-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 \
    RASA_TELEMETRY_ENABLED=false TF_CPP_MIN_LOG_LEVEL=2 SQLALCHEMY_SILENCE_UBER_WARNING=1 \
    TF_INTRA_OP_PARALLELISM_THREADS=2 TF_INTER_OP_PARALLELISM_THREADS=1 PYTHONPATH=/app

RUN useradd --create-home --uid 10001 bot
WORKDIR /app

COPY requirements/rasa.lock requirements/rasa.lock
RUN pip install -r requirements/rasa.lock

COPY config.yml domain.yml credentials.yml endpoints.yml endpoints.redis.yml endpoints.sql.yml ./
COPY rasa_plugins rasa_plugins
# Crisis patterns and commands are read from the content pack when the model loads.
COPY data/content data/content
COPY models/ models/

USER bot
EXPOSE 5005
# ENDPOINTS: endpoints.redis.yml for several replicas (the default here), endpoints.yml for one.
ENV ENDPOINTS=endpoints.redis.yml
CMD ["sh", "-c", "exec python -m rasa_plugins.serve run --model models --endpoints \"$ENDPOINTS\" --credentials credentials.yml --interface 0.0.0.0 --port 5005"]
