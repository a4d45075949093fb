/*
 * journalcli: the `bp-mcp journal` subcommands over the knowledge tables
 * (experiments, insights, runs, tasks); see journalcli.c.
 */
#ifndef BP_JOURNALCLI_H
#define BP_JOURNALCLI_H

/*
 * Run `journal` with argv[0] the subcommand; db NULL opens the default
 * database (or --db).  Prints one JSON document on stdout.  Returns the
 * exit status: 0, 1 on a data or database error, 2 on a usage error.
 */
int bp_journalcli_run(int argc, char **argv, const char *db);

#endif
