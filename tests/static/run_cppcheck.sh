#!/bin/sh
# cppcheck over executor/ with the checked-in configuration: the warning,
# performance and portability checks (errors always), glibc's library
# model, suppressions from tests/static/suppressions.xml. Exits non-zero on
# any finding, including a suppression that no longer matches anything.
#
#   tests/static/run_cppcheck.sh          (from anywhere; cppcheck >= 2.x)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
src=$(dirname "$(dirname "$here")")
if ! command -v cppcheck >/dev/null 2>&1; then
	echo "cppcheck not installed: skipped"
	exit 77
fi
cd "$src"
# Newer versions print "active checkers" statistics as a finding; suppress
# it only where it exists (an unused suppression is reported too).
noise=
if cppcheck --errorlist 2>/dev/null | grep -q checkersReport; then
	noise=--suppress=checkersReport
fi
# -D fixes the one configuration judgebox is built in (as CMakeLists.txt
# defines it); cppcheck then checks that configuration only.
cppcheck --enable=warning,performance,portability,information --std=c11 --library=gnu \
	--suppress-xml="$here/suppressions.xml" --inline-suppr --error-exitcode=1 --quiet \
	$noise \
	-D_GNU_SOURCE -D__linux__ -D__x86_64__ '-DJB_VERSION="0"' '-DJB_POLICY_DIRS="policies"' \
	-I executor -I executor/wire -I executor/box -I executor/account -I executor/run \
	-I executor/queue --template='{file}:{line}:{column}: {severity}: {message} [{id}]' \
	executor
echo "cppcheck: no findings in executor/"
