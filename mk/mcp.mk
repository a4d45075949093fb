# bp-mcp: the MCP server (issue 8)
LIBSRC += lib/jsonrpc.c
LIBSRC += lib/jschema.c
LIBSRC += lib/sandbox.c
LIBSRC += lib/journal.c
LIBSRC += lib/mcp.c
BIN += bin/bp-mcp
UNIT += tests/unit/test-jsonrpc
MAN1 += man/man1/bp-mcp.1
UNIT += tests/unit/test-jschema
UNIT += tests/unit/test-sandbox
UNIT += tests/unit/test-journal
