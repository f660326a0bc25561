# Kraftsamla in a container: the same start as `make run` (upgrade the schema, then uvicorn).
#   docker build -t kraftsamla .
#   docker run -p 8000:8000 -v kraftsamla-data:/app/data -e PUBLIC_URL=http://192.168.1.20:8000 kraftsamla
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app

COPY pyproject.toml README.md ./
COPY app ./app
RUN pip install --no-compile . && pip uninstall -y kraftsamla \
    && useradd --create-home --uid 10001 kraftsamla

COPY alembic.ini ./
COPY alembic ./alembic
COPY templates ./templates
COPY static ./static
RUN mkdir -p /app/data && chown kraftsamla /app/data

USER kraftsamla
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz')"
# X-Forwarded-For is believed only from the proxy named in FORWARDED_ALLOW_IPS (e.g. -e
# FORWARDED_ALLOW_IPS=172.17.0.1); unset, nobody's header is (the join limits count addresses).
CMD ["sh", "-c", "python -m app.migrations && exec uvicorn app.main:app --host 0.0.0.0 --port 8000 $(if [ -n \"$FORWARDED_ALLOW_IPS\" ]; then echo --proxy-headers --forwarded-allow-ips=$FORWARDED_ALLOW_IPS; else echo --no-proxy-headers; fi)"]
