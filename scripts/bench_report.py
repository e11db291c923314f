"""Prints the benchmark's table and JSON line from the per-run results of scripts/bench.sh.

Arguments: SIZE:path.json, one per run. Times are the median of the runs of a size; ratios
and counts are taken within each run, then their median too.
"""
from __future__ import print_function

import json
import statistics
import sys

ROWS = [
    ("full import: wall time (s)", ("full", "seconds")),
    ("full import: records", ("full", "records")),
    ("full import: records/s", ("full", "records_per_second")),
    ("full import: HTTP requests", ("full", "requests")),
    ("  of which activities (1 per work package)", ("full", "requests_activities")),
    ("  without the activities", ("full", "requests_without_activities")),
    ("full import: work packages", ("full", "work_packages")),
    ("full import: peak RSS (MiB)", ("full", "peak_rss_mib")),
    ("plain ORM create(): records/s", ("orm_limit", "records_per_second")),
    ("ratio import / ORM limit", ("ratio_import_to_limit",)),
    ("no-change re-sync: wall time (s)", ("no_change", "seconds")),
    ("no-change re-sync: requests", ("no_change", "requests")),
    ("no-change re-sync: records written", ("no_change", "records_written")),
    ("no-change re-sync: jobs", ("no_change", "jobs")),
    ("incremental (1 %): changed upstream", ("incremental", "changed_upstream")),
    ("incremental (1 %): wall time (s)", ("incremental", "seconds")),
    ("incremental (1 %): requests", ("incremental", "requests")),
    ("incremental (1 %): records written", ("incremental", "records_written")),
]


def pick(result, keys):
    for key in keys:
        result = result[key]
    return result


def main(args):
    runs = {}
    for arg in args:
        size, path = arg.split(":", 1)
        with open(path) as handle:
            runs.setdefault(size, []).append(json.load(handle))
    sizes = list(runs)
    medians = {}
    for size in sizes:
        medians[size] = {label: statistics.median(pick(r, keys) for r in runs[size])
                         for label, keys in ROWS}
        medians[size]["runs"] = len(runs[size])
        first = runs[size][0]
        # listings: every record once, by pages, plus a few requests per project (its work
        # packages, its time entries) and per sync (statuses, users, projects); the
        # activities come on top: API v3 lists them per work package only
        medians[size]["requests target, without activities (records / page size + 2 x projects + 3)"] = (
            -(-first["full"]["records"] // first["full"]["page_size"])
            + 2 * first["full"]["projects"] + 3)
        medians[size]["no-change target (3 + 2 x projects)"] = 3 + 2 * first["full"]["projects"]
        for phase in ("full", "no_change", "incremental"):
            medians[size]["%s: requests by endpoint (run 1)" % phase] = first[phase].get(
                "requests_by_endpoint")
            if phase != "full":
                medians[size]["%s: written (run 1)" % phase] = first[phase].get("written_detail")
    width = max(len(label) for label in medians[sizes[0]]
                if not isinstance(medians[sizes[0]][label], dict))
    print("%-*s %s" % (width, "median of runs", " ".join("%12s" % s for s in sizes)))
    for label in medians[sizes[0]]:
        if isinstance(medians[sizes[0]][label], dict):
            continue  # in the JSON line only
        print("%-*s %s" % (width, label, " ".join("%12s" % medians[s][label] for s in sizes)))
    print(json.dumps({"bench": medians}, sort_keys=True))


if __name__ == "__main__":
    main(sys.argv[1:])
