/*
 * test-journal: SHA-256 against the FIPS 180-4 examples, and the runs,
 * experiments, insights (FTS5) and tasks tables through lib/journal.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "journal.h"
#include "store.h"
#include "tap.h"
#include "util.h"

static char dir[] = "/tmp/test-journal.XXXXXX";

static int
hash_of(const char *data, size_t n, size_t repeat, const char *want)
{
	char path[128], hex[65];
	FILE *f;

	snprintf(path, sizeof(path), "%s/h", dir);
	f = fopen(path, "w");
	for (size_t i = 0; i < repeat; i++)
		fwrite(data, 1, n, f);
	fclose(f);
	if (bp_journal_hash_path(path, hex) < 0)
		return 0;
	if (strcmp(hex, want))
		printf("# got %s\n", hex);
	return !strcmp(hex, want);
}

static void
sha_cases(void)
{
	/* FIPS 180-4 / NIST examples */
	ok(hash_of("", 0, 1, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934c"
			     "a495991b7852b855"),
	   "sha256 of nothing");
	ok(hash_of("abc", 3, 1, "ba7816bf8f01cfea414140de5dae2223b00361a39617"
				"7a9cb410ff61f20015ad"),
	   "sha256 abc");
	ok(hash_of("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
		   56, 1,
		   "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd4"
		   "19db06c1"),
	   "sha256 of 56 bytes (two-block padding)");
	ok(hash_of("a", 1, 1000000, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a4"
				    "97200e046d39ccc7112cd0"),
	   "sha256 of a million a");
	ok(bp_journal_hash_path("/nonexistent/x", (char[65]){ 0 }) < 0,
	   "missing file reported");
}

static void
table_cases(struct bp_store *s)
{
	struct bp_journal_run r = { 0 };
	int64_t run, exp, ins;
	json_t *v;
	int missing;

	r.tool = "fetch_ohlcv";
	r.source = "mcp";
	r.argv = "[\"env\",\"x.sh\"]";
	r.command = "cd /w && x.sh";
	r.result = "{\"arguments\":{}}";
	ok(bp_journal_run_start(s, &r, &run) == 0 && run == 1, "run start");
	ok(bp_journal_run_finish(s, run, 0, 0.25, "{\"a\":\"ff\"}",
				 "{\"status\":\"ok\"}") == 0,
	   "run finish");
	v = bp_journal_run_get(s, run, &missing);
	ok(v && json_integer_value(json_object_get(v, "exit_code")) == 0 &&
		   json_real_value(json_object_get(v, "duration_s")) == 0.25 &&
		   json_is_array(json_object_get(v, "argv")) &&
		   !strcmp(json_string_value(json_object_get(
				   json_object_get(v, "result"), "status")),
			   "ok"),
	   "run row with decoded JSON columns");
	json_decref(v);
	ok(!bp_journal_run_get(s, 99, &missing) && missing, "missing run");

	ok(bp_journal_experiment_create(s, "e", "h", "{\"k\":1}", NULL, &exp) ==
		   0,
	   "experiment");
	r.experiment_id = exp;
	ok(bp_journal_run_start(s, &r, &run) == 0, "run linked");
	ok(bp_journal_insight_add(s, "feature", "RSI(14) is noise on BTC 1h",
				  "rsi btc", 4, exp, &ins) == 0,
	   "insight");
	ok(bp_journal_insight_add(s, "data", "SPY has holiday gaps", "spy", 2,
				  0, &ins) == 0,
	   "second insight");
	ok(bp_journal_experiment_update(s, exp, "concluded", "done") == 0,
	   "experiment update");
	v = bp_journal_experiment_get(s, exp, &missing);
	ok(v && json_array_size(json_object_get(v, "runs")) == 1 &&
		   json_array_size(json_object_get(v, "insights")) == 1 &&
		   !strcmp(json_string_value(json_object_get(v, "status")),
			   "concluded") &&
		   json_is_object(json_object_get(v, "spec")),
	   "experiment with its runs and insights");
	json_decref(v);
	v = bp_journal_experiment_list(s, "concluded", 10);
	ok(json_array_size(v) == 1 &&
		   json_integer_value(json_object_get(json_array_get(v, 0),
						      "insights")) == 1,
	   "experiment list with counts");
	json_decref(v);

	v = bp_journal_insight_search(s, "rsi", 0, NULL, 0, 10);
	ok(json_array_size(v) == 1, "search one word");
	json_decref(v);
	v = bp_journal_insight_search(s, "RSI gaps", 0, NULL, 0, 10);
	ok(json_array_size(v) == 0, "all words by default");
	json_decref(v);
	v = bp_journal_insight_search(s, "RSI gaps", 1, NULL, 0, 10);
	ok(json_array_size(v) == 2, "any word");
	json_decref(v);
	v = bp_journal_insight_search(s, "\"NEAR(a b)\" OR * AND ^ -- :", 1,
				      NULL, 0, 10);
	ok(v && json_array_size(v) == 0, "FTS5 syntax is only text");
	json_decref(v);
	v = bp_journal_insight_search(s, "", 0, NULL, 3, 10);
	ok(json_array_size(v) == 1, "empty query, importance filter");
	json_decref(v);
	v = bp_journal_insight_search(s, "spy OR rsi", 1, "data", 0, 10);
	ok(json_array_size(v) == 1, "category filter");
	json_decref(v);

	ok(bp_journal_task_create(s, "task-7", "train_model", "cmd") == 0,
	   "task");
	ok(bp_journal_task_running(s, "task-7", (long)getpid()) == 0,
	   "running");
	ok(bp_journal_task_progress(s, "task-7", 0.5, "half") == 0, "progress");
	v = bp_journal_task_get(s, "task-7", &missing);
	ok(v && json_real_value(json_object_get(v, "progress")) == 0.5 &&
		   !strcmp(json_string_value(json_object_get(
				   json_object_get(v, "result"), "message")),
			   "half"),
	   "progress and message kept");
	json_decref(v);
	ok(bp_journal_task_reap_stale(s) == 0, "a live task is not stale");
	ok(bp_journal_task_create(s, "task-8", "cross_validate", "cmd") == 0 &&
		   bp_journal_task_running(s, "task-8", 999999999) == 0,
	   "task of a process that is gone");
	ok(bp_journal_task_reap_stale(s) == 1, "one stale task");
	v = bp_journal_task_get(s, "task-8", &missing);
	ok(!strcmp(json_string_value(json_object_get(v, "status")), "failed"),
	   "marked failed");
	json_decref(v);
	ok(bp_journal_task_finish(s, "task-7", "done", "{\"version\":3}",
				  NULL) == 0,
	   "finish");
	v = bp_journal_task_get(s, "task-7", &missing);
	ok(json_real_value(json_object_get(v, "progress")) == 1 &&
	       json_integer_value(json_object_get(json_object_get(v, "result"),
						  "version")) == 3,
	   "done: progress 1 and the result");
	json_decref(v);
	v = bp_journal_task_list(s, "done", 10);
	ok(json_array_size(v) == 1, "task list by status");
	json_decref(v);
	ok(!bp_journal_task_get(s, "task-9", &missing) && missing,
	   "missing task");
}

int
main(void)
{
	char db[128];
	struct bp_store *s;

	ok(mkdtemp(dir) != NULL, "temp dir");
	sha_cases();
	snprintf(db, sizeof(db), "%s/j.db", dir);
	s = bp_store_open(db, 0);
	ok(s != NULL, "store");
	if (s)
		table_cases(s);
	bp_store_free(&s);
	snprintf(db, sizeof(db), "rm -rf '%s'", dir);
	ok(system(db) == 0, "cleanup");
	return done_testing();
}
