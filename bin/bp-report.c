/* bp-report: a backtest's summary, equity and trades as HTML or text. */
#include "util.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "atomic.h"
#include "cli.h"
#include "jsonout.h"
#include "report.h"

static const char usage_line[] =
	"usage: bp-report [-q | -v] [--text] [-o <file>] [--title <text>]\n"
	"                 [--max-trades <n>] [--width <n>] --summary <file>\n"
	"                 [--equity <file>] [--trades <file>]";

static const char help[] =
	"      --summary <file>     summary JSON written by bp-backtest\n"
	"      --equity <file>      equity stream (bp-backtest --equity)\n"
	"      --trades <file>      trades stream (bp-backtest --trades)\n"
	"  -o, --output <file>      write the page to <file> (default stdout)\n"
	"      --text               a compact text summary instead of HTML\n"
	"      --title <text>       page title (backtest report)\n"
	"      --max-trades <n>     trades listed in the page (200)\n"
	"      --width <n>          sparkline width for --text (60)\n"
	"  -q, --quiet              errors only\n"
	"  -v, --verbose            more messages\n"
	"  -h, --help               this help\n"
	"  -V, --version            version\n"
	"See bp-report(1).\n";

enum {
	OPT_SUMMARY = 256, OPT_EQUITY, OPT_TRADES, OPT_TEXT, OPT_TITLE,
	OPT_MAX_TRADES, OPT_WIDTH,
};

static const struct option longopts[] = {
	{ "summary", required_argument, NULL, OPT_SUMMARY },
	{ "equity", required_argument, NULL, OPT_EQUITY },
	{ "trades", required_argument, NULL, OPT_TRADES },
	{ "output", required_argument, NULL, 'o' },
	{ "text", no_argument, NULL, OPT_TEXT },
	{ "title", required_argument, NULL, OPT_TITLE },
	{ "max-trades", required_argument, NULL, OPT_MAX_TRADES },
	{ "width", required_argument, NULL, OPT_WIDTH },
	{ "quiet", no_argument, NULL, 'q' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

struct opts {
	const char *summary, *equity, *trades, *output, *title;
	int text, width;
	long max_trades;
};

static void
parse_args(int argc, char *argv[], struct opts *o)
{
	int c;

	bp_cli_init(argv[0], usage_line, help);
	while ((c = getopt_long(argc, argv, "o:qvhV", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_SUMMARY: o->summary = optarg; break;
		case OPT_EQUITY: o->equity = optarg; break;
		case OPT_TRADES: o->trades = optarg; break;
		case 'o': o->output = optarg; break;
		case OPT_TEXT: o->text = 1; break;
		case OPT_TITLE: o->title = optarg; break;
		case OPT_MAX_TRADES:
			o->max_trades = bp_parse_long(optarg, 0, 100000000,
						      "--max-trades");
			break;
		case OPT_WIDTH:
			o->width = (int)bp_parse_long(optarg, 1, 1000,
						      "--width");
			break;
		case 'q': bp_verbosity = 0; break;
		case 'v': bp_verbosity++; break;
		case 'h': bp_cli_help();
		case 'V': bp_cli_version();
		default: bp_cli_usage_error("unknown option");
		}
	}
	if (optind < argc)
		bp_cli_usage_error("unexpected argument '%s'", argv[optind]);
	if (!o->summary)
		bp_cli_usage_error("--summary is required");
}

int
main(int argc, char *argv[])
{
	struct opts o = { .title = "backtest report", .width = 60,
			  .max_trades = 200 };
	struct bp_report rep;
	struct bp_buf out = BP_BUF_INIT;
	int rc = BP_EXIT_FAIL;

	parse_args(argc, argv, &o);
	bp_report_init(&rep);
	rep.max_trades = (size_t)o.max_trades;
	if (!(rep.summary = bp_json_load_file(o.summary)))
		goto out;
	if (!json_is_object(rep.summary) ||
	    !json_is_string(json_object_get(rep.summary, "format")) ||
	    strcmp(json_string_value(json_object_get(rep.summary, "format")),
		   "barpipe-backtest") != 0) {
		bp_error("%s: not a bp-backtest summary", o.summary);
		goto out;
	}
	if (o.equity && bp_report_load_equity(&rep, o.equity) < 0)
		goto out;
	if (o.trades && bp_report_load_trades(&rep, o.trades) < 0)
		goto out;
	if (o.text)
		bp_report_text(&rep, o.width, &out);
	else
		bp_report_html(&rep, o.title, &out);
	if (bp_atomic_write(o.output ? o.output : "-", out.s, out.len) < 0)
		goto out;
	rc = BP_EXIT_OK;
out:
	bp_buf_release(&out);
	bp_report_release(&rep);
	return rc;
}
