LIBSRC += lib/drift.c
UNIT += tests/unit/test-drift
