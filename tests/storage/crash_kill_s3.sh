#!/usr/bin/env bash
# Crash test of the commit protocol on S3 (issue 9): tests/storage/crash_kill.sh with
# CRASH_S3=1 (see there): three writers committing to s3://dc-crash/catalog1 on a moto
# server started for the test, killed with SIGKILL at random points (also in the middle of
# multipart uploads of their data files) and restarted; periodic and final checks of
# every invariant of the local test, plus every committed transaction's data file whole;
# then a collection with no grace period must abort the uploads the kills left and
# delete the data files no commit names, and the catalog must check again.
#
#   bash tests/storage/crash_kill_s3.sh                     # CI: 200 kills
#   CRASH_KILLS=1000 bash tests/storage/crash_kill_s3.sh    # longer
# Knobs as in crash_kill.sh; here CRASH_MAX_SLEEP_MS defaults to 400 (a commit on S3
# takes longer than on a local disk) and CRASH_CHECK_EVERY to 50.
export CRASH_S3=1
export CRASH_KILLS=${CRASH_KILLS:-200}
export CRASH_MAX_SLEEP_MS=${CRASH_MAX_SLEEP_MS:-400}
export CRASH_CHECK_EVERY=${CRASH_CHECK_EVERY:-50}
exec bash "$(dirname "${BASH_SOURCE[0]}")/crash_kill.sh"
