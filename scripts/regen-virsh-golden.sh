#!/bin/bash
# Regenerate the virsh golden files in tests/data/virsh from real virsh.
#
# For every tests/data/virsh/<case>.in this runs
#
#     cd tests/data/virsh/files &&
#     env -i PATH=... HOME=<empty tmp dir> LC_ALL=C [<case>.env lines] \
#         virsh [<case>.opts words] -c <uri> "<contents of case.in>" \
#         < <case>.stdin (or /dev/null) > <case>.out 2> <case>.err
#     echo $? > <case>.rc
#
# and then applies the masking rules documented in tests/data/virsh/README.md.
# The token @FILES@ in .in/.uri/.env/.stdin is replaced by the absolute path
# of tests/data/virsh/files; a .uri of @NONE@ means "no -c option"; an empty
# .in means "no command argument" (commands are read from stdin).
# Files created in files/ by a case (e.g. `save d1 d1.save`) are removed
# after the case. Usage: scripts/regen-virsh-golden.sh [case...]
set -u

ROOT=$(cd "$(dirname "$0")/.." && pwd)
DIR=$ROOT/tests/data/virsh
FILES=$DIR/files
VIRSH=${VIRSH:-virsh}

command -v "$VIRSH" >/dev/null || { echo "virsh not found" >&2; exit 1; }

SCRATCH=$(mktemp -d /tmp/regen-virsh-golden.XXXXXX)
trap 'rm -rf "$SCRATCH"' EXIT
mkdir -p "$SCRATCH/home"

# Host name as reported by the test driver (virConnectGetHostname); used by
# masking rule M3.
HOSTNAME_VAL=$(cd "$FILES" && env -i PATH=/usr/bin:/bin HOME="$SCRATCH/home" \
    LC_ALL=C "$VIRSH" -c test:///default hostname </dev/null | head -n1)

# Escape a string for use as a literal in a sed basic regular expression.
sed_lit() { printf '%s' "$1" | sed -e 's/[]\/$*.^[]/\\&/g'; }
FILES_RE=$(sed_lit "$FILES")
SCRATCH_RE=$(sed_lit "$SCRATCH")
FILES_REPL=$(printf '%s' "$FILES" | sed -e 's/[\/&]/\\&/g')

mask() { # mask <file> <case-name> <in-contents>
    local f=$1 name=$2 in=$3
    # M1: absolute path of the files directory -> @FILES@
    # M2: dominfo "CPU time:" value (derived from wall-clock time in the
    #     test driver) -> @ANY@
    # M4: temporary file of edit/desc --edit/net-edit/pool-edit
    #     ($TMPDIR/virshXXXXXX.xml, random name) -> @ANY@
    # M5: the -t timing line "(Time: N ms)" -> "(Time: @ANY@ ms)"
    # M6: the local time in screenshot's default file name
    #     (NAME-YYYY-MM-DD-HH:MM:SS.png) -> NAME-@ANY@.png
    sed -i \
        -e 's/-[0-9]\{4\}-[0-9][0-9]-[0-9][0-9]-[0-9][0-9]:[0-9][0-9]:[0-9][0-9]\.png/-@ANY@.png/g' \
        -e "s/$FILES_RE/@FILES@/g" \
        -e 's/^\(CPU time: *\)[0-9][0-9.]*s$/\1@ANY@/' \
        -e "s/$SCRATCH_RE\/virsh[A-Za-z0-9]\{6\}\.xml/@ANY@/g" \
        -e 's/^(Time: [0-9][0-9.]* ms)$/(Time: @ANY@ ms)/' \
        "$f"
    # M7: the test driver's disk and interface counters, derived from the clock
    #     (only in cases that run domblkstat or domifstat): a number ending a line
    case "$name $in" in
        *domblkstat*|*domifstat*)
            sed -i -e 's/[0-9][0-9]*$/@ANY@/' "$f"
            ;;
    esac
    # M3: the host name printed by `hostname` (only in cases that run it)
    case "$name $in" in
        *hostname*)
            if [ -n "$HOSTNAME_VAL" ]; then
                local h
                h=$(sed_lit "$HOSTNAME_VAL")
                sed -i -e "s/^$h\$/@ANY@/" "$f"
            fi
            ;;
    esac
}

run_case() {
    local in=$1
    local case=${in%.in}
    local name
    name=$(basename "$case")
    local cmd
    cmd=$(cat "$in")
    cmd=${cmd//@FILES@/$FILES}
    local -a opts=()
    if [ -f "$case.opts" ]; then
        read -r -a opts < "$case.opts"
    fi
    local uri=test:///default
    if [ -f "$case.uri" ]; then
        uri=$(head -n1 "$case.uri")
        uri=${uri//@FILES@/$FILES}
    fi
    local stdin=/dev/null
    if [ -f "$case.stdin" ]; then
        stdin=$SCRATCH/stdin
        sed -e "s/@FILES@/$FILES_REPL/g" "$case.stdin" > "$stdin"
    fi
    local -a envs=()
    if [ -f "$case.env" ]; then
        local line
        while IFS= read -r line || [ -n "$line" ]; do
            [ -n "$line" ] && envs+=("${line//@FILES@/$FILES}")
        done < "$case.env"
    fi
    local -a args=("${opts[@]}")
    # The URI token @NONE@ means: pass no -c option at all.
    if [ "$uri" != "@NONE@" ]; then
        args+=(-c "$uri")
    fi
    # An empty .in means: no command argument (commands come from stdin).
    if [ -n "$cmd" ]; then
        args+=("$cmd")
    fi

    # virsh 9.0 occasionally hangs (a race in its job-watching loop used by
    # save/managedsave); such a run is killed after 15s and retried.
    local attempt rc
    for attempt in 1 2 3 4 5; do
        local before
        before=$(cd "$FILES" && ls -A)
        (
            cd "$FILES" || exit 99
            exec timeout 15 env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME="$SCRATCH/home" \
                TMPDIR="$SCRATCH" LC_ALL=C "${envs[@]}" \
                "$VIRSH" "${args[@]}" < "$stdin" > "$case.out" 2> "$case.err"
        )
        rc=$?
        # remove files the case created in files/
        local after f
        after=$(cd "$FILES" && ls -A)
        while IFS= read -r f; do
            [ -n "$f" ] && rm -rf -- "${FILES:?}/$f"
        done < <(comm -13 <(printf '%s\n' "$before" | sort) <(printf '%s\n' "$after" | sort))
        [ "$rc" != 124 ] && break
        echo "$name: virsh timed out (attempt $attempt), retrying" >&2
    done
    echo "$rc" > "$case.rc"

    mask "$case.out" "$name" "$cmd"
    mask "$case.err" "$name" "$cmd"
}

if [ $# -gt 0 ]; then
    for c in "$@"; do
        run_case "$DIR/${c%.in}.in"
    done
else
    for in in "$DIR"/*.in; do
        run_case "$in"
    done
fi
