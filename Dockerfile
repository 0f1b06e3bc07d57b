# One image for the three services; docker-compose.yml picks the command.
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY shared ./shared
COPY services ./services
RUN pip install --no-cache-dir . && useradd --create-home tiendo
USER tiendo
ENV TIENDO_DATA_DIR=/home/tiendo/data
ENTRYPOINT ["tiendo"]
