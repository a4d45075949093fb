# bp-mcp: the MCP server (issue 8)
LIBSRC += lib/jsonrpc.c
LIBSRC += lib/jschema.c
LIBSRC += lib/sandbox.c
LIBSRC += lib/journal.c
LIBSRC += lib/journalcli.c
LIBSRC += lib/mcp.c
BIN += bin/bp-mcp
UNIT += tests/unit/test-jsonrpc
MAN1 += man/man1/bp-mcp.1
UNIT += tests/unit/test-jschema
UNIT += tests/unit/test-sandbox
UNIT += tests/unit/test-journal

# bp-mcp's manifest, pipelines, the samples and example strategies they
# use go to $(PREFIX)/share/barpipe; bp-mcp looks there (and in
# ../share/barpipe beside itself) when it is not run from the source tree.
MCP_DATADIR = $(PREFIX)/share/barpipe
$(O)/bin/bp-mcp.o: BP_CPPFLAGS += -DBP_DATADIR='"$(MCP_DATADIR)"'

install: install-mcp
install-mcp:
	mkdir -p $(DESTDIR)$(MCP_DATADIR)/mcp-shim \
		$(DESTDIR)$(MCP_DATADIR)/pipelines/mcp \
		$(DESTDIR)$(MCP_DATADIR)/data/sample \
		$(DESTDIR)$(MCP_DATADIR)/strategies
	install -m 644 mcp-shim/manifest.json mcp-shim/README.md \
		$(DESTDIR)$(MCP_DATADIR)/mcp-shim/
	install -m 644 pipelines/mcp/common.sh \
		$(DESTDIR)$(MCP_DATADIR)/pipelines/mcp/
	for f in pipelines/mcp/*.sh; do \
		[ "$$f" = pipelines/mcp/common.sh ] || \
		install -m 755 $$f $(DESTDIR)$(MCP_DATADIR)/pipelines/mcp/; done
	for f in data/sample/*.csv data/sample/README.md; do \
		[ -f "$$f" ] && install -m 644 $$f \
		$(DESTDIR)$(MCP_DATADIR)/data/sample/; done; true
	for f in strategies/*.json; do [ -f "$$f" ] && install -m 644 $$f \
		$(DESTDIR)$(MCP_DATADIR)/strategies/; done; true

uninstall: uninstall-mcp
uninstall-mcp:
	rm -rf $(DESTDIR)$(MCP_DATADIR)/mcp-shim \
		$(DESTDIR)$(MCP_DATADIR)/pipelines/mcp

.PHONY: install-mcp uninstall-mcp
