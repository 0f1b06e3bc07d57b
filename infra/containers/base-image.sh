#!/usr/bin/env bash
# Imports a Debian bookworm (minbase) root file system into podman as
# localhost/tiendo-debian:bookworm-<key>, for machines that reach no image registry: the
# other images here are built FROM it. The rootfs is made by debootstrap from Debian's own
# packages and cached as a tarball under .local/containers/ (not in git); the key is a hash
# of this script, so the base is made again only when the way of making it changes.
# Prints the image's name. DEBIAN_MIRROR picks another mirror than debootstrap's default.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
. "$here/lib.sh"
key=$(cat "$0" | sha256sum | cut -c1-12)
image=localhost/tiendo-debian:bookworm-$key
if podman_ image exists "$image"; then echo "$image"; exit 0; fi

cache=${TIENDO_STATE:-$root/.local}/containers
tarball=$cache/debian-bookworm-minbase-$key.tar
mkdir -p "$cache"
if [ ! -s "$tarball" ]; then
  command -v debootstrap >/dev/null || { echo "base-image: install debootstrap (apt-get install debootstrap)" >&2; exit 1; }
  work=$(mktemp -d "$cache/rootfs.XXXXXX")
  trap 'rm -rf "$work"' EXIT
  echo "base-image: debootstrap bookworm (minbase) into $work (a few minutes, once)…" >&2
  # minbase: dpkg, apt and the essential packages; each image adds what it needs with apt.
  debootstrap --variant=minbase bookworm "$work/rootfs" ${DEBIAN_MIRROR:+"$DEBIAN_MIRROR"} >"$work/debootstrap.log" 2>&1 \
    || { tail -20 "$work/debootstrap.log" >&2; exit 1; }
  # Debian's updates and security fixes too, from the same mirror (debootstrap lists the
  # release only): the images get what an up-to-date bookworm host has, the same Pango and
  # HarfBuzz as `make install`'s machine, hence the same PDF bytes.
  mirror=$(awk '$1 == "deb" {print $2; exit}' "$work/rootfs/etc/apt/sources.list")
  printf 'deb %s bookworm main\ndeb %s bookworm-updates main\ndeb %s-security bookworm-security main\n' \
    "$mirror" "$mirror" "$mirror" >"$work/rootfs/etc/apt/sources.list"
  # The downloaded .debs and apt lists would only weigh the image down.
  rm -rf "$work/rootfs/var/cache/apt/archives/"*.deb "$work/rootfs/var/lib/apt/lists/"*
  tar --numeric-owner -C "$work/rootfs" -cf "$tarball.part" .
  mv "$tarball.part" "$tarball"
fi
podman_ import --quiet "$tarball" "$image" >/dev/null
echo "$image"
