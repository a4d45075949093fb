LIBSRC += lib/bars.c
LIBSRC += lib/csvin.c
LIBSRC += lib/resample.c
LIBSRC += lib/validate.c
BIN += bin/bp-fetch
MAN1 += man/man1/bp-fetch.1
UNIT += tests/unit/test-bars
UNIT += tests/unit/test-csvin
UNIT += tests/unit/test-resample
UNIT += tests/unit/test-validate
LIBSRC += lib/http.c
LIBSRC += lib/exchange.c
LIBSRC += lib/fetch.c
UNIT += tests/unit/test-exchange
# the loopback server replaying recorded exchange answers to the REST tests
# (a test tool, not a unit test: tests/run must not run it)
FETCH_HTTPD = $(O)/tests/unit/httpd-fixture
all: $(FETCH_HTTPD)
$(FETCH_HTTPD): tests/unit/httpd-fixture.c
	@mkdir -p $(@D)
	$(CC) $(BP_CPPFLAGS) $(BP_CFLAGS) $(LDFLAGS) -o $@ $<
clean: clean-fetch-httpd
clean-fetch-httpd:
	rm -f $(FETCH_HTTPD) $(FETCH_HTTPD).d
.PHONY: clean-fetch-httpd
