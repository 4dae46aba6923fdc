#!/usr/bin/env bash
# Concurrency test of the commit protocol on S3 (issue 9): tests/storage/concurrent.sh with
# CONC_S3=1 (see there): 8 processes x CONC_TXNS transactions of the conflict-prone mix on
# s3://dc-conc/catalog of a moto server started for the test, every outcome checked
# against the log and the conflict rules as in the local test.
#
#   bash tests/storage/concurrent_s3.sh                   # CI: 8 x 40 transactions
#   CONC_TXNS=200 bash tests/storage/concurrent_s3.sh     # longer
export CONC_S3=1
export CONC_PROCS=${CONC_PROCS:-8}
export CONC_TXNS=${CONC_TXNS:-40}
exec bash "$(dirname "${BASH_SOURCE[0]}")/concurrent.sh"
