/*
 * bp-mcp: barpipe's MCP server.  An assistant calls tools over JSON-RPC
 * on stdin/stdout; each tool runs a shell pipeline from the manifest,
 * confined to the workspace and recorded in the run journal.
 */
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "journalcli.h"
#include "mcp.h"
#include "util.h"

#ifndef BP_DATADIR
#define BP_DATADIR "/usr/local/share/barpipe"
#endif

static const char usage_line[] =
	"usage: bp-mcp [-q | -v] [--manifest <file>] [--workspace <dir>] "
	"[--db <file>] [<option>...]\n"
	"       bp-mcp --check [--manifest <file>]\n"
	"       bp-mcp journal [--db <file>] <subcommand> [<option>...]";

static const char help[] =
	"  --manifest <file>        tool manifest (default: mcp-shim/"
	"manifest.json beside bp-mcp)\n"
	"  --workspace <dir>        every file a tool names lives here\n"
	"                           (default: $BARPIPE_HOME/work)\n"
	"  --db <file>              database (default: $BARPIPE_HOME/"
	"barpipe.db)\n"
	"  --share <dir>            sample data and example strategies\n"
	"                           (default: the manifest's parent dir)\n"
	"  --max-jobs <n>           pipelines running at once (default 4)\n"
	"  --max-queue <n>          calls waiting for a slot (default 64)\n"
	"  --timeout <s>            upper bound on a tool's timeout "
	"(default 3600)\n"
	"  --cpu-limit <s>          CPU seconds per process, 0 = none "
	"(default 3600)\n"
	"  --mem-limit <MiB>        address space per process, 0 = none "
	"(default 4096)\n"
	"  --file-limit <MiB>       largest file a pipeline writes, 0 = none "
	"(default 4096)\n"
	"  --max-output <bytes>     a pipeline's stdout (default 16777216)\n"
	"  --max-line <bytes>       longest request, 0 = no limit "
	"(default 67108864)\n"
	"  --breaker-failures <n>   failures in a row that suspend a tool,\n"
	"                           0 = never (default 5)\n"
	"  --breaker-cooldown <s>   how long it stays suspended (default 60)\n"
	"  --drain-timeout <s>      at end of input, time left to running "
	"calls (default 30)\n"
	"  --kill-grace <s>         SIGTERM to SIGKILL on cancel "
	"(default 2)\n"
	"  --allow-network          do not give pipelines a private network "
	"namespace\n"
	"  --log-file <file>        append the log there instead of stderr\n"
	"  --check                  check the manifest and exit\n"
	"  -q, --quiet              errors only\n"
	"  -v, --verbose            log every call (repeat for more)\n"
	"  -h, --help               this help\n"
	"  -V, --version            print the version\n"
	"See bp-mcp(1).\n";

enum {
	OPT_MANIFEST = 256, OPT_WORKSPACE, OPT_DB, OPT_SHARE, OPT_MAX_JOBS,
	OPT_MAX_QUEUE, OPT_TIMEOUT, OPT_CPU, OPT_MEM, OPT_FILE, OPT_OUTPUT,
	OPT_LINE, OPT_BREAKER, OPT_COOLDOWN, OPT_DRAIN, OPT_GRACE, OPT_NET,
	OPT_LOG, OPT_CHECK,
};

static const struct option longopts[] = {
	{ "manifest", required_argument, NULL, OPT_MANIFEST },
	{ "workspace", required_argument, NULL, OPT_WORKSPACE },
	{ "db", required_argument, NULL, OPT_DB },
	{ "share", required_argument, NULL, OPT_SHARE },
	{ "max-jobs", required_argument, NULL, OPT_MAX_JOBS },
	{ "max-queue", required_argument, NULL, OPT_MAX_QUEUE },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "cpu-limit", required_argument, NULL, OPT_CPU },
	{ "mem-limit", required_argument, NULL, OPT_MEM },
	{ "file-limit", required_argument, NULL, OPT_FILE },
	{ "max-output", required_argument, NULL, OPT_OUTPUT },
	{ "max-line", required_argument, NULL, OPT_LINE },
	{ "breaker-failures", required_argument, NULL, OPT_BREAKER },
	{ "breaker-cooldown", required_argument, NULL, OPT_COOLDOWN },
	{ "drain-timeout", required_argument, NULL, OPT_DRAIN },
	{ "kill-grace", required_argument, NULL, OPT_GRACE },
	{ "allow-network", no_argument, NULL, OPT_NET },
	{ "log-file", required_argument, NULL, OPT_LOG },
	{ "check", no_argument, NULL, OPT_CHECK },
	{ "quiet", no_argument, NULL, 'q' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

struct args {
	struct bp_mcp_opts mcp;
	const char *log_file;
	int check;
};

static void
parse_args(int argc, char *argv[], struct args *a)
{
	int c;

	while ((c = getopt_long(argc, argv, "qvhV", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_MANIFEST: a->mcp.manifest = optarg; break;
		case OPT_WORKSPACE: a->mcp.workspace = optarg; break;
		case OPT_DB: a->mcp.db = optarg; break;
		case OPT_SHARE: a->mcp.share = optarg; break;
		case OPT_MAX_JOBS:
			a->mcp.max_jobs = (int)bp_parse_long(optarg, 1, 256,
							     "--max-jobs");
			break;
		case OPT_MAX_QUEUE:
			a->mcp.max_queue = (int)bp_parse_long(
				optarg, 0, 100000, "--max-queue");
			break;
		case OPT_TIMEOUT:
			a->mcp.timeout_s = bp_parse_real(optarg, 0.001, 604800,
							 "--timeout");
			break;
		case OPT_CPU:
			a->mcp.cpu_s = bp_parse_long(optarg, 0, 604800,
						     "--cpu-limit");
			break;
		case OPT_MEM:
			a->mcp.mem_bytes = (long long)bp_parse_long(
						   optarg, 0, 1L << 22,
						   "--mem-limit")
					   << 20;
			break;
		case OPT_FILE:
			a->mcp.file_bytes = (long long)bp_parse_long(
						    optarg, 0, 1L << 24,
						    "--file-limit")
					    << 20;
			break;
		case OPT_OUTPUT:
			a->mcp.max_output = (size_t)bp_parse_long(
				optarg, 1024, 1L << 30, "--max-output");
			break;
		case OPT_LINE:
			a->mcp.max_line = (size_t)bp_parse_long(
				optarg, 0, 1L << 32, "--max-line");
			if (a->mcp.max_line && a->mcp.max_line < 1024)
				bp_cli_usage_error("--max-line: '%s' is below "
						   "1024 bytes",
						   optarg);
			break;
		case OPT_BREAKER:
			a->mcp.breaker_failures = (int)bp_parse_long(
				optarg, 0, 1000, "--breaker-failures");
			break;
		case OPT_COOLDOWN:
			a->mcp.breaker_cooldown_s = bp_parse_real(
				optarg, 0, 86400, "--breaker-cooldown");
			break;
		case OPT_DRAIN:
			a->mcp.drain_s = bp_parse_real(optarg, 0, 86400,
						       "--drain-timeout");
			break;
		case OPT_GRACE:
			a->mcp.kill_grace_s = bp_parse_real(optarg, 0, 60,
							    "--kill-grace");
			break;
		case OPT_NET: a->mcp.isolate_net = 0; break;
		case OPT_LOG: a->log_file = optarg; break;
		case OPT_CHECK: a->check = 1; break;
		case 'q': bp_verbosity = 0; break;
		case 'v': bp_verbosity++; break;
		case 'h': bp_cli_help();
		case 'V': bp_cli_version();
		default:
			bp_cli_usage_error("unknown option '%s'",
					   argv[optind - 1]);
		}
	}
	if (optind < argc)
		bp_cli_usage_error("unexpected argument '%s'", argv[optind]);
}

int
main(int argc, char *argv[])
{
	struct args a = { BP_MCP_OPTS_INIT, NULL, 0 };
	char *manifest = NULL;
	int rc = BP_EXIT_FAIL, fd;

	bp_cli_init(argv[0], usage_line, help);
	if (argc > 1 && !strcmp(argv[1], "journal"))
		return bp_journalcli_run(argc - 1, argv + 1, NULL);
#if defined(__SANITIZE_ADDRESS__)
	/* AddressSanitizer reserves terabytes of address space */
	a.mcp.mem_bytes = 0;
#endif
	parse_args(argc, argv, &a);
	if (a.log_file) {
		fd = open(a.log_file, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
			  0666);
		if (fd < 0)
			bp_die_errno("cannot open '%s'", a.log_file);
		if (dup2(fd, STDERR_FILENO) < 0)
			bp_die_errno("cannot log to '%s'", a.log_file);
		close(fd);
	}
	if (!a.mcp.manifest) {
		manifest = bp_mcp_find_manifest(BP_DATADIR);
		if (!manifest)
			goto out;
		a.mcp.manifest = manifest;
	}
	if (a.check)
		rc = bp_mcp_check_manifest(&a.mcp) < 0 ? BP_EXIT_FAIL
							: BP_EXIT_OK;
	else
		rc = bp_mcp_serve(&a.mcp, STDIN_FILENO, STDOUT_FILENO);
out:
	free(manifest);
	return rc;
}
