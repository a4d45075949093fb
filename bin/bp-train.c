/* bp-train: train a model on a feature stream (see bp-train(1)). */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "cli.h"
#include "dataset.h"
#include "jsonout.h"
#include "model.h"
#include "registry.h"
#include "store.h"

static const char usage_line[] =
	"usage: bp-train [-q | -v] --model <kind> --label <col> "
	"[--features <list>] [--params <k=v,...>] [--spec <file>] "
	"[--valid-frac <f>] [--seed <n>] [--threads <n>] [-o <file>] "
	"[--register <name>] [--db <path>] [<file>]";

static const char help[] =
	"  -m, --model KIND       gbdt, logreg, linear or mlp\n"
	"  -l, --label COL        the label column (a label_* column)\n"
	"  -f, --features LIST    names or globs, comma-separated (every\n"
	"                         numeric column but ts, OHLCV and labels)\n"
	"  -p, --params K=V,...   model parameters (see --list-params)\n"
	"      --spec FILE        take model kind, label, params and features\n"
	"                         from a strategy spec's \"model\" object\n"
	"      --valid-frac F     time-ordered validation tail (0.2)\n"
	"      --seed N           seed of every random choice (0)\n"
	"      --threads N        threads, 0 = every core (0)\n"
	"  -o, --output FILE      write the model file atomically (stdout)\n"
	"      --register NAME    store the model in the registry\n"
	"      --db PATH          database (" "$BARPIPE_HOME/barpipe.db)\n"
	"      --list-params      print the parameters of --model (or all)\n"
	"  -q, --quiet            errors only\n"
	"  -v, --verbose          more messages (training log)\n"
	"  -h, --help             this help\n"
	"  -V, --version          print the version\n"
	"See bp-train(1).\n";

enum {
	OPT_SPEC = 256, OPT_VALID, OPT_SEED, OPT_THREADS, OPT_REGISTER,
	OPT_DB, OPT_LIST_PARAMS,
};

static const struct option longopts[] = {
	{ "model", required_argument, NULL, 'm' },
	{ "label", required_argument, NULL, 'l' },
	{ "features", required_argument, NULL, 'f' },
	{ "params", required_argument, NULL, 'p' },
	{ "spec", required_argument, NULL, OPT_SPEC },
	{ "valid-frac", required_argument, NULL, OPT_VALID },
	{ "seed", required_argument, NULL, OPT_SEED },
	{ "threads", required_argument, NULL, OPT_THREADS },
	{ "output", required_argument, NULL, 'o' },
	{ "register", required_argument, NULL, OPT_REGISTER },
	{ "db", required_argument, NULL, OPT_DB },
	{ "list-params", no_argument, NULL, OPT_LIST_PARAMS },
	{ "quiet", no_argument, NULL, 'q' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

struct opts {
	const char *kind, *label, *params, *spec, *out, *reg, *db, *input;
	char **features;
	size_t nfeatures;
	double valid_frac;
	uint64_t seed;
	int threads, list_params;
};

static void
add_features(struct opts *o, const char *list)
{
	const char *p = list;

	while (*p) {
		size_t n = strcspn(p, ",");

		if (n) {
			o->features = bp_xreallocarray(o->features,
						       o->nfeatures + 1,
						       sizeof(*o->features));
			o->features[o->nfeatures++] = bp_xstrndup(p, n);
		}
		p += n + (p[n] == ',');
	}
}

static void
parse_args(int argc, char *argv[], struct opts *o)
{
	int c;

	bp_cli_init(argv[0], usage_line, help);
	while ((c = getopt_long(argc, argv, "m:l:f:p:o:qvhV", longopts,
				NULL)) != -1) {
		switch (c) {
		case 'm': o->kind = optarg; break;
		case 'l': o->label = optarg; break;
		case 'f': add_features(o, optarg); break;
		case 'p': o->params = optarg; break;
		case OPT_SPEC: o->spec = optarg; break;
		case OPT_VALID:
			o->valid_frac = bp_parse_real(optarg, 0, 0.9,
						      "--valid-frac");
			break;
		case OPT_SEED:
			o->seed = (uint64_t)bp_parse_long(optarg, 0, LONG_MAX,
							  "--seed");
			break;
		case OPT_THREADS:
			o->threads = (int)bp_parse_long(optarg, 0, 256,
							"--threads");
			break;
		case 'o': o->out = optarg; break;
		case OPT_REGISTER: o->reg = optarg; break;
		case OPT_DB: o->db = optarg; break;
		case OPT_LIST_PARAMS: o->list_params = 1; break;
		case 'q': bp_verbosity = 0; break;
		case 'v': bp_verbosity++; break;
		case 'h': bp_cli_help();
		case 'V': bp_cli_version();
		default: bp_cli_usage_error("unknown option");
		}
	}
	if (o->kind && !bp_model_kind_known(o->kind))
		bp_cli_usage_error("--model: '%s' is not a model kind (gbdt, "
				   "logreg, linear, mlp)", o->kind);
	if (o->reg && !bp_registry_name_ok(o->reg))
		bp_cli_usage_error("--register: '%s' is not a model name "
				   "(letters, digits, '_', '-', '.')", o->reg);
	if (argc - optind > 1)
		bp_cli_usage_error("one input file at most");
	o->input = optind < argc ? argv[optind] : "-";
}

/* Fill what the command line left open from the spec's "model" object. */
static int
read_spec(struct opts *o, struct bp_model_spec *sp, json_t **spec_params)
{
	if (bp_model_spec_load(sp, o->spec) < 0)
		return -1;
	if (!o->kind)
		o->kind = sp->kind;
	if (!o->label)
		o->label = sp->label;
	if (!o->nfeatures)
		for (size_t i = 0; i < sp->nfeatures; i++)
			add_features(o, sp->features[i]);
	/* the spec's parameters are for the spec's kind only */
	*spec_params = sp->params && (!sp->kind || !o->kind ||
		       strcmp(sp->kind, o->kind) == 0) ?
		       json_incref(sp->params) : NULL;
	return 0;
}

static int
list_params(const char *kind)
{
	struct bp_buf b = BP_BUF_INIT;

	for (size_t i = 0; bp_model_kinds[i]; i++) {
		if (kind && strcmp(kind, bp_model_kinds[i]) != 0)
			continue;
		bp_buf_addf(&b, "%s:\n", bp_model_kinds[i]);
		bp_model_params_help(bp_model_kinds[i], &b);
	}
	fputs(b.s, stdout);
	bp_buf_release(&b);
	return bp_close_stdout() < 0 ? BP_EXIT_FAIL : BP_EXIT_OK;
}

/* --params alone must be valid for kind: else a usage error */
static int
check_params(const char *kind, const char *cli)
{
	json_t *p = bp_model_params_parse(cli), *r;

	if (!p)
		return -1;
	r = bp_model_params_resolve(kind, p);
	json_decref(p);
	if (!r)
		return -1;
	json_decref(r);
	return 0;
}

/* params = spec's, overridden key by key by --params */
static json_t *
merge_params(json_t *spec_params, const char *cli)
{
	json_t *p = bp_model_params_parse(cli), *out;

	if (!p)
		return NULL;
	out = spec_params ? json_deep_copy(spec_params) : json_object();
	json_object_update(out, p);
	json_decref(p);
	return out;
}

static void
report(const struct bp_model *m, const struct bp_dataset *d,
       const struct bp_dataset *valid)
{
	const json_t *met = json_object_get(bp_model_info(m), "metrics");
	const json_t *v = json_object_get(met, valid->n ? "valid" : "train");
	struct bp_buf b = BP_BUF_INIT;
	const char *key;
	json_t *val;

	bp_buf_addf(&b, "%s %s %s:", bp_model_kind(m), bp_model_label(m),
		    valid->n ? "valid" : "train");
	json_object_foreach((json_t *)v, key, val) {
		if (json_is_integer(val))
			bp_buf_addf(&b, " %s=%lld", key,
				    (long long)json_integer_value(val));
		else if (json_is_number(val))
			bp_buf_addf(&b, " %s=%.4f", key,
				    json_number_value(val));
		else
			bp_buf_addf(&b, " %s=null", key);
	}
	bp_buf_addf(&b, " (rows %llu, skipped %llu null labels)",
		    (unsigned long long)d->rows_read,
		    (unsigned long long)d->skipped_null_label);
	if (bp_verbosity >= 1)
		fprintf(stderr, "%s: %s\n", bp_progname(), b.s);
	bp_buf_release(&b);
}

int
main(int argc, char *argv[])
{
	struct opts o = { .valid_frac = 0.2 };
	struct bp_dataset d = BP_DATASET_INIT, train = BP_DATASET_INIT;
	struct bp_dataset valid = BP_DATASET_INIT;
	struct bp_dataset_opts dopts = { 0 };
	struct bp_buf log = BP_BUF_INIT;
	struct bp_model *m = NULL;
	struct bp_store *store = NULL;
	struct bp_model_spec spec = { 0 };
	json_t *spec_params = NULL, *params = NULL;
	const json_t *fit;
	int rc = BP_EXIT_FAIL, version;

	bp_setprogname(argv[0]);
	parse_args(argc, argv, &o);
	if (o.list_params) {
		rc = list_params(o.kind);
		goto out;
	}
	if (o.spec && read_spec(&o, &spec, &spec_params) < 0)
		goto out;
	if (!o.kind)
		bp_cli_usage_error("--model is required (or a spec with "
				   "model.kind)");
	if (!o.label)
		bp_cli_usage_error("--label is required (or a spec with "
				   "model.label)");
	if (!bp_dataset_is_label(o.label))
		bp_warn("'%s' is not a label_* column: make sure it does not "
			"look into the future of the features", o.label);
	if (check_params(o.kind, o.params) < 0) {
		rc = BP_EXIT_USAGE;	/* a bad --params value */
		goto out;
	}
	params = merge_params(spec_params, o.params);
	if (check_params(o.kind, NULL) < 0 || !params)
		goto out;
	{
		json_t *r = bp_model_params_resolve(o.kind, params);

		if (!r)
			goto out;	/* the spec's params */
		json_decref(r);
	}

	dopts.label = o.label;
	dopts.features = (const char *const *)o.features;
	dopts.nfeatures = o.nfeatures;
	if (bp_dataset_load(&d, o.input, &dopts) < 0 ||
	    bp_dataset_split_tail(&d, o.valid_frac, &train, &valid) < 0)
		goto out;
	m = bp_model_train(o.kind, params, &train, &valid, o.seed, o.threads,
			   &log);
	if (!m)
		goto out;
	for (char *p = log.s, *nl; p && *p; p = nl + 1) {
		nl = strchr(p, '\n');
		if (!nl)
			break;
		bp_info(2, "%.*s", (int)(nl - p), p);
	}
	fit = json_object_get(bp_model_info(m), "fit");
	if (json_is_false(json_object_get(fit, "converged")))
		bp_warn("%s did not converge in %lld iterations (raise "
			"max_iter or l2)", o.kind,
			(long long)json_integer_value(
				json_object_get(fit, "iterations")));
	bp_model_info_set(m, "training", "rows_read",
			  json_integer((json_int_t)d.rows_read));
	bp_model_info_set(m, "training", "skipped_null_label",
			  json_integer((json_int_t)d.skipped_null_label));
	bp_model_info_set(m, "training", "valid_frac",
			  json_real(o.valid_frac));
	report(m, &d, &valid);

	if ((o.out || !o.reg) && bp_model_save(m, o.out ? o.out : "-") < 0)
		goto out;
	if (o.reg) {
		store = bp_store_open(o.db, 0);
		if (!store || bp_registry_add(store, o.reg, m, &version) < 0)
			goto out;
		if (bp_verbosity >= 1)
			fprintf(stderr, "%s: registered %s@%d (candidate)\n",
				bp_progname(), o.reg, version);
	}
	rc = BP_EXIT_OK;
out:
	bp_store_free(&store);
	bp_model_free(&m);
	bp_dataset_release(&d);
	bp_dataset_release(&train);
	bp_dataset_release(&valid);
	bp_buf_release(&log);
	json_decref(params);
	json_decref(spec_params);
	bp_model_spec_release(&spec);
	for (size_t i = 0; i < o.nfeatures; i++)
		free(o.features[i]);
	free(o.features);
	return rc;
}
