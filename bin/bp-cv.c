/* bp-cv: time-series cross-validation without leakage (see bp-cv(1)). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"
#include "cli.h"
#include "cv.h"
#include "jsonout.h"
#include "stream.h"

static const char usage_line[] =
	"usage: bp-cv (split | plan) [-q | -v] [--scheme <name>] "
	"[<scheme options>] [--label <col>] [--horizon <n>] [-o <file>] "
	"[<file>...]";

static const char help[] =
	"Commands:\n"
	"  split                  every fold's rows with 'fold' and 'role'\n"
	"  plan                   the folds as JSON (and a diagram)\n"
	"Schemes and their options (sizes count distinct timestamps):\n"
	"      --scheme NAME      expanding, sliding, walk-forward,\n"
	"                         purged-kfold, cpcv (expanding)\n"
	"      --folds K          expanding, sliding, purged-kfold (5)\n"
	"      --test-size N      expanding, sliding (T/(K+1)); walk-forward\n"
	"      --train-size N     sliding, walk-forward (required)\n"
	"      --gap N            expanding, sliding: gap before test (0)\n"
	"      --step N           walk-forward: advance per fold (test size)\n"
	"      --refit-every K    walk-forward: train every K folds (1)\n"
	"      --embargo N|F      walk-forward: gap before test; purged-kfold,\n"
	"                         cpcv: after each test block; N timestamps\n"
	"                         or a fraction F < 1 of them (0)\n"
	"      --groups N         cpcv: groups (6)\n"
	"      --test-groups K    cpcv: test groups per split (2)\n"
	"Label intervals (purging):\n"
	"      --label COL        the label; its end is the column COL_end\n"
	"      --horizon N        label spans N bars when COL_end is absent\n"
	"Output:\n"
	"  -o, --output FILE      write FILE atomically (stdout)\n"
	"      --plain            uncompressed stream output\n"
	"      --fold K           split: only fold K (all folds)\n"
	"      --unused           split: also rows with no role ('unused')\n"
	"      --diagram          plan: print the text diagram (on a tty)\n"
	"      --json             plan: JSON only, even on a terminal\n"
	"      --width N          plan: diagram width in columns (64)\n"
	"  -q, --quiet            errors only\n"
	"  -v, --verbose          more messages\n"
	"  -h, --help             this help\n"
	"  -V, --version          print the version\n"
	"See bp-cv(1).\n";

enum {
	OPT_SCHEME = 256, OPT_FOLDS, OPT_TEST_SIZE, OPT_TRAIN_SIZE, OPT_GAP,
	OPT_STEP, OPT_REFIT, OPT_EMBARGO, OPT_GROUPS, OPT_TEST_GROUPS,
	OPT_LABEL, OPT_HORIZON, OPT_PLAIN, OPT_FOLD, OPT_UNUSED,
	OPT_DIAGRAM, OPT_JSON, OPT_WIDTH,
};

static const struct option longopts[] = {
	{ "scheme", required_argument, NULL, OPT_SCHEME },
	{ "folds", required_argument, NULL, OPT_FOLDS },
	{ "test-size", required_argument, NULL, OPT_TEST_SIZE },
	{ "train-size", required_argument, NULL, OPT_TRAIN_SIZE },
	{ "gap", required_argument, NULL, OPT_GAP },
	{ "step", required_argument, NULL, OPT_STEP },
	{ "refit-every", required_argument, NULL, OPT_REFIT },
	{ "embargo", required_argument, NULL, OPT_EMBARGO },
	{ "groups", required_argument, NULL, OPT_GROUPS },
	{ "test-groups", required_argument, NULL, OPT_TEST_GROUPS },
	{ "label", required_argument, NULL, OPT_LABEL },
	{ "horizon", required_argument, NULL, OPT_HORIZON },
	{ "output", required_argument, NULL, 'o' },
	{ "plain", no_argument, NULL, OPT_PLAIN },
	{ "fold", required_argument, NULL, OPT_FOLD },
	{ "unused", no_argument, NULL, OPT_UNUSED },
	{ "diagram", no_argument, NULL, OPT_DIAGRAM },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "width", required_argument, NULL, OPT_WIDTH },
	{ "quiet", no_argument, NULL, 'q' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

enum { CMD_SPLIT, CMD_PLAN };
static const char *const commands[] = { "split", "plan", NULL };

/* scheme options, as bits, and which schemes take them */
#define G(opt) (1u << ((opt) - OPT_FOLDS))
static const unsigned allowed[] = {
	[BP_CV_EXPANDING] = G(OPT_FOLDS) | G(OPT_TEST_SIZE) | G(OPT_GAP),
	[BP_CV_SLIDING] = G(OPT_FOLDS) | G(OPT_TEST_SIZE) | G(OPT_GAP) |
			  G(OPT_TRAIN_SIZE),
	[BP_CV_WALK_FORWARD] = G(OPT_TRAIN_SIZE) | G(OPT_TEST_SIZE) |
			       G(OPT_STEP) | G(OPT_REFIT) | G(OPT_EMBARGO),
	[BP_CV_PURGED_KFOLD] = G(OPT_FOLDS) | G(OPT_EMBARGO),
	[BP_CV_CPCV] = G(OPT_GROUPS) | G(OPT_TEST_GROUPS) | G(OPT_EMBARGO),
};

struct opts {
	int cmd;
	struct bp_cv_opts cv;
	unsigned given;
	const char *label, *out;
	long horizon, fold, width;
	int unused, plain, diagram, json;
	char **files;
	int nfiles;
};

static void
parse_embargo(struct bp_cv_opts *cv, const char *arg)
{
	if (strpbrk(arg, ".eE")) {
		cv->embargo_frac = bp_parse_real(arg, 0, 0.999999999,
						 "--embargo");
		return;
	}
	cv->embargo = bp_parse_long(arg, 0, 100000000, "--embargo");
}

static void
check_scheme(const struct opts *o)
{
	const struct bp_cv_opts *cv = &o->cv;
	const char *name = bp_cv_scheme_names[cv->scheme];

	for (int i = OPT_FOLDS; i <= OPT_TEST_GROUPS; i++) {
		const char *opt = longopts[i - OPT_SCHEME].name;

		if ((o->given & G(i)) && !(allowed[cv->scheme] & G(i)))
			bp_cli_usage_error("--%s: not an option of scheme "
					   "'%s'", opt, name);
	}
	if ((cv->scheme == BP_CV_SLIDING ||
	     cv->scheme == BP_CV_WALK_FORWARD) && !cv->train_size)
		bp_cli_usage_error("scheme '%s' needs --train-size", name);
	if (cv->scheme == BP_CV_WALK_FORWARD && !cv->test_size)
		bp_cli_usage_error("scheme '%s' needs --test-size", name);
	if (cv->scheme == BP_CV_CPCV && cv->groups &&
	    cv->test_groups >= cv->groups)
		bp_cli_usage_error("--test-groups: must be below --groups "
				   "(%ld)", cv->groups);
	if (bp_cv_scheme_purges(cv->scheme) && !o->label && o->horizon < 0)
		bp_cli_usage_error("horizon unknown for purging: give --label "
				   "<col> (with its <col>_end column) or "
				   "--horizon <n>");
}

static void
parse_args(int argc, char *argv[], struct opts *o)
{
	int c;

	bp_cli_init(argv[0], usage_line, help);
	if (argc >= 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")))
		bp_cli_help();
	if (argc >= 2 && (!strcmp(argv[1], "-V") ||
			  !strcmp(argv[1], "--version")))
		bp_cli_version();
	if (argc < 2)
		bp_cli_usage_error("a command is required");
	o->cmd = bp_parse_choice(argv[1], commands, "command");
	argc--;
	argv++;
	while ((c = getopt_long(argc, argv, "o:qvhV", longopts, NULL)) != -1) {
		if (c >= OPT_FOLDS && c <= OPT_TEST_GROUPS)
			o->given |= G(c);
		switch (c) {
		case OPT_SCHEME:
			o->cv.scheme = bp_parse_choice(optarg,
						       bp_cv_scheme_names,
						       "--scheme");
			break;
		case OPT_FOLDS:
			o->cv.folds = bp_parse_long(optarg, 1, 100000,
						    "--folds");
			break;
		case OPT_TEST_SIZE:
			o->cv.test_size = bp_parse_long(optarg, 1, 1L << 40,
							"--test-size");
			break;
		case OPT_TRAIN_SIZE:
			o->cv.train_size = bp_parse_long(optarg, 1, 1L << 40,
							 "--train-size");
			break;
		case OPT_GAP:
			o->cv.gap = bp_parse_long(optarg, 0, 1L << 40, "--gap");
			break;
		case OPT_STEP:
			o->cv.step = bp_parse_long(optarg, 1, 1L << 40,
						   "--step");
			break;
		case OPT_REFIT:
			o->cv.refit_every = bp_parse_long(optarg, 1, 100000,
							  "--refit-every");
			break;
		case OPT_EMBARGO:
			parse_embargo(&o->cv, optarg);
			break;
		case OPT_GROUPS:
			o->cv.groups = bp_parse_long(optarg, 2, 1000,
						     "--groups");
			break;
		case OPT_TEST_GROUPS:
			o->cv.test_groups = bp_parse_long(optarg, 1, 999,
							  "--test-groups");
			break;
		case OPT_LABEL: o->label = optarg; break;
		case OPT_HORIZON:
			o->horizon = bp_parse_long(optarg, 0, 1000000,
						   "--horizon");
			break;
		case 'o': o->out = optarg; break;
		case OPT_PLAIN: o->plain = 1; break;
		case OPT_FOLD:
			o->fold = bp_parse_long(optarg, 0, 1000000, "--fold");
			break;
		case OPT_UNUSED: o->unused = 1; break;
		case OPT_DIAGRAM: o->diagram = 1; break;
		case OPT_JSON: o->json = 1; break;
		case OPT_WIDTH:
			o->width = bp_parse_long(optarg, 1, 10000, "--width");
			break;
		case 'q': bp_verbosity = 0; break;
		case 'v': bp_verbosity++; break;
		case 'h': bp_cli_help();
		case 'V': bp_cli_version();
		default: bp_cli_usage_error("unknown option");
		}
	}
	if (o->diagram && o->json)
		bp_cli_usage_error("--diagram and --json exclude each other");
	check_scheme(o);
	o->files = argv + optind;
	o->nfiles = argc - optind;
}

static int
read_input(const struct opts *o, struct bp_cv_data *d)
{
	struct bp_buf end = BP_BUF_INIT;
	int rc = 0;

	if (o->label)
		bp_buf_addf(&end, "%s_end", o->label);
	for (int i = 0; rc == 0 && i < (o->nfiles ? o->nfiles : 1); i++) {
		struct bp_reader *r = bp_reader_open(o->nfiles ? o->files[i] :
						     "-");

		rc = r ? bp_cv_data_read(d, r, end.s) : -1;
		bp_reader_free(&r);
	}
	if (rc == 0)
		rc = bp_cv_data_index(d, o->horizon);
	if (rc == 0 && !d->t1 && bp_cv_scheme_purges(o->cv.scheme))
		rc = bp_error("horizon unknown for purging: no column '%s' in "
			      "the input and no --horizon", end.s);
	bp_buf_release(&end);
	return rc;
}

static int
do_split(const struct opts *o, const struct bp_cv_data *d,
	 const struct bp_cv_plan *p)
{
	struct bp_writer *w;
	unsigned char *role;
	int rc = 0;

	if (o->fold >= p->nfolds)
		bp_cli_usage_error("--fold: %ld is not a fold (the plan has "
				   "%ld)", o->fold, p->nfolds);
	w = bp_writer_open(o->out, BP_WRITER_AUTO |
			   (o->plain ? BP_WRITER_PLAIN : 0));
	if (!w)
		return -1;
	role = bp_xmalloc(d->n + 1);
	for (long f = 0; rc == 0 && f < p->nfolds; f++) {
		if (o->fold >= 0 && f != o->fold)
			continue;
		bp_cv_roles(p, f, d->n, d->t, d->t1, role);
		rc = bp_cv_write_fold(w, d, p, f, role, o->unused);
	}
	free(role);
	if (rc < 0) {
		bp_writer_abort(&w);
		return -1;
	}
	return bp_writer_close(&w);
}

static int
do_plan(const struct opts *o, const struct bp_cv_data *d,
	const struct bp_cv_plan *p)
{
	struct bp_buf b = BP_BUF_INIT;
	int rc = 0, diagram = o->diagram || (!o->json && isatty(1));

	if (o->out || !o->diagram) {
		json_t *doc = bp_cv_plan_json(p, d);

		rc = bp_json_write_file(o->out ? o->out : "-", doc,
					BP_JSON_INDENT);
		json_decref(doc);
	}
	if (rc == 0 && diagram) {
		bp_cv_plan_diagram(&b, p, d, (int)o->width);
		fwrite(b.s, 1, b.len, stdout);
		rc = bp_close_stdout();
	}
	bp_buf_release(&b);
	return rc;
}

int
main(int argc, char *argv[])
{
	struct opts o = { 0 };
	struct bp_cv_data d = BP_CV_DATA_INIT;
	struct bp_cv_plan p = BP_CV_PLAN_INIT;
	int rc = BP_EXIT_FAIL;

	o.cv = (struct bp_cv_opts)BP_CV_OPTS_INIT;
	o.horizon = -1;
	o.fold = -1;
	o.width = 64;
	parse_args(argc, argv, &o);
	if (read_input(&o, &d) < 0)
		goto out;
	if (bp_cv_plan_build(&p, &o.cv, d.nts) < 0)
		goto out;
	if (o.cmd == CMD_SPLIT && do_split(&o, &d, &p) < 0)
		goto out;
	if (o.cmd == CMD_PLAN && do_plan(&o, &d, &p) < 0)
		goto out;
	rc = BP_EXIT_OK;
out:
	bp_cv_plan_release(&p);
	bp_cv_data_release(&d);
	return rc;
}
