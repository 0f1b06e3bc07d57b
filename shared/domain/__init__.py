"""The shared domain: event contract v1, the 2025 target catalogue and the agency registry.

Pure: the standard library and pydantic only, no Kafka, no SQL, nothing read at import time
(the packaged YAML files are loaded on first use).
"""
