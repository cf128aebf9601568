#!/usr/bin/env bash
# Regenerate the golden outputs of the xml2xml corpus with the REAL libvirt
# test driver (virsh -c test:///default, libvirt 9.0 as packaged by Debian).
#
#   scripts/regen-xml-corpus.sh            # regenerate everything
#   scripts/regen-xml-corpus.sh 012 rej-3  # only cases whose name contains one of the words
#
# Layout (tests/data/test-driver/xml2xml):
#   <case>.xml          hand-written input, <name> == <case>
#   <case>.out.xml      inactive XML after define
#   <case>.live.xml     live XML after start (always written when start succeeds;
#                       it differs from .out.xml at least by id='2' on <domain>)
#   <case>.start-error  virsh stderr when 'start' fails (then no .live.xml)
#   <case>.warnings     libvirt warnings logged to stderr during define
#                       (timestamp/pid prefix removed, see split_log below)
#   rejected/<case>.xml        input that define refuses (or a collision case)
#   rejected/<case>.virsh.err  virsh stderr of 'define <case>.xml', byte-exact
#                              except that timestamped libvirt log lines are
#                              moved to rejected/<case>.warnings
#                              and that GLib's "(process:PID): GLib-ERROR **: TIME:"
#                              prefix is normalised (pid/time replaced)
#   rejected/<case>.rc         virsh exit status of that define (133 = killed
#                              by SIGTRAP, i.e. virsh crashed)
#   rejected/<case>.out.xml    only when define unexpectedly succeeds (rc 0):
#                              'dumpxml --inactive' of the defined name
#
# Exact method.  The test driver keeps its state only inside one virsh
# process, so each step is a fresh process that starts from the pristine
# built-in state (one running domain 'test', id 1, uuid 6695eb01-...):
#   out.xml     : virsh -q -c test:///default "define C.xml; dumpxml --inactive C"
#   start       : virsh -q -c test:///default "define C.xml; start C"
#                 (in a multi-command line virsh keeps going after an error and
#                 exits with the status of the LAST command, so 'start' is last)
#   live.xml    : virsh -q -c test:///default "define C.xml; start C; dumpxml C"
#   rejected    : cd rejected && virsh -q -c test:///default define C.xml
# '-q' suppresses the "Domain 'C' defined from C.xml" message, so stdout is
# exactly the string returned by virDomainGetXMLDesc().  NOTE: without -q
# virsh prints one extra "\n" after the XML (i.e. the XML ends "</domain>\n\n");
# the files here do NOT contain that extra newline: they end "</domain>\n".
# virsh is always run from inside the directory holding the input with a
# relative file name, so error messages contain "from C.xml" and no absolute
# path.  LC_ALL=C keeps messages untranslated.
set -euo pipefail
shopt -s nullglob
export LC_ALL=C LANG=C LANGUAGE=
unset LIBVIRT_DEFAULT_URI VIRSH_DEFAULT_CONNECT_URI || true

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DIR=$ROOT/tests/data/test-driver/xml2xml
REJ=$DIR/rejected
URI=test:///default

# Outputs of real libvirt that fail virt-xml-validate (documented in NOTES.md).
KNOWN_INVALID=" 101-disk-network-ssh-not-in-schema 246-smartcard-alias-not-in-schema 247-vcpu-100000-accepted "

virsh_q() { virsh -q -c "$URI" "$@"; }

# Some values are generated randomly by libvirt on define (e.g. <genid/>
# without a value, openvswitch <virtualport> without interfaceid).  To keep
# the corpus deterministic, every UUID in an output file that does not occur
# in the input (compared case-insensitively, ignoring '-') is replaced by the
# literal placeholder @RANDOM-UUID@ (after schema validation of the real
# output).  Consumers must treat @RANDOM-UUID@ as "any freshly generated UUID".
mask_random() {
    local in=$1 out=$2
    IN="$in" perl -i -pe '
        BEGIN { open my $f, "<", $ENV{IN} or die; local $/; $in = lc <$f>; $in =~ s/-//g; }
        s{\b([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})\b}{
            my $orig = $1; my $u = lc $orig; $u =~ s/-//g;
            index($in, $u) >= 0 ? $orig : "\@RANDOM-UUID\@" }ge;
    ' "$out"
    if grep -q '@RANDOM-UUID@' "$out"; then
        echo "masked generated uuid(s) in $(basename "$out")"
    fi
}

# libvirt's default log output writes warnings to stderr, preceded by two
# info lines, all prefixed with a timestamp and pid, e.g.
#   2026-01-01 00:00:00.000+0000: 1234: info : libvirt version: 9.0.0, ...
#   2026-01-01 00:00:00.000+0000: 1234: info : hostname: vm
#   2026-01-01 00:00:00.000+0000: 1234: warning : virDomainVcpuPinDefParseXML:15765 : Ignoring vcpupin ...
# These are not deterministic.  split_log FILE WARNFILE removes such lines
# from FILE and writes the non-info ones, without the "timestamp: pid: "
# prefix, to WARNFILE (which is deleted if there are none).
LOGRE='^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:.]+[+-][0-9]{4}: [0-9]+: '
split_log() {
    local f=$1 w=$2
    grep -E "$LOGRE" "$f" | sed -E "s/$LOGRE//" | grep -v '^info : ' >"$w" || true
    grep -vE "$LOGRE" "$f" >"$f.tmp" || true
    mv "$f.tmp" "$f"
    [ -s "$w" ] || rm -f "$w"
}

want() {
    local c=$1 w
    [ $# -ge 1 ] || return 0
    [ ${#FILTER[@]} -eq 0 ] && return 0
    for w in "${FILTER[@]}"; do [[ $c == *"$w"* ]] && return 0; done
    return 1
}

FILTER=("$@")
fail=0
n_ok=0 n_start_fail=0 n_rej=0 n_invalid=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

validate() {
    local f=$1 c=$2
    if ! virt-xml-validate "$f" domain >"$tmp/val" 2>&1; then
        n_invalid=$((n_invalid + 1))
        if [[ $KNOWN_INVALID == *" $c "* ]]; then
            echo "known-invalid: $(basename "$f") (real libvirt output fails the schema)"
        else
            echo "VALIDATION FAILED: $f" >&2
            cat "$tmp/val" >&2
            fail=1
        fi
    fi
}

# ---------------------------------------------------------------- accepted
cd "$DIR"
for in in [0-9]*.xml; do
    case $in in *.out.xml|*.live.xml) continue ;; esac
    c=${in%.xml}
    want "$c" || continue
    name=$(xmllint --xpath 'string(/domain/name)' "$in")
    if [ "$name" != "$c" ]; then
        echo "ERROR: $in: <name>$name</name> does not match case name" >&2
        fail=1; continue
    fi
    rm -f "$c.out.xml" "$c.live.xml" "$c.start-error" "$c.warnings"
    if ! virsh_q define "$in" >/dev/null 2>"$tmp/err"; then
        echo "ERROR: $in is refused by define (move it to rejected/):" >&2
        cat "$tmp/err" >&2
        fail=1; continue
    fi
    split_log "$tmp/err" "$c.warnings"
    virsh_q "define $in; dumpxml --inactive $c" >"$c.out.xml" 2>"$tmp/err"
    split_log "$tmp/err" "$tmp/warn"
    if [ -s "$tmp/err" ]; then
        echo "ERROR: $in: dumpxml wrote to stderr:" >&2; cat "$tmp/err" >&2; fail=1
    fi
    validate "$c.out.xml" "$c"
    mask_random "$in" "$c.out.xml"
    if virsh_q "define $in; start $c" >/dev/null 2>"$tmp/err"; then
        virsh_q "define $in; start $c; dumpxml $c" >"$c.live.xml" 2>"$tmp/err"
        split_log "$tmp/err" "$tmp/warn"
        if [ -s "$tmp/err" ]; then
            echo "ERROR: $in: live dumpxml wrote to stderr:" >&2; cat "$tmp/err" >&2; fail=1
        fi
        validate "$c.live.xml" "$c"
        mask_random "$in" "$c.live.xml"
    else
        split_log "$tmp/err" "$tmp/warn"
        cp "$tmp/err" "$c.start-error"
        n_start_fail=$((n_start_fail + 1))
    fi
    n_ok=$((n_ok + 1))
done

# Sanity check: all accepted cases can be defined together in one process
# (names and uuids are distinct).
if [ ${#FILTER[@]} -eq 0 ]; then
    cmds=""
    for in in [0-9]*.xml; do
        case $in in *.out.xml|*.live.xml) continue ;; esac
        cmds+="define $in; "
    done
    cnt=$(virsh_q "$cmds list --all --name" 2>"$tmp/err" | grep -c . || true)
    split_log "$tmp/err" "$tmp/warn"
    if [ -s "$tmp/err" ]; then
        echo "ERROR: defining all cases together failed:" >&2; cat "$tmp/err" >&2; fail=1
    fi
    # +1 for the built-in 'test' domain
    if [ "$cnt" -ne $((n_ok + 1)) ]; then
        echo "ERROR: expected $((n_ok + 1)) domains after defining all, got $cnt" >&2; fail=1
    fi
fi

# ---------------------------------------------------------------- rejected
cd "$REJ"
for in in *.xml; do
    case $in in *.out.xml) continue ;; esac
    c=${in%.xml}
    want "$c" || continue
    rm -f "$c.virsh.err" "$c.rc" "$c.out.xml" "$c.warnings"
    rc=0
    # exec in a child shell so that, if virsh dies from a signal, bash's
    # "Trace/breakpoint trap" job message (with a pid) goes to our stderr
    # and not into the recorded file.
    ( bash -c 'exec virsh -q -c "$1" define "$2" >/dev/null 2>"$3"' _ "$URI" "$in" "$c.virsh.err"; exit $? ) 2>/dev/null || rc=$?
    [ "$rc" -gt 128 ] && echo "note: virsh crashed on rejected/$in (rc $rc = signal $((rc - 128)))"
    split_log "$c.virsh.err" "$c.warnings"
    # GLib aborts print "(process:PID): GLib-ERROR **: HH:MM:SS.mmm: ..."
    sed -i -E 's/\(process:[0-9]+\)/(process:PID)/; s/(GLib-[A-Z]+ \*\*: )[0-9:.]+:/\1HH:MM:SS.mmm:/' "$c.virsh.err"
    echo "$rc" >"$c.rc"
    if [ "$rc" -eq 0 ]; then
        name=$(xmllint --xpath 'string(/domain/name)' "$in")
        virsh_q "define $in; dumpxml --inactive $name" >"$c.out.xml"
        mask_random "$in" "$c.out.xml"
        echo "note: rejected/$in was accepted by define (rc 0), wrote $c.out.xml"
    fi
    n_rej=$((n_rej + 1))
done

echo "accepted: $n_ok (start failed: $n_start_fail), rejected: $n_rej, schema-invalid outputs: $n_invalid"
exit $fail
