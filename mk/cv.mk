LIBSRC += lib/cv.c
UNIT += tests/unit/test-cv
