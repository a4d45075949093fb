#!/usr/bin/python3
"""bench/models_split.py IN OUT_TRAIN OUT_TEST LABEL FEATURES

The rows of a feature stream (zstd or plain NDJSON) whose label and
features are all present, cut 80/20 in stream (time) order, written with
ts, symbol, the features and the label only, so that barpipe and the
Python peers train and test on exactly the same rows.
"""
import json
import subprocess
import sys

src, tr, te, label, feats = sys.argv[1:6]
feats = feats.split(",")
cmd = ["zstd", "-dcq", src] if src.endswith(".zst") else ["cat", src]
keep = ["ts", "symbol"] + feats + [label]
rows = []
with subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True) as p:
    for line in p.stdout:
        r = json.loads(line)
        if any(r.get(c) is None for c in feats + [label]):
            continue
        rows.append(json.dumps({c: r[c] for c in keep if c in r},
                               separators=(",", ":")))
cut = len(rows) * 8 // 10
with open(tr, "w") as f:
    f.write("\n".join(rows[:cut]) + "\n")
with open(te, "w") as f:
    f.write("\n".join(rows[cut:]) + "\n")
print("%d complete rows: %d to train, %d to test" %
      (len(rows), cut, len(rows) - cut))
