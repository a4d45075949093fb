# barpipe: build, test, install.  Knobs live in config.mk.
#
#   make                 build libbarpipe.a and every bp-* tool
#   make test            unit tests, BATS suites, man lint: "N passed, M failed"
#   make check-asan      the same suite under ASan + UBSan (own object dir)
#   make demo            the main job on the shipped sample data
#   make bench           benchmarks against the peers (bench/)
#   make deps            install the Debian packages the build needs
#   make install         binaries and man pages under $(DESTDIR)$(PREFIX)
#
# Each area of the toolkit lists its sources in mk/<area>.mk, one per line.

include config.mk

O ?= .
PKGS = jansson libzstd sqlite3 libcurl
DEB_PKGS = build-essential pkg-config libcsv-dev libjansson-dev libzstd-dev \
	libsqlite3-dev libcurl4-openssl-dev bats zstd jq mandoc bsdextrautils \
	sqlite3

WARN = -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	-Wpointer-arith -Wformat=2 -Wvla -Wwrite-strings -Wundef
ifeq ($(DEVELOPER),1)
WARN += -Werror
endif

PKG_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
PKG_LIBS := $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null)

BP_CPPFLAGS = -std=c11 -D_POSIX_C_SOURCE=200809L -DBP_VERSION='"$(VERSION)"' \
	-Ilib $(PKG_CFLAGS)
BP_CFLAGS = $(WARN) $(CFLAGS) -MMD -MP -pthread
BP_LIBS = $(PKG_LIBS) -lcsv -lm -pthread

# ---- libbarpipe: the foundation; areas append to LIBSRC in mk/*.mk ----
LIBSRC = \
	lib/atomic.c \
	lib/cli.c \
	lib/fmt.c \
	lib/jsonout.c \
	lib/store.c \
	lib/stream.c \
	lib/ts.c \
	lib/util.c \
	lib/zread.c \
	lib/zrows.c

BIN =
UNIT = \
	tests/unit/test-fmt \
	tests/unit/test-stream \
	tests/unit/test-zrows \
	tests/unit/test-ts
MAN1 =
MAN5 = man/man5/barpipe-stream.5
MAN7 = man/man7/barpipe.7
SCRIPTS =

-include mk/fetch.mk
-include mk/features.mk
-include mk/models.mk
-include mk/backtest.mk
-include mk/cv.mk
-include mk/drift.mk
-include mk/mcp.mk
-include mk/pipelines.mk

LIBOBJ = $(LIBSRC:%.c=$(O)/%.o)
LIB = $(O)/lib/libbarpipe.a
BINOUT = $(BIN:%=$(O)/%)
UNITOUT = $(UNIT:%=$(O)/%)

all: $(LIB) $(BINOUT)

$(O)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(BP_CPPFLAGS) $(BP_CFLAGS) -c -o $@ $<

$(LIB): $(LIBOBJ)
	@mkdir -p $(@D)
	rm -f $@
	$(AR) $(ARFLAGS) $@ $(LIBOBJ)

$(BINOUT): $(O)/bin/%: $(O)/bin/%.o $(LIB)
	$(CC) $(BP_CFLAGS) $(LDFLAGS) -o $@ $< $(LIB) $(BP_LIBS)

$(UNITOUT): $(O)/tests/unit/%: $(O)/tests/unit/%.o $(LIB)
	$(CC) $(BP_CFLAGS) $(LDFLAGS) -o $@ $< $(LIB) $(BP_LIBS)

-include $(LIBOBJ:.o=.d) $(BINOUT:=.d) $(UNITOUT:=.d)

# ---- tests ----
# tests/run prints TAP from every suite and ends with "N passed, M failed".
test check: deps-check all $(UNITOUT)
	@BP_BUILD_DIR=$(abspath $(O)) tests/run $(UNITOUT)

check-asan:
	$(MAKE) O=build-asan DEVELOPER=$(DEVELOPER) \
		CFLAGS="-g -O1 -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all" \
		LDFLAGS="-fsanitize=address,undefined" test

# ---- dependencies ----
deps:
	@missing=$$(for p in $(DEB_PKGS); do \
		dpkg-query -W -f='$${Status}' $$p 2>/dev/null | \
		grep -q 'install ok installed' || printf '%s ' $$p; done); \
	if [ -z "$$missing" ]; then echo "deps: all installed"; \
	elif [ "$$(id -u)" = 0 ]; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -qq --no-install-recommends $$missing; \
	else echo "deps: missing $$missing; run:"; \
		echo "  sudo apt-get install -y $$missing"; exit 1; fi

# run `deps` only when something the build needs is missing
deps-check:
	@$(PKG_CONFIG) --exists $(PKGS) && [ -f /usr/include/csv.h ] && \
		command -v bats >/dev/null && command -v zstd >/dev/null && \
		command -v jq >/dev/null && command -v sqlite3 >/dev/null || \
		$(MAKE) --no-print-directory deps

# ---- demo, bench ----
demo: deps-check all
	@pipelines/demo.sh

bench: deps-check all
	@bench/run

# ---- install ----
install: all
	mkdir -p $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(MANPREFIX)/man1 \
		$(DESTDIR)$(MANPREFIX)/man5 $(DESTDIR)$(MANPREFIX)/man7
	for b in $(BINOUT) $(SCRIPTS); do \
		install -m 755 $$b $(DESTDIR)$(PREFIX)/bin/; done
	for m in $(MAN1); do install -m 644 $$m $(DESTDIR)$(MANPREFIX)/man1/; done
	for m in $(MAN5); do install -m 644 $$m $(DESTDIR)$(MANPREFIX)/man5/; done
	for m in $(MAN7); do install -m 644 $$m $(DESTDIR)$(MANPREFIX)/man7/; done

uninstall:
	for b in $(BIN) $(SCRIPTS); do rm -f $(DESTDIR)$(PREFIX)/bin/$${b##*/}; done
	for m in $(MAN1); do rm -f $(DESTDIR)$(MANPREFIX)/man1/$${m##*/}; done
	for m in $(MAN5); do rm -f $(DESTDIR)$(MANPREFIX)/man5/$${m##*/}; done
	for m in $(MAN7); do rm -f $(DESTDIR)$(MANPREFIX)/man7/$${m##*/}; done

clean:
	rm -f $(LIBOBJ) $(LIBOBJ:.o=.d) $(LIB) $(BINOUT) $(BINOUT:=.o) \
		$(BINOUT:=.d) $(UNITOUT) $(UNITOUT:=.o) $(UNITOUT:=.d)
	rm -rf build-asan tests/tmp bench/out out

.PHONY: all test check check-asan deps deps-check demo bench install \
	uninstall clean
