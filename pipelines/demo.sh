#!/usr/bin/env bash
# demo.sh: barpipe's main job on the shipped sample data (make demo).
# Each stage of the research workflow is one script in pipelines/demo.d/,
# run in order; all output lands in out/demo/.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=$PWD/bin:$PWD/pipelines:$PATH
export BARPIPE_HOME=${BARPIPE_HOME:-$PWD/out/demo/home}
export DEMO=$PWD/out/demo
mkdir -p "$DEMO"
for stage in pipelines/demo.d/*.sh; do
	[ -e "$stage" ] || continue
	printf '\n== %s ==\n' "$(sed -n 's/^# demo: //p' "$stage" | head -n1)"
	bash "$stage"
done
if [ -f "$DEMO/report.html" ]; then
	printf '\nreport: %s\n' "$DEMO/report.html"
fi
