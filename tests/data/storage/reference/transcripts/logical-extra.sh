#!/bin/bash
# addendum to logical.sh (run right after it; output appended to logical.txt)
. /tmp/storage-ref/transcripts/lib.sh
note "addendum: pools defined without source (from the error-case section)"
run v pool-dumpxml nosrc
run v pool-dumpxml nosrc2
run v pool-build nosrc
run v pool-start nosrc
run v pool-undefine nosrc
run v pool-undefine nosrc2
run v pool-list --all
