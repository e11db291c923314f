"""Throughput of the simulator for 1000-element work-package pages.

python3 -m tests.op_simulator.bench [--dataset M] [--seconds 5] [--threads 1] [--profile current]
Starts its own simulator subprocess, then GETs /api/v3/work_packages?filters=[]&pageSize=1000&offset=N
(cycling over all pages) on keep-alive connections and prints requests/s.
"""
import argparse
import base64
import http.client
import json
import subprocess
import sys
import threading
import time
import os

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument('--dataset', default='M')
    ap.add_argument('--profile', default='current')
    ap.add_argument('--seconds', type=float, default=5)
    ap.add_argument('--threads', type=int, default=1)
    ap.add_argument('--key', default='bench-admin')
    args = ap.parse_args(argv)
    t0 = time.time()
    proc = subprocess.Popen([sys.executable, '-m', 'tests.op_simulator', '--port', '0', '--dataset', args.dataset,
                             '--profile', args.profile, '--api-key', args.key + ':admin'],
                            cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    try:
        line = proc.stdout.readline().decode()
        startup = time.time() - t0
        host, port = line.split('//')[1].strip().split(':')
        auth = 'Basic ' + base64.b64encode(('apikey:' + args.key).encode()).decode()
        conn = http.client.HTTPConnection(host, int(port))

        def get(offset, c=conn):
            c.request('GET', '/api/v3/work_packages?filters=%5B%5D&pageSize=1000&offset=' + str(offset),
                      headers={'Authorization': auth})
            resp = c.getresponse()
            body = resp.read()
            assert resp.status == 200, body[:200]
            return body
        t1 = time.time()
        first = json.loads(get(1))
        cold = time.time() - t1
        pages = max(1, -(-first['total'] // 1000))
        for off in range(2, pages + 1):   # warm every page once
            get(off)
        counts = [0] * args.threads
        size = [len(get(1))]
        stop = time.time() + args.seconds

        def worker(i):
            c = http.client.HTTPConnection(host, int(port))
            n = 0
            while time.time() < stop:
                get(n % pages + 1, c)
                n += 1
            counts[i] = n
        threads = [threading.Thread(target=worker, args=(i,)) for i in range(args.threads)]
        start = time.time()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.time() - start
        total = sum(counts)
        print('dataset %s (%d work packages, %d pages of 1000), profile %s' % (args.dataset, first['total'], pages,
                                                                                  args.profile))
        print('startup %.2fs; first (cold) 1000-element page %.3fs; response size %d bytes'
              % (startup, cold, size[0]))
        print('%d requests in %.1fs with %d thread(s): %.1f requests/s (%.1f MB/s)'
              % (total, elapsed, args.threads, total / elapsed, total * size[0] / elapsed / 1e6))
    finally:
        proc.terminate()
        proc.wait()


if __name__ == '__main__':
    main()
