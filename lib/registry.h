/*
 * registry: named, versioned models in barpipe's database.
 *
 * A registered model is a row of the `models` table (schema in store.c)
 * and its artefact, the model file, stored beside the database as
 * models/NAME/VERSION.json (so under $BARPIPE_HOME/models/ for the default
 * database); the row keeps the path relative to the database's directory
 * and the artefact's sha256.  Versions count from 1 per name and are
 * never reused, even after rm.  Status:
 * "candidate" when registered, "active" once promoted (one per name),
 * "retired" when another version took its place.  Every promote, rollback
 * and rm is recorded in `model_events`; rollback returns to the version
 * that was active before the current one (a stack: promote pushes,
 * rollback pops).
 */
#ifndef BP_REGISTRY_H
#define BP_REGISTRY_H

#include <jansson.h>

#include "model.h"
#include "store.h"

struct bp_registry_entry {
	char *name;
	int version;
	char *kind, *label;
	char *features, *params, *metrics;	/* JSON text */
	char *sha256;
	char *path;		/* absolute path of the artefact */
	int parent;		/* 0: none */
	char *status;
	char *created_at;
};

void bp_registry_entry_release(struct bp_registry_entry *e);
/* The entry as a JSON object (new reference). */
json_t *bp_registry_entry_json(const struct bp_registry_entry *e);

/* 1 when name is a valid model name: [A-Za-z0-9_.-]+, not starting '.'. */
int bp_registry_name_ok(const char *name);

/*
 * Parse "NAME" (version 0: the active one) or "NAME@V".  Returns 0 with
 * *name a new string, or -1 after reporting.
 */
int bp_registry_parse_ref(const char *ref, char **name, int *version);

/*
 * Register m as the next version of name: the artefact is written (the
 * exact bytes bp_model_save writes), then the row inserted with status
 * candidate and parent = the version active now.  Returns 0 with
 * *version set, or -1 after reporting (nothing is left behind).
 */
int bp_registry_add(struct bp_store *s, const char *name,
		    const struct bp_model *m, int *version);

/*
 * Look up name@version (version 0: the active version).  Returns 0 with e
 * filled, or -1 after reporting "no model 'x'", "'x' has no version 3",
 * "'x' has no active version (promote one)".
 */
int bp_registry_get(struct bp_store *s, const char *name, int version,
		    struct bp_registry_entry *e);

/* Every version of name (NULL: of every name), by name then version. */
int bp_registry_list(struct bp_store *s, const char *name,
		     struct bp_registry_entry **out, size_t *n);
void bp_registry_list_free(struct bp_registry_entry *v, size_t n);

/* Make name@version active (the active one is retired).  0 or -1. */
int bp_registry_promote(struct bp_store *s, const char *name, int version);

/*
 * Return to the version active before the current one; *version gets it.
 * -1 after reporting when there is none.
 */
int bp_registry_rollback(struct bp_store *s, const char *name, int *version);

/*
 * Remove name@version and its artefact.  The active version is refused
 * unless force.  0 or -1.
 */
int bp_registry_remove(struct bp_store *s, const char *name, int version,
		       int force);

/*
 * Load the model a reference names: a file path (anything containing '/'
 * or ending in ".json", or an existing file), else NAME or NAME@V from the
 * registry in the database at db (NULL: the default).  The artefact's
 * sha256 is checked.  Returns the model, or NULL after reporting.
 */
struct bp_model *bp_registry_load(const char *ref, const char *db);

#endif
