# Sourced by the scripts here: podman as it runs on these machines. crun (podman's default
# runtime) fails here on rlimits and on hybrid cgroups; Debian's runc with the cgroupfs
# manager works, given a containers.conf that sets no default ulimits.
containers_conf=$(dirname "${BASH_SOURCE[0]}")/containers.conf
export CONTAINERS_CONF=${CONTAINERS_CONF:-$(cd "$(dirname "$containers_conf")" && pwd)/containers.conf}
podman_() { podman --runtime "${TIENDO_OCI_RUNTIME:-runc}" --cgroup-manager=cgroupfs "$@"; }
