# features: bp-features, the indicator kernels, fuzzy sets, labels, specs.
LIBSRC += lib/ta.c
UNIT += tests/unit/test-ta
