/* bp-backtest: backtest a signal or weight column over a bar stream. */
#include "util.h"

#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backtest.h"
#include "cli.h"
#include "fmt.h"
#include "jsonout.h"
#include "stream.h"

static const char usage_line[] =
	"usage: bp-backtest [-q | -v] [--plain] [-o <file>]"
	" [--summary <file>]\n"
	"                   [--equity <file>] [--trades <file>] [--annotate]\n"
	"                   [--signal <col> | --weight <col> |"
	" --sma-cross <fast>,<slow>]\n"
	"                   [--fill <model>] [--capital <money>]"
	" [--fee-bps <bps>]\n"
	"                   [--fee-fixed <money>] [--slippage-bps <bps>]\n"
	"                   [--slippage-range <f>] [--borrow-bps-year <bps>]\n"
	"                   [--sl <level>] [--tp <level>] [--trail <level>]\n"
	"                   [--max-hold <bars>] [--atr-col <col>]"
	" [--size <rule>]\n"
	"                   [--alloc <rule>] [--long-only]"
	" [--vol-window <n>]\n"
	"                   [--bars-per-year <n>] [<file>...]";

static const char help[] =
	"  -o, --output <file>      summary (or with --annotate the rows) to"
	" <file>\n"
	"      --summary <file>     summary JSON to <file> (default stdout)\n"
	"      --equity <file>      equity stream: ts, equity, cash, exposure,"
	"\n"
	"                           drawdown, bh_equity\n"
	"      --trades <file>      trades stream, one row per trade\n"
	"      --annotate           input rows to stdout with position, equity"
	"\n"
	"      --plain              streams as plain NDJSON, not zstd\n"
	"      --signal <col>       signal column, -1/0/1, null = no change"
	" (signal)\n"
	"      --weight <col>       target weight column (fraction of equity)\n"
	"      --sma-cross <f>,<s>  signal sign(SMA f - SMA s) of the closes\n"
	"      --fill <model>       next-open, next-close, this-close"
	" (next-open)\n"
	"      --capital <money>    initial capital (10000)\n"
	"      --fee-bps <bps>      fee per side on traded notional (0)\n"
	"      --fee-fixed <money>  fixed fee per fill (0)\n"
	"      --slippage-bps <bps> adverse slippage on every fill (0)\n"
	"      --slippage-range <f> adverse slippage, fraction of the bar's"
	" range (0)\n"
	"      --borrow-bps-year <bps>  borrow cost of shorts per year (0)\n"
	"      --sl <level>         stop-loss: 2% or 2atr (none)\n"
	"      --tp <level>         take-profit: 4% or 3atr (none)\n"
	"      --trail <level>      trailing stop: 3% or 2.5atr (none)\n"
	"      --max-hold <bars>    exit after this many bars (none)\n"
	"      --atr-col <col>      ATR column for atr levels (Wilder ATR(14))"
	"\n"
	"      --size <rule>        all-in, fraction:F, notional:N,"
	" vol-target:V (all-in)\n"
	"      --alloc <rule>       equal or signal (equal)\n"
	"      --long-only          short signals mean flat\n"
	"      --vol-window <n>     returns for vol-target (20)\n"
	"      --bars-per-year <n>  annualisation (derived from the bars)\n"
	"  -q, --quiet              errors only\n"
	"  -v, --verbose            progress and details\n"
	"  -h, --help               this help\n"
	"  -V, --version            version\n"
	"See bp-backtest(1).\n";

enum {
	OPT_SUMMARY = 256, OPT_EQUITY, OPT_TRADES, OPT_ANNOTATE, OPT_PLAIN,
	OPT_SIGNAL, OPT_WEIGHT, OPT_SMA, OPT_FILL, OPT_CAPITAL, OPT_FEE_BPS,
	OPT_FEE_FIXED, OPT_SLIP_BPS, OPT_SLIP_RANGE, OPT_BORROW, OPT_SL,
	OPT_TP, OPT_TRAIL, OPT_MAX_HOLD, OPT_ATR_COL, OPT_SIZE, OPT_ALLOC,
	OPT_LONG_ONLY, OPT_VOL_WINDOW, OPT_BPY,
};

static const struct option longopts[] = {
	{ "output", required_argument, NULL, 'o' },
	{ "summary", required_argument, NULL, OPT_SUMMARY },
	{ "equity", required_argument, NULL, OPT_EQUITY },
	{ "trades", required_argument, NULL, OPT_TRADES },
	{ "annotate", no_argument, NULL, OPT_ANNOTATE },
	{ "plain", no_argument, NULL, OPT_PLAIN },
	{ "signal", required_argument, NULL, OPT_SIGNAL },
	{ "weight", required_argument, NULL, OPT_WEIGHT },
	{ "sma-cross", required_argument, NULL, OPT_SMA },
	{ "fill", required_argument, NULL, OPT_FILL },
	{ "capital", required_argument, NULL, OPT_CAPITAL },
	{ "fee-bps", required_argument, NULL, OPT_FEE_BPS },
	{ "fee-fixed", required_argument, NULL, OPT_FEE_FIXED },
	{ "slippage-bps", required_argument, NULL, OPT_SLIP_BPS },
	{ "slippage-range", required_argument, NULL, OPT_SLIP_RANGE },
	{ "borrow-bps-year", required_argument, NULL, OPT_BORROW },
	{ "sl", required_argument, NULL, OPT_SL },
	{ "tp", required_argument, NULL, OPT_TP },
	{ "trail", required_argument, NULL, OPT_TRAIL },
	{ "max-hold", required_argument, NULL, OPT_MAX_HOLD },
	{ "atr-col", required_argument, NULL, OPT_ATR_COL },
	{ "size", required_argument, NULL, OPT_SIZE },
	{ "alloc", required_argument, NULL, OPT_ALLOC },
	{ "long-only", no_argument, NULL, OPT_LONG_ONLY },
	{ "vol-window", required_argument, NULL, OPT_VOL_WINDOW },
	{ "bars-per-year", required_argument, NULL, OPT_BPY },
	{ "quiet", no_argument, NULL, 'q' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

struct opts {
	struct bp_bt_opts bt;
	const char *output, *summary, *equity, *trades;
	const char *column, *atr_col;
	char sizetext[64];
	int annotate;
	unsigned wflags;
	char **files;
	int nfiles;
};

struct run {
	struct opts *o;
	struct bp_bt *bt;
	struct bp_bt_feed *feed;
	struct bp_writer *rows, *equity, *trades;
	struct bp_progress prog;
};

static void
parse_level(const char *arg, struct bp_bt_level *l, const char *opt)
{
	if (bp_bt_parse_level(arg, l) < 0)
		bp_cli_usage_error("%s: '%s' is not a level such as 2%% or "
				   "2atr", opt, arg);
	if (strcmp(opt, "--tp") != 0 && l->kind == BP_BT_LEVEL_PCT &&
	    l->x >= 1)
		bp_cli_usage_error("%s: '%s' must be below 100%%", opt, arg);
}

static void
parse_size(const char *arg, struct opts *o)
{
	static const char *const kinds[] = { "fraction:", "notional:",
					     "vol-target:" };
	static const enum bp_bt_size vals[] = { BP_BT_FRACTION,
						BP_BT_NOTIONAL,
						BP_BT_VOL_TARGET };

	snprintf(o->sizetext, sizeof(o->sizetext), "%s", arg);
	if (strcmp(arg, "all-in") == 0) {
		o->bt.size = BP_BT_ALL_IN;
		return;
	}
	for (size_t i = 0; i < BP_ARRAY_SIZE(kinds); i++) {
		size_t k = strlen(kinds[i]);
		double x;

		if (strncmp(arg, kinds[i], k) != 0)
			continue;
		if (bp_parse_double(arg + k, strlen(arg + k), &x) < 0 ||
		    !(x > 0) || !isfinite(x))
			break;
		o->bt.size = vals[i];
		o->bt.size_x = x;
		return;
	}
	bp_cli_usage_error("--size: '%s' is not all-in, fraction:F, "
			   "notional:N or vol-target:V", arg);
}

static void
parse_sma(const char *arg, struct opts *o)
{
	const char *comma = strchr(arg, ',');
	char a[32];

	if (!comma || (size_t)(comma - arg) >= sizeof(a))
		bp_cli_usage_error("--sma-cross: '%s' is not <fast>,<slow>",
				   arg);
	memcpy(a, arg, (size_t)(comma - arg));
	a[comma - arg] = '\0';
	o->bt.sma_fast = (int)bp_parse_long(a, 1, 100000, "--sma-cross");
	o->bt.sma_slow = (int)bp_parse_long(comma + 1, 1, 100000,
					    "--sma-cross");
	if (o->bt.sma_fast >= o->bt.sma_slow)
		bp_cli_usage_error("--sma-cross: fast (%d) must be shorter "
				   "than slow (%d)", o->bt.sma_fast,
				   o->bt.sma_slow);
}

static void
parse_args(int argc, char *argv[], struct opts *o)
{
	static const char *const fills[] = { "next-open", "next-close",
					     "this-close", NULL };
	static const char *const allocs[] = { "equal", "signal", NULL };
	int c, nsig = 0, nstdout;

	bp_cli_init(argv[0], usage_line, help);
	while ((c = getopt_long(argc, argv, "o:qvhV", longopts, NULL)) != -1) {
		switch (c) {
		case 'o': o->output = optarg; break;
		case OPT_SUMMARY: o->summary = optarg; break;
		case OPT_EQUITY: o->equity = optarg; break;
		case OPT_TRADES: o->trades = optarg; break;
		case OPT_ANNOTATE: o->annotate = 1; break;
		case OPT_PLAIN: o->wflags |= BP_WRITER_PLAIN; break;
		case OPT_SIGNAL: o->column = optarg; nsig++; break;
		case OPT_WEIGHT:
			o->column = optarg;
			o->bt.weights = 1;
			nsig++;
			break;
		case OPT_SMA: parse_sma(optarg, o); nsig++; break;
		case OPT_FILL:
			o->bt.fill = bp_parse_choice(optarg, fills, "--fill");
			break;
		case OPT_CAPITAL:
			o->bt.capital = bp_parse_real(optarg, 1e-6, 1e15,
						      "--capital");
			break;
		case OPT_FEE_BPS:
			o->bt.fee_bps = bp_parse_real(optarg, 0, 5000,
						      "--fee-bps");
			break;
		case OPT_FEE_FIXED:
			o->bt.fee_fixed = bp_parse_real(optarg, 0, 1e12,
							"--fee-fixed");
			break;
		case OPT_SLIP_BPS:
			o->bt.slippage_bps = bp_parse_real(optarg, 0, 5000,
							   "--slippage-bps");
			break;
		case OPT_SLIP_RANGE:
			o->bt.slippage_range = bp_parse_real(optarg, 0, 1,
						"--slippage-range");
			break;
		case OPT_BORROW:
			o->bt.borrow_bps_year = bp_parse_real(optarg, 0, 1e6,
						"--borrow-bps-year");
			break;
		case OPT_SL: parse_level(optarg, &o->bt.sl, "--sl"); break;
		case OPT_TP: parse_level(optarg, &o->bt.tp, "--tp"); break;
		case OPT_TRAIL:
			parse_level(optarg, &o->bt.trail, "--trail");
			break;
		case OPT_MAX_HOLD:
			o->bt.max_hold = bp_parse_long(optarg, 1, 1000000000,
						       "--max-hold");
			break;
		case OPT_ATR_COL: o->atr_col = optarg; break;
		case OPT_SIZE: parse_size(optarg, o); break;
		case OPT_ALLOC:
			o->bt.alloc = bp_parse_choice(optarg, allocs,
						      "--alloc");
			break;
		case OPT_LONG_ONLY: o->bt.long_only = 1; break;
		case OPT_VOL_WINDOW:
			o->bt.vol_window = (int)bp_parse_long(optarg, 2, 100000,
							      "--vol-window");
			break;
		case OPT_BPY:
			o->bt.bars_per_year = bp_parse_real(optarg, 1e-3, 1e9,
							    "--bars-per-year");
			break;
		case 'q': bp_verbosity = 0; break;
		case 'v': bp_verbosity++; break;
		case 'h': bp_cli_help();
		case 'V': bp_cli_version();
		default: bp_cli_usage_error("unknown option");
		}
	}
	if (nsig > 1)
		bp_cli_usage_error("--signal, --weight and --sma-cross exclude "
				   "each other");
	if (!o->column)
		o->column = "signal";
	if (o->bt.weights && o->sizetext[0])
		bp_cli_usage_error("--size applies to signals; --weight gives "
				   "the size itself");
	if (o->output && o->summary && !o->annotate)
		bp_cli_usage_error("-o and --summary both name the summary");
	o->bt.atr_col = o->atr_col != NULL;
	/* the summary goes to stdout when nothing else does */
	if (!o->annotate && !o->summary && o->output)
		o->summary = o->output;
	else if (!o->annotate && !o->summary &&
		 !(o->equity && !strcmp(o->equity, "-")) &&
		 !(o->trades && !strcmp(o->trades, "-")))
		o->summary = "-";
	nstdout = (o->annotate && (!o->output || !strcmp(o->output, "-"))) +
		  (o->summary && !strcmp(o->summary, "-")) +
		  (o->equity && !strcmp(o->equity, "-")) +
		  (o->trades && !strcmp(o->trades, "-"));
	if (nstdout > 1)
		bp_cli_usage_error("only one output can go to stdout");
	o->files = argv + optind;
	o->nfiles = argc - optind;
}

static int
read_input(struct run *run, const char *path)
{
	struct bp_reader *r = bp_reader_open(path);
	struct bp_row row = BP_ROW_INIT;
	int rc;

	if (!r)
		return -1;
	while ((rc = bp_reader_next(r, &row)) > 0) {
		if (bp_bt_feed_row(run->feed, &row, bp_reader_name(r)) < 0) {
			rc = -1;
			break;
		}
		bp_progress_tick(&run->prog);
	}
	bp_row_release(&row);
	bp_reader_free(&r);
	return rc;
}

static void
assume(struct run *run)
{
	struct opts *o = run->o;
	char buf[96];

	if (o->bt.sma_slow) {
		snprintf(buf, sizeof(buf), "sma-cross %d,%d of the closes",
			 o->bt.sma_fast, o->bt.sma_slow);
		bp_bt_set_assumption(run->bt, "signal", buf);
	} else {
		bp_bt_set_assumption(run->bt, o->bt.weights ? "weight" :
				     "signal", o->column);
	}
	if (o->atr_col) {
		snprintf(buf, sizeof(buf), "column %s", o->atr_col);
		bp_bt_set_assumption(run->bt, "atr", buf);
	}
}

int
main(int argc, char *argv[])
{
	struct opts o = { .bt = BP_BT_OPTS_INIT };
	struct run run = { 0 };
	json_t *sum = NULL;
	int rc = BP_EXIT_FAIL;

	parse_args(argc, argv, &o);
	run.o = &o;
	run.bt = bp_bt_new(&o.bt);
	assume(&run);
	if (o.annotate && !(run.rows = bp_writer_open(o.output,
					o.wflags | BP_WRITER_AUTO)))
		goto out;
	if (o.equity && !(run.equity = bp_writer_open(o.equity, o.wflags)))
		goto out;
	if (o.trades) {
		if (!(run.trades = bp_writer_open(o.trades, o.wflags)))
			goto out;
		bp_bt_set_trade_sink(run.bt, bp_bt_write_trade, run.trades);
	}
	run.feed = bp_bt_feed_new(run.bt, o.bt.sma_slow ? NULL : o.column,
				  o.atr_col, run.rows, run.equity);
	bp_progress_init(&run.prog);
	if (o.nfiles == 0 && read_input(&run, "-") < 0)
		goto out;
	for (int i = 0; i < o.nfiles; i++)
		if (read_input(&run, o.files[i]) < 0)
			goto out;
	if (bp_bt_feed_end(run.feed) < 0)
		goto out;
	if (bp_bt_finish(run.bt) < 0)
		goto out;
	bp_progress_done(&run.prog);
	if (bp_writer_close(&run.trades) < 0 ||
	    bp_writer_close(&run.equity) < 0)
		goto out;
	sum = bp_bt_summary(run.bt);
	if (o.summary && bp_json_write_file(o.summary, sum, BP_JSON_INDENT) < 0)
		goto out;
	if (bp_writer_close(&run.rows) < 0)
		goto out;
	rc = BP_EXIT_OK;
out:
	bp_writer_abort(&run.rows);
	bp_writer_abort(&run.equity);
	bp_writer_abort(&run.trades);
	json_decref(sum);
	bp_bt_feed_free(&run.feed);
	bp_bt_free(&run.bt);
	return rc;
}
