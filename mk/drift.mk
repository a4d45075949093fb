LIBSRC += lib/drift.c
UNIT += tests/unit/test-drift
LIBSRC += lib/severity.c
LIBSRC += lib/driftcmp.c
LIBSRC += lib/detect.c
UNIT += tests/unit/test-detect
BIN += bin/bp-drift
MAN1 += man/man1/bp-drift.1
