/*
 * severity: turning drift numbers into levels a person and cron can act on.
 *
 * Every finding (one test on one column, the signal mix, one performance
 * metric) gets a level NONE < LOW < MEDIUM < HIGH < CRITICAL from a list of
 * thresholds; a report's overall level is the highest of its findings and
 * maps to a recommendation:
 *
 *	NONE      no action
 *	LOW       monitor
 *	MEDIUM    monitor
 *	HIGH      schedule retraining
 *	CRITICAL  retrain now
 *
 * A threshold list is "LOW,MEDIUM,HIGH,CRITICAL" (four values) or
 * "MEDIUM,HIGH,CRITICAL" (three: that test never says LOW alone).  For a
 * statistic where larger is worse a level is reached when x >= its
 * threshold; for a p-value (smaller is worse) when p < its threshold.
 *
 * The report itself is a jansson document (its keys are documented in
 * bp-drift(1)); this module also renders it as a table for a terminal and
 * as Prometheus text exposition for node_exporter's textfile collector.
 */
#ifndef BP_SEVERITY_H
#define BP_SEVERITY_H

#include <jansson.h>

#include "util.h"

enum bp_level {
	BP_LEVEL_NONE = 0,
	BP_LEVEL_LOW,
	BP_LEVEL_MEDIUM,
	BP_LEVEL_HIGH,
	BP_LEVEL_CRITICAL,
};
#define BP_LEVEL_COUNT 5

/* "NONE" .. "CRITICAL". */
const char *bp_level_name(enum bp_level l);
/* Case-insensitive name to level; -1 when s is not a level. */
int bp_level_parse(const char *s, enum bp_level *out);
/* "no action", "monitor", "schedule retraining", "retrain now". */
const char *bp_level_action(enum bp_level l);

enum bp_threshold_dir {
	BP_WORSE_ABOVE = 0,	/* statistic: x >= t reaches the level */
	BP_WORSE_BELOW,		/* p-value: x < t reaches the level */
};

/* Thresholds of LOW, MEDIUM, HIGH, CRITICAL; NaN: level not used. */
struct bp_thresholds {
	double t[4];
	enum bp_threshold_dir dir;
};

/*
 * Parse "a,b,c[,d]" into th (th->dir must be set).  Values must be
 * finite and ordered (non-decreasing for BP_WORSE_ABOVE, non-increasing
 * for BP_WORSE_BELOW).  Returns 0, or -1 with a reason in err.
 */
int bp_thresholds_parse(struct bp_thresholds *th, const char *s, char *err,
			size_t errlen);
/* Level of x; NaN grades NONE. */
enum bp_level bp_thresholds_grade(const struct bp_thresholds *th, double x);
/* The list as a JSON array (null for an unused level).  New reference. */
json_t *bp_thresholds_json(const struct bp_thresholds *th);

/* Every threshold the drift report uses, with documented defaults. */
struct bp_severity {
	struct bp_thresholds ks_p;	   /* KS p-value */
	struct bp_thresholds ks_d;	   /* KS statistic D */
	struct bp_thresholds psi;	   /* PSI (also the signal mix) */
	struct bp_thresholds js;	   /* Jensen-Shannon distance */
	struct bp_thresholds wasserstein;  /* W1 in reference sd units */
	struct bp_thresholds mean_shift;   /* |mean shift| in ref sd units */
	struct bp_thresholds std_shift;	   /* |sd_cur / sd_ref - 1| */
	struct bp_thresholds null_rate;	   /* |null rate change| */
	struct bp_thresholds degrade;	   /* metric degradation, % */
};
void bp_severity_init(struct bp_severity *s);
/* {"psi": [...], ...}.  New reference. */
json_t *bp_severity_json(const struct bp_severity *s);

/* Level name stored in a report object's "level" key; NONE if absent. */
enum bp_level bp_report_level(const json_t *obj);

/*
 * Render a drift report (as built by lib/driftcmp) as a table for a
 * terminal, appended to b.
 */
void bp_report_table(struct bp_buf *b, const json_t *report);

/*
 * Prometheus text exposition (version 0.0.4) of the report's key figures:
 * HELP and TYPE lines, then one gauge sample per series, e.g.
 * barpipe_drift_psi{column="rsi_14"} 0.12.  Appended to b.
 */
void bp_report_prom(struct bp_buf *b, const json_t *report);

/* Where a report goes (bp-drift, bp-model health). */
struct bp_report_out {
	const char *output;	/* JSON report file (atomic), or NULL */
	const char *prom;	/* Prometheus text file (atomic), or NULL */
	int json;		/* JSON on stdout even on a terminal */
	int table;		/* the table on stdout even off a terminal */
	/* renders the table (bp_report_table when NULL) */
	void (*render)(struct bp_buf *b, const json_t *report);
};

/*
 * Write report: the JSON document to o->output, else to stdout unless
 * stdout is a terminal (or o->table) and then the table goes there; the
 * table also goes to a terminal when o->output is set; Prometheus text to
 * o->prom.  Stdout is flushed and checked.  Returns 0, or -1 after
 * reporting.
 */
int bp_report_write(const json_t *report, const struct bp_report_out *o);

#endif
