# One image for every role: `python -m bot.launcher serve web|rasa|actions` and the one-shot
# `python -m bot.launcher migrate` (see docker-compose.yml and docs/deploy.md).
# The model is trained here, at build time, so a container never trains and every replica of a release
# serves the same model. Built for linux/amd64 (Rasa 3.6's TensorFlow wheels).
FROM python:3.10-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH \
    RASA_TELEMETRY_ENABLED=false \
    SQLALCHEMY_SILENCE_UBER_WARNING=1 \
    TF_CPP_MIN_LOG_LEVEL=2

# Not /app: Rasa's Helm chart mounts its own endpoints.yml and credentials.yml over /app/*.yml, and
# the launcher builds Rasa's runtime files from the project's own (bot/ops/runtime_config.py).
WORKDIR /srv/assistant

# The Makefile's install recipe, step for step: a venv, pip 24.2, the fully pinned lock, then the
# project itself without dependencies. Only the lock is copied first, so this layer is reused until
# the lock changes.
COPY requirements.lock ./
RUN python -m venv /opt/venv \
 && python -m pip install --quiet --upgrade "pip==24.2" \
 && python -m pip install --quiet -r requirements.lock

COPY pyproject.toml ./
COPY bot ./bot
COPY actions ./actions
RUN python -m pip install --quiet --no-deps --no-build-isolation -e .

# The Rasa project, then the model for exactly this data (models/model-<hash of the data>.tar.gz).
# Training's cache (.rasa/) is build-only.
COPY config.yml domain.yml endpoints.yml credentials.yml ./
COPY data ./data
RUN python -m bot.launcher train && rm -rf .rasa /root/.cache

# Everything above belongs to root and is read-only to the service user; only var/ is writable
# (Rasa's runtime endpoints/credentials in var/rasa/, the actions' request spool in var/outbox/).
RUN useradd --system --create-home --uid 10001 --user-group assistant \
 && mkdir -p var/outbox/requests \
 && chown -R assistant:assistant var
USER assistant

EXPOSE 8000 5005 5055
CMD ["python", "-m", "bot.launcher", "serve", "web"]
