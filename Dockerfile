# The services' image: ingest, scorer, report and web (docker-compose.yml picks the command).
# BASE_IMAGE is any Debian-based image with Python 3.11 and its venv module: python:3.11-slim
# where a registry is reachable; infra/containers/build.sh passes one made from Debian's own
# packages (debootstrap) on machines that reach none.
ARG BASE_IMAGE=python:3.11-slim
FROM ${BASE_IMAGE}

# WeasyPrint draws the PDF reports through Pango and HarfBuzz; harfbuzz-subset is the font
# subsetter whose output is in the PDF's bytes, so every machine has it (as
# infra/debian-packages.sh). The reports embed matplotlib's DejaVu files (pinned with the
# Python packages); fonts-dejavu-core is the system's fallback and has Vietnamese letters too.
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fontconfig fonts-dejavu-core \
 && rm -rf /var/lib/apt/lists/*

# Exactly the versions of requirements.lock, each checked against its hashes, in a layer of
# their own: a change to the code alone reuses it. The same versions as `make install`
# (requirements-dev.lock pins these and the test tools), hence the same PDF bytes.
ENV VIRTUAL_ENV=/opt/tiendo PATH=/opt/tiendo/bin:$PATH PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1
# A build behind a TLS-inspecting proxy passes its CA bundle as the secret "ca"
# (`--secret id=ca,src=/etc/ssl/certs/ca-certificates.crt`); without it pip trusts its own.
COPY requirements.lock /opt/tiendo-requirements.lock
RUN --mount=type=secret,id=ca \
    if [ -s /run/secrets/ca ]; then export PIP_CERT=/run/secrets/ca; fi \
 && python3 -m venv /opt/tiendo \
 && pip install --no-cache-dir --require-hashes -r /opt/tiendo-requirements.lock

# The project itself, into the same environment; its sources are not kept beside it.
COPY pyproject.toml README.md /tmp/tiendo/
COPY shared /tmp/tiendo/shared
COPY services /tmp/tiendo/services
RUN --mount=type=secret,id=ca \
    if [ -s /run/secrets/ca ]; then export PIP_CERT=/run/secrets/ca; fi \
 && pip install --no-cache-dir --no-deps /tmp/tiendo && rm -rf /tmp/tiendo
COPY infra/docker/alive.py /usr/local/bin/tiendo-alive

# The data volume (keys, reports, SQLite) belongs to the image's user: a new named volume
# takes this directory's owner, so the services can write to it.
RUN useradd --create-home --uid 10001 tiendo \
 && mkdir -p /data && chown tiendo:tiendo /data
USER tiendo
ENV TIENDO_DATA_DIR=/data
# Relative paths (`report build --out reports`) land in the volume too.
WORKDIR /data
VOLUME ["/data"]
ENTRYPOINT ["tiendo"]
CMD ["--help"]
