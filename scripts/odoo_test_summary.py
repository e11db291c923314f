"""Reads the log of an Odoo 10 test run and says whether it passed.

Odoo 10's `--test-enable --stop-after-init` exits 0 even when tests fail, so the verdict comes
from the log: unittest's "Ran N tests" lines (one per test module), failures and errors logged at
ERROR level, and tracebacks during install.
"""
from __future__ import print_function

import argparse
import re
import sys

RAN = re.compile(r"\bRan (\d+) tests? in ")
# unittest's closing words of a module: "OK", "OK (skipped=2)", "FAILED (failures=1, errors=2)"
# (Odoo 10 logs the parenthesis on a line of its own)
COUNT = re.compile(r"\b(failures|errors|skipped)=(\d+)")
# Odoo's log line: "<date> <time> <pid> <LEVEL> <db> <logger>: <message>"
LEVEL = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ \d+ (ERROR|CRITICAL) ")
OUR_TEST = re.compile(r"odoo\.addons\.connector_openproject\.tests\.(\w+)")


def summarise(lines):
    tests_run = 0
    problems = []
    modules = set()
    counts = {"failures": 0, "errors": 0, "skipped": 0}
    for line in lines:
        match = RAN.search(line)
        if match:
            tests_run += int(match.group(1))
        if OUR_TEST.search(line):
            for name, number in COUNT.findall(line):
                counts[name] += int(number)
        if LEVEL.match(line):
            problems.append(line.rstrip())
        module = OUR_TEST.search(line)
        if module:
            modules.add(module.group(1))
    return tests_run, problems, sorted(modules), counts


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("log")
    parser.add_argument("--exit-code", type=int, default=0)
    parser.add_argument("--seconds", type=int, default=0)
    args = parser.parse_args()
    with open(args.log) as handle:
        tests_run, problems, modules, counts = summarise(handle)
    ran = tests_run - counts["skipped"]
    failed = bool(problems) or args.exit_code != 0 or ran <= 0
    for line in problems[:40]:
        print(line)
    if ran <= 0:
        print("No Odoo test ran (%d skipped) although a runtime was found (see %s)." % (
            counts["skipped"], args.log))
    if args.exit_code:
        print("Odoo exited with status %d (see %s)." % (args.exit_code, args.log))
    broken = counts["failures"] + counts["errors"]
    if failed and not broken:
        broken = 1  # the install itself failed, or nothing ran: count it as one failure
    passed = max(tests_run - counts["failures"] - counts["errors"] - counts["skipped"], 0)
    print("Odoo tests: %d test modules, %d tests run, %d errors logged, %ds" % (
        len(modules), tests_run, len(problems), args.seconds))
    print("odoo: %d passed, %d failed, %d skipped" % (passed, broken, counts["skipped"]))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
