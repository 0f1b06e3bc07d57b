#!/usr/bin/env bash
# Installs the Debian packages the test suite and the demo use, when they are missing:
# PostgreSQL (the production store), kcat (a non-Python Kafka client for wire-format
# tests), poppler-utils (PDF → PNG/text checks of reports, and pdfsig checking a report's
# signature as a PDF viewer does), jq and xxd (docs/report.md's OpenSSL check of a report's
# .sig), a font with Vietnamese, and Pango/HarfBuzz for WeasyPrint (PDF reports;
# harfbuzz-subset changes the PDF bytes, so every machine has it), Chromium for the web
# view's browser tests (Playwright drives it; no browser download) and npm for axe-core.
set -euo pipefail
wanted=(postgresql kcat poppler-utils jq xxd fonts-dejavu-core libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 chromium)
missing=()
for p in "${wanted[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# npm may come with another Node.js build than Debian's; only without any is Debian's installed.
command -v npm >/dev/null || missing+=(npm)
[ ${#missing[@]} -eq 0 ] && exit 0
echo "installing Debian packages: ${missing[*]}"
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
as_root apt-get update -qq
as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
