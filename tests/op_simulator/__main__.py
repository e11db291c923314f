"""python3 -m tests.op_simulator --host 127.0.0.1 --port PORT --api-key KEY [--api-key KEY2:admin] ..."""
import argparse
import sys
import time

from .server import Simulator, make_server, DEFAULT_CONTROL_TOKEN
from .render import PROFILES


def main(argv=None):
    parser = argparse.ArgumentParser(prog='python3 -m tests.op_simulator',
                                     description='OpenProject API v3 simulator (see tests/op_simulator/README.md)')
    parser.add_argument('--host', default='127.0.0.1')
    parser.add_argument('--port', type=int, default=0, help='0 picks a free port')
    parser.add_argument('--api-key', action='append', default=[], metavar='KEY[:admin|:LOGIN]',
                        help='KEY = the dataset bot user; KEY:admin = the admin; KEY:LOGIN = that user')
    parser.add_argument('--profile', default='current', choices=sorted(PROFILES))
    parser.add_argument('--dataset', default='demo', help='demo, S, M, L or a path to a JSON file')
    parser.add_argument('--seed', type=int, default=1)
    parser.add_argument('--control-token', default=DEFAULT_CONTROL_TOKEN)
    args = parser.parse_args(argv)
    started = time.time()
    try:
        sim = Simulator(dataset=args.dataset, seed=args.seed, profile=args.profile, api_keys=args.api_key,
                        control_token=args.control_token)
    except Exception as exc:
        sys.stderr.write('op_simulator: cannot load dataset %s: %s\n' % (args.dataset, exc))
        return 2
    server = make_server(sim, args.host, args.port)
    host, port = server.server_address[:2]
    sys.stdout.write('listening on http://%s:%d\n' % (host, port))
    sys.stdout.flush()
    sys.stderr.write('op_simulator: profile %s, dataset %s (seed %s) loaded in %.2fs\n'
                     % (args.profile, args.dataset, args.seed, time.time() - started))
    sys.stderr.flush()
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == '__main__':
    sys.exit(main())
