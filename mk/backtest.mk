LIBSRC += lib/backtest.c
LIBSRC += lib/perfstats.c
BIN += bin/bp-backtest
UNIT += tests/unit/test-perfstats
UNIT += tests/unit/test-backtest
