"""deploy/systemd: one hardened template unit per program, checked with
systemd's own tools. `cmake --install` copies them into share/r5/systemd with
ExecStart naming the installed programs; systemd-analyze verify then checks
two instances of each (syntax, unknown keys, the executable), and
systemd-analyze security --offline scores their exposure. Each unit loads its
own keys, and no other program's secret key, as credentials."""

import os
import re
import shutil
import subprocess
import tempfile
import unittest

SOURCE_DIR = os.environ.get('R5_SOURCE_DIR') or os.path.dirname(os.path.dirname(os.path.dirname(os.path.realpath(__file__))))
BUILD_DIR = os.environ.get('R5_BUILD_DIR') or os.path.join(SOURCE_DIR, 'build')
CMAKE = os.environ.get('R5_CMAKE') or 'cmake'
UNITS = os.path.join(SOURCE_DIR, 'deploy', 'systemd')
PROGRAMS = ['r5-authz', 'r5-broker', 'r5-gateway', 'r5-keygen', 'r5-resource', 'r5-token']
# Every installed program but r5-keygen, which an operator runs once, has a unit.
UNIT_PROGRAMS = [p for p in PROGRAMS if p != 'r5-keygen']
# The key settings of each program (its --help) and the r5-keygen file each names.
KEYS = {
    'r5-broker': {'R5_BUS_KEY': 'broker.key_secret'},
    'r5-gateway': {'R5_BUS_KEY': 'gateway.key_secret', 'R5_BROKER_KEY': 'broker.key'},
    'r5-token': {'R5_BUS_KEY': 'token.key_secret', 'R5_BROKER_KEY': 'broker.key',
                 'R5_ASSERTION_KEY': 'assertion.sign', 'R5_PASSWORD_PROOF_VERIFY_KEY': 'password-proof.verify'},
    'r5-authz': {'R5_BUS_KEY': 'authz.key_secret', 'R5_BROKER_KEY': 'broker.key',
                 'R5_ASSERTION_VERIFY_KEY': 'assertion.verify'},
    'r5-resource': {'R5_BUS_KEY': 'resource.key_secret', 'R5_BROKER_KEY': 'broker.key',
                    'R5_ASSERTION_VERIFY_KEY': 'assertion.verify', 'R5_PASSWORD_PROOF_KEY': 'password-proof.sign'},
}
SECRETS = {'broker.key_secret', 'gateway.key_secret', 'token.key_secret', 'authz.key_secret', 'resource.key_secret',
           'internal.key_secret', 'assertion.sign', 'password-proof.sign'}
# Hardening every unit must have, as (key, value) lines of its [Service].
REQUIRED = [('DynamicUser', 'yes'), ('ProtectSystem', 'strict'), ('ProtectHome', 'yes'),
            ('NoNewPrivileges', 'yes'), ('PrivateTmp', 'yes'), ('CapabilityBoundingSet', ''),
            ('Restart', 'on-failure'), ('EnvironmentFile', '/etc/r5/r5.env')]
MOST_EXPOSURE = 2.0     # systemd-analyze security: 0 is locked down, 10 is fully exposed


def service_lines(path):
    """The [Service] section as a list of (key, value), repeated keys kept."""
    lines, section = [], None
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line.startswith('['):
                section = line
            elif section == '[Service]' and line and not line.startswith('#'):
                key, _, value = line.partition('=')
                lines.append((key, value))
    return lines


def verify(directory, unit):
    """systemd-analyze verify; returns what it said (nothing when the unit is clean)."""
    result = subprocess.run(['systemd-analyze', 'verify', unit], cwd=directory, capture_output=True, text=True,
                            timeout=60)
    return (result.stdout + result.stderr).strip() or (None if result.returncode == 0 else 'exit %d' % result.returncode)


class SystemdTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix='r5-systemd-')
        cls.prefix = os.path.join(cls.tmp, 'prefix')
        subprocess.run([CMAKE, '--install', BUILD_DIR, '--prefix', cls.prefix], check=True, capture_output=True)
        cls.installed = os.path.join(cls.prefix, 'share', 'r5', 'systemd')

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def test_one_template_per_program(self):
        self.assertEqual(sorted(f for f in os.listdir(UNITS) if f.endswith('.service')),
                         ['%s@.service' % p for p in UNIT_PROGRAMS])
        for program in UNIT_PROGRAMS:
            lines = service_lines(os.path.join(self.installed, '%s@.service' % program))
            self.assertIn(('ExecStart', os.path.join(self.prefix, 'bin', program)), lines)

    def test_verify_two_instances(self):
        for program in UNIT_PROGRAMS:
            for instance in ('1', '2'):
                unit = '%s@%s.service' % (program, instance)
                self.assertIsNone(verify(self.installed, unit), unit)

    def test_verify_catches_mistakes(self):
        # The check above can fail: a misspelt key and a missing program are reported.
        broken = os.path.join(self.tmp, 'broken')
        os.makedirs(broken)
        with open(os.path.join(self.installed, 'r5-token@.service')) as f:
            text = f.read()
        with open(os.path.join(broken, 'r5-token@.service'), 'w') as f:
            f.write(text.replace('ProtectSystem=', 'ProtectSytem='))
        self.assertIn("Unknown key 'ProtectSytem'", verify(broken, 'r5-token@1.service'))
        with open(os.path.join(broken, 'r5-token@.service'), 'w') as f:
            f.write(text.replace(self.prefix, '/nonexistent'))
        self.assertIn('is not executable', verify(broken, 'r5-token@1.service'))

    def test_hardening(self):
        for program in UNIT_PROGRAMS:
            path = os.path.join(UNITS, '%s@.service' % program)
            lines = service_lines(path)
            for required in REQUIRED:
                self.assertIn(required, lines, path)
            self.assertIn(('EnvironmentFile', '-/etc/r5/%s.env' % program), lines)
            self.assertIn(('EnvironmentFile', '-/etc/r5/%s@%%i.env' % program), lines)
            self.assertIn(('ExecStart', '/usr/local/bin/%s' % program), lines)
            result = subprocess.run(['systemd-analyze', 'security', '--offline=true', '%s@1.service' % program],
                                    cwd=self.installed, capture_output=True, text=True, timeout=60)
            match = re.search(r'Overall exposure level for \S+: ([0-9.]+)', result.stdout)
            self.assertTrue(match, result.stdout + result.stderr)
            self.assertLessEqual(float(match.group(1)), MOST_EXPOSURE, program)

    def test_stop_timeout_and_metrics(self):
        # Each program drains on SIGTERM for at most R5_SHUTDOWN_GRACE_MS:
        # systemd waits longer before its SIGKILL. Each example sets a metrics
        # listener of its own (one host may run all five).
        def settings(path):
            with open(path) as f:
                return dict(line.strip().split('=', 1) for line in f if '=' in line and not line.startswith('#'))
        grace_s = int(settings(os.path.join(UNITS, 'r5.env.example'))['R5_SHUTDOWN_GRACE_MS']) / 1000.0
        ports = set()
        for program in UNIT_PROGRAMS:
            lines = service_lines(os.path.join(UNITS, '%s@.service' % program))
            self.assertIn(('KillSignal', 'SIGTERM'), lines, program)
            stop = [v for k, v in lines if k == 'TimeoutStopSec']
            self.assertEqual(len(stop), 1, program)
            self.assertGreater(int(stop[0]), grace_s, program)
            listen = settings(os.path.join(UNITS, '%s.env.example' % program))['R5_METRICS_LISTEN']
            ports.add(listen.rsplit(':', 1)[1])
        self.assertEqual(len(ports), len(UNIT_PROGRAMS))

    def test_token_pepper_is_a_credential(self):
        lines = service_lines(os.path.join(UNITS, 'r5-token@.service'))
        self.assertIn(('LoadCredential', 'pepper:/etc/r5/credentials/pepper'), lines)
        self.assertIn(('Environment', 'R5_PEPPER_FILE=%d/pepper'), lines)
        self.assertIn(('Environment', 'R5_PEPPER_CREATE=0'), lines)
        for program in UNIT_PROGRAMS:
            if program != 'r5-token':
                self.assertNotIn('pepper', str(service_lines(os.path.join(UNITS, '%s@.service' % program))))

    def test_keys_are_credentials(self):
        for program in UNIT_PROGRAMS:
            lines = service_lines(os.path.join(UNITS, '%s@.service' % program))
            credentials = dict(v.split(':', 1) for k, v in lines if k == 'LoadCredential')
            environment = dict(v.split('=', 1) for k, v in lines if k == 'Environment')
            for setting, file in KEYS[program].items():
                # The setting names the credential, loaded from the file r5-keygen wrote.
                self.assertEqual(environment.get(setting), '%%d/%s' % file, '%s: %s' % (program, setting))
                self.assertEqual(credentials.get(file), '/etc/r5/keys/%s' % file, '%s: %s' % (program, file))
            # Its own secrets and none of another program's.
            own = {f for f in KEYS[program].values() if f in SECRETS}
            loaded = {os.path.basename(path) for path in credentials.values()}
            self.assertEqual(loaded & SECRETS, own, program)
            self.assertFalse([path for path in credentials.values()
                              if path.startswith('/etc/r5/keys') and os.path.dirname(path) != '/etc/r5/keys'], program)
        broker = dict(v.split('=', 1) for k, v in service_lines(os.path.join(UNITS, 'r5-broker@.service'))
                      if k == 'Environment')
        # Read in place (a credential is a copy made at start, and the broker reloads it).
        self.assertEqual(broker.get('R5_BUS_ALLOW'), '/etc/r5/bus-allow')


if __name__ == '__main__':
    unittest.main()
