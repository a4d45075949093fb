# features: bp-features, the indicator kernels, fuzzy sets, labels, specs.
LIBSRC += lib/ta.c
UNIT += tests/unit/test-ta
LIBSRC += lib/derived.c
LIBSRC += lib/fuzzy.c
LIBSRC += lib/labels.c
LIBSRC += lib/spec.c
LIBSRC += lib/featureset.c
BIN += bin/bp-features
MAN1 += man/man1/bp-features.1
UNIT += tests/unit/test-derived
UNIT += tests/unit/test-labels
