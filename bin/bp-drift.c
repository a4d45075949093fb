/* bp-drift: grade the drift of a stream against a reference, or watch it. */
#include "util.h"

#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "detect.h"
#include "driftcmp.h"
#include "severity.h"
#include "stream.h"

static const char usage_line[] =
	"usage: bp-drift [compare] [-q | -v] [--json | --table] [-o <file>]\n"
	"                [--prom <file>] [--ref <file>] [--ref-window <w>]\n"
	"                [--cur-window <w>] [--columns <list>] "
	"[--include-labels]\n"
	"                [--bins <n>] [--score <col>] [--signal <col>]\n"
	"                [--label <col>] [--task <task>] [--<test> <list>]\n"
	"                [--fail-on <level>] [--name <name>] [<file>]\n"
	"       bp-drift detect --method <m> --column <col> [<options>] "
	"[<file>]";

static const char help[] =
	"Compare <file> (default stdin) with a reference and grade the drift.\n"
	"  --ref <file>          reference stream\n"
	"  --ref-window <w>      reference rows: FROM..TO, first:30d, "
	"first:70%\n"
	"  --cur-window <w>      current rows: FROM..TO, last:30d, last:30%\n"
	"  --columns <list>      columns to compare (default: every common\n"
	"                        numeric column but ts, label_*, score, "
	"signal)\n"
	"  --include-labels      compare label_* columns too\n"
	"  --bins <n>            PSI and Jensen-Shannon bins (10)\n"
	"  --psi-epsilon <x>     floor of a bin's proportion (0.0001)\n"
	"  --score <col>         prediction column (score)\n"
	"  --signal <col>        signal column (signal)\n"
	"  --label <col>         label column: performance drift\n"
	"  --task <task>         auto, classification or regression (auto)\n"
	"  --cutoff <x>          class 1 when score >= x (0.5)\n"
	"  --ks-p <list>         KS p-value levels (0.05,0.01,0.001,0.0001)\n"
	"  --ks-d <list>         KS statistic levels (0.05,0.1,0.2,0.3)\n"
	"  --psi <list>          PSI levels (0.05,0.1,0.25,0.5)\n"
	"  --js <list>           Jensen-Shannon levels (0.1,0.15,0.2,0.3)\n"
	"  --wasserstein <list>  W1 levels, in reference sds (0.1,0.2,0.5,1)\n"
	"  --mean-shift <list>   mean shift levels, sd units (0.1,0.25,0.5,1)\n"
	"  --std-shift <list>    |sd ratio - 1| levels (0.1,0.25,0.5,1)\n"
	"  --null-rate <list>    null rate change levels "
	"(0.01,0.05,0.1,0.25)\n"
	"  --degrade <list>      metric degradation levels, % (2,5,10,20)\n"
	"  --fail-on <level>     exit 3 at or above LOW, MEDIUM, HIGH or\n"
	"                        CRITICAL (HIGH)\n"
	"  --json                JSON report even on a terminal\n"
	"  --table               table even when not on a terminal\n"
	"  -o, --output <file>   write the JSON report to <file> (atomic)\n"
	"  --prom <file>         write Prometheus text to <file> (atomic)\n"
	"  --name <name>         name of the report (a 'name' label)\n"
	"  -q, --quiet           errors only\n"
	"  -v, --verbose         more messages\n"
	"  -h, --help            this help\n"
	"  -V, --version         version\n"
	"See bp-drift(1).\n";

static const char detect_usage[] =
	"usage: bp-drift detect [-q | -v] --method <m> --column <col>\n"
	"                [--delta <x>] [--lambda <x>] [--alpha <x>]\n"
	"                [--threshold <x>] [--warmup <n>] [--annotate]\n"
	"                [--plain] [-o <file>] [<file>]";

static const char detect_help[] =
	"Report the rows of <file> (default stdin) where a change starts.\n"
	"  --method <m>          adwin, page-hinkley or cusum\n"
	"  --column <col>        the column to watch, per symbol\n"
	"  --delta <x>           adwin confidence (0.002); page-hinkley\n"
	"                        tolerance (0.005); cusum slack k (0.5)\n"
	"  --lambda <x>          page-hinkley threshold (50)\n"
	"  --alpha <x>           page-hinkley fading factor (0.9999)\n"
	"  --threshold <x>       cusum threshold h, sd units (8)\n"
	"  --warmup <n>          cusum values for mean and sd (200)\n"
	"  --annotate            pass every row, adding drift_<col>\n"
	"  --plain               uncompressed output\n"
	"  -o, --output <file>   write to <file> (atomic)\n"
	"  -q, --quiet, -v, --verbose, -h, --help, -V, --version\n"
	"See bp-drift(1).\n";

/* compare's options, then detect's (OPT_METHOD on) */
enum {
	OPT_REF = 256, OPT_REFWIN, OPT_CURWIN, OPT_COLUMNS, OPT_LABELS,
	OPT_BINS, OPT_EPS, OPT_SCORE, OPT_SIGNAL, OPT_LABEL, OPT_TASK,
	OPT_CUTOFF, OPT_KSP, OPT_KSD, OPT_PSI, OPT_JS, OPT_W1, OPT_MEAN,
	OPT_STD, OPT_NULL, OPT_DEGRADE, OPT_FAILON, OPT_JSON, OPT_TABLE,
	OPT_PROM, OPT_NAME, OPT_METHOD, OPT_COLUMN, OPT_DELTA, OPT_LAMBDA,
	OPT_ALPHA, OPT_THRESHOLD, OPT_WARMUP, OPT_ANNOTATE, OPT_PLAIN,
};

static const struct option longopts[] = {
	{ "ref", required_argument, NULL, OPT_REF },
	{ "ref-window", required_argument, NULL, OPT_REFWIN },
	{ "cur-window", required_argument, NULL, OPT_CURWIN },
	{ "columns", required_argument, NULL, OPT_COLUMNS },
	{ "include-labels", no_argument, NULL, OPT_LABELS },
	{ "bins", required_argument, NULL, OPT_BINS },
	{ "psi-epsilon", required_argument, NULL, OPT_EPS },
	{ "score", required_argument, NULL, OPT_SCORE },
	{ "signal", required_argument, NULL, OPT_SIGNAL },
	{ "label", required_argument, NULL, OPT_LABEL },
	{ "task", required_argument, NULL, OPT_TASK },
	{ "cutoff", required_argument, NULL, OPT_CUTOFF },
	{ "ks-p", required_argument, NULL, OPT_KSP },
	{ "ks-d", required_argument, NULL, OPT_KSD },
	{ "psi", required_argument, NULL, OPT_PSI },
	{ "js", required_argument, NULL, OPT_JS },
	{ "wasserstein", required_argument, NULL, OPT_W1 },
	{ "mean-shift", required_argument, NULL, OPT_MEAN },
	{ "std-shift", required_argument, NULL, OPT_STD },
	{ "null-rate", required_argument, NULL, OPT_NULL },
	{ "degrade", required_argument, NULL, OPT_DEGRADE },
	{ "fail-on", required_argument, NULL, OPT_FAILON },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "table", no_argument, NULL, OPT_TABLE },
	{ "output", required_argument, NULL, 'o' },
	{ "prom", required_argument, NULL, OPT_PROM },
	{ "name", required_argument, NULL, OPT_NAME },
	{ "method", required_argument, NULL, OPT_METHOD },
	{ "column", required_argument, NULL, OPT_COLUMN },
	{ "delta", required_argument, NULL, OPT_DELTA },
	{ "lambda", required_argument, NULL, OPT_LAMBDA },
	{ "alpha", required_argument, NULL, OPT_ALPHA },
	{ "threshold", required_argument, NULL, OPT_THRESHOLD },
	{ "warmup", required_argument, NULL, OPT_WARMUP },
	{ "annotate", no_argument, NULL, OPT_ANNOTATE },
	{ "plain", no_argument, NULL, OPT_PLAIN },
	{ "quiet", no_argument, NULL, 'q' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

struct opts {
	int detect;			/* the detect subcommand */
	struct bp_driftcmp_opts cmp;
	struct bp_detect_opts det;
	const char *ref, *input, *output, *prom;
	char **columns;
	int json, table, plain, method_set;
	enum bp_level fail_on;
};

static void
split_columns(struct opts *o, const char *arg)
{
	char *s = bp_xstrdup(arg), *tok, *save = NULL;
	size_t n = 0;

	free(o->columns);
	o->columns = bp_xcalloc(strlen(arg) / 2 + 2, sizeof(*o->columns));
	for (tok = strtok_r(s, ",", &save); tok; tok = strtok_r(NULL, ",",
								&save))
		o->columns[n++] = bp_xstrdup(tok);
	free(s);
	if (!n || strstr(arg, ",,") || arg[0] == ',' ||
	    arg[strlen(arg) - 1] == ',')
		bp_cli_usage_error("--columns: '%s' is not a list of names",
				   arg);
	o->cmp.columns = (const char *const *)o->columns;
	o->cmp.ncolumns = n;
}

static void
parse_option(struct opts *o, int c, int idx, const char *arg)
{
	static const char *const tasks[] = { "auto", "classification",
					     "regression", NULL };
	static const char *const methods[] = { "adwin", "page-hinkley",
						"cusum", NULL };
	struct bp_severity *sev = &o->cmp.sev;
	struct bp_detect_params *dp = &o->det.params;

	switch (c) {
	case OPT_REF: o->ref = arg; break;
	case OPT_REFWIN: case OPT_CURWIN:
		if (bp_window_parse(c == OPT_REFWIN ? &o->cmp.ref_window
						    : &o->cmp.cur_window, arg))
			bp_cli_usage_error("%s: '%s' is not a window",
					   c == OPT_REFWIN ? "--ref-window"
							   : "--cur-window",
					   arg);
		break;
	case OPT_COLUMNS: split_columns(o, arg); break;
	case OPT_LABELS: o->cmp.include_labels = 1; break;
	case OPT_BINS:
		o->cmp.bins = (int)bp_parse_long(arg, 1, 10000, "--bins");
		break;
	case OPT_EPS:
		o->cmp.psi_eps = bp_parse_real(arg, 0, 0.5, "--psi-epsilon");
		break;
	case OPT_SCORE: o->cmp.score = arg; break;
	case OPT_SIGNAL: o->cmp.signal = arg; break;
	case OPT_LABEL: o->cmp.label = arg; break;
	case OPT_TASK:
		o->cmp.task = bp_parse_choice(arg, tasks, "--task");
		break;
	case OPT_CUTOFF:
		o->cmp.threshold = bp_parse_real(arg, -1e300, 1e300,
						 "--cutoff");
		break;
	case OPT_THRESHOLD:
		dp->threshold = bp_parse_real(arg, 0, 1e300, "--threshold");
		break;
	case OPT_KSP: case OPT_KSD: case OPT_PSI: case OPT_JS: case OPT_W1:
	case OPT_MEAN: case OPT_STD: case OPT_NULL: case OPT_DEGRADE: {
		struct bp_thresholds *const th[] = {	/* OPT_KSP on */
			&sev->ks_p, &sev->ks_d, &sev->psi, &sev->js,
			&sev->wasserstein, &sev->mean_shift, &sev->std_shift,
			&sev->null_rate, &sev->degrade,
		};
		char err[160];

		if (bp_thresholds_parse(th[c - OPT_KSP], arg, err,
					sizeof(err)) < 0)
			bp_cli_usage_error("--%s: %s", longopts[idx].name, err);
		break;
	}
	case OPT_FAILON:
		if (bp_level_parse(arg, &o->fail_on) < 0)
			bp_cli_usage_error("--fail-on: '%s' is not a level "
					   "(NONE..CRITICAL)", arg);
		break;
	case OPT_JSON: o->json = 1; break;
	case OPT_TABLE: o->table = 1; break;
	case 'o': o->output = arg; break;
	case OPT_PROM: o->prom = arg; break;
	case OPT_NAME: o->cmp.name = arg; break;
	case OPT_METHOD:
		dp->method = bp_parse_choice(arg, methods, "--method");
		o->method_set = 1;
		break;
	case OPT_COLUMN: o->det.column = arg; break;
	case OPT_DELTA:
		dp->delta = bp_parse_real(arg, 0, 1e300, "--delta");
		break;
	case OPT_LAMBDA:
		dp->lambda = bp_parse_real(arg, 0, 1e300, "--lambda");
		break;
	case OPT_ALPHA:
		dp->alpha = bp_parse_real(arg, 0, 1, "--alpha");
		break;
	case OPT_WARMUP:
		dp->warmup = bp_parse_long(arg, 2, 100000000, "--warmup");
		break;
	case OPT_ANNOTATE: o->det.annotate = 1; break;
	case OPT_PLAIN: o->plain = 1; break;
	case 'q': bp_verbosity = 0; break;
	case 'v': bp_verbosity++; break;
	case 'h': bp_cli_help(); break;
	case 'V': bp_cli_version(); break;
	}
}

static void
parse_args(int argc, char *argv[], struct opts *o)
{
	int c, idx = 0;

	if (argc > 1 && (!strcmp(argv[1], "detect") ||
			 !strcmp(argv[1], "compare"))) {
		o->detect = argv[1][0] == 'd';
		argv[1] = argv[0];
		argc--;
		argv++;
	}
	if (o->detect)
		bp_cli_init(argv[0], detect_usage, detect_help);
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":o:qvhV", longopts, &idx)) != -1) {
		if (c == '?')
			bp_cli_usage_error("unknown option '%s'",
					   argv[optind - 1]);
		if (c == ':')
			bp_cli_usage_error("option '%s' needs a value",
					   argv[optind - 1]);
		if (c >= 256 && (o->detect ? c < OPT_METHOD
					   : c >= OPT_METHOD))
			bp_cli_usage_error("'--%s' is not an option of "
					   "bp-drift %s", longopts[idx].name,
					   o->detect ? "detect" : "compare");
		parse_option(o, c, idx, optarg);
	}
	if (argc - optind > 1)
		bp_cli_usage_error("too many inputs");
	o->input = optind < argc ? argv[optind] : NULL;
	if (o->detect) {
		if (!o->method_set || !o->det.column)
			bp_cli_usage_error("--method and --column are "
					   "required");
		return;
	}
	if (o->json && o->table)
		bp_cli_usage_error("--json and --table exclude each other");
	if (!o->ref && o->cmp.ref_window.kind == BP_WINDOW_ALL)
		bp_cli_usage_error("--ref or --ref-window is required");
	if (!o->ref && o->cmp.cur_window.kind == BP_WINDOW_ALL)
		bp_cli_usage_error("--cur-window is required with one input");
	if (o->ref && (!strcmp(o->ref, "-") && (!o->input ||
						!strcmp(o->input, "-"))))
		bp_cli_usage_error("the reference and the current sample "
				   "cannot both be stdin");
}

static int
run_compare(struct opts *o)
{
	const char *cats[] = { o->cmp.signal, NULL };
	struct bp_report_out out = { o->output, o->prom, o->json, o->table,
				     NULL };
	struct bp_driftcmp_sample *ref = NULL, *cur = NULL;
	json_t *report = NULL;
	int rc = BP_EXIT_FAIL;

	if (o->ref ? bp_driftcmp_load_pair(o->ref, o->input, cats, &ref, &cur)
		   : !(cur = bp_driftcmp_sample_load(o->input, cats)))
		goto out;
	if (!(report = bp_driftcmp_run(&o->cmp, ref ? ref : cur, cur)) ||
	    bp_report_write(report, &out) < 0)
		goto out;
	rc = bp_report_level(report) >= o->fail_on ? BP_EXIT_ALERT
						   : BP_EXIT_OK;
out:
	json_decref(report);
	bp_driftcmp_sample_free(&ref);
	bp_driftcmp_sample_free(&cur);
	return rc;
}

static int
run_detect(struct opts *o)
{
	struct bp_reader *r = bp_reader_open(o->input);
	struct bp_writer *w = NULL;
	long hits = -1;

	if (r && (w = bp_writer_open(o->output, o->plain ? BP_WRITER_PLAIN
							 : BP_WRITER_AUTO)))
		hits = bp_detect_stream(&o->det, r, w);
	bp_reader_free(&r);
	if (hits < 0) {
		bp_writer_abort(&w);
		return BP_EXIT_FAIL;
	}
	if (bp_writer_close(&w) < 0)
		return BP_EXIT_FAIL;
	bp_info(2, "%ld changes detected", hits);
	return BP_EXIT_OK;
}

int
main(int argc, char *argv[])
{
	struct opts o;
	int rc;

	memset(&o, 0, sizeof(o));
	bp_driftcmp_opts_init(&o.cmp);
	bp_detect_params_init(&o.det.params, BP_DETECT_ADWIN);
	o.fail_on = BP_LEVEL_HIGH;
	bp_cli_init(argv[0], usage_line, help);
	parse_args(argc, argv, &o);
	rc = o.detect ? run_detect(&o) : run_compare(&o);
	for (size_t i = 0; o.columns && o.columns[i]; i++)
		free(o.columns[i]);
	free(o.columns);
	return rc;
}
