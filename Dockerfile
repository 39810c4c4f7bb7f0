# One image for the API and the worker; the command chooses the role.
# Secure by default: no KINERJA_ variable is set here, so the API and the worker refuse to start
# until KINERJA_JWT_SECRET (>= 32 bytes) is given, and dev login stays off (production mode).
# Uvicorn's own proxy handling is off: the app believes X-Forwarded-* only from KINERJA_TRUSTED_PROXIES.
FROM python:3.11-slim
WORKDIR /app
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
COPY pyproject.toml README.md ./
COPY domain domain
COPY workflows workflows
COPY activities activities
COPY api api
COPY services services
COPY transparency transparency
COPY readmodels readmodels
COPY partitioning partitioning
COPY demo demo
COPY web web
COPY identity identity
COPY worker.py cli.py settings.py devserver.py ./
RUN pip install --no-cache-dir .
RUN useradd --create-home kinerja
USER kinerja
EXPOSE 8000
CMD ["uvicorn", "api.main:app", "--host", "0.0.0.0", "--port", "8000", "--no-proxy-headers"]
