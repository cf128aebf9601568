# common helpers for the transcript scripts (sourced)
# Every virsh runs as: virsh -c "$URI" ...  (URI of the private libvirtd)
URI='qemu+unix:///system?socket=/tmp/storage-ref/run/libvirt-sock'
NS=/tmp/storage-ref/ns       # host-side view of the private daemon's /etc/libvirt (ns/etc) and /run/libvirt (ns/run)
W=/tmp/storage-ref/work
export LVM_SUPPRESS_FD_WARNINGS=1
v() { virsh -c "$URI" "$@"; }
# run CMD...: print a record for it
run() {
  local o e rc
  o=$(mktemp) e=$(mktemp)
  echo "### CMD: $*"
  eval "$@" >"$o" 2>"$e"; rc=$?
  echo "--- rc=$rc"
  echo "--- stdout"
  cat "$o"
  echo "--- stderr"
  cat "$e"
  echo "### END"
  echo
  rm -f "$o" "$e"
}
note() { echo "#################### $* ####################"; echo; }
