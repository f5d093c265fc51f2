#!/usr/bin/python3
"""r5suite: start the whole r5 suite — dev MongoDB (unless R5_MONGODB_URI is
set), broker, resource, token, authz and gateway — each on a free port, and
wait for each process's readiness line (never on sleeps).

Used by the quick start (`deploy/quickstart.sh`) and by the integration tests,
so both start r5 the same way.

    /usr/bin/python3 deploy/r5suite.py run --build-dir build --data-dir data --port 8080
"""

import argparse
import ctypes
import os
import re
import secrets
import selectors
import signal
import stat
import subprocess
import sys
import time
import urllib.request

SOURCE_DIR = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))
READY = re.compile(rb'^(r5-[a-z]+) ready\b(.*)$')


class SuiteError(RuntimeError):
    pass


def private_dir(path):
    """Make path a directory only its owner may use (0700), whatever the
    umask; an existing one loses every permission of group and others."""
    os.makedirs(path, mode=0o700, exist_ok=True)
    mode = stat.S_IMODE(os.stat(path).st_mode)
    if mode & 0o077:
        os.chmod(path, mode & 0o700)


def private_log(path):
    """A log file opened for appending, 0600 whatever the umask (an existing
    one is tightened): logs carry emails, ids and addresses."""
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        os.fchmod(fd, 0o600)
        return os.fdopen(fd, 'ab')
    except BaseException:
        os.close(fd)
        raise


_LIBC = ctypes.CDLL(None, use_errno=True)
_PR_SET_PDEATHSIG = 1


def _die_with_parent():
    """In the child before exec: SIGTERM when the launcher dies, however it dies,
    so a killed test run leaves no servers behind."""
    _LIBC.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


class Process:
    """One started binary: its readiness line's key=value fields and its log file."""

    def __init__(self, name, argv, env, log_path, timeout=30.0):
        self.name = name
        self.log_path = log_path
        self.log = private_log(log_path)
        self.popen = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=self.log,
                                      stdin=subprocess.DEVNULL, start_new_session=True,
                                      preexec_fn=_die_with_parent)
        self.fields = self._wait_ready(timeout)

    def _wait_ready(self, timeout):
        """Read stdout until the process says it is ready; fail if it exits first."""
        selector = selectors.DefaultSelector()
        selector.register(self.popen.stdout, selectors.EVENT_READ)
        deadline = time.monotonic() + timeout
        buffer = b''
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                self.stop()
                raise SuiteError('%s not ready after %.0f s (log: %s)' % (self.name, timeout, self.log_path))
            if not selector.select(left):
                continue
            chunk = os.read(self.popen.stdout.fileno(), 4096)
            if not chunk:
                self.popen.wait()
                raise SuiteError('%s exited with %s before it was ready; its log (%s) ends:\n%s'
                                 % (self.name, self.popen.returncode, self.log_path, tail(self.log_path)))
            buffer += chunk
            for line in buffer.split(b'\n')[:-1]:
                match = READY.match(line.strip())
                if match:
                    selector.close()
                    return dict(field.split('=', 1) for field in match.group(2).decode().split() if '=' in field)
            buffer = buffer.split(b'\n')[-1]

    def alive(self):
        return self.popen.poll() is None

    def stop(self, sig=signal.SIGTERM, timeout=10.0):
        if self.popen.poll() is None:
            self.popen.send_signal(sig)
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait()
        self.popen.stdout.close()
        self.log.close()
        return self.popen.returncode

    def kill(self):
        """SIGKILL, as a crash would: nothing is flushed, nothing said goodbye."""
        return self.stop(signal.SIGKILL)


def tail(path, lines=20):
    try:
        with open(path, 'rb') as f:
            return b''.join(f.readlines()[-lines:]).decode(errors='replace')
    except OSError:
        return ''


class Suite:
    """The running suite. Start extra instances with start_service()."""

    def __init__(self, build_dir, data_dir, gateway_port=0, mongodb_uri=None, env=None,
                 log_level=None, pepper_create=True, brokers=1):
        self.build_dir = os.path.abspath(build_dir)
        self.data_dir = os.path.abspath(data_dir)
        self.gateway_port = gateway_port
        self.mongodb_uri = mongodb_uri or os.environ.get('R5_MONGODB_URI')
        self.extra_env = dict(env or {})
        # Every process logs at the launcher's R5_LOG_LEVEL and R5_LOG_FORMAT
        # (the format passes through the environment as it is).
        self.log_level = log_level or os.environ.get('R5_LOG_LEVEL') or 'info'
        self.pepper_create = pepper_create
        self.broker_count = brokers
        self.processes = []
        self.brokers = []
        self.gateways = []
        # The data directory holds the pepper, the dev MongoDB's files and the
        # logs: its owner's alone (each program also sets the modes of its files).
        private_dir(self.data_dir)
        private_dir(os.path.join(self.data_dir, 'logs'))
        # The bus keys and the signing keys, made by r5-keygen on first start.
        self.keys_dir = os.path.join(self.data_dir, 'keys')

    def binary(self, name):
        path = os.path.join(self.build_dir, 'services', name.replace('r5-', ''), name)
        if not os.access(path, os.X_OK):
            raise SuiteError('%s is not built (expected %s)' % (name, path))
        return path

    def key(self, name):
        """The path of a file in the suite's key directory."""
        return os.path.join(self.keys_dir, name)

    def make_keys(self):
        """Run r5-keygen: every key the directory lacks (none on later starts)."""
        result = subprocess.run([self.binary('r5-keygen'), '--dir', self.keys_dir],
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if result.returncode != 0:
            raise SuiteError('r5-keygen failed: %s' % result.stdout.strip())

    def env(self):
        env = dict(os.environ)
        env.update({
            'R5_BROKER_KEY': self.key('broker.key'),
            'R5_BUS_ALLOW': self.key('bus-allow'),
            'R5_ASSERTION_KEY': self.key('assertion.sign'),
            'R5_ASSERTION_VERIFY_KEY': self.key('assertion.verify'),
            'R5_PASSWORD_PROOF_KEY': self.key('password-proof.sign'),
            'R5_PASSWORD_PROOF_VERIFY_KEY': self.key('password-proof.verify'),
            'R5_BROKERS': ','.join(b.fields['endpoint'] for b in self.brokers),
            'R5_EVENTS_SUBSCRIBE': ','.join(b.fields['events_out'] for b in self.brokers if 'events_out' in b.fields),
            'R5_MONGODB_URI': self.mongodb_uri or '',
            'R5_LOG_LEVEL': self.log_level,
            'R5_PEPPER_FILE': os.path.join(self.data_dir, 'pepper'),
            'R5_PEPPER_CREATE': '1' if self.pepper_create else '0',
            # Every process serves /metrics on a port of its own (any free one
            # here; its ready line says which: metrics_port=N).
            'R5_METRICS_LISTEN': '127.0.0.1:0',
        })
        publish = ','.join(b.fields['events_in'] for b in self.brokers if 'events_in' in b.fields)
        if publish:
            env['R5_EVENTS_PUBLISH'] = publish
        env.update(self.extra_env)
        return env

    def _start(self, name, argv, env=None):
        index = sum(1 for p in self.processes if p.name == name)
        log = os.path.join(self.data_dir, 'logs', '%s-%d.log' % (name, index))
        env = dict(env or self.env())
        # Each program has its own key pair: r5-token uses keys/token.key_secret.
        if name != 'r5-devmongo':
            env.setdefault('R5_BUS_KEY', self.key('%s.key_secret' % name.replace('r5-', '')))
        process = Process(name, argv, env, log)
        self.processes.append(process)
        return process

    def start_devmongo(self):
        process = self._start('r5-devmongo', ['/usr/bin/python3', os.path.join(SOURCE_DIR, 'deploy', 'devmongo', 'r5-devmongo'),
                                              '--data-dir', os.path.join(self.data_dir, 'mongo'), '--port', '0'])
        self.mongodb_uri = 'mongodb://127.0.0.1:%s/r5?serverSelectionTimeoutMS=3000' % process.fields['port']
        return process

    def start_broker(self, replacing=None):
        """Start a broker on free ports, or, replacing a stopped one, on its
        endpoints (every other process was given them), in its place."""
        fields = replacing.fields if replacing else {}
        broker = self._start('r5-broker', [self.binary('r5-broker'),
                                           '--bind', fields.get('endpoint', 'tcp://127.0.0.1:!'),
                                           '--events-in', fields.get('events_in', 'tcp://127.0.0.1:!'),
                                           '--events-out', fields.get('events_out', 'tcp://127.0.0.1:!')])
        if replacing:
            self.brokers[self.brokers.index(replacing)] = broker
        else:
            self.brokers.append(broker)
        return broker

    def start_service(self, name, *args, env=None):
        """Start one more instance of r5-token, r5-authz or r5-resource."""
        return self._start(name, [self.binary(name)] + list(args), env)

    def start_gateway(self, port=0, env=None):
        merged = self.env()
        merged.update(env or {})
        gateway = self._start('r5-gateway', [self.binary('r5-gateway'), '--listen', '127.0.0.1:%d' % port], merged)
        self.gateways.append(gateway)
        return gateway

    def start(self):
        try:
            self.make_keys()
            if not self.mongodb_uri:
                self.start_devmongo()
            for _ in range(self.broker_count):
                self.start_broker()
            for name in ('r5-resource', 'r5-token', 'r5-authz'):
                self.start_service(name)
            self.start_gateway(self.gateway_port)
            self.wait_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def url(self, gateway=0):
        return 'http://127.0.0.1:%s' % self.gateways[gateway].fields['port']

    def admin_url(self, gateway=0):
        """Where /readyz and /metrics are served: the admin listener when there is one."""
        port = self.gateways[gateway].fields.get('admin_port', '-1')
        return 'http://127.0.0.1:%s' % port if port != '-1' else self.url(gateway)

    def metrics_url(self, process):
        """Where a started process serves /metrics (its metrics listener)."""
        return 'http://127.0.0.1:%s/metrics' % process.fields['metrics_port']

    def wait_ready(self, timeout=30.0):
        """Poll /readyz until every service answers through the broker."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(self.admin_url() + '/readyz', timeout=5) as response:
                    if response.status == 200:
                        return
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise SuiteError('the suite is not ready after %.0f s (logs in %s)'
                                 % (timeout, os.path.join(self.data_dir, 'logs')))
            time.sleep(0.05)    # polling an HTTP endpoint: there is no line to wait on

    def stop(self):
        for process in reversed(self.processes):
            process.stop()
        self.processes = []

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


def main():
    parser = argparse.ArgumentParser(description='run the r5 suite until Ctrl-C')
    parser.add_argument('command', choices=['run'])
    parser.add_argument('--build-dir', default=os.path.join(SOURCE_DIR, 'build'))
    parser.add_argument('--data-dir', default=os.path.join(SOURCE_DIR, 'data'))
    parser.add_argument('--port', type=int, default=int(os.environ.get('R5_PORT', '8080')))
    args = parser.parse_args()
    suite = Suite(args.build_dir, args.data_dir, gateway_port=args.port)
    stopping = []
    signal.signal(signal.SIGTERM, lambda *a: stopping.append(1))
    try:
        suite.start()
    except SuiteError as error:
        sys.stderr.write('r5: %s\n' % error)
        return 1
    url = suite.url()
    mongo = 'the dev server (data in %s)' % os.path.join(args.data_dir, 'mongo') if not os.environ.get('R5_MONGODB_URI') else 'R5_MONGODB_URI'
    print(QUICKSTART.format(url=url, mongo=mongo, logs=os.path.join(args.data_dir, 'logs')), flush=True)
    # Each process's Prometheus endpoint (free ports of 127.0.0.1, docs/operations.md).
    print('Metrics: ' + ', '.join('%s %s' % (p.name, suite.metrics_url(p)) for p in suite.processes
                                  if p.fields.get('metrics_port', '-1') != '-1'), flush=True)
    try:
        while not stopping and all(p.alive() for p in suite.processes):
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    dead = [p.name for p in suite.processes if not p.alive()]
    suite.stop()
    if dead:
        sys.stderr.write('r5: %s stopped unexpectedly; logs in %s\n' % (', '.join(dead), os.path.join(args.data_dir, 'logs')))
        return 1
    return 0


QUICKSTART = """
r5 is running at {url}   (MongoDB: {mongo}; logs: {logs})

Open {url}/ to sign up and manage tokens on your profile's Security tab, or from a shell:

  # 1. create an account and its owner (keeps the session cookie in r5.cookies)
  curl -s -c r5.cookies -H 'Content-Type: application/json' -H 'Origin: {url}' \\
       -d '{{"accountName":"Acme","name":"Ada Owner","email":"ada@example.com","password":"correct horse battery"}}' \\
       {url}/auth/signup

  # 2. create a personal access token with the session (its value is shown once)
  TOKEN=$(curl -s -b r5.cookies -H 'Content-Type: application/json' -H 'Origin: {url}' \\
       -d '{{"query":"mutation {{ createPersonalAccessToken(input: {{description: \\"cli\\", scopes: [incidentsRead]}}) {{ value }} }}"}}' \\
       {url}/graphql | sed 's/.*"value":"\\([^"]*\\)".*/\\1/')

  # 3. call the API with it
  curl -s -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \\
       -d '{{"query":"{{ viewer {{ id name email role }} }}"}}' {url}/graphql

Press Ctrl-C to stop the suite.
"""

if __name__ == '__main__':
    sys.exit(main())
