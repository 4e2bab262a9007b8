#!/usr/bin/env bash
# Runs Pantau's whole test suite on a fresh machine: installs what it needs,
# starts the real services the tests use (PostgreSQL, a single-node Kafka
# broker from the Apache jars on Maven Central), runs pytest, stops them.
# Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/../.."

deploy/dev/setup.sh --test

# Captured first: a failure inside "$(...)" given straight to eval would go unnoticed.
pg_env="$(deploy/dev/postgres.sh)"
eval "$pg_env"
export PANTAU_TEST_POSTGRES_URL

kafka_started=0
cleanup() {
  if (( kafka_started )); then deploy/kafka/kafka.sh stop >/dev/null 2>&1 || true; fi
}
trap cleanup EXIT
deploy/kafka/kafka.sh start
kafka_started=1
export PANTAU_KAFKA_BOOTSTRAP="${PANTAU_KAFKA_BOOTSTRAP:-127.0.0.1:9092}"

# The model is assembled once by setup.sh; the tests must never download.
export HF_HUB_OFFLINE=1

.venv/bin/python -m pytest -p no:cacheprovider -ra "$@"
