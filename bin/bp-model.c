/* bp-model: list, show, promote, roll back, compare models (bp-model(1)). */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"
#include "cli.h"
#include "health.h"
#include "jsonout.h"
#include "model.h"
#include "registry.h"
#include "store.h"
#include "stream.h"

static const char usage_line[] =
	"usage: bp-model (list [<name>] | show <name>[@<v>] | "
	"promote <name>@<v> | rollback <name> | "
	"compare <ref> <ref> [<features>] | rm <name>@<v> | "
	"health <ref> [<features>]) "
	"[-q | -v] [--db <path>] [--json] [--label <col>] [--force]";

static const char help[] =
	"Commands:\n"
	"  list [NAME]            versions with status and headline metric\n"
	"  show NAME[@V]          one version (default: the active one)\n"
	"  promote NAME@V         make V the active version\n"
	"  rollback NAME          back to the version active before\n"
	"  compare A B [FILE]     metrics side by side; with a feature stream\n"
	"                         FILE ('-': stdin), both models' predictions\n"
	"  rm NAME@V              remove a version and its file\n"
	"  health REF [FILE]      drift of FILE ('-': stdin) from the model's\n"
	"                         training data, its metrics trend, last\n"
	"                         retrain and a verdict (exit 3 at --fail-on)\n"
	"A model reference is NAME (active version), NAME@V or a file path.\n"
	"      --db PATH          database ($BARPIPE_HOME/barpipe.db)\n"
	"      --json             list: JSON instead of a table\n"
	"      --label COL        compare: the label column (A's label)\n"
	"      --force            rm: also the active version\n"
	"      --ref FILE         health: the training rows (default: the\n"
	"                         model's stored sketch of them)\n"
	"      --cur-window W     health: rows of FILE (default all)\n"
	"      --fail-on LEVEL    health: exit 3 at or above (HIGH)\n"
	"      --table            health: a table even off a terminal\n"
	"  -o, --output FILE      health: the JSON report to FILE\n"
	"      --prom FILE        health: Prometheus text to FILE\n"
	"  -q, --quiet            errors only\n"
	"  -v, --verbose          more messages\n"
	"  -h, --help             this help\n"
	"  -V, --version          print the version\n"
	"See bp-model(1).\n";

enum { OPT_DB = 256, OPT_JSON, OPT_LABEL, OPT_FORCE, OPT_REF, OPT_CURWIN,
       OPT_FAILON, OPT_TABLE, OPT_PROM };

static const struct option longopts[] = {
	{ "db", required_argument, NULL, OPT_DB },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "label", required_argument, NULL, OPT_LABEL },
	{ "force", no_argument, NULL, OPT_FORCE },
	{ "ref", required_argument, NULL, OPT_REF },
	{ "cur-window", required_argument, NULL, OPT_CURWIN },
	{ "fail-on", required_argument, NULL, OPT_FAILON },
	{ "table", no_argument, NULL, OPT_TABLE },
	{ "output", required_argument, NULL, 'o' },
	{ "prom", required_argument, NULL, OPT_PROM },
	{ "quiet", no_argument, NULL, 'q' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

struct opts {
	const char *db, *label;
	int json, force;
	const char *ref, *output, *prom;	/* health */
	struct bp_window cur_window;
	enum bp_level fail_on;
	int table;
	char **args;		/* the command's operands */
	int nargs;
};

struct cmd {
	const char *name;
	int min_args, max_args;
	int (*run)(struct opts *o, struct bp_store *s);
	int needs_store;
};

static int
print_json(const json_t *v)
{
	struct bp_buf b = BP_BUF_INIT;

	bp_json_dump(&b, v, BP_JSON_INDENT);
	bp_buf_addc(&b, '\n');
	fwrite(b.s, 1, b.len, stdout);
	bp_buf_release(&b);
	return 0;
}

/* NAME@V with an explicit version */
static int
versioned(const char *ref, char **name, int *version)
{
	if (bp_registry_parse_ref(ref, name, version) < 0)
		return -1;
	if (*version == 0) {
		free(*name);
		return bp_error("'%s': name a version (NAME@VERSION)", ref);
	}
	return 0;
}

static const char *
headline(const struct bp_registry_entry *e, double *v)
{
	json_t *m = json_loads(e->metrics ? e->metrics : "{}", 0, NULL);
	json_t *set = json_object_get(m, "valid");
	const char *name = json_object_get(set ? set : json_object_get(m,
			   "train"), "rmse") ? "rmse" : "logloss";

	if (!set)
		set = json_object_get(m, "train");
	*v = json_number_value(json_object_get(set, name));
	if (!json_is_number(json_object_get(set, name)))
		*v = NAN;
	json_decref(m);
	return name;
}

static int
cmd_list(struct opts *o, struct bp_store *s)
{
	struct bp_registry_entry *v;
	size_t n;

	if (bp_registry_list(s, o->nargs ? o->args[0] : NULL, &v, &n) < 0)
		return -1;
	if (o->json) {
		json_t *a = json_array();

		for (size_t i = 0; i < n; i++)
			json_array_append_new(a, bp_registry_entry_json(&v[i]));
		print_json(a);
		json_decref(a);
	} else {
		printf("%-20s %7s %-9s %-7s %-16s %-20s %s\n", "NAME",
		       "VERSION", "STATUS", "KIND", "LABEL", "CREATED",
		       "METRIC");
		for (size_t i = 0; i < n; i++) {
			double m;
			const char *mn = headline(&v[i], &m);

			printf("%-20s %7d %-9s %-7s %-16s %-20s %s=%.4f\n",
			       v[i].name, v[i].version, v[i].status, v[i].kind,
			       v[i].label ? v[i].label : "-", v[i].created_at,
			       mn, m);
		}
	}
	bp_registry_list_free(v, n);
	return 0;
}

static int
cmd_show(struct opts *o, struct bp_store *s)
{
	struct bp_registry_entry e;
	char *name;
	int version;
	json_t *j, *doc;

	if (bp_registry_parse_ref(o->args[0], &name, &version) < 0)
		return -1;
	if (bp_registry_get(s, name, version, &e) < 0) {
		free(name);
		return -1;
	}
	j = bp_registry_entry_json(&e);
	doc = bp_json_load_file(e.path);
	if (doc) {
		static const char *const keys[] = {
			"task", "training", "fit", "importance",
		};

		for (size_t i = 0; i < BP_ARRAY_SIZE(keys); i++)
			json_object_set(j, keys[i], json_object_get(doc,
								    keys[i]));
	}
	print_json(j);
	json_decref(doc);
	json_decref(j);
	bp_registry_entry_release(&e);
	free(name);
	return 0;
}

static int
cmd_promote(struct opts *o, struct bp_store *s)
{
	char *name;
	int version, rc;

	if (versioned(o->args[0], &name, &version) < 0)
		return -1;
	rc = bp_registry_promote(s, name, version);
	if (rc == 0 && bp_verbosity >= 1)
		fprintf(stderr, "%s: %s@%d is active\n", bp_progname(), name,
			version);
	free(name);
	return rc;
}

static int
cmd_rollback(struct opts *o, struct bp_store *s)
{
	int version, rc;

	if (!bp_registry_name_ok(o->args[0]))
		return bp_error("'%s' is not a model name", o->args[0]);
	rc = bp_registry_rollback(s, o->args[0], &version);
	if (rc == 0 && bp_verbosity >= 1)
		fprintf(stderr, "%s: %s@%d is active again\n", bp_progname(),
			o->args[0], version);
	return rc;
}

static int
cmd_rm(struct opts *o, struct bp_store *s)
{
	char *name;
	int version, rc;

	if (versioned(o->args[0], &name, &version) < 0)
		return -1;
	rc = bp_registry_remove(s, name, version, o->force);
	free(name);
	return rc;
}

static json_t *
side(const char *ref, const struct bp_model *m)
{
	json_t *o = json_object();
	const json_t *met = json_object_get(bp_model_info(m), "metrics");

	json_object_set_new(o, "ref", json_string(ref));
	json_object_set_new(o, "kind", json_string(bp_model_kind(m)));
	json_object_set_new(o, "task", json_string(bp_task_name(
		bp_model_task(m))));
	json_object_set_new(o, "label", bp_model_label(m) ?
			    json_string(bp_model_label(m)) : json_null());
	json_object_set_new(o, "features",
			    json_integer((json_int_t)bp_model_nfeatures(m)));
	json_object_set(o, "metrics", met ? (json_t *)met : json_null());
	return o;
}

static int
cmd_compare(struct opts *o, struct bp_store *s)
{
	struct bp_model *a = NULL, *b = NULL;
	struct bp_reader *r = NULL;
	json_t *doc = NULL, *pred;
	int rc = -1;

	(void)s;
	a = bp_registry_load(o->args[0], o->db);
	b = a ? bp_registry_load(o->args[1], o->db) : NULL;
	if (!b)
		goto out;
	doc = json_object();
	json_object_set_new(doc, "a", side(o->args[0], a));
	json_object_set_new(doc, "b", side(o->args[1], b));
	json_object_set_new(doc, "metrics", bp_model_compare_metrics(a, b));
	if (o->nargs == 3) {
		r = bp_reader_open(o->args[2]);
		pred = r ? bp_model_compare_stream(a, b, r, o->label) : NULL;
		if (!pred)
			goto out;
		json_object_set_new(doc, "predictions", pred);
	}
	print_json(doc);
	rc = 0;
out:
	json_decref(doc);
	bp_reader_free(&r);
	bp_model_free(&a);
	bp_model_free(&b);
	return rc;
}

/* health: the model against a current feature stream (lib/health) */
static int
cmd_health(struct opts *o, struct bp_store *s)
{
	struct bp_report_out out = { o->output, o->prom, o->json, o->table,
				     bp_health_table };
	struct bp_health_opts ho;
	struct bp_model *m = NULL;
	json_t *entry = NULL, *versions = NULL, *report = NULL;
	int rc = -1;

	(void)s;
	bp_health_opts_init(&ho);
	ho.ref = o->ref;
	ho.cur_window = o->cur_window;
	if (bp_health_load(o->args[0], o->db, &m, &entry, &versions) == 0 &&
	    (report = bp_health_run(&ho, m, entry, versions,
				    o->nargs > 1 ? o->args[1] : NULL)) &&
	    bp_report_write(report, &out) == 0)
		rc = bp_report_level(report) >= o->fail_on ? BP_EXIT_ALERT : 0;
	json_decref(report);
	json_decref(entry);
	json_decref(versions);
	bp_model_free(&m);
	return rc;
}

static void
health_option(struct opts *o, int c, const char *arg)
{
	switch (c) {
	case OPT_REF: o->ref = arg; break;
	case OPT_CURWIN:
		if (bp_window_parse(&o->cur_window, arg) < 0)
			bp_cli_usage_error("--cur-window: '%s' is not a window",
					   arg);
		break;
	case OPT_FAILON:
		if (bp_level_parse(arg, &o->fail_on) < 0)
			bp_cli_usage_error("--fail-on: '%s' is not a level",
					   arg);
		break;
	case OPT_TABLE: o->table = 1; break;
	case OPT_PROM: o->prom = arg; break;
	case 'o': o->output = arg; break;
	}
}

static const struct cmd cmds[] = {
	{ "list", 0, 1, cmd_list, 1 },
	{ "show", 1, 1, cmd_show, 1 },
	{ "promote", 1, 1, cmd_promote, 1 },
	{ "rollback", 1, 1, cmd_rollback, 1 },
	{ "compare", 2, 3, cmd_compare, 0 },
	{ "rm", 1, 1, cmd_rm, 1 },
	{ "health", 1, 2, cmd_health, 0 },
};

static void
option(struct opts *o, int c)
{
	switch (c) {
	case OPT_DB: o->db = optarg; break;
	case OPT_JSON: o->json = 1; break;
	case OPT_LABEL: o->label = optarg; break;
	case OPT_FORCE: o->force = 1; break;
	case OPT_REF: case OPT_CURWIN: case OPT_FAILON: case OPT_TABLE:
	case OPT_PROM: case 'o': health_option(o, c, optarg); break;
	case 'q': bp_verbosity = 0; break;
	case 'v': bp_verbosity++; break;
	case 'h': bp_cli_help();
	case 'V': bp_cli_version();
	default: bp_cli_usage_error("unknown option");
	}
}

static const struct cmd *
parse_args(int argc, char *argv[], struct opts *o)
{
	const struct cmd *cmd = NULL;
	int c;

	bp_cli_init(argv[0], usage_line, help);
	while ((c = getopt_long(argc, argv, "+o:qvhV", longopts, NULL)) != -1)
		option(o, c);
	if (optind >= argc)
		bp_cli_usage_error("a command is required");
	for (size_t i = 0; i < BP_ARRAY_SIZE(cmds); i++)
		if (strcmp(argv[optind], cmds[i].name) == 0)
			cmd = &cmds[i];
	if (!cmd)
		bp_cli_usage_error("unknown command '%s'", argv[optind]);
	/* options may also follow the command */
	argc -= optind;
	argv += optind;
	optind = 0;	/* glibc: 0 restarts the scan from argv[1] afresh */
	while ((c = getopt_long(argc, argv, "o:qvhV", longopts, NULL)) != -1)
		option(o, c);
	o->args = argv + optind;
	o->nargs = argc - optind;
	if (o->nargs < cmd->min_args || o->nargs > cmd->max_args)
		bp_cli_usage_error("%s takes %d to %d operands", cmd->name,
				   cmd->min_args, cmd->max_args);
	return cmd;
}

int
main(int argc, char *argv[])
{
	struct opts o = { 0 };
	const struct cmd *cmd;
	struct bp_store *s = NULL;
	int rc = BP_EXIT_FAIL, r;

	bp_setprogname(argv[0]);
	o.fail_on = BP_LEVEL_HIGH;
	cmd = parse_args(argc, argv, &o);
	if (cmd->needs_store && !(s = bp_store_open(o.db, 0)))
		goto out;
	if ((r = cmd->run(&o, s)) < 0 || bp_close_stdout() < 0)
		goto out;
	rc = r == BP_EXIT_ALERT ? BP_EXIT_ALERT : BP_EXIT_OK;
out:
	bp_store_free(&s);
	return rc;
}
