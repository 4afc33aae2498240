# The worker and API image used by docker-compose.yml.
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY schemas ./schemas
COPY ledger ./ledger
COPY projections ./projections
COPY streams ./streams
RUN pip install --no-cache-dir . && useradd --create-home ledger
USER ledger
ENV LEDGER_HOME=/home/ledger/.ledger
ENTRYPOINT ["ledger"]
CMD ["run", "--api-host", "0.0.0.0"]
