#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# bench-smoke: `make bench` at tiny sizes (4 MiB, 2 repetitions) on every
# front end in turn. A test that the benchmark runs and that what it
# measures is what it claims (reads exact, THP really used, every page
# migrated both ways, mirror root-only after munmap, timings positive),
# never of how fast anything is.
exec sh /suites/bench.sh smoke
