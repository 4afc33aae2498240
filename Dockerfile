# The worker and API image used by docker-compose.yml: the base package only. The embedded
# PostgreSQL and broker (the `embedded` extra, for running with nothing installed) are left out;
# DATABASE_URL and KAFKA_BOOTSTRAP_SERVERS must be set, as docker-compose.yml does.
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY schemas ./schemas
COPY ledger ./ledger
COPY projections ./projections
COPY streams ./streams
RUN pip install --no-cache-dir . && useradd --create-home ledger
USER ledger
ENV LEDGER_HOME=/home/ledger/.ledger PYTHONUNBUFFERED=1
ENTRYPOINT ["ledger"]
CMD ["run", "--api-host", "0.0.0.0"]
