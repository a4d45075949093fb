/* gbdt: placeholder until the tree learner lands */
#include "gbdt.h"

#include "model-internal.h"

static const char *const objectives[] = {
	"auto", "binary:logistic", "reg:squarederror", "multi:softmax", NULL,
};

static const struct bp_param_spec gbdt_params[] = {
	{ "objective", BP_PARAM_STR, 0, 0, "\"auto\"", objectives,
	  "auto: from the label values" },
	{ NULL, 0, 0, 0, NULL, NULL, NULL },
};

static void *
gbdt_train(const struct bp_train_ctx *c)
{
	(void)c;
	bp_error("gbdt: not available yet");
	return NULL;
}

const struct bp_model_ops bp_gbdt_ops = {
	.kind = "gbdt",
	.params = gbdt_params,
	.handles_missing = 1,
	.train = gbdt_train,
};
