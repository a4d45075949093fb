/*
 * bp-fetch: vendor CSV files and exchange REST APIs to bar streams,
 * validation, resampling, and the SQLite bar cache.  Subcommands: csv,
 * validate, resample, db, prune, and one per exchange (binance, coinbase).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util.h"
#include "bars.h"
#include "cli.h"
#include "csvin.h"
#include "exchange.h"
#include "http.h"
#include "jsonout.h"
#include "resample.h"
#include "store.h"
#include "stream.h"
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
#define REST_OUT_HELP \
	"  --store               also upsert the bars into the cache\n" \
	"  --db <path>           database (default\n" \
	"                        $BARPIPE_HOME/barpipe.db)\n" \
	"  -o, --output <file>   write the stream to file (atomic)\n" \
	"  --plain               plain NDJSON (default: zstd, plain on a\n" \
	"                        terminal)\n"
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
	  "  --store               also upsert the bars into the cache\n"
	  "  --db <path>           database (default\n"
	  "                        $BARPIPE_HOME/barpipe.db)\n"
	  "  --batch <n>           rows per transaction (default 5000)\n"
	  "  -o, --output <file>   write the stream to file (atomic)\n"
	  "  --plain               plain NDJSON (default: zstd, plain on a\n"
	  "                        terminal)\n"
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
	  "  -o, --output <file>   write the stream to file (atomic)\n"
	  "  --plain               plain NDJSON (default: zstd, plain on a\n"
	  "                        terminal)\n"
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
	  "  --db <path>           database (default\n"
	  "                        $BARPIPE_HOME/barpipe.db)\n"
	  "  -o, --output <file>   write the stream to file (atomic)\n"
	  "  --plain               plain NDJSON (default: zstd, plain on a\n"
	  "                        terminal)\n"
	  COMMON_HELP },
	{ "prune", PRUNE,
	  "usage: bp-fetch prune [-q | -v] [-o <file>] [--db <path>] "
	  "(--older-than <duration> | --before <time>) [--symbol <sym>] "
	  "[--timeframe <tf>]",
	  "  --older-than <dur>    delete bars opened more than dur ago (90d)\n"
	  "  --before <time>       delete bars opened before time\n"
	  "  --symbol <sym>        only this symbol\n"
	  "  --timeframe <tf>      only this timeframe\n"
	  "  --db <path>           database (default\n"
	  "                        $BARPIPE_HOME/barpipe.db)\n"
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
	  REST_OUT_HELP
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
	  REST_OUT_HELP
	  COMMON_HELP },
};

struct opts {
	const struct cmd *cmd;
	const struct bp_exchange *ex;	/* REST commands */
	struct bp_exchange_req req;
	struct bp_http_opts http;
	int since_cache;
	struct bp_csv_opts csv;
	struct bp_validate_opts val;
	struct bp_resample_opts rs;
	const char *symbol, *db, *out;
	char timeframe[32];
	int plain, store, extra, list;
	long batch, last;
	int64_t since, until, before, older_than;
	int has_since, has_until, has_before;
	char **files;
	int nfiles;
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
parse_rest_opt(int c, const char *arg, struct opts *o)
{
	char list[128];

	switch (c) {
	case OPT_INTERVAL:
		if ((o->req.tf = bp_exchange_interval(o->ex, arg)) < 0) {
			bp_exchange_interval_list(o->ex, list, sizeof(list));
			bp_cli_usage_error("--interval: '%s' is not one of %s",
					   arg, list);
		}
		o->req.interval = arg;
		break;
	case OPT_BASE_URL:
		if (strncmp(arg, "http://", 7) != 0 &&
		    strncmp(arg, "https://", 8) != 0)
			bp_cli_usage_error("--base-url: '%s' is not an http:// "
					   "or https:// URL", arg);
		o->req.base_url = arg;
		break;
	case OPT_INCLUDE_PARTIAL: o->req.include_partial = 1; break;
	case OPT_LIMIT:
		o->req.limit = (int)bp_parse_long(arg, 1, o->ex->max_limit,
						  "--limit");
		break;
	case OPT_RETRIES:
		o->http.retries = (int)bp_parse_long(arg, 0, 100, "--retries");
		break;
	case OPT_RETRY_WAIT:
		o->http.retry_wait_ms = parse_wait(arg, "--retry-wait");
		break;
	case OPT_TIMEOUT:
		o->http.timeout_ms = (long)bp_parse_duration_opt(arg,
								 "--timeout");
		if (o->http.connect_timeout_ms > o->http.timeout_ms)
			o->http.connect_timeout_ms = o->http.timeout_ms;
		break;
	case OPT_THROTTLE:
		o->http.min_interval_ms = parse_wait(arg, "--throttle");
		break;
	default:
		return 0;
	}
	return 1;
}

/* What the exchange commands need once every option is read. */
static void
check_rest(struct opts *o)
{
	if (!o->symbol || !o->req.interval)
		bp_cli_usage_error("%s: --symbol and --interval are required",
				   o->cmd->name);
	if (o->has_since && o->has_until && o->since > o->until)
		bp_cli_usage_error("--since is after --until");
	if (o->store && o->req.include_partial)
		bp_cli_usage_error("--store keeps closed bars only: drop "
				   "--include-partial");
	o->req.symbol = o->symbol;
	o->req.since = o->since;
	o->req.until = o->until;
	o->req.has_since = o->has_since;
	o->req.has_until = o->has_until;
	o->val.timeframe = o->req.tf;
	bp_ts_format_duration(o->timeframe, o->req.tf);
	o->batch = o->req.limit;	/* one transaction per page of bars */
}

static void
parse_args(int argc, char *argv[], struct opts *o)
{
	struct option longopts[BP_ARRAY_SIZE(optdefs) + 1];
	size_t n = 0;
	int c;
	char err[256];

	for (size_t i = 0; i < BP_ARRAY_SIZE(optdefs); i++)
		if (optdefs[i].cmds & o->cmd->id)
			longopts[n++] = optdefs[i].o;
	memset(&longopts[n], 0, sizeof(longopts[n]));
	bp_cli_init("bp-fetch", o->cmd->usage, o->cmd->help);
	o->batch = 5000;
	if ((o->ex = bp_exchange_find(o->cmd->name))) {
		struct bp_http_opts http = BP_HTTP_OPTS_INIT;

		o->http = http;
		o->http.min_interval_ms = o->ex->min_interval_ms;
		o->req.limit = o->ex->max_limit;
	}
	while ((c = getopt_long(argc, argv, "hVqvo:", longopts, NULL)) != -1) {
		switch (c) {
		case 'h': bp_cli_help();
		case 'V': bp_cli_version();
		case 'q': bp_verbosity = 0; break;
		case 'v': bp_verbosity++; break;
		case 'o': o->out = optarg; break;
		case OPT_PLAIN: o->plain = 1; break;
		case OPT_SYMBOL:
			if (!*optarg)
				bp_cli_usage_error("--symbol: empty symbol");
			o->symbol = optarg;
			break;
		case OPT_TIMEFRAME:
			o->val.timeframe =
				bp_parse_duration_opt(optarg, "--timeframe");
			bp_ts_format_duration(o->timeframe, o->val.timeframe);
			break;
		case OPT_MAP:
			if (bp_csv_parse_map(&o->csv, optarg, err,
					     sizeof(err)) < 0)
				bp_cli_usage_error("--map: %s", err);
			break;
		case OPT_FORMAT:
			o->csv.format = bp_parse_choice(
				optarg, bp_csv_format_names, "--format");
			break;
		case OPT_TZ:
			if (bp_csv_parse_tz(optarg, &o->csv.tz_min) < 0)
				bp_cli_usage_error("--tz: '%s' is not a UTC "
						   "offset (e.g. UTC, -05:00, "
						   "UTC+2)", optarg);
			o->csv.tz_set = 1;
			break;
		case OPT_ON_BAD:
			o->val.on_bad = bp_parse_choice(optarg, bp_on_bad_names,
							"--on-bad");
			break;
		case OPT_DUPES:
			o->val.dupes = bp_parse_choice(optarg, bp_dupes_names,
						       "--dupes");
			break;
		case OPT_EXTRA: o->extra = o->csv.extra = 1; break;
		case OPT_STORE: o->store = 1; break;
		case OPT_DB: o->db = optarg; break;
		case OPT_BATCH:
			o->batch = bp_parse_long(optarg, 1, 10000000,
						 "--batch");
			break;
		case OPT_TO: o->rs.to = bp_parse_duration_opt(optarg, "--to");
			break;
		case OPT_FROM:
			o->rs.from = bp_parse_duration_opt(optarg, "--from");
			break;
		case OPT_PARTIAL:
			o->rs.partial = bp_parse_choice(
				optarg, bp_partial_names, "--partial");
			break;
		case OPT_LIST: o->list = 1; break;
		case OPT_SINCE:
			o->since_cache = o->ex && strcmp(optarg, "cache") == 0;
			if (!o->since_cache)
				o->since = bp_parse_ts_opt(optarg, "--since");
			o->has_since = !o->since_cache;
			break;
		case OPT_UNTIL:
			o->until = bp_parse_ts_opt(optarg, "--until");
			o->has_until = 1;
			break;
		case OPT_LAST:
			o->last = bp_parse_long(optarg, 1, 1000000000,
						"--last");
			break;
		case OPT_OLDER_THAN:
			o->older_than =
				bp_parse_duration_opt(optarg, "--older-than");
			break;
		case OPT_BEFORE:
			o->before = bp_parse_ts_opt(optarg, "--before");
			o->has_before = 1;
			break;
		default:
			if (!o->ex || !parse_rest_opt(c, optarg, o))
				bp_cli_usage_error("bad option");
		}
	}
	o->files = argv + optind;
	o->nfiles = argc - optind;
	switch (o->cmd->id) {
	case CSV:
		if (!o->symbol)
			bp_cli_usage_error("csv: --symbol is required");
		break;
	case VALIDATE:
		break;
	case RESAMPLE:
		if (!o->rs.to)
			bp_cli_usage_error("resample: --to is required");
		if (o->rs.from && o->rs.to % o->rs.from)
			bp_cli_usage_error("--to must be a multiple of --from");
		break;
	case DB:
		if (!o->list && (!o->symbol || !o->timeframe[0]))
			bp_cli_usage_error("db: give --list, or --symbol and "
					   "--timeframe");
		break;
	case PRUNE:
		if (!o->older_than == !o->has_before)
			bp_cli_usage_error("prune: give one of --older-than "
					   "and --before");
		break;
	default:
		check_rest(o);
	}
	if (o->nfiles && (o->cmd->id & (DB | PRUNE | REST)))
		bp_cli_usage_error("%s: unexpected argument '%s'", o->cmd->name,
				   o->files[0]);
}

static struct bp_writer *
open_out(const struct opts *o)
{
	return bp_writer_open(o->out, o->plain ? BP_WRITER_PLAIN
					       : BP_WRITER_AUTO);
}

/*
 * Write the checked bars of t, and upsert them into the cache with
 * --store (in transactions of o->batch bars).  Returns an exit code.
 */
static int
write_bars(const struct opts *o, const struct bp_csv_table *t,
	   const struct bp_validate *v)
{
	struct bp_writer *w = NULL;
	struct bp_store *s = NULL;
	struct bp_bars_upsert *up = NULL;
	struct bp_progress prog;
	int extra[BP_COL_N] = { 0 }, rc = BP_EXIT_FAIL;
	char tf[32];

	for (size_t f = 0; f < t->nfiles && o->extra; f++)
		for (int c = BP_COL_NBAR; c < BP_COL_N; c++)
			extra[c] |= t->files[f].has[c];
	if (o->store) {
		if (!v->timeframe) {
			bp_error("cannot tell the timeframe of fewer than two "
				 "bars: give --timeframe");
			goto out;
		}
		bp_ts_format_duration(tf, v->timeframe);
		if (!(s = bp_store_open(o->db, 0)) ||
		    !(up = bp_bars_upsert_new(s, o->symbol, tf,
					      (size_t)o->batch)))
			goto out;
	}
	if (!(w = open_out(o)))
		goto out;
	bp_progress_init(&prog);
	prog.total = t->n;
	for (size_t i = 0; i < t->n; i++) {
		const struct bp_csv_row *r = &t->rows[i];
		struct bp_bar b = { r->ts, r->v[0], r->v[1], r->v[2], r->v[3],
				    r->v[4] };

		bp_bars_put(w, o->symbol, &b);
		for (int c = BP_COL_NBAR; c < BP_COL_N; c++)
			if (extra[c])
				bp_writer_num(w, bp_csv_col_names[c], r->v[c]);
		if (bp_writer_end(w) < 0 ||
		    (up && bp_bars_upsert_add(up, &b) < 0))
			goto out;
		bp_progress_tick(&prog);
	}
	bp_progress_done(&prog);
	if ((up && bp_bars_upsert_finish(&up) < 0) || bp_writer_close(&w) < 0)
		goto out;
	if (o->store)
		bp_info(2, "stored %zu bars of %s %s in '%s'", t->n, o->symbol,
			tf, bp_store_path(s));
	rc = BP_EXIT_OK;
out:
	bp_bars_upsert_abort(&up);
	bp_writer_abort(&w);
	bp_store_free(&s);
	return rc;
}

/* csv and validate: read, check, then write bars or the summary. */
static int
run_csv(struct opts *o)
{
	struct bp_csv_table t = BP_CSV_TABLE_INIT;
	struct bp_validate v = BP_VALIDATE_INIT;
	int rc = BP_EXIT_FAIL;

	o->val.collect = o->cmd->id == VALIDATE;
	for (int i = 0; i < (o->nfiles ? o->nfiles : 1); i++)
		if (bp_csv_read(&t, o->nfiles ? o->files[i] : "-", &o->csv) < 0)
			goto out;
	if (bp_validate_run(&v, &t, &o->val) < 0)
		goto out;
	if (o->cmd->id == CSV || bp_verbosity >= 2)
		bp_validate_report(&v);
	if (o->cmd->id == VALIDATE) {
		json_t *doc = bp_validate_summary(&v, o->symbol);

		if (bp_json_write_file(o->out ? o->out : "-", doc,
				       BP_JSON_INDENT) == 0)
			rc = v.ok ? BP_EXIT_OK : BP_EXIT_ALERT;
		json_decref(doc);
		goto out;
	}
	rc = write_bars(o, &t, &v);
out:
	bp_validate_release(&v);
	bp_csv_table_release(&t);
	return rc;
}

static int
last_ts(const struct bp_bar *b, void *arg)
{
	*(int64_t *)arg = b->ts;
	return 0;
}

/* --since cache: resume after the last cached bar.  0 or -1. */
static int
since_cache(struct opts *o)
{
	struct bp_store *s = bp_store_open(o->db, 0);
	struct bp_bars_query q = { o->symbol, o->timeframe, 0, 0, 0, 0, 1 };
	int64_t last = INT64_MIN;
	char ts[BP_TS_BUFSZ];
	int rc = -1;

	if (!s || bp_bars_query(s, &q, last_ts, &last) < 0)
		goto out;
	if (last == INT64_MIN) {
		bp_error("no bars of %s %s in '%s' to resume after: fetch a "
			 "first range with --since <time> --store", o->symbol,
			 o->timeframe, bp_store_path(s));
		goto out;
	}
	bp_ts_format(ts, last);
	bp_info(2, "resuming after the cached bar of %s", ts);
	o->req.since = last + 1;
	o->req.has_since = 1;
	rc = 0;
out:
	bp_store_free(&s);
	return rc;
}

/* binance, coinbase: fetch the pages, check, then write the bars. */
static int
run_rest(struct opts *o)
{
	struct bp_csv_table t = BP_CSV_TABLE_INIT;
	struct bp_validate v = BP_VALIDATE_INIT;
	struct bp_http *h = NULL;
	char *url = bp_exchange_base_url(o->ex, o->req.base_url);
	int rc = BP_EXIT_FAIL;

	o->req.base_url = url;
	if (o->since_cache && since_cache(o) < 0)
		goto out;
	/* the cache already reaches --until: nothing to ask for */
	if (!(o->req.has_until && o->req.since > o->req.until) &&
	    (!(h = bp_http_new(&o->http)) ||
	     bp_exchange_fetch(o->ex, &o->req, h, &t) < 0))
		goto out;
	if (bp_validate_run(&v, &t, &o->val) < 0)
		goto out;
	bp_validate_report(&v);
	if (v.bars == 0 && o->since_cache)
		bp_info(2, "no new bars of %s %s", o->symbol, o->timeframe);
	else if (v.bars == 0)
		bp_warn("no bars of %s %s from %s in that range", o->symbol,
			o->timeframe, o->ex->name);
	rc = write_bars(o, &t, &v);
out:
	bp_http_free(&h);
	bp_validate_release(&v);
	bp_csv_table_release(&t);
	free(url);
	return rc;
}

static int
put_bar(const struct bp_bar *b, void *arg)
{
	void **a = arg;

	bp_bars_put(a[0], a[1], b);
	return bp_writer_end(a[0]);
}

/* db: stream cached bars, or list what is cached. */
static int
run_db(struct opts *o)
{
	struct bp_store *s = NULL;
	struct bp_writer *w = NULL;
	struct bp_bars_info *info = NULL;
	size_t n = 0;
	int rc = BP_EXIT_FAIL;

	if (!(s = bp_store_open(o->db, 0)) || !(w = open_out(o)))
		goto out;
	if (o->list) {
		if (bp_bars_list(s, &info, &n) < 0)
			goto out;
		for (size_t i = 0; i < n; i++) {
			bp_writer_begin(w);
			bp_writer_str(w, "symbol", info[i].symbol);
			bp_writer_str(w, "timeframe", info[i].timeframe);
			bp_writer_ts(w, "first", info[i].first);
			bp_writer_ts(w, "last", info[i].last);
			bp_writer_int(w, "count", info[i].count);
			if (info[i].gaps < 0)
				bp_writer_null(w, "gaps");
			else
				bp_writer_int(w, "gaps", info[i].gaps);
			if (bp_writer_end(w) < 0)
				goto out;
		}
	} else {
		struct bp_bars_query q = { o->symbol, o->timeframe, o->since,
					   o->until, o->has_since,
					   o->has_until, o->last };
		void *arg[2] = { w, (void *)o->symbol };

		if (bp_bars_query(s, &q, put_bar, arg) != 0)
			goto out;
		if (bp_writer_rows(w) == 0)
			bp_warn("no bars of %s %s in '%s'", o->symbol,
				o->timeframe, bp_store_path(s));
	}
	if (bp_writer_close(&w) == 0)
		rc = BP_EXIT_OK;
out:
	bp_bars_info_free(info, n);
	bp_writer_abort(&w);
	bp_store_free(&s);
	return rc;
}

static int
run_prune(struct opts *o)
{
	struct bp_store *s = bp_store_open(o->db, 0);
	int64_t before = o->has_before ? o->before
				       : (int64_t)time(NULL) * 1000 -
						 o->older_than;
	long n;
	char ts[BP_TS_BUFSZ];
	json_t *doc;
	int rc = BP_EXIT_FAIL;

	if (!s)
		return BP_EXIT_FAIL;
	if ((n = bp_bars_prune(s, before, o->symbol,
			       o->timeframe[0] ? o->timeframe : NULL)) >= 0) {
		bp_ts_format(ts, before);
		bp_info(2, "deleted %ld bars opened before %s", n, ts);
		doc = json_pack("{s:i, s:s, s:s?, s:s?}", "deleted",
				(json_int_t)n, "before", ts, "symbol",
				o->symbol, "timeframe",
				o->timeframe[0] ? o->timeframe : NULL);
		if (bp_json_write_file(o->out ? o->out : "-", doc, 0) == 0)
			rc = BP_EXIT_OK;
		json_decref(doc);
	}
	bp_store_free(&s);
	return rc;
}

static int
run_resample(struct opts *o)
{
	struct bp_writer *w = NULL;
	struct bp_reader *r = NULL;
	int rc = BP_EXIT_FAIL;

	if (o->nfiles > 1)
		bp_cli_usage_error("resample: one input at most");
	if (!(r = bp_reader_open(o->nfiles ? o->files[0] : "-")) ||
	    !(w = open_out(o)))
		goto out;
	if (bp_resample_stream(&o->rs, r, w) == 0 && bp_writer_close(&w) == 0)
		rc = BP_EXIT_OK;
out:
	bp_writer_abort(&w);
	bp_reader_free(&r);
	return rc;
}

int
main(int argc, char *argv[])
{
	struct opts o;
	int rc;

	memset(&o, 0, sizeof(o));
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
	case CSV:
	case VALIDATE: rc = run_csv(&o); break;
	case RESAMPLE: rc = run_resample(&o); break;
	case DB: rc = run_db(&o); break;
	case PRUNE: rc = run_prune(&o); break;
	default: rc = run_rest(&o); break;
	}
	if (bp_close_stdout() < 0 && rc == BP_EXIT_OK)
		rc = BP_EXIT_FAIL;
	return rc;
}
