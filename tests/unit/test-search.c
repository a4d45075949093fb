/*
 * test-search: the model of bp-cv run and search from a spec and the
 * command line (which wins, what is dropped, the features list) and the
 * checks of its parameters and parameter space.  Expected values by hand.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "search.h"
#include "tap.h"
#include "util.h"

static char spec[] = "/tmp/test-search.XXXXXX";

static int
param(const struct bp_search_model *m, const char *key)
{
	return (int)json_integer_value(json_object_get(m->params, key));
}

int
main(void)
{
	struct bp_search_model m = BP_SEARCH_MODEL_INIT;
	char err[256];
	int fd, rc;
	FILE *f;

	bp_setprogname("test-search");
	if ((fd = mkstemp(spec)) < 0 || !(f = fdopen(fd, "w")))
		return 1;
	fputs("{\"model\": {\"kind\": \"gbdt\", \"label\": \"label_up\", "
	      "\"params\": {\"max_depth\": 2}, \"features\": [\"f1\", "
	      "\"f2\"]}}\n", f);
	fclose(f);

	rc = bp_search_model_init(&m, spec, NULL, NULL, NULL);
	ok(rc == 0 && m.kind && strcmp(m.kind, "gbdt") == 0 &&
	   strcmp(m.label, "label_up") == 0 && param(&m, "max_depth") == 2,
	   "spec: kind, label and params");
	ok(m.nfeatures == 2 && strcmp(m.features[0], "f1") == 0 &&
	   strcmp(m.features[1], "f2") == 0, "spec: features");
	ok(bp_search_model_params(&m, "n_estimators=3", err,
				  sizeof(err)) == 0 &&
	   param(&m, "max_depth") == 2 && param(&m, "n_estimators") == 3,
	   "params: merged over the spec's");
	ok(bp_search_model_space(&m, "max_depth=1,3", NULL, err,
				 sizeof(err)) == 0, "space: a valid grid");
	ok(bp_search_model_space(&m, "max_depth=1 nope=2", NULL, err,
				 sizeof(err)) < 0 &&
	   strcmp(err, "--grid: not parameters of 'gbdt'") == 0,
	   "space: a grid the kind refuses (%s)", err);
	ok(bp_search_model_space(&m, NULL, "max_depth=a:", err,
				 sizeof(err)) < 0 &&
	   strcmp(err, "--space: malformed parameter space") == 0,
	   "space: a malformed space (%s)", err);
	ok(bp_search_model_space(&m, NULL, NULL, err, sizeof(err)) == 0,
	   "space: none");
	bp_search_model_release(&m);

	rc = bp_search_model_init(&m, spec, "linear", "label_ret",
				  ",f3,,f4*,");
	ok(rc == 0 && strcmp(m.kind, "linear") == 0 &&
	   strcmp(m.label, "label_ret") == 0 && json_object_size(m.params) == 0,
	   "--model of another kind drops the spec's params; --label wins");
	ok(m.nfeatures == 2 && strcmp(m.features[0], "f3") == 0 &&
	   strcmp(m.features[1], "f4*") == 0,
	   "--features wins, empty items skipped");
	ok(bp_search_model_params(&m, "max_depth=2", err, sizeof(err)) < 0 &&
	   strcmp(err, "--params: not parameters of 'linear'") == 0,
	   "params: refused by the kind (%s)", err);
	bp_search_model_release(&m);

	rc = bp_search_model_init(&m, NULL, "forest?", NULL, "");
	ok(rc == 0 && !m.label && m.nfeatures == 0 &&
	   json_object_size(m.params) == 0, "no spec: nothing but the kind");
	ok(bp_search_model_params(&m, NULL, err, sizeof(err)) < 0 &&
	   strcmp(err, "--model: 'forest?' is not one of gbdt, logreg, "
		  "linear, mlp") == 0, "params: an unknown kind (%s)", err);
	bp_search_model_release(&m);

	rc = bp_search_model_init(&m, NULL, "gbdt", NULL, NULL);
	ok(rc == 0 && bp_search_model_params(&m, "x", err, sizeof(err)) < 0 &&
	   strcmp(err, "--params: not k=v,k=v") == 0,
	   "params: not k=v (%s)", err);
	bp_search_model_release(&m);

	ok(bp_search_model_init(&m, "/nonexistent/spec.json", NULL, NULL,
				NULL) < 0, "an unreadable spec");
	bp_search_model_release(&m);
	unlink(spec);
	return done_testing();
}
