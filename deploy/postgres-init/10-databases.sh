#!/bin/sh
# Run once by the postgres image, on an empty data volume (/docker-entrypoint-initdb.d): the two
# databases of the assistant, each owned by a role of its own, so Rasa's conversations (tracker) and the
# appointment requests never share a database or a password. Nobody else may connect to either.
# Changing a password later is `ALTER ROLE … PASSWORD …` in psql: this script does not run again.
set -e

if [ -z "$APPOINTMENTS_DB_PASSWORD" ] || [ -z "$TRACKER_DB_PASSWORD" ]; then
  echo "postgres-init: APPOINTMENTS_DB_PASSWORD and TRACKER_DB_PASSWORD must be set" >&2
  exit 1
fi

psql -v ON_ERROR_STOP=1 --username "${POSTGRES_USER:-postgres}" --dbname "${POSTGRES_DB:-postgres}" \
  --set appointments_password="$APPOINTMENTS_DB_PASSWORD" \
  --set tracker_password="$TRACKER_DB_PASSWORD" <<'SQL'
CREATE ROLE appointments LOGIN PASSWORD :'appointments_password';
CREATE ROLE tracker LOGIN PASSWORD :'tracker_password';
CREATE DATABASE appointments OWNER appointments;
CREATE DATABASE tracker OWNER tracker;
REVOKE ALL ON DATABASE appointments FROM PUBLIC;
REVOKE ALL ON DATABASE tracker FROM PUBLIC;
SQL
