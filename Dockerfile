# One image for the API and the worker; the command chooses the role.
FROM python:3.11-slim
WORKDIR /app
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
COPY pyproject.toml README.md ./
COPY domain domain
COPY workflows workflows
COPY activities activities
COPY api api
COPY readmodels readmodels
COPY demo demo
COPY web web
COPY worker.py cli.py settings.py devserver.py ./
RUN pip install --no-cache-dir .
RUN useradd --create-home kinerja
USER kinerja
EXPOSE 8000
CMD ["uvicorn", "api.main:app", "--host", "0.0.0.0", "--port", "8000"]
