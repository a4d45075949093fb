/* bp-predict: score a feature stream with a model (see bp-predict(1)). */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "cli.h"
#include "forest.h"
#include "model.h"
#include "registry.h"
#include "scorer.h"
#include "stream.h"

static const char usage_line[] =
	"usage: bp-predict [-q | -v] --model <ref> [--db <path>] "
	"[--long <t>] [--short <t>] [--long-only] "
	"[--on-missing error|skip|null] [--keep <cols>] [--threads <n>] "
	"[--plain] [-o <file>] [<file>...]";

static const char help[] =
	"  -m, --model REF        a model file, NAME (its active version) or\n"
	"                         NAME@VERSION from the registry\n"
	"      --db PATH          database ($BARPIPE_HOME/barpipe.db)\n"
	"      --long T           signal +1 when score >= T "
	"(0.55; regression:\n"
	"                         score > 0; multiclass: 0.1)\n"
	"      --short T          signal -1 when score <= T "
	"(0.45; regression:\n"
	"                         score < 0; multiclass: -0.1)\n"
	"      --long-only        never -1: short signals become 0\n"
	"      --on-missing WHAT  a null feature for a model that cannot use\n"
	"                         it: error, skip (drop the row) or null\n"
	"                         (null scores, signal 0) (error)\n"
	"      --keep COLS        write only these input columns (comma-\n"
	"                         separated) before the scores (all)\n"
	"      --threads N        1: read, score and write on one thread;\n"
	"                         N > 1: N threads score while one reads\n"
	"                         and writes (online CPUs, at most 8)\n"
	"      --plain            uncompressed output\n"
	"  -o, --output FILE      write FILE atomically (stdout)\n"
	"  -q, --quiet            errors only\n"
	"  -v, --verbose          more messages\n"
	"  -h, --help             this help\n"
	"  -V, --version          print the version\n"
	"See bp-predict(1).\n";

enum { OPT_DB = 256, OPT_LONG, OPT_SHORT, OPT_LONG_ONLY, OPT_MISSING,
       OPT_KEEP, OPT_THREADS, OPT_PLAIN };

static const struct option longopts[] = {
	{ "model", required_argument, NULL, 'm' },
	{ "db", required_argument, NULL, OPT_DB },
	{ "long", required_argument, NULL, OPT_LONG },
	{ "short", required_argument, NULL, OPT_SHORT },
	{ "long-only", no_argument, NULL, OPT_LONG_ONLY },
	{ "on-missing", required_argument, NULL, OPT_MISSING },
	{ "keep", required_argument, NULL, OPT_KEEP },
	{ "threads", required_argument, NULL, OPT_THREADS },
	{ "plain", no_argument, NULL, OPT_PLAIN },
	{ "output", required_argument, NULL, 'o' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

static const char *const missing_names[] = { "error", "skip", "null", NULL };

struct opts {
	const char *model, *db, *out;
	struct bp_scorer_opts sc;
	char *keepbuf;		/* --keep, split in place */
	const char **keep;
	int plain;
	char **files;
	int nfiles;
};

/* --keep a,b,c: names, none empty, twice or a column the scorer writes */
static void
parse_keep(struct opts *o, const char *arg)
{
	size_t n = 1;
	char *p;

	free(o->keepbuf);
	free(o->keep);
	o->keepbuf = bp_xstrdup(arg);
	for (p = o->keepbuf; *p; p++)
		n += *p == ',';
	o->keep = bp_xcalloc(n, sizeof(*o->keep));
	o->sc.nkeep = 0;
	for (p = o->keepbuf;; p++) {
		char *end = strchr(p, ',');
		const char *name = p;

		if (end)
			*end = '\0';
		if (!*name)
			bp_cli_usage_error("--keep: an empty column name");
		if (strcmp(name, "score") == 0 || strcmp(name, "signal") == 0 ||
		    strncmp(name, "score_", 6) == 0)
			bp_cli_usage_error("--keep: '%s' is a column "
					   "bp-predict writes", name);
		for (size_t q = 0; q < o->sc.nkeep; q++)
			if (strcmp(o->keep[q], name) == 0)
				bp_cli_usage_error("--keep: '%s' given twice",
						   name);
		o->keep[o->sc.nkeep++] = name;
		if (!end)
			break;
		p = end;
	}
	o->sc.keep = o->keep;
}

static void
parse_args(int argc, char *argv[], struct opts *o)
{
	int c;

	bp_cli_init(argv[0], usage_line, help);
	while ((c = getopt_long(argc, argv, "m:o:qvhV", longopts, NULL)) !=
	       -1) {
		switch (c) {
		case 'm': o->model = optarg; break;
		case OPT_DB: o->db = optarg; break;
		case OPT_LONG:
			o->sc.long_t = bp_parse_real(optarg, -1e300, 1e300,
						     "--long");
			o->sc.have_long = 1;
			break;
		case OPT_SHORT:
			o->sc.short_t = bp_parse_real(optarg, -1e300, 1e300,
						      "--short");
			o->sc.have_short = 1;
			break;
		case OPT_LONG_ONLY: o->sc.long_only = 1; break;
		case OPT_MISSING:
			o->sc.missing = bp_parse_choice(optarg, missing_names,
							"--on-missing");
			break;
		case OPT_KEEP: parse_keep(o, optarg); break;
		case OPT_THREADS:
			o->sc.threads = (int)bp_parse_long(optarg, 1,
				BP_SCORER_MAX_THREADS, "--threads");
			break;
		case OPT_PLAIN: o->plain = 1; break;
		case 'o': o->out = optarg; break;
		case 'q': bp_verbosity = 0; break;
		case 'v': bp_verbosity++; break;
		case 'h': bp_cli_help();
		case 'V': bp_cli_version();
		default: bp_cli_usage_error("unknown option");
		}
	}
	if (!o->model)
		bp_cli_usage_error("--model is required");
	o->files = argv + optind;
	o->nfiles = argc - optind;
}

/* thresholds that make sense for the model's task */
static int
check_thresholds(const struct bp_model *m, const struct bp_scorer_opts *o)
{
	double hi, lo;

	bp_scorer_defaults(bp_model_task(m), &hi, &lo);
	hi = o->have_long ? o->long_t : hi;
	lo = o->have_short ? o->short_t : lo;
	if ((o->have_long || o->have_short ||
	     bp_model_task(m) != BP_TASK_REGRESSION) && !(lo < hi))
		return bp_error("--short (%g) must be below --long (%g)", lo,
				hi);
	return 0;
}

int
main(int argc, char *argv[])
{
	struct opts o = { 0 };
	struct bp_model *m = NULL;
	struct bp_writer *w = NULL;
	struct bp_forest *forest = NULL;
	struct bp_progress prog;
	int rc = BP_EXIT_FAIL;

	o.sc = (struct bp_scorer_opts)BP_SCORER_OPTS_INIT;
	bp_setprogname(argv[0]);
	parse_args(argc, argv, &o);
	m = bp_registry_load(o.model, o.db);
	if (!m || check_thresholds(m, &o.sc) < 0)
		goto out;
	bp_progress_init(&prog);
	o.sc.progress = &prog;
	/* compiled once for every input (NULL: not a gbdt) */
	forest = bp_forest_new(m);
	o.sc.forest = forest;
	w = bp_writer_open(o.out, o.plain ? BP_WRITER_PLAIN : BP_WRITER_AUTO);
	if (!w)
		goto out;
	for (int i = 0; i < (o.nfiles ? o.nfiles : 1); i++) {
		struct bp_reader *in = bp_reader_open(o.nfiles ? o.files[i] :
						      "-");
		int r = in ? bp_scorer_run(m, &o.sc, in, w, NULL) : -1;

		bp_reader_free(&in);
		if (r < 0)
			goto out;
	}
	if (bp_writer_close(&w) < 0)
		goto out;
	bp_progress_done(&prog);
	rc = BP_EXIT_OK;
out:
	bp_writer_abort(&w);
	bp_forest_free(&forest);
	bp_model_free(&m);
	free(o.keep);
	free(o.keepbuf);
	return rc;
}
