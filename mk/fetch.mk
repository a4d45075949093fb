LIBSRC += lib/bars.c
LIBSRC += lib/csvin.c
LIBSRC += lib/resample.c
LIBSRC += lib/validate.c
BIN += bin/bp-fetch
MAN1 += man/man1/bp-fetch.1
UNIT += tests/unit/test-csvin
UNIT += tests/unit/test-resample
