/* mlp: placeholder until the tree learner lands */
#include "mlp.h"

#include "model-internal.h"

static const char *const objectives[] = {
	"auto", "binary:logistic", "reg:squarederror", "multi:softmax", NULL,
};

static const struct bp_param_spec mlp_params[] = {
	{ "objective", BP_PARAM_STR, 0, 0, "\"auto\"", objectives,
	  "auto: from the label values" },
	{ NULL, 0, 0, 0, NULL, NULL, NULL },
};

static void *
mlp_train(const struct bp_train_ctx *c)
{
	(void)c;
	bp_error("mlp: not available yet");
	return NULL;
}

const struct bp_model_ops bp_mlp_ops = {
	.kind = "mlp",
	.params = mlp_params,
	.handles_missing = 0,
	.train = mlp_train,
};
