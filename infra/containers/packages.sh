#!/usr/bin/env bash
# Installs what the container stack needs on a Debian machine, when missing: podman with
# Debian's runc (crun fails here, lib.sh), debootstrap for the base image, kcat for the
# host listener's check. podman-compose comes from PyPI (the dev extra).
set -euo pipefail
wanted=(podman runc debootstrap kcat poppler-utils)
missing=()
for p in "${wanted[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "installing Debian packages: ${missing[*]}"
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
as_root apt-get update -qq
as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
