# experiment.mk: reproducible barpipe experiments as Make targets.
#
# Include this fragment, describe each experiment with a few NAME.VAR
# variables, then instantiate it; the variables must be set before the
# $(eval ...) line, which reads them:
#
#	include ../pipelines/experiment.mk
#	rsi_gbdt.csv      = $(BP_ROOT)/data/sample/BTCUSDT-1h.csv
#	rsi_gbdt.symbol   = BTCUSDT
#	rsi_gbdt.spec     = $(BP_ROOT)/strategies/rsi_gbdt.json
#	rsi_gbdt.cv       = --scheme walk-forward --folds 4 --embargo 1
#	rsi_gbdt.backtest = --fee-bps 10
#	$(eval $(call bp_experiment,rsi_gbdt))
#
# Each experiment NAME becomes a chain of files under $(EXP_OUT)/NAME/:
#
#	bars.zst -> features.zst -> cv.json + oos.zst
#	  -> summary.json + equity.zst + trades.zst -> report.html
#	oos.zst + cv.json -> drift.json
#	cv.json + summary.json + drift.json -> result.json
#
# and every result.json -> $(EXP_OUT)/results.tsv.  Every file depends on
# exactly what its recipe reads (inputs, the spec, the tool binaries) and
# is written atomically by the tools' -o (or a temp file and mv), so
# `make -j2` fans out across experiments and an interrupted run leaves no
# target that looks complete.  Targets: experiments (the default: every
# experiment and the results table), NAME, results, record,
# clean-experiments.  See barpipe-experiments(7).

# the repository this fragment lives in (before anything else is included)
BP_ROOT := $(abspath $(dir $(lastword $(MAKEFILE_LIST)))..)

# ---- knobs: the defaults of every experiment's NAME.VAR ----
BP_BIN ?= $(BP_ROOT)/bin
EXP_OUT ?= out/exp
EXP_SEED ?= 1
EXP_FETCH ?=
EXP_FEATURES ?= --drop-warmup
EXP_CV ?= --scheme walk-forward --folds 4
EXP_MODEL ?=
EXP_BACKTEST ?= --fee-bps 10
EXP_DRIFT ?= --ref-window first:50% --cur-window last:50%
EXP_METRIC ?=
EXP_DB ?=

EXPERIMENTS :=

# the first rule of the fragment is the default goal unless the including
# Makefile has a rule before the include (or sets .DEFAULT_GOAL)
.PHONY: experiments results record clean-experiments
experiments: results

results: $(EXP_OUT)/results.tsv

# a failed recipe never leaves its target behind
.DELETE_ON_ERROR:

# $(call bp_get,NAME,VAR,DEFAULT): NAME.VAR when it is defined (even
# empty), else DEFAULT
bp_get = $(if $(filter undefined,$(origin $(1).$(2))),$(3),$($(1).$(2)))

# $(call bp_sq,TEXT): TEXT as one single-quoted shell word
bp_sq = '$(subst ','\'',$(1))'

# $(call bp_opt,OPTION,VALUE): "OPTION VALUE", or nothing for no value
bp_opt = $(if $(strip $(2)),$(1) $(2))

# the experiment's settings, for recipes (BP_EXP is target-specific)
bp_csv = $(call bp_get,$(BP_EXP),csv,)
bp_symbol = $(call bp_get,$(BP_EXP),symbol,)
bp_timeframe = $(call bp_get,$(BP_EXP),timeframe,)
bp_spec = $(call bp_get,$(BP_EXP),spec,)
bp_seed = $(call bp_get,$(BP_EXP),seed,$(EXP_SEED))

# bp_db_opt: --db for the tools that open the database (default: theirs)
bp_db_opt = $(call bp_opt,--db,$(EXP_DB))

# ---- option stamps ----
# A recipe reads its options as much as its files: each stage of NAME has
# a stamp $(EXP_OUT)/NAME/.STAGE.opts holding its options, rewritten when
# the Makefile is read if (and only if) they changed, so that a changed
# option rebuilds that stage and what follows it, and nothing else.
# $(call bp_stamp,NAME,STAGE,TEXT)
define bp_stamp
bp_opts_$(1)_$(2) := $(strip $(3))
ifneq ($$(file <$(EXP_OUT)/$(1)/.$(2).opts),$$(bp_opts_$(1)_$(2)))
$$(shell mkdir -p $(EXP_OUT)/$(1))
$$(file >$(EXP_OUT)/$(1)/.$(2).opts,$$(bp_opts_$(1)_$(2)))
endif
endef

# ---- the recipes ----
# (canned recipes: their lines start without a tab; jq programs sit on
# one line each because make passes backslash-newlines to the shell)

# bars.zst <- NAME.csv
define bp_recipe_bars_csv
@mkdir -p $(@D)
$(BP_BIN)/bp-fetch csv -q --symbol $(bp_symbol) \
  $(call bp_opt,--timeframe,$(bp_timeframe)) \
  $(call bp_get,$(BP_EXP),fetch,$(EXP_FETCH)) -o $@ $(bp_csv)
endef

# bars.zst <- the cache.  The cache has no file to depend on: its bars
# are read on every run and bars.zst is replaced only when they changed,
# so nothing downstream rebuilds for an unchanged cache (pin the window
# with NAME.since and NAME.until to keep the experiment reproducible).
define bp_recipe_bars_cache
@mkdir -p $(@D)
$(BP_BIN)/bp-fetch db -q $(bp_db_opt) --symbol $(bp_symbol) \
  --timeframe $(bp_timeframe) \
  $(call bp_opt,--since,$(call bp_get,$(BP_EXP),since,)) \
  $(call bp_opt,--until,$(call bp_get,$(BP_EXP),until,)) \
  $(call bp_get,$(BP_EXP),fetch,$(EXP_FETCH)) -o $@.tmp.new
if cmp -s $@.tmp.new $@; then rm -f $@.tmp.new; \
else mv -f $@.tmp.new $@; fi
endef

# features.zst <- bars.zst, the spec
define bp_recipe_features
$(BP_BIN)/bp-features -q --spec $(bp_spec) \
  $(call bp_get,$(BP_EXP),features,$(EXP_FEATURES)) -o $@ $<
endef

# cv.json + oos.zst <- features.zst, the spec (model, label, features)
define bp_recipe_cv
rm -f $(@D)/cv.json $(@D)/oos.zst
$(BP_BIN)/bp-cv run -q --spec $(bp_spec) \
  $(call bp_get,$(BP_EXP),cv,$(EXP_CV)) \
  $(call bp_get,$(BP_EXP),model,$(EXP_MODEL)) --seed $(bp_seed) \
  --oos $(@D)/oos.zst --summary $(@D)/cv.json $(@D)/features.zst
endef

# summary.json + equity.zst + trades.zst <- oos.zst (score and signal)
define bp_recipe_backtest
rm -f $(@D)/summary.json $(@D)/equity.zst $(@D)/trades.zst
$(BP_BIN)/bp-backtest -q \
  $(call bp_get,$(BP_EXP),backtest,$(EXP_BACKTEST)) \
  --summary $(@D)/summary.json --equity $(@D)/equity.zst \
  --trades $(@D)/trades.zst $(@D)/oos.zst
endef

# report.html <- summary.json, equity.zst, trades.zst
define bp_recipe_report
$(BP_BIN)/bp-report -q \
  --title $(call bp_sq,$(call bp_get,$(BP_EXP),title,$(BP_EXP))) \
  --summary $(@D)/summary.json --equity $(@D)/equity.zst \
  --trades $(@D)/trades.zst -o $@
endef

# drift.json <- oos.zst, cv.json (the model's features and label): the
# model's features, score, signal and metrics in one part of the
# out-of-sample period against another.  bp-drift exits 3 when the drift
# reaches its --fail-on level: the report is written all the same and its
# level goes to the results table.  It runs in the experiment's directory
# so that the report names its input "oos.zst" wherever the experiment
# lives.
define bp_recipe_drift
cd $(@D) && { $(BP_BIN)/bp-drift -q \
  $(call bp_get,$(BP_EXP),drift,$(EXP_DRIFT)) \
  --columns "$$(jq -r '.model.features | join(",")' cv.json)" \
  --label "$$(jq -r .model.label cv.json)" --name $(BP_EXP) \
  -o drift.json oos.zst || test $$? -eq 3; }
endef

# result.json <- cv.json, summary.json, drift.json: one NDJSON row
bp_jq_result = $$cv[0] as $$c | $$bt[0] as $$b | (if $$metric != "" then $$metric elif $$c.model.task == "regression" then "rmse" else "logloss" end) as $$m | {name: $$name, metric: $$m, cv_mean: $$c.mean[$$m], cv_std: $$c.std[$$m], folds: $$c.n_folds, sharpe: $$b.sharpe, total_return: $$b.total_return, max_drawdown: $$b.max_drawdown, trades: $$b.trades, drift: $$dr[0].level}
define bp_recipe_result
jq -c -n --arg name $(BP_EXP) \
  --arg metric $(call bp_sq,$(call bp_get,$(BP_EXP),metric,$(EXP_METRIC))) \
  --slurpfile cv $(@D)/cv.json --slurpfile bt $(@D)/summary.json \
  --slurpfile dr $(@D)/drift.json '$(bp_jq_result)' >$@.tmp.$$$$ && \
  mv -f $@.tmp.$$$$ $@ || { rm -f $@.tmp.$$$$; exit 1; }
endef

# experiment.json <- result.json, the spec: a row of the database's
# experiments table (through bp-mcp journal), made once per result
bp_jq_record = {experiment: $$name, input: $$input, strategy: $$spec[0], features: $$features, cv: $$cv, model: $$model, backtest: $$backtest, seed: $$seed}
define bp_recipe_record
spec=$$(jq -c -n --arg name $(BP_EXP) --slurpfile spec $(bp_spec) \
  --arg input $(call bp_sq,$(or $(bp_csv),cache $(bp_symbol) $(bp_timeframe))) \
  --arg features $(call bp_sq,$(call bp_get,$(BP_EXP),features,$(EXP_FEATURES))) \
  --arg cv $(call bp_sq,$(call bp_get,$(BP_EXP),cv,$(EXP_CV))) \
  --arg model $(call bp_sq,$(call bp_get,$(BP_EXP),model,$(EXP_MODEL))) \
  --arg backtest $(call bp_sq,$(call bp_get,$(BP_EXP),backtest,$(EXP_BACKTEST))) \
  --arg seed $(call bp_sq,$(bp_seed)) '$(bp_jq_record)') && \
$(BP_BIN)/bp-mcp journal $(bp_db_opt) experiment-create \
  --name $(BP_EXP) \
  --hypothesis $(call bp_sq,$(call bp_get,$(BP_EXP),hypothesis,)) \
  --spec "$$spec" --notes "$$(cat $(@D)/result.json)" \
  >$@.tmp.$$$$ && mv -f $@.tmp.$$$$ $@ || { rm -f $@.tmp.$$$$; exit 1; }
endef

# ---- one experiment ----
# $(call bp_experiment,NAME): the rules of NAME; its variables are read
# now (prerequisites) and when the recipes run.
define bp_experiment
EXPERIMENTS += $(1)
.PHONY: $(1)
$(1): $(EXP_OUT)/$(1)/report.html $(EXP_OUT)/$(1)/drift.json \
	$(EXP_OUT)/$(1)/result.json
experiments: $(1)
$(EXP_OUT)/results.tsv: $(EXP_OUT)/$(1)/result.json
record: $(EXP_OUT)/$(1)/experiment.json
$(EXP_OUT)/$(1)/%: BP_EXP := $(1)

$(call bp_stamp,$(1),bars,$(or $(call bp_get,$(1),csv,),cache) \
	$(call bp_get,$(1),symbol,) $(call bp_get,$(1),timeframe,) \
	$(call bp_get,$(1),since,) $(call bp_get,$(1),until,) \
	$(call bp_get,$(1),fetch,$(EXP_FETCH)))
$(call bp_stamp,$(1),features,$(call bp_get,$(1),spec,) \
	$(call bp_get,$(1),features,$(EXP_FEATURES)))
$(call bp_stamp,$(1),cv,$(call bp_get,$(1),cv,$(EXP_CV)) \
	$(call bp_get,$(1),model,$(EXP_MODEL)) \
	--seed $(call bp_get,$(1),seed,$(EXP_SEED)))
$(call bp_stamp,$(1),backtest,$(call bp_get,$(1),backtest,$(EXP_BACKTEST)))
$(call bp_stamp,$(1),report,$(call bp_get,$(1),title,$(1)))
$(call bp_stamp,$(1),drift,$(call bp_get,$(1),drift,$(EXP_DRIFT)))
$(call bp_stamp,$(1),result,$(call bp_get,$(1),metric,$(EXP_METRIC)))
$(call bp_stamp,$(1),record,$(call bp_get,$(1),hypothesis,))

$(EXP_OUT)/$(1)/bars.zst: $(call bp_get,$(1),csv,bp-force) \
	$(EXP_OUT)/$(1)/.bars.opts $(BP_BIN)/bp-fetch
	$$(bp_recipe_bars_$(if $(call bp_get,$(1),csv,),csv,cache))
$(EXP_OUT)/$(1)/features.zst: $(EXP_OUT)/$(1)/bars.zst \
	$(call bp_get,$(1),spec,) $(EXP_OUT)/$(1)/.features.opts \
	$(BP_BIN)/bp-features
	$$(bp_recipe_features)
$(EXP_OUT)/$(1)/cv.json $(EXP_OUT)/$(1)/oos.zst &: \
	$(EXP_OUT)/$(1)/features.zst $(call bp_get,$(1),spec,) \
	$(EXP_OUT)/$(1)/.cv.opts $(BP_BIN)/bp-cv
	$$(bp_recipe_cv)
$(EXP_OUT)/$(1)/summary.json $(EXP_OUT)/$(1)/equity.zst \
	$(EXP_OUT)/$(1)/trades.zst &: $(EXP_OUT)/$(1)/oos.zst \
	$(EXP_OUT)/$(1)/.backtest.opts $(BP_BIN)/bp-backtest
	$$(bp_recipe_backtest)
$(EXP_OUT)/$(1)/report.html: $(EXP_OUT)/$(1)/summary.json \
	$(EXP_OUT)/$(1)/equity.zst $(EXP_OUT)/$(1)/trades.zst \
	$(EXP_OUT)/$(1)/.report.opts $(BP_BIN)/bp-report
	$$(bp_recipe_report)
$(EXP_OUT)/$(1)/drift.json: $(EXP_OUT)/$(1)/oos.zst \
	$(EXP_OUT)/$(1)/cv.json $(EXP_OUT)/$(1)/.drift.opts $(BP_BIN)/bp-drift
	$$(bp_recipe_drift)
$(EXP_OUT)/$(1)/result.json: $(EXP_OUT)/$(1)/cv.json \
	$(EXP_OUT)/$(1)/summary.json $(EXP_OUT)/$(1)/drift.json \
	$(EXP_OUT)/$(1)/.result.opts
	$$(bp_recipe_result)
$(EXP_OUT)/$(1)/experiment.json: $(EXP_OUT)/$(1)/result.json \
	$(call bp_get,$(1),spec,) $(EXP_OUT)/$(1)/.record.opts
	$$(bp_recipe_record)
endef

bp_results_header = name\tmetric\tcv_mean\tcv_std\tfolds\tsharpe\ttotal_return\tmax_drawdown\ttrades\tdrift
bp_jq_row = [.name, .metric, .cv_mean, .cv_std, .folds, .sharpe, .total_return, .max_drawdown, .trades, .drift] | map(if . == null then "null" else . end) | @tsv

# results.tsv <- every result.json, one row each in the order the
# experiments were defined, under a header line
$(EXP_OUT)/results.tsv:
	@mkdir -p $(@D)
	{ printf '$(bp_results_header)\n' && \
	  jq -r '$(bp_jq_row)' $^; } >$@.tmp.$$$$ && \
	  mv -f $@.tmp.$$$$ $@ || { rm -f $@.tmp.$$$$; exit 1; }

clean-experiments:
	rm -rf $(EXPERIMENTS:%=$(EXP_OUT)/%) $(EXP_OUT)/results.tsv

# a stamp removed after the Makefile was read (make clean-experiments NAME)
$(EXP_OUT)/%.opts:
	@mkdir -p $(@D)
	$(file >$@,$(bp_opts_$(subst /.,_,$*)))

# the cache source: always look (its recipe replaces bars.zst only when
# the bars changed)
.PHONY: bp-force
bp-force:

# a tool that is not built
$(BP_BIN)/bp-%:
	@echo "experiment.mk: $@ is missing: run 'make' in $(BP_ROOT)" >&2
	@exit 1
