#!/bin/bash
# Records how real virsh 9.0 turns qemu-monitor-command's words into the command it
# sends: for each line of tests/data/virsh-qmp/wrap.cases (the words, separated by TABs)
# the command virDomainQemuMonitorCommand received, read from libvirt's debug log of the
# in-process test driver (which then refuses the call), goes to the same line of
# wrap.out. Usage: scripts/regen-qmp-wrap.sh
set -eu
DIR=$(cd "$(dirname "$0")/../tests/data/virsh-qmp" && pwd)
: > "$DIR/wrap.out"
while IFS= read -r line; do
    IFS=$'\t' read -r -a words <<<"$line"
    [ -n "$line" ] || words=("")
    log=$(env -i PATH=/usr/bin:/bin LC_ALL=C LIBVIRT_LOG_FILTERS=1:libvirt-qemu \
        LIBVIRT_LOG_OUTPUTS=1:stderr virsh -c test:///default \
        qemu-monitor-command test "${words[@]}" 2>&1 >/dev/null || true)
    cmd=$(printf '%s\n' "$log" | sed -n 's/.*virDomainQemuMonitorCommand:[0-9]* : .*, cmd=\(.*\), result=0x[0-9a-f]*, flags=0x[0-9a-f]*$/\1/p')
    printf '%s\n' "$cmd" >> "$DIR/wrap.out"
done < "$DIR/wrap.cases"
