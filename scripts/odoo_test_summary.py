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
# Odoo's log line: "<date> <time> <pid> <LEVEL> <db> <logger>: <message>"
LEVEL = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ \d+ (ERROR|CRITICAL) ")
OUR_TEST = re.compile(r"odoo\.addons\.connector_openproject\.tests\.(\w+)")


def summarise(lines):
    tests_run = 0
    problems = []
    modules = set()
    for line in lines:
        match = RAN.search(line)
        if match:
            tests_run += int(match.group(1))
        if LEVEL.match(line):
            problems.append(line.rstrip())
        module = OUR_TEST.search(line)
        if module:
            modules.add(module.group(1))
    return tests_run, problems, sorted(modules)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("log")
    parser.add_argument("--exit-code", type=int, default=0)
    parser.add_argument("--seconds", type=int, default=0)
    args = parser.parse_args()
    with open(args.log) as handle:
        tests_run, problems, modules = summarise(handle)
    failed = bool(problems) or args.exit_code != 0 or tests_run == 0
    for line in problems[:40]:
        print(line)
    if tests_run == 0:
        print("No Odoo test ran although a runtime was found (see %s)." % args.log)
    if args.exit_code:
        print("Odoo exited with status %d (see %s)." % (args.exit_code, args.log))
    print("Odoo tests: %d test modules, %d tests, %d errors logged, %ds" % (
        len(modules), tests_run, len(problems), args.seconds))
    print("odoo: %d passed, %d failed" % (
        tests_run if not failed else max(tests_run - len(problems), 0),
        len(problems) if problems else (1 if failed else 0)))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
