/*
 * bp-fetch: vendor CSV files and exchange REST APIs to bar streams,
 * validation, resampling, and the SQLite bar cache.  Subcommands: csv,
 * validate, resample, db, prune, and one per exchange (binance, coinbase).
 */
#include <getopt.h>
#include <string.h>

#include "util.h"
#include "cli.h"
#include "csvin.h"
#include "exchange.h"
#include "fetch.h"
#include "http.h"
#include "resample.h"
#include "ts.h"
#include "validate.h"

enum {
	CSV = 1, VALIDATE = 2, RESAMPLE = 4, DB = 8, PRUNE = 16, BINANCE = 32,
	COINBASE = 64, REST = BINANCE | COINBASE, ALL = 127,
};
enum {
	OPT_SYMBOL = 256, OPT_TIMEFRAME, OPT_MAP, OPT_FORMAT, OPT_TZ,
	OPT_ON_BAD, OPT_DUPES, OPT_STORE, OPT_DB, OPT_BATCH, OPT_PLAIN,
	OPT_EXTRA, OPT_TO, OPT_FROM, OPT_PARTIAL, OPT_LIST, OPT_SINCE,
	OPT_UNTIL, OPT_LAST, OPT_OLDER_THAN, OPT_BEFORE, OPT_INTERVAL,
	OPT_BASE_URL, OPT_INCLUDE_PARTIAL, OPT_LIMIT, OPT_RETRIES,
	OPT_RETRY_WAIT, OPT_TIMEOUT, OPT_THROTTLE,
};

/* Every option once, with the subcommands that take it. */
static const struct {
	struct option o;
	unsigned cmds;
} optdefs[] = {
	{ { "help", no_argument, NULL, 'h' }, ALL },
	{ { "version", no_argument, NULL, 'V' }, ALL },
	{ { "quiet", no_argument, NULL, 'q' }, ALL },
	{ { "verbose", no_argument, NULL, 'v' }, ALL },
	{ { "output", required_argument, NULL, 'o' }, ALL },
	{ { "plain", no_argument, NULL, OPT_PLAIN },
	  CSV | RESAMPLE | DB | REST },
	{ { "symbol", required_argument, NULL, OPT_SYMBOL },
	  CSV | VALIDATE | DB | PRUNE | REST },
	{ { "timeframe", required_argument, NULL, OPT_TIMEFRAME },
	  CSV | VALIDATE | DB | PRUNE },
	{ { "map", required_argument, NULL, OPT_MAP }, CSV | VALIDATE },
	{ { "format", required_argument, NULL, OPT_FORMAT }, CSV | VALIDATE },
	{ { "tz", required_argument, NULL, OPT_TZ }, CSV | VALIDATE },
	{ { "on-bad", required_argument, NULL, OPT_ON_BAD },
	  CSV | VALIDATE | REST },
	{ { "dupes", required_argument, NULL, OPT_DUPES }, CSV | VALIDATE },
	{ { "extra", no_argument, NULL, OPT_EXTRA }, CSV | BINANCE },
	{ { "store", no_argument, NULL, OPT_STORE }, CSV | REST },
	{ { "batch", required_argument, NULL, OPT_BATCH }, CSV },
	{ { "db", required_argument, NULL, OPT_DB }, CSV | DB | PRUNE | REST },
	{ { "to", required_argument, NULL, OPT_TO }, RESAMPLE },
	{ { "from", required_argument, NULL, OPT_FROM }, RESAMPLE },
	{ { "partial", required_argument, NULL, OPT_PARTIAL }, RESAMPLE },
	{ { "list", no_argument, NULL, OPT_LIST }, DB },
	{ { "since", required_argument, NULL, OPT_SINCE }, DB | REST },
	{ { "until", required_argument, NULL, OPT_UNTIL }, DB | REST },
	{ { "last", required_argument, NULL, OPT_LAST }, DB },
	{ { "older-than", required_argument, NULL, OPT_OLDER_THAN }, PRUNE },
	{ { "before", required_argument, NULL, OPT_BEFORE }, PRUNE },
	{ { "interval", required_argument, NULL, OPT_INTERVAL }, REST },
	{ { "base-url", required_argument, NULL, OPT_BASE_URL }, REST },
	{ { "include-partial", no_argument, NULL, OPT_INCLUDE_PARTIAL },
	  REST },
	{ { "limit", required_argument, NULL, OPT_LIMIT }, REST },
	{ { "retries", required_argument, NULL, OPT_RETRIES }, REST },
	{ { "retry-wait", required_argument, NULL, OPT_RETRY_WAIT }, REST },
	{ { "timeout", required_argument, NULL, OPT_TIMEOUT }, REST },
	{ { "throttle", required_argument, NULL, OPT_THROTTLE }, REST },
};

static const char usage_line[] =
	"usage: bp-fetch <command> [<options>] [<file>...]";
static const char help_text[] =
	"Commands (each takes --help):\n"
	"  csv       read vendor CSV files, write the bar stream\n"
	"  validate  check CSV files, print a JSON summary\n"
	"  resample  aggregate a bar stream into coarser bars\n"
	"  db        stream bars from the cache, or --list it\n"
	"  prune     delete old bars from the cache\n"
	"  binance   fetch klines from Binance's REST API\n"
	"  coinbase  fetch candles from Coinbase Exchange's REST API\n"
	"  -h, --help     show this help\n"
	"  -V, --version  show the version\n"
	"See bp-fetch(1).\n";

#define IN_HELP \
	"  --symbol <sym>        symbol of the bars\n" \
	"  --timeframe <tf>      bar spacing (default: the most common)\n" \
	"  --format <fmt>        auto (default), binance, yahoo, histdata,\n" \
	"                        cryptodatadownload, generic\n" \
	"  --map <role>=<col>,.. columns for ts, open, high, low, close,\n" \
	"                        volume, ... (name or 1-based position)\n" \
	"  --tz <offset>         zone of text times without one (default\n" \
	"                        UTC; histdata: -05:00)\n" \
	"  --on-bad <what>       fail (default), skip or report bad rows\n" \
	"  --dupes <which>       error (default), first or last for\n" \
	"                        conflicting repeated times\n"
#define REST_USAGE(name, extra) \
	"usage: bp-fetch " name " [-q | -v] [-o <file>] [--plain] " \
	"--symbol <sym> --interval <int> [--since <time> | --since cache] " \
	"[--until <time>] [--include-partial] [--base-url <url>] " \
	"[--limit <n>] [--retries <n>] [--retry-wait <dur>] " \
	"[--timeout <dur>] [--throttle <dur>] [--on-bad <what>] " extra \
	"[--store] [--db <path>]"
#define REST_RANGE_HELP \
	"  --since <time>        bars opened at or after time; 'cache':\n" \
	"                        after the last cached bar (cron)\n" \
	"  --until <time>        bars opened at or before time (default:\n" \
	"                        all up to now)\n" \
	"  --include-partial     keep the last bar while it is still open\n"
#define REST_NET_HELP \
	"  --retries <n>         retries after HTTP 429, 418, 5xx or a\n" \
	"                        timeout (default 5)\n" \
	"  --retry-wait <dur>    first wait between retries, doubled each\n" \
	"                        time (default 1s; Retry-After wins)\n" \
	"  --timeout <dur>       give up on a request after dur (default\n" \
	"                        30s)\n" \
	"  --throttle <dur>      at least dur between requests (default\n" \
	"                        200ms)\n" \
	"  --on-bad <what>       fail (default), skip or report bad bars\n"
#define DB_HELP \
	"  --db <path>           database (default\n" \
	"                        $BARPIPE_HOME/barpipe.db)\n"
#define STREAM_OUT_HELP \
	"  -o, --output <file>   write the stream to file (atomic)\n" \
	"  --plain               plain NDJSON (default: zstd, plain on a\n" \
	"                        terminal)\n"
#define STORE_HELP \
	"  --store               also upsert the bars into the cache\n" DB_HELP
#define COMMON_HELP \
	"  -q, --quiet           errors only\n" \
	"  -v, --verbose         more detail (format, counts)\n" \
	"  -h, --help            show this help\n" \
	"  -V, --version         show the version\n" \
	"See bp-fetch(1).\n"

static const struct cmd {
	const char *name;
	unsigned id;
	const char *usage;
	const char *help;
} cmds[] = {
	{ "csv", CSV,
	  "usage: bp-fetch csv [-q | -v] [-o <file>] [--plain] --symbol <sym> "
	  "[--timeframe <tf>] [--format <fmt>] [--map <role>=<col>,...] "
	  "[--tz <offset>] [--on-bad <what>] [--dupes <which>] [--extra] "
	  "[--store] [--db <path>] [--batch <n>] [<file>...]",
	  IN_HELP
	  "  --extra               carry volume_quote, trades, taker_base,\n"
	  "                        taker_quote, adj_close when present\n"
	  STORE_HELP
	  "  --batch <n>           rows per transaction (default 5000)\n"
	  STREAM_OUT_HELP
	  COMMON_HELP },
	{ "validate", VALIDATE,
	  "usage: bp-fetch validate [-q | -v] [-o <file>] [--symbol <sym>] "
	  "[--timeframe <tf>] [--format <fmt>] [--map <role>=<col>,...] "
	  "[--tz <offset>] [--on-bad <what>] [--dupes <which>] [<file>...]",
	  IN_HELP
	  "  -o, --output <file>   write the summary to file (atomic)\n"
	  COMMON_HELP },
	{ "resample", RESAMPLE,
	  "usage: bp-fetch resample [-q | -v] [-o <file>] [--plain] --to <tf> "
	  "[--from <tf>] [--partial keep|drop|mark] [<file>...]",
	  "  --to <tf>             target timeframe (e.g. 1h, 4h, 1d, 1w)\n"
	  "  --from <tf>           source timeframe (default: the smallest\n"
	  "                        spacing seen per symbol)\n"
	  "  --partial <what>      keep (default), drop or mark partial first\n"
	  "                        and last bars\n"
	  STREAM_OUT_HELP
	  COMMON_HELP },
	{ "db", DB,
	  "usage: bp-fetch db [-q | -v] [-o <file>] [--plain] [--db <path>] "
	  "(--list | --symbol <sym> --timeframe <tf> [--since <time>] "
	  "[--until <time>] [--last <n>])",
	  "  --list                what is cached (symbol, timeframe, first,\n"
	  "                        last, count, gaps)\n"
	  "  --symbol <sym>        symbol to stream\n"
	  "  --timeframe <tf>      timeframe to stream (e.g. 1h)\n"
	  "  --since <time>        bars opened at or after time\n"
	  "  --until <time>        bars opened at or before time\n"
	  "  --last <n>            only the last n bars\n"
	  DB_HELP
	  STREAM_OUT_HELP
	  COMMON_HELP },
	{ "prune", PRUNE,
	  "usage: bp-fetch prune [-q | -v] [-o <file>] [--db <path>] "
	  "(--older-than <duration> | --before <time>) [--symbol <sym>] "
	  "[--timeframe <tf>]",
	  "  --older-than <dur>    delete bars opened more than dur ago (90d)\n"
	  "  --before <time>       delete bars opened before time\n"
	  "  --symbol <sym>        only this symbol\n"
	  "  --timeframe <tf>      only this timeframe\n"
	  DB_HELP
	  "  -o, --output <file>   write the report to file (atomic)\n"
	  COMMON_HELP },
	{ "binance", BINANCE, REST_USAGE("binance", "[--extra] "),
	  "  --symbol <sym>        Binance symbol (BTCUSDT), written in the\n"
	  "                        bars\n"
	  "  --interval <int>      1s, 1m, 3m, 5m, 15m, 30m, 1h, 2h, 4h, 6h,\n"
	  "                        8h, 12h, 1d, 3d or 1w\n"
	  REST_RANGE_HELP
	  "  --base-url <url>      API root (default $BARPIPE_BINANCE_URL,\n"
	  "                        else https://api.binance.com)\n"
	  "  --limit <n>           bars per request (default and most 1000)\n"
	  REST_NET_HELP
	  "  --extra               carry volume_quote, trades, taker_base,\n"
	  "                        taker_quote\n"
	  STORE_HELP
	  STREAM_OUT_HELP
	  COMMON_HELP },
	{ "coinbase", COINBASE, REST_USAGE("coinbase", ""),
	  "  --symbol <sym>        Coinbase product id (BTC-USD), written in\n"
	  "                        the bars\n"
	  "  --interval <int>      1m, 5m, 15m, 1h, 6h or 1d\n"
	  REST_RANGE_HELP
	  "  --base-url <url>      API root (default $BARPIPE_COINBASE_URL,\n"
	  "                        else https://api.exchange.coinbase.com)\n"
	  "  --limit <n>           bars per request (default and most 300)\n"
	  REST_NET_HELP
	  STORE_HELP
	  STREAM_OUT_HELP
	  COMMON_HELP },
};

struct opts {
	const struct cmd *cmd;
	struct bp_fetch_opts f;
};

/* A duration option that may also be "0". */
static long
parse_wait(const char *arg, const char *opt)
{
	if (strcmp(arg, "0") == 0)
		return 0;
	return (long)bp_parse_duration_opt(arg, opt);
}

/* The options of the exchange commands; returns 0 when c is not one. */
static int
parse_rest_opt(int c, const char *arg, struct bp_fetch_opts *f)
{
	char list[128];

	switch (c) {
	case OPT_INTERVAL:
		if ((f->req.tf = bp_exchange_interval(f->ex, arg)) < 0) {
			bp_exchange_interval_list(f->ex, list, sizeof(list));
			bp_cli_usage_error("--interval: '%s' is not one of %s",
					   arg, list);
		}
		f->req.interval = arg;
		break;
	case OPT_BASE_URL:
		if (strncmp(arg, "http://", 7) != 0 &&
		    strncmp(arg, "https://", 8) != 0)
			bp_cli_usage_error("--base-url: '%s' is not an http:// "
					   "or https:// URL", arg);
		f->req.base_url = arg;
		break;
	case OPT_INCLUDE_PARTIAL: f->req.include_partial = 1; break;
	case OPT_LIMIT:
		f->req.limit = (int)bp_parse_long(arg, 1, f->ex->max_limit,
						  "--limit");
		break;
	case OPT_RETRIES:
		f->http.retries = (int)bp_parse_long(arg, 0, 100, "--retries");
		break;
	case OPT_RETRY_WAIT:
		f->http.retry_wait_ms = parse_wait(arg, "--retry-wait");
		break;
	case OPT_TIMEOUT:
		f->http.timeout_ms = (long)bp_parse_duration_opt(arg,
								 "--timeout");
		if (f->http.connect_timeout_ms > f->http.timeout_ms)
			f->http.connect_timeout_ms = f->http.timeout_ms;
		break;
	case OPT_THROTTLE:
		f->http.min_interval_ms = parse_wait(arg, "--throttle");
		break;
	default:
		return 0;
	}
	return 1;
}

/* What the exchange commands need once every option is read. */
static void
check_rest(const struct bp_fetch_opts *f, const char *cmd)
{
	if (!f->symbol || !f->req.interval)
		bp_cli_usage_error("%s: --symbol and --interval are required",
				   cmd);
	if (f->has_since && f->has_until && f->since > f->until)
		bp_cli_usage_error("--since is after --until");
	if (f->store && f->req.include_partial)
		bp_cli_usage_error("--store keeps closed bars only: drop "
				   "--include-partial");
}

static void
parse_args(int argc, char *argv[], struct opts *o)
{
	struct bp_fetch_opts *f = &o->f;
	struct option longopts[BP_ARRAY_SIZE(optdefs) + 1];
	size_t n = 0;
	int c;
	char err[256];

	for (size_t i = 0; i < BP_ARRAY_SIZE(optdefs); i++)
		if (optdefs[i].cmds & o->cmd->id)
			longopts[n++] = optdefs[i].o;
	memset(&longopts[n], 0, sizeof(longopts[n]));
	bp_cli_init("bp-fetch", o->cmd->usage, o->cmd->help);
	bp_fetch_opts_init(f, bp_exchange_find(o->cmd->name));
	while ((c = getopt_long(argc, argv, "hVqvo:", longopts, NULL)) != -1) {
		switch (c) {
		case 'h': bp_cli_help();
		case 'V': bp_cli_version();
		case 'q': bp_verbosity = 0; break;
		case 'v': bp_verbosity++; break;
		case 'o': f->out = optarg; break;
		case OPT_PLAIN: f->plain = 1; break;
		case OPT_SYMBOL:
			if (!*optarg)
				bp_cli_usage_error("--symbol: empty symbol");
			f->symbol = optarg;
			break;
		case OPT_TIMEFRAME:
			f->val.timeframe =
				bp_parse_duration_opt(optarg, "--timeframe");
			bp_ts_format_duration(f->timeframe, f->val.timeframe);
			break;
		case OPT_MAP:
			if (bp_csv_parse_map(&f->csv, optarg, err,
					     sizeof(err)) < 0)
				bp_cli_usage_error("--map: %s", err);
			break;
		case OPT_FORMAT:
			f->csv.format = bp_parse_choice(
				optarg, bp_csv_format_names, "--format");
			break;
		case OPT_TZ:
			if (bp_csv_parse_tz(optarg, &f->csv.tz_min) < 0)
				bp_cli_usage_error("--tz: '%s' is not a UTC "
						   "offset (e.g. UTC, -05:00, "
						   "UTC+2)", optarg);
			f->csv.tz_set = 1;
			break;
		case OPT_ON_BAD:
			f->val.on_bad = bp_parse_choice(optarg, bp_on_bad_names,
							"--on-bad");
			break;
		case OPT_DUPES:
			f->val.dupes = bp_parse_choice(optarg, bp_dupes_names,
						       "--dupes");
			break;
		case OPT_EXTRA: f->extra = f->csv.extra = 1; break;
		case OPT_STORE: f->store = 1; break;
		case OPT_DB: f->db = optarg; break;
		case OPT_BATCH:
			f->batch = bp_parse_long(optarg, 1, 10000000,
						 "--batch");
			break;
		case OPT_TO: f->rs.to = bp_parse_duration_opt(optarg, "--to");
			break;
		case OPT_FROM:
			f->rs.from = bp_parse_duration_opt(optarg, "--from");
			break;
		case OPT_PARTIAL:
			f->rs.partial = bp_parse_choice(
				optarg, bp_partial_names, "--partial");
			break;
		case OPT_LIST: f->list = 1; break;
		case OPT_SINCE:
			f->since_cache = f->ex && strcmp(optarg, "cache") == 0;
			if (!f->since_cache)
				f->since = bp_parse_ts_opt(optarg, "--since");
			f->has_since = !f->since_cache;
			break;
		case OPT_UNTIL:
			f->until = bp_parse_ts_opt(optarg, "--until");
			f->has_until = 1;
			break;
		case OPT_LAST:
			f->last = bp_parse_long(optarg, 1, 1000000000,
						"--last");
			break;
		case OPT_OLDER_THAN:
			f->older_than =
				bp_parse_duration_opt(optarg, "--older-than");
			break;
		case OPT_BEFORE:
			f->before = bp_parse_ts_opt(optarg, "--before");
			f->has_before = 1;
			break;
		default:
			if (!f->ex || !parse_rest_opt(c, optarg, f))
				bp_cli_usage_error("bad option");
		}
	}
	f->files = (const char *const *)argv + optind;
	f->nfiles = (size_t)(argc - optind);
	switch (o->cmd->id) {
	case CSV:
		if (!f->symbol)
			bp_cli_usage_error("csv: --symbol is required");
		break;
	case VALIDATE:
		break;
	case RESAMPLE:
		if (!f->rs.to)
			bp_cli_usage_error("resample: --to is required");
		if (f->rs.from && f->rs.to % f->rs.from)
			bp_cli_usage_error("--to must be a multiple of --from");
		if (f->nfiles > 1)
			bp_cli_usage_error("resample: one input at most");
		break;
	case DB:
		if (!f->list && (!f->symbol || !f->timeframe[0]))
			bp_cli_usage_error("db: give --list, or --symbol and "
					   "--timeframe");
		break;
	case PRUNE:
		if (!f->older_than == !f->has_before)
			bp_cli_usage_error("prune: give one of --older-than "
					   "and --before");
		break;
	default:
		check_rest(f, o->cmd->name);
	}
	if (f->nfiles && (o->cmd->id & (DB | PRUNE | REST)))
		bp_cli_usage_error("%s: unexpected argument '%s'", o->cmd->name,
				   f->files[0]);
}

int
main(int argc, char *argv[])
{
	struct opts o = { 0 };
	int rc;

	bp_cli_init(argv[0], usage_line, help_text);
	if (argc < 2)
		bp_cli_usage_error("no command given");
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)
		bp_cli_help();
	if (strcmp(argv[1], "-V") == 0 || strcmp(argv[1], "--version") == 0)
		bp_cli_version();
	for (size_t i = 0; i < BP_ARRAY_SIZE(cmds); i++)
		if (strcmp(argv[1], cmds[i].name) == 0)
			o.cmd = &cmds[i];
	if (!o.cmd)
		bp_cli_usage_error("'%s' is not a bp-fetch command", argv[1]);
	parse_args(argc - 1, argv + 1, &o);
	switch (o.cmd->id) {
	case CSV: rc = bp_fetch_csv(&o.f); break;
	case VALIDATE: rc = bp_fetch_validate(&o.f); break;
	case RESAMPLE: rc = bp_fetch_resample(&o.f); break;
	case DB: rc = bp_fetch_db(&o.f); break;
	case PRUNE: rc = bp_fetch_prune(&o.f); break;
	default: rc = bp_fetch_exchange(&o.f); break;
	}
	rc = rc < 0 ? BP_EXIT_FAIL : rc > 0 ? BP_EXIT_ALERT : BP_EXIT_OK;
	if (bp_close_stdout() < 0 && rc == BP_EXIT_OK)
		rc = BP_EXIT_FAIL;
	return rc;
}
