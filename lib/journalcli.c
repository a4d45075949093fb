/*
 * journalcli: `bp-mcp journal`, the command line of the knowledge tables.
 *
 * The MCP knowledge pipelines (create_experiment, save_insight,
 * search_insights, get_run, get_task_status...) and people at a shell run
 * these subcommands to read and write the experiments, insights, runs and
 * tasks tables through lib/journal.  Each prints one JSON document.
 */
#include "journalcli.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include <jansson.h>

#include "journal.h"
#include "jsonout.h"
#include "store.h"
#include "util.h"

static const char journal_usage[] =
	"usage: bp-mcp journal [--db <file>] <subcommand> [<option>...]\n"
	"subcommands:\n"
	"  experiment-create --name <text> [--hypothesis <text>] "
	"[--spec <json>] [--notes <text>]\n"
	"  experiment-list [--status <status>] [--limit <n>]\n"
	"  experiment-get <id>\n"
	"  insight-add --category <name> --content <text> [--tags <text>]\n"
	"              [--importance <1-5>] [--experiment <id>]\n"
	"  insight-search [--query <text>] [--any] [--category <name>]\n"
	"                 [--min-importance <1-5>] [--limit <n>]\n"
	"  run-get <id>\n"
	"  task-get <id>\n"
	"  task-list [--status <status>] [--limit <n>]\n"
	"  task-cancel <id>\n";

struct jopts {
	const char *name, *hypothesis, *spec, *notes, *status;
	const char *category, *content, *tags, *query;
	long limit, importance, min_importance, experiment;
	int any;
};

static int jusage(const char *fmt, ...) BP_PRINTF(1, 2);

static int
jusage(const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	bp_error("journal: %s", msg);
	fputs(journal_usage, stderr);
	return BP_EXIT_USAGE;
}

static int
jnum(const char *arg, long min, long max, long *out, const char *opt)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(arg, &end, 10);
	if (errno || end == arg || *end || v < min || v > max) {
		bp_error("journal: %s: '%s' is not an integer in [%ld, %ld]",
			 opt, arg, min, max);
		return -1;
	}
	*out = v;
	return 0;
}

static int
jprint(json_t *doc)
{
	struct bp_buf b = BP_BUF_INIT;
	int rc = BP_EXIT_OK;

	bp_json_dump(&b, doc, 0);
	bp_buf_addc(&b, '\n');
	if (fwrite(b.s, 1, b.len, stdout) != b.len || bp_close_stdout() < 0)
		rc = BP_EXIT_FAIL;
	bp_buf_release(&b);
	json_decref(doc);
	return rc;
}

static int
jparse(int argc, char **argv, struct jopts *jo)
{
	static const struct option longopts[] = {
		{ "name", required_argument, NULL, 'n' },
		{ "hypothesis", required_argument, NULL, 'H' },
		{ "spec", required_argument, NULL, 's' },
		{ "notes", required_argument, NULL, 'N' },
		{ "status", required_argument, NULL, 'S' },
		{ "category", required_argument, NULL, 'c' },
		{ "content", required_argument, NULL, 'C' },
		{ "tags", required_argument, NULL, 't' },
		{ "query", required_argument, NULL, 'q' },
		{ "limit", required_argument, NULL, 'l' },
		{ "importance", required_argument, NULL, 'i' },
		{ "min-importance", required_argument, NULL, 'm' },
		{ "experiment", required_argument, NULL, 'e' },
		{ "any", no_argument, NULL, 'a' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+", longopts, NULL)) != -1) {
		switch (c) {
		case 'n': jo->name = optarg; break;
		case 'H': jo->hypothesis = optarg; break;
		case 's': jo->spec = optarg; break;
		case 'N': jo->notes = optarg; break;
		case 'S': jo->status = optarg; break;
		case 'c': jo->category = optarg; break;
		case 'C': jo->content = optarg; break;
		case 't': jo->tags = optarg; break;
		case 'q': jo->query = optarg; break;
		case 'a': jo->any = 1; break;
		case 'l':
			if (jnum(optarg, 1, 1000, &jo->limit, "--limit") < 0)
				return -1;
			break;
		case 'i':
			if (jnum(optarg, 1, 5, &jo->importance,
				 "--importance") < 0)
				return -1;
			break;
		case 'm':
			if (jnum(optarg, 1, 5, &jo->min_importance,
				 "--min-importance") < 0)
				return -1;
			break;
		case 'e':
			if (jnum(optarg, 1, LONG_MAX, &jo->experiment,
				 "--experiment") < 0)
				return -1;
			break;
		default:
			jusage("unknown option '%s'", argv[optind - 1]);
			return -1;
		}
	}
	return 0;
}

/* The single positional id of run-get, task-get... */
static const char *
jid(int argc, char **argv)
{
	return optind == argc - 1 ? argv[optind] : NULL;
}

static int
j_not_found(const char *what, const char *id)
{
	bp_error("journal: no %s '%s'", what, id);
	return BP_EXIT_FAIL;
}

static int
j_experiment(struct bp_store *st, const char *sub, struct jopts *jo,
	     const char *id)
{
	json_t *v;
	int64_t n;
	int missing = 0;

	if (!strcmp(sub, "experiment-create")) {
		if (!jo->name || !*jo->name)
			return jusage("%s needs --name", sub);
		if (jo->spec) {
			json_t *spec = json_loads(jo->spec, 0, NULL);

			if (!json_is_object(spec)) {
				json_decref(spec);
				bp_error(
				    "journal: --spec is not a JSON object");
				return BP_EXIT_FAIL;
			}
			json_decref(spec);
		}
		if (bp_journal_experiment_create(st, jo->name, jo->hypothesis,
						 jo->spec, jo->notes, &n) < 0)
			return BP_EXIT_FAIL;
		v = bp_journal_experiment_get(st, n, NULL);
		if (!v)
			return BP_EXIT_FAIL;
		json_object_set_new(v, "experiment_id", json_integer(n));
		json_object_del(v, "id");
		json_object_del(v, "runs");
		json_object_del(v, "insights");
		return jprint(v);
	}
	if (!strcmp(sub, "experiment-list")) {
		v = bp_journal_experiment_list(st, jo->status,
					       jo->limit ? (int)jo->limit : 50);
		if (!v)
			return BP_EXIT_FAIL;
		return jprint(json_pack("{s:I, s:o}", "count",
					(json_int_t)json_array_size(v),
					"experiments", v));
	}
	if (!id)
		return jusage("%s needs one id", sub);
	v = bp_journal_experiment_get(st, strtoll(id, NULL, 10), &missing);
	if (!v)
		return missing ? j_not_found("experiment", id) : BP_EXIT_FAIL;
	return jprint(json_pack("{s:o}", "experiment", v));
}

static int
j_insight(struct bp_store *st, const char *sub, struct jopts *jo)
{
	json_t *v;
	int64_t n;
	int missing = 0;

	if (!strcmp(sub, "insight-add")) {
		if (!jo->category || !*jo->category || !jo->content ||
		    !*jo->content)
			return jusage("%s needs --category and --content",
				      sub);
		if (jo->experiment) {
			v = bp_journal_experiment_get(st, jo->experiment,
						      &missing);
			if (!v) {
				char id[32];

				snprintf(id, sizeof(id), "%ld", jo->experiment);
				return missing ? j_not_found("experiment", id)
					       : BP_EXIT_FAIL;
			}
			json_decref(v);
		}
		if (bp_journal_insight_add(st, jo->category, jo->content,
					   jo->tags,
					   jo->importance ? (int)jo->importance
							  : 3,
					   jo->experiment, &n) < 0)
			return BP_EXIT_FAIL;
		v = json_pack("{s:I, s:s, s:i, s:s}", "insight_id",
			      (json_int_t)n, "category", jo->category,
			      "importance",
			      jo->importance ? (int)jo->importance : 3, "tags",
			      jo->tags ? jo->tags : "");
		json_object_set_new(v, "experiment_id",
				    jo->experiment
					? json_integer(jo->experiment)
					: json_null());
		return jprint(v);
	}
	v = bp_journal_insight_search(st, jo->query, jo->any, jo->category,
				      (int)jo->min_importance,
				      jo->limit ? (int)jo->limit : 10);
	if (!v)
		return BP_EXIT_FAIL;
	return jprint(json_pack("{s:s, s:I, s:o}", "query",
				jo->query ? jo->query : "", "count",
				(json_int_t)json_array_size(v), "results", v));
}

/* A tasks row as get_task_status shows it (takes t). */
static json_t *
task_status(json_t *t)
{
	json_t *o = json_object(), *v;
	static const char *const keys[] = {
		"tool", "status", "progress", "created_at", "started_at",
		"finished_at", "result", "error", NULL,
	};

	json_object_set(o, "task_id", json_object_get(t, "id"));
	for (int i = 0; keys[i]; i++) {
		v = json_object_get(t, keys[i]);
		json_object_set(o, keys[i], v ? v : json_null());
	}
	if (json_is_null(json_object_get(o, "progress")))
		json_object_set_new(o, "progress", json_integer(0));
	json_decref(t);
	return o;
}

static int
j_task_cancel(struct bp_store *st, const char *id)
{
	json_t *t;
	const char *status;
	int missing = 0, rc;
	json_int_t pid;

	t = bp_journal_task_get(st, id, &missing);
	if (!t)
		return missing ? j_not_found("task", id) : BP_EXIT_FAIL;
	status = json_string_value(json_object_get(t, "status"));
	pid = json_integer_value(json_object_get(t, "pid"));
	if (status && (!strcmp(status, "queued") ||
		       !strcmp(status, "running"))) {
		/* the pipeline leads its own process group */
		if (pid > 0)
			kill(-(pid_t)pid, SIGTERM);
		if (bp_journal_task_finish(st, id, "cancelled", NULL,
					   "cancelled by bp-mcp journal "
					   "task-cancel") < 0) {
			json_decref(t);
			return BP_EXIT_FAIL;
		}
		rc = jprint(json_pack("{s:s, s:s, s:s}", "task_id", id,
				      "status", "cancelled", "message",
				      "the task's pipeline was stopped"));
	} else {
		rc = jprint(json_pack("{s:s, s:s, s:s}", "task_id", id,
				      "status", status ? status : "unknown",
				      "message",
				      "the task had already finished"));
	}
	json_decref(t);
	return rc;
}

int
bp_journalcli_run(int argc, char **argv, const char *db)
{
	struct jopts jo;
	struct bp_store *st = NULL;
	const char *sub, *id;
	json_t *v;
	int rc = BP_EXIT_USAGE, missing = 0, sargc;
	char **sargv;

	/* [--db FILE] SUBCOMMAND ... */
	while (argc > 1 && !strcmp(argv[1], "--db")) {
		if (argc < 3)
			return jusage("%s needs a value", "--db");
		db = argv[2];
		argv += 2;
		argc -= 2;
	}
	if (argc > 1 && !strncmp(argv[1], "--db=", 5)) {
		db = argv[1] + 5;
		argv++;
		argc--;
	}
	if (argc < 2)
		return jusage("%s", "a subcommand is required");
	sub = argv[1];
	sargc = argc - 1;
	sargv = argv + 1;
	memset(&jo, 0, sizeof(jo));
	if (jparse(sargc, sargv, &jo) < 0)
		return BP_EXIT_USAGE;
	id = jid(sargc, sargv);
	if (!strcmp(sub, "experiment-create") ||
	    !strcmp(sub, "experiment-list") ||
	    !strcmp(sub, "insight-add") || !strcmp(sub, "insight-search") ||
	    !strcmp(sub, "task-list")) {
		if (optind != sargc)
			return jusage("unexpected argument '%s'",
				      sargv[optind]);
	} else if (!strcmp(sub, "experiment-get") || !strcmp(sub, "run-get") ||
		   !strcmp(sub, "task-get") || !strcmp(sub, "task-cancel")) {
		if (!id || !*id)
			return jusage("%s needs one id", sub);
		if (strcmp(sub, "task-get") && strcmp(sub, "task-cancel") &&
		    strspn(id, "0123456789") != strlen(id))
			return jusage("'%s' is not a numeric id", id);
	} else {
		return jusage("unknown subcommand '%s'", sub);
	}
	st = bp_store_open(db, 0);
	if (!st)
		return BP_EXIT_FAIL;
	if (!strncmp(sub, "experiment-", 11)) {
		rc = j_experiment(st, sub, &jo, id);
	} else if (!strncmp(sub, "insight-", 8)) {
		rc = j_insight(st, sub, &jo);
	} else if (!strcmp(sub, "run-get")) {
		v = bp_journal_run_get(st, strtoll(id, NULL, 10), &missing);
		rc = v ? jprint(json_pack("{s:o}", "run", v))
		       : missing ? j_not_found("run", id)
				 : BP_EXIT_FAIL;
	} else if (!strcmp(sub, "task-get")) {
		v = bp_journal_task_get(st, id, &missing);
		rc = v ? jprint(task_status(v))
		       : missing ? j_not_found("task", id)
				 : BP_EXIT_FAIL;
	} else if (!strcmp(sub, "task-list")) {
		v = bp_journal_task_list(st, jo.status,
					 jo.limit ? (int)jo.limit : 20);
		rc = v ? jprint(json_pack("{s:I, s:o}", "count",
					  (json_int_t)json_array_size(v),
					  "tasks", v))
		       : BP_EXIT_FAIL;
	} else {
		rc = j_task_cancel(st, id);
	}
	bp_store_free(&st);
	return rc;
}
