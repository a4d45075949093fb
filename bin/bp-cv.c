/* bp-cv: time-series cross-validation without leakage (see bp-cv(1)). */
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"
#include "cli.h"
#include "cv.h"
#include "metrics.h"
#include "search.h"

static const char usage_line[] =
	"usage: bp-cv (split | plan | run | search) [-q | -v] "
	"[--scheme <name>] [<scheme options>] [--label <col>] "
	"[--horizon <n>] [--model <kind>] [<model options>] [-o <file>] "
	"[<file>...]";

static const char help[] =
	"Commands:\n"
	"  split                  every fold's rows with 'fold' and 'role'\n"
	"  plan                   the folds as JSON (and a diagram)\n"
	"  run                    train and score a model on every fold\n"
	"  search                 run every parameter set, rank them\n"
	"Schemes and their options (sizes count distinct timestamps):\n"
	"      --scheme NAME      expanding, sliding, walk-forward,\n"
	"                         purged-kfold, cpcv (expanding)\n"
	"      --folds K          expanding, sliding, purged-kfold; walk-\n"
	"                         forward without both sizes (5)\n"
	"      --test-size N      expanding, sliding, walk-forward (T/(K+1))\n"
	"      --train-size N     sliding (required); walk-forward (all the\n"
	"                         timestamps before the first test block)\n"
	"      --gap N            expanding, sliding: gap before test (0)\n"
	"      --step N           walk-forward: advance per fold (test size)\n"
	"      --refit-every K    walk-forward: train every K folds (1)\n"
	"      --embargo N|F      walk-forward: gap before test; purged-\n"
	"                         kfold, cpcv: after each test block; N\n"
	"                         timestamps or a fraction F < 1 of them (0)\n"
	"      --groups N         cpcv: groups (6)\n"
	"      --test-groups K    cpcv: test groups per split (2)\n"
	"Label intervals (purging):\n"
	"      --label COL        the label; its end is the column COL_end\n"
	"      --horizon N        label spans N bars when COL_end is absent\n"
	"Models (run, search):\n"
	"      --model KIND       gbdt, logreg, linear, mlp (from --spec)\n"
	"      --params K=V,..    model parameters (defaults)\n"
	"      --spec FILE        strategy spec: its model's kind, params,\n"
	"                         label and features\n"
	"      --features LIST    names or globs, comma-separated (all)\n"
	"      --seed N           seed of every fold's model (1)\n"
	"      --threads N        worker threads (online processors)\n"
	"      --valid-frac F     early-stopping tail of each train set (0)\n"
	"      --oos FILE         out-of-sample predictions stream\n"
	"      --summary FILE     the JSON summary (stdout; stderr when\n"
	"                         --oos is stdout)\n"
	"      --long X           signal +1 when score >= X (0.55;\n"
	"                         regression: score > 0; multiclass: 0.1)\n"
	"      --short X          signal -1 when score <= X (0.45;\n"
	"                         regression: score < 0; multiclass: -0.1)\n"
	"      --long-only        never -1\n"
	"      --path P           cpcv: --oos writes path P only (all)\n"
	"      --grid SPEC        search: every combination, e.g.\n"
	"                         'max_depth=4,6 learning_rate=0.05,0.1'\n"
	"      --random N         search: N draws from --space\n"
	"      --space SPEC       search: 'lr=log:0.001:1 depth=3:8 a=x,y'\n"
	"      --metric NAME      search: ranking metric (logloss; rmse)\n"
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

/* OPT_FOLDS .. OPT_TEST_GROUPS in the order of enum bp_cv_opt_flags */
enum {
	OPT_SCHEME = 256, OPT_FOLDS, OPT_TEST_SIZE, OPT_TRAIN_SIZE, OPT_GAP,
	OPT_STEP, OPT_REFIT, OPT_EMBARGO, OPT_GROUPS, OPT_TEST_GROUPS,
	OPT_LABEL, OPT_HORIZON, OPT_PLAIN, OPT_FOLD, OPT_UNUSED,
	OPT_DIAGRAM, OPT_JSON, OPT_WIDTH, OPT_MODEL, OPT_PARAMS, OPT_SPEC,
	OPT_FEATURES, OPT_SEED, OPT_THREADS, OPT_VALID, OPT_OOS, OPT_SUMMARY,
	OPT_LONG, OPT_SHORT, OPT_LONG_ONLY, OPT_PATH, OPT_GRID, OPT_RANDOM,
	OPT_SPACE, OPT_METRIC,
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
	{ "model", required_argument, NULL, OPT_MODEL },
	{ "params", required_argument, NULL, OPT_PARAMS },
	{ "spec", required_argument, NULL, OPT_SPEC },
	{ "features", required_argument, NULL, OPT_FEATURES },
	{ "seed", required_argument, NULL, OPT_SEED },
	{ "threads", required_argument, NULL, OPT_THREADS },
	{ "valid-frac", required_argument, NULL, OPT_VALID },
	{ "oos", required_argument, NULL, OPT_OOS },
	{ "summary", required_argument, NULL, OPT_SUMMARY },
	{ "long", required_argument, NULL, OPT_LONG },
	{ "short", required_argument, NULL, OPT_SHORT },
	{ "long-only", no_argument, NULL, OPT_LONG_ONLY },
	{ "path", required_argument, NULL, OPT_PATH },
	{ "grid", required_argument, NULL, OPT_GRID },
	{ "random", required_argument, NULL, OPT_RANDOM },
	{ "space", required_argument, NULL, OPT_SPACE },
	{ "metric", required_argument, NULL, OPT_METRIC },
	{ "quiet", no_argument, NULL, 'q' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

enum { CMD_SPLIT, CMD_PLAN, CMD_RUN, CMD_SEARCH };
static const char *const commands[] = { "split", "plan", "run", "search",
					NULL };

/* the commands an option is for (bit 1 << CMD_x); 0: every command */
static unsigned
option_cmds(int c)
{
	switch (c) {
	case OPT_PLAIN:
		return 1u << CMD_SPLIT | 1u << CMD_RUN | 1u << CMD_SEARCH;
	case OPT_FOLD: case OPT_UNUSED:
		return 1u << CMD_SPLIT;
	case OPT_DIAGRAM: case OPT_JSON: case OPT_WIDTH:
		return 1u << CMD_PLAN;
	case OPT_GRID: case OPT_RANDOM: case OPT_SPACE: case OPT_METRIC:
		return 1u << CMD_SEARCH;
	default:
		return c >= OPT_MODEL && c <= OPT_PATH ?
		       1u << CMD_RUN | 1u << CMD_SEARCH : 0;
	}
}

struct opts {
	int cmd;
	struct bp_cv_opts cv;
	unsigned given;		/* sizes given: enum bp_cv_opt_flags */
	const char *label, *out;
	long horizon, fold, width;
	int unused, plain, diagram, json;
	/* run, search */
	struct bp_search_cmd c;
	struct bp_search_model m;
	const char *kind, *params, *spec, *features;
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
	char err[256];

	if (bp_cv_opts_check(&o->cv, o->given, err, sizeof(err)) < 0)
		bp_cli_usage_error("%s", err);
	if (bp_cv_scheme_purges(o->cv.scheme) && !o->label && o->horizon < 0)
		bp_cli_usage_error("horizon unknown for purging: give --label "
				   "<col> (with its <col>_end column) or "
				   "--horizon <n>");
}

/* run, search: the model, its parameters and the search space. */
static void
check_model(struct opts *o)
{
	char err[256];

	if (bp_search_model_init(&o->m, o->spec, o->kind, o->label,
				 o->features) < 0)
		exit(BP_EXIT_FAIL);
	if (!(o->label = o->m.label))
		bp_cli_usage_error("%s needs --label <col>",
				   commands[o->cmd]);
	if (!o->m.kind)
		bp_cli_usage_error("%s needs --model <kind> (or a --spec with "
				   "one)", commands[o->cmd]);
	if (bp_search_model_params(&o->m, o->params, err, sizeof(err)) < 0)
		bp_cli_usage_error("%s", err);
	if (o->c.metric && bp_metrics_higher_is_better(o->c.metric) < 0)
		bp_cli_usage_error("--metric: '%s' is not a metric",
				   o->c.metric);
	if (o->cmd == CMD_SEARCH && !o->c.grid == !o->c.random)
		bp_cli_usage_error("search needs --grid <spec> or --random <n> "
				   "with --space <spec>");
	if (o->c.random && !o->c.space)
		bp_cli_usage_error("--random needs --space <spec>");
	if (bp_search_model_space(&o->m, o->c.grid, o->c.space, err,
				  sizeof(err)) < 0)
		bp_cli_usage_error("%s", err);
	if (o->c.path >= 0 && o->cv.scheme != BP_CV_CPCV)
		bp_cli_usage_error("--path: only cpcv has paths");
	if (o->c.sig.have_long && o->c.sig.have_short &&
	    o->c.sig.short_th > o->c.sig.long_th)
		bp_cli_usage_error("--short must not be above --long");
	o->c.run.kind = o->m.kind;
	o->c.base = o->m.params;
	o->c.plain = o->plain;
	if (!o->c.summary)
		o->c.summary = o->out;
}

static void
parse_args(int argc, char *argv[], struct opts *o)
{
	int c, li = 0;

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
	while ((c = getopt_long(argc, argv, "o:qvhV", longopts, &li)) != -1) {
		if (c >= OPT_FOLDS && c <= OPT_TEST_GROUPS)
			o->given |= 1u << (c - OPT_FOLDS);
		if (option_cmds(c) && !(option_cmds(c) & 1u << o->cmd))
			bp_cli_usage_error("--%s: not an option of '%s'",
					   longopts[li].name, commands[o->cmd]);
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
		case OPT_MODEL: o->kind = optarg; break;
		case OPT_PARAMS: o->params = optarg; break;
		case OPT_SPEC: o->spec = optarg; break;
		case OPT_FEATURES: o->features = optarg; break;
		case OPT_SEED:
			o->c.run.seed = (uint64_t)bp_parse_long(optarg, 0,
				LONG_MAX, "--seed");
			break;
		case OPT_THREADS:
			o->c.run.threads = (int)bp_parse_long(optarg, 1, 256,
							    "--threads");
			break;
		case OPT_VALID:
			o->c.run.valid_frac = bp_parse_real(optarg, 0, 0.9,
							  "--valid-frac");
			break;
		case OPT_OOS: o->c.oos = optarg; break;
		case OPT_SUMMARY: o->c.summary = optarg; break;
		case OPT_LONG:
			o->c.sig.have_long = 1;
			o->c.sig.long_th = bp_parse_real(optarg, -1e300, 1e300,
						       "--long");
			break;
		case OPT_SHORT:
			o->c.sig.have_short = 1;
			o->c.sig.short_th = bp_parse_real(optarg, -1e300, 1e300,
							"--short");
			break;
		case OPT_LONG_ONLY: o->c.sig.long_only = 1; break;
		case OPT_PATH:
			o->c.path = bp_parse_long(optarg, 0, 100000, "--path");
			break;
		case OPT_GRID: o->c.grid = optarg; break;
		case OPT_RANDOM:
			o->c.random = bp_parse_long(optarg, 1, 100000,
						  "--random");
			break;
		case OPT_SPACE: o->c.space = optarg; break;
		case OPT_METRIC: o->c.metric = optarg; break;
		case 'q': bp_verbosity = 0; break;
		case 'v': bp_verbosity++; break;
		case 'h': bp_cli_help();
		case 'V': bp_cli_version();
		default: bp_cli_usage_error("unknown option");
		}
	}
	if (o->diagram && o->json)
		bp_cli_usage_error("--diagram and --json exclude each other");
	if (o->cmd >= CMD_RUN)
		check_model(o);		/* may take the label from --spec */
	check_scheme(o);
	o->files = argv + optind;
	o->nfiles = argc - optind;
}

int
main(int argc, char *argv[])
{
	struct opts o = { 0 };
	struct bp_cv_data d = BP_CV_DATA_INIT;
	struct bp_cv_plan p = BP_CV_PLAN_INIT;
	struct bp_search_data sd = { 0 };
	int rc = BP_EXIT_FAIL;

	o.cv = (struct bp_cv_opts)BP_CV_OPTS_INIT;
	o.horizon = -1;
	o.fold = -1;
	o.width = 64;
	o.c.path = -1;
	o.c.run.seed = 1;
	parse_args(argc, argv, &o);
	if (bp_cv_data_load(&d, (const char *const *)o.files,
			    (size_t)o.nfiles, o.label, o.horizon,
			    bp_cv_scheme_purges(o.cv.scheme)) < 0)
		goto out;
	if (bp_cv_plan_build(&p, &o.cv, d.nts) < 0)
		goto out;
	if (o.cmd == CMD_SPLIT && o.fold >= p.nfolds)
		bp_cli_usage_error("--fold: %ld is not a fold (the plan has "
				   "%ld)", o.fold, p.nfolds);
	if (o.cmd == CMD_SPLIT && bp_cv_cmd_split(&d, &p, o.out, o.plain,
						  o.fold, o.unused) < 0)
		goto out;
	if (o.cmd == CMD_PLAN && bp_cv_cmd_plan(&d, &p, o.out, o.diagram ||
			(!o.json && isatty(STDOUT_FILENO)), !o.diagram || o.out,
			(int)o.width) < 0)
		goto out;
	if (o.cmd >= CMD_RUN && bp_search_data_init(&sd, &d, &p, o.label,
						    o.m.features,
						    o.m.nfeatures) < 0)
		goto out;
	if (o.cmd == CMD_RUN && bp_search_cmd_run(&sd, &o.c) < 0)
		goto out;
	if (o.cmd == CMD_SEARCH && bp_search_cmd_search(&sd, &o.c) < 0)
		goto out;
	rc = BP_EXIT_OK;
out:
	bp_search_data_release(&sd);
	bp_search_model_release(&o.m);
	bp_cv_plan_release(&p);
	bp_cv_data_release(&d);
	return rc;
}
