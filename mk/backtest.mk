LIBSRC += lib/backtest.c
LIBSRC += lib/perfstats.c
BIN += bin/bp-backtest
