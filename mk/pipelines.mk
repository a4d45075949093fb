# pipelines: the Make fragment for experiments (pipelines/experiment.mk,
# experiments/) and the cron jobs (pipelines/cron/); scripts, not binaries
MAN7 += man/man7/barpipe-experiments.7
