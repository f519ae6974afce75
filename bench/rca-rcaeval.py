"""BARO run by RCAEval's own code (PyPI RCAEval, RCAEval.e2e.baro) on recorded cases.

Called by bench/rca-rcaeval.ts with the venv's python. No network.
stdin:  JSON list of {id, inject_time, frame: {time: [...], "<service>_<signal>": [...]}}
        (null where a series has no value yet)
stdout: JSON {id: {ranks: [service, ...]} | {error: "..."}}, services best first.
"""

import json
import sys
import warnings

warnings.filterwarnings("ignore")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from RCAEval.e2e.baro import baro  # noqa: E402


def services_of(ranks):
    """Metric names best first -> services best first (the prefix before the first '_'), first occurrence wins."""
    seen = []
    for metric in ranks:
        service = metric.split("_", 1)[0]
        if service not in seen:
            seen.append(service)
    return seen


def run(case):
    frame = pd.DataFrame(case["frame"], dtype=float)
    # As RCAEval's read_data prepares a frame before its methods see it: inf -> NaN, forward fill, then 0.
    frame = frame.replace([np.inf, -np.inf], np.nan).ffill().fillna(0)
    # With inject_time given, baro splits rows at it (time < inject_time: normal) and does no change-point
    # detection; any non-None dataset makes its preprocess drop the time column and each part's constant columns.
    result = baro(frame, inject_time=case["inject_time"], dataset="vigil")
    return {"ranks": services_of(result["ranks"])}


def main():
    out = {}
    for case in json.load(sys.stdin):
        try:
            out[case["id"]] = run(case)
        except Exception as error:  # one bad case must not lose the others
            out[case["id"]] = {"error": f"{type(error).__name__}: {error}"}
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
