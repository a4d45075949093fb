LIBSRC += lib/cv.c
UNIT += tests/unit/test-cv
BIN += bin/bp-cv
MAN1 += man/man1/bp-cv.1
LIBSRC += lib/search.c
