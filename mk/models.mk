# models: bp-train, bp-predict, bp-model and the learners behind them
LIBSRC += lib/metrics.c
LIBSRC += lib/sha256.c
UNIT += tests/unit/test-metrics
LIBSRC += lib/dataset.c
LIBSRC += lib/model.c
LIBSRC += lib/linear.c
LIBSRC += lib/gbdt.c
LIBSRC += lib/mlp.c
UNIT += tests/unit/test-linear
UNIT += tests/unit/test-dataset
LIBSRC += lib/registry.c
BIN += bin/bp-train
UNIT += tests/unit/test-gbdt
MAN1 += man/man1/bp-train.1
