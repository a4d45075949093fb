LIBSRC += lib/cv.c
UNIT += tests/unit/test-cv
BIN += bin/bp-cv
