#!/usr/bin/env bash
# One database per Nazar service, owned by a login role of the same name that no other role may
# connect to ("no service reads another's database").
#
# The postgres image runs this once, when it initialises an empty data volume, as the postgres
# user against its temporary server. It is idempotent, so an operator can run it again to add the
# database of a new service or to set changed passwords:
#   docker compose exec postgres /docker-entrypoint-initdb.d/10-nazar-databases.sh
#
# NAZAR_SERVICE_DATABASES  space-separated database (and role) names (docker-compose.yml sets it)
# NAZAR_SECRETS_DIR        where <database>_password files are (default /run/secrets)
# POSTGRES_USER, POSTGRES_DB  the superuser and the database to connect to (set by the image);
#                          libpq's PGHOST, PGPORT, PGPASSWORD are honoured as usual.
set -euo pipefail

secrets_dir="${NAZAR_SECRETS_DIR:-/run/secrets}"
databases="${NAZAR_SERVICE_DATABASES:?NAZAR_SERVICE_DATABASES names the service databases}"

# Everything is checked before anything is created: no half-initialised server.
for db in $databases; do
    if [[ ! "$db" =~ ^[a-z_][a-z0-9_]{0,62}$ ]]; then
        echo "nazar-databases: '$db' is not a plain lower-case identifier" >&2
        exit 1
    fi
    if [[ ! -s "$secrets_dir/${db}_password" ]]; then
        echo "nazar-databases: the password of $db is missing or empty" \
            "($secrets_dir/${db}_password)" >&2
        exit 1
    fi
done

for db in $databases; do
    password_file="$secrets_dir/${db}_password"
    # The password is read by psql itself (backquotes below), so it is never on a command line.
    psql --no-psqlrc --quiet -v ON_ERROR_STOP=1 \
        --username "${POSTGRES_USER:-postgres}" --dbname "${POSTGRES_DB:-postgres}" \
        --set=db="$db" --set=password_file="$password_file" <<'SQL'
\set password `cat :'password_file'`
SELECT format('CREATE ROLE %I LOGIN', :'db')
WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'db') \gexec
ALTER ROLE :"db" WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD :'password';
SELECT format('CREATE DATABASE %I OWNER %I ENCODING %L TEMPLATE template0', :'db', :'db', 'UTF8')
WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'db') \gexec
ALTER DATABASE :"db" OWNER TO :"db";
REVOKE ALL ON DATABASE :"db" FROM PUBLIC;
SQL
    echo "nazar-databases: $db ready"
done
