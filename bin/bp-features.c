/* bp-features: append indicator, derived, fuzzy and label columns to bars. */
#include "util.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "featureset.h"
#include "jsonout.h"
#include "spec.h"
#include "stream.h"

static const char usage_line[] =
	"usage: bp-features [-q | -v] [--plain] [-o <file>] [--spec <file>]\n"
	"                   [-i <name>[:<p>,...][@<column>]]... "
	"[<feature option>...]\n"
	"                   [<file>...]\n"
	"   or: bp-features --list | --spec-schema";

static const char help[] =
	"  -i, --indicator <name>[:<p>,...][@<column>]\n"
	"                        add an indicator (repeatable): rsi:14,\n"
	"                        macd:12,26,9, bbands:20,2; parameters\n"
	"                        left out take their defaults (--list)\n"
	"  -s, --spec <file>     add the indicators, features and labels\n"
	"                        of a strategy spec (see --spec-schema)\n"
	"      --ret <k>[,...]   simple returns over k bars: ret_K\n"
	"      --logret <k>[,...]\n"
	"                        log returns over k bars: logret_K\n"
	"      --lag <col>:<k>[,...]\n"
	"                        lags of a column: COL_lag_K\n"
	"      --roll <stat>:<w>[,...][:<col>]\n"
	"                        rolling mean, std, zscore, min, max or\n"
	"                        rank over w bars (default column close):\n"
	"                        COL_STAT_W\n"
	"      --volz <w>        volume z-score: volume_zscore_W\n"
	"      --bar             bar_range, bar_body, bar_upper_wick,\n"
	"                        bar_lower_wick\n"
	"      --calendar        hour, weekday (0 = Monday), month (UTC)\n"
	"      --fuzzy <col>:<set>=<shape>(<p>,...)[,...]\n"
	"                        fuzzy memberships of a column, shapes\n"
	"                        tri, trap, gauss: COL_SET\n"
	"      --label [<name>=]<kind>[:<p>,...]\n"
	"                        a label: ret:H, logret:H, up:H[,DEADZONE],\n"
	"                        tb:H[,TP[,SL[,atr|std[,W[,hl|close]]]]];\n"
	"                        each comes with NAME_end\n"
	"      --prefix <text>   prefix of feature column names (none)\n"
	"      --drop-warmup     drop each symbol's rows until every\n"
	"                        feature is non-null\n"
	"      --reset-gap <dur> restart a symbol's features after a gap\n"
	"                        in ts longer than dur, e.g. 2h (never)\n"
	"      --max-queue <rows>\n"
	"                        most rows waiting for labels (262144)\n"
	"      --list            the indicators: parameters, defaults,\n"
	"                        columns, lookback\n"
	"      --spec-schema     the spec's JSON Schema with an example\n"
	"  -o, --output <file>   write to file, atomically (stdout)\n"
	"      --plain           plain NDJSON instead of zstd\n"
	"  -q, --quiet           errors only\n"
	"  -v, --verbose         progress and details\n"
	"  -h, --help            show this help\n"
	"  -V, --version         show the version\n"
	"(-i, --ret, --logret, --lag, --roll, --fuzzy and --label repeat.)\n"
	"See bp-features(1).\n";

enum {
	OPT_PLAIN = 256, OPT_RET, OPT_LOGRET, OPT_LAG, OPT_ROLL, OPT_VOLZ,
	OPT_BAR, OPT_CALENDAR, OPT_FUZZY, OPT_LABEL, OPT_PREFIX,
	OPT_DROP_WARMUP, OPT_RESET_GAP, OPT_MAX_QUEUE, OPT_LIST, OPT_SCHEMA,
};

static const struct option longopts[] = {
	{ "indicator", required_argument, NULL, 'i' },
	{ "spec", required_argument, NULL, 's' },
	{ "ret", required_argument, NULL, OPT_RET },
	{ "logret", required_argument, NULL, OPT_LOGRET },
	{ "lag", required_argument, NULL, OPT_LAG },
	{ "roll", required_argument, NULL, OPT_ROLL },
	{ "volz", required_argument, NULL, OPT_VOLZ },
	{ "bar", no_argument, NULL, OPT_BAR },
	{ "calendar", no_argument, NULL, OPT_CALENDAR },
	{ "fuzzy", required_argument, NULL, OPT_FUZZY },
	{ "label", required_argument, NULL, OPT_LABEL },
	{ "prefix", required_argument, NULL, OPT_PREFIX },
	{ "drop-warmup", no_argument, NULL, OPT_DROP_WARMUP },
	{ "reset-gap", required_argument, NULL, OPT_RESET_GAP },
	{ "max-queue", required_argument, NULL, OPT_MAX_QUEUE },
	{ "list", no_argument, NULL, OPT_LIST },
	{ "spec-schema", no_argument, NULL, OPT_SCHEMA },
	{ "output", required_argument, NULL, 'o' },
	{ "plain", no_argument, NULL, OPT_PLAIN },
	{ "quiet", no_argument, NULL, 'q' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

struct opts {
	struct bp_featureset_opts f;
	const char *output;
	unsigned wflags;
	int list, schema;
	char **files;
	int nfiles;
};

/* Option text as messages quote it: "-i 'rsi:0'". */
static char *
where(int c, const char *arg)
{
	struct bp_buf b = BP_BUF_INIT;
	const char *name = "?";

	for (const struct option *o = longopts; o->name; o++)
		if (o->val == c)
			name = o->name;
	if (c == 'i')
		bp_buf_addf(&b, "-i '%s'", arg);
	else
		bp_buf_addf(&b, "--%s '%s'", name, arg);
	return bp_buf_detach(&b, NULL);
}

static void
add_item(struct bp_spec *s, int c, const char *arg)
{
	char err[512], *w = where(c, arg);
	int rc = 0;

	switch (c) {
	case 'i':
		rc = bp_spec_add_indicator_text(s, arg, w, err, sizeof(err));
		break;
	case OPT_RET:
	case OPT_LOGRET:
		rc = bp_spec_add_returns_text(s, c == OPT_RET ? BP_DERIVED_RET :
					      BP_DERIVED_LOGRET, arg, w, err,
					      sizeof(err));
		break;
	case OPT_LAG:
		rc = bp_spec_add_lag_text(s, arg, w, err, sizeof(err));
		break;
	case OPT_ROLL:
		rc = bp_spec_add_roll_text(s, arg, w, err, sizeof(err));
		break;
	case OPT_VOLZ:
		rc = bp_spec_add_derived(s, BP_DERIVED_ZSCORE,
					 (int)bp_parse_long(arg, 2, 100000,
							    "--volz"),
					 "volume", w, err, sizeof(err));
		break;
	case OPT_FUZZY:
		rc = bp_spec_add_fuzzy_text(s, arg, w, err, sizeof(err));
		break;
	case OPT_LABEL:
		rc = bp_spec_add_label_text(s, arg, w, err, sizeof(err));
		break;
	}
	if (rc < 0)
		bp_cli_usage_error("%s: %s", w, err);
	free(w);
}

static void
add_fixed(struct bp_spec *s, int first, int last, const char *w)
{
	char err[256];

	for (int k = first; k <= last; k++)
		if (bp_spec_add_derived(s, (enum bp_derived_kind)k, 0, NULL, w,
					err, sizeof(err)) < 0)
			bp_cli_usage_error("%s: %s", w, err);
}

/*
 * Options in order, so columns come out in the order given.  A --spec is
 * loaded where it appears.  Exits 2 on a usage error, 1 on a bad spec.
 */
static void
parse_args(int argc, char *argv[], struct opts *opt, struct bp_spec *spec)
{
	int c;

	while ((c = getopt_long(argc, argv, "i:s:o:qvhV", longopts, NULL)) !=
	       -1) {
		switch (c) {
		case 's':
			if (bp_spec_load(spec, optarg) < 0) {
				bp_spec_release(spec);
				exit(BP_EXIT_FAIL);
			}
			break;
		case 'i': case OPT_RET: case OPT_LOGRET: case OPT_LAG:
		case OPT_ROLL: case OPT_VOLZ: case OPT_FUZZY: case OPT_LABEL:
			add_item(spec, c, optarg);
			break;
		case OPT_BAR:
			add_fixed(spec, BP_DERIVED_RANGE, BP_DERIVED_LOWER_WICK,
				  "--bar");
			break;
		case OPT_CALENDAR:
			add_fixed(spec, BP_DERIVED_HOUR, BP_DERIVED_MONTH,
				  "--calendar");
			break;
		case OPT_PREFIX:
			if (bp_spec_is_label(optarg))
				bp_cli_usage_error("--prefix: '%s' would make "
						   "features look like labels",
						   optarg);
			opt->f.prefix = optarg;
			break;
		case OPT_DROP_WARMUP:
			opt->f.drop_warmup = 1;
			break;
		case OPT_RESET_GAP:
			opt->f.reset_gap = bp_parse_duration_opt(optarg,
								 "--reset-gap");
			break;
		case OPT_MAX_QUEUE:
			opt->f.max_queue = (size_t)bp_parse_long(optarg, 1,
								 100000000,
								 "--max-queue");
			break;
		case OPT_LIST:
			opt->list = 1;
			break;
		case OPT_SCHEMA:
			opt->schema = 1;
			break;
		case 'o':
			opt->output = optarg;
			break;
		case OPT_PLAIN:
			opt->wflags |= BP_WRITER_PLAIN;
			break;
		case 'q':
			bp_verbosity = 0;
			break;
		case 'v':
			bp_verbosity++;
			break;
		case 'h':
			bp_cli_help();
		case 'V':
			bp_cli_version();
		default:
			bp_cli_usage_error("unknown option");
		}
	}
	opt->files = argv + optind;
	opt->nfiles = argc - optind;
}

/* --list: NDJSON rows, or a table on a terminal. */
static int
list_indicators(void)
{
	int tty = isatty(STDOUT_FILENO);
	struct bp_buf line = BP_BUF_INIT;

	if (tty)
		printf("%-13s %-22s %-5s %-9s %s\n", "NAME", "PARAMETERS",
		       "LOOK", "TA-LIB", "COLUMNS (defaults)");
	for (size_t i = 0; i < bp_ta_count(); i++) {
		json_t *row = bp_spec_describe(bp_ta_at(i));

		bp_buf_reset(&line);
		if (tty) {
			json_t *t = json_object_get(row, "talib");
			json_t *name = json_object_get(row, "name");
			json_t *params = json_object_get(row, "params");
			json_t *look = json_object_get(row, "lookback");
			json_t *cols = json_object_get(row, "columns");

			bp_buf_addf(&line, "%-13s %-22s %-5lld %-9s %s",
				    json_string_value(name),
				    json_string_value(params),
				    json_integer_value(look),
				    json_is_string(t) ? json_string_value(t) :
				    "-", json_string_value(cols));
		} else {
			bp_json_dump(&line, row, 0);
		}
		printf("%s\n", line.s);
		json_decref(row);
	}
	bp_buf_release(&line);
	return bp_close_stdout() < 0 ? BP_EXIT_FAIL : BP_EXIT_OK;
}

static int
print_schema(void)
{
	json_t *schema = bp_spec_schema();
	int rc = bp_json_write_file("-", schema, BP_JSON_INDENT);

	json_decref(schema);
	return rc < 0 ? BP_EXIT_FAIL : BP_EXIT_OK;
}

/* Read every input through the engine into w.  Returns 0 or -1. */
static int
run(struct bp_featureset *f, struct opts *opt, struct bp_writer *w)
{
	struct bp_row row = BP_ROW_INIT;
	struct bp_progress prog;
	int nfiles = opt->nfiles ? opt->nfiles : 1, rc = 0;

	bp_progress_init(&prog);
	for (int i = 0; i < nfiles && rc == 0; i++) {
		const char *path = opt->nfiles ? opt->files[i] : "-";
		struct bp_reader *in = bp_reader_open(path);
		int r;

		if (!in) {
			rc = -1;
			break;
		}
		while ((r = bp_reader_next(in, &row)) > 0) {
			if (bp_featureset_row(f, &row, bp_reader_name(in), w) <
			    0) {
				r = -1;
				break;
			}
			bp_progress_tick(&prog);
		}
		if (r < 0)
			rc = -1;
		bp_reader_free(&in);
	}
	bp_row_release(&row);
	if (rc == 0)
		rc = bp_featureset_finish(f, w);
	bp_progress_done(&prog);
	return rc;
}

int
main(int argc, char *argv[])
{
	struct opts opt = { BP_FEATURESET_OPTS_INIT, NULL, BP_WRITER_AUTO, 0, 0,
			    NULL, 0 };
	struct bp_spec spec;
	struct bp_featureset *f = NULL;
	struct bp_writer *w = NULL;
	char err[512];
	int rc = BP_EXIT_FAIL;

	bp_cli_init(argv[0], usage_line, help);
	bp_spec_init(&spec);
	parse_args(argc, argv, &opt, &spec);
	if (opt.list || opt.schema) {
		rc = opt.list ? list_indicators() : print_schema();
		goto out;
	}
	if (bp_spec_finish(&spec, err, sizeof(err)) < 0) {
		if (!spec.path)
			bp_cli_usage_error("%s", err);
		bp_error("%s: %s", spec.path, err);
		goto out;
	}
	if (spec.ncol == 0)
		bp_cli_usage_error("nothing to compute: give -i, --spec or a "
				   "feature option");
	if (!(f = bp_featureset_new(&spec, &opt.f)))
		goto out;
	if (!(w = bp_writer_open(opt.output, opt.wflags)))
		goto out;
	if (run(f, &opt, w) < 0) {
		bp_writer_abort(&w);
		goto out;
	}
	if (bp_writer_close(&w) < 0)
		goto out;
	rc = BP_EXIT_OK;
out:
	bp_writer_abort(&w);
	bp_featureset_free(&f);
	bp_spec_release(&spec);
	return rc;
}
