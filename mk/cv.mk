LIBSRC += lib/cv.c
UNIT += tests/unit/test-cv
UNIT += tests/unit/test-search
BIN += bin/bp-cv
MAN1 += man/man1/bp-cv.1
LIBSRC += lib/search.c
