"""`cmake --install` into a temporary prefix, as an operator would: the layout
(bin/ holds the five programs, share/r5/ the schema, the web UI and the dev
MongoDB), --version on every installed program, and an installed gateway that
loads its schema and web UI from share/r5 rather than from the source tree."""

import filecmp
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import unittest
import urllib.error
import urllib.request

SOURCE_DIR = os.environ.get('R5_SOURCE_DIR') or os.path.dirname(os.path.dirname(os.path.dirname(os.path.realpath(__file__))))
BUILD_DIR = os.environ.get('R5_BUILD_DIR') or os.path.join(SOURCE_DIR, 'build')
CMAKE = os.environ.get('R5_CMAKE') or 'cmake'
sys.path.insert(0, os.path.join(SOURCE_DIR, 'deploy'))

import r5suite  # noqa: E402

PROGRAMS = ['r5-authz', 'r5-broker', 'r5-gateway', 'r5-keygen', 'r5-resource', 'r5-scan', 'r5-token']


def project_version():
    with open(os.path.join(SOURCE_DIR, 'CMakeLists.txt')) as f:
        return re.search(r'project\(r5 VERSION ([0-9.]+)', f.read()).group(1)


def unused_endpoint():
    """A tcp endpoint nothing listens on: the broker the gateway cannot reach."""
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return 'tcp://127.0.0.1:%d' % s.getsockname()[1]


def get(url):
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


class InstallTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix='r5-install-')
        cls.prefix = os.path.join(cls.tmp, 'prefix')
        result = subprocess.run([CMAKE, '--install', BUILD_DIR, '--prefix', cls.prefix],
                                capture_output=True, text=True)
        if result.returncode != 0:
            raise RuntimeError('cmake --install failed:\n%s%s' % (result.stdout, result.stderr))
        cls.share = os.path.join(cls.prefix, 'share', 'r5')

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def installed(self, name):
        return os.path.join(self.prefix, 'bin', name)

    def test_layout(self):
        self.assertEqual(sorted(os.listdir(os.path.join(self.prefix, 'bin'))), PROGRAMS)
        for name in PROGRAMS:
            self.assertTrue(os.access(self.installed(name), os.X_OK), name)
        # explorer/: the API explorer the build bundled (R5_EXPLORER, on by default).
        self.assertEqual(sorted(os.listdir(self.share)), ['devmongo', 'explorer', 'schema.graphql', 'systemd', 'web'])
        self.assertEqual(sorted(os.listdir(os.path.join(self.share, 'explorer'))),
                         ['explorer.css', 'explorer.js', 'explorer.js.LEGAL.txt', 'index.html'])
        self.assertTrue(filecmp.cmp(os.path.join(SOURCE_DIR, 'services', 'gateway', 'schema.graphql'),
                                    os.path.join(self.share, 'schema.graphql'), shallow=False))
        # The web UI, file for file.
        source_web = os.path.join(SOURCE_DIR, 'services', 'gateway', 'web')
        for root, _dirs, files in os.walk(source_web):
            for name in files:
                relative = os.path.relpath(os.path.join(root, name), source_web)
                self.assertTrue(filecmp.cmp(os.path.join(root, name), os.path.join(self.share, 'web', relative),
                                            shallow=False), relative)
        self.assertTrue(os.access(os.path.join(self.share, 'devmongo', 'r5-devmongo'), os.X_OK))
        self.assertTrue(os.path.isfile(os.path.join(self.share, 'devmongo', 'r5devmongo', 'wire.py')))

    def test_version(self):
        ids = set()
        for name in PROGRAMS:
            # No environment: --version needs no setting (r5-token's required ones included).
            result = subprocess.run([self.installed(name), '--version'], capture_output=True, text=True,
                                    env={'PATH': '/usr/bin:/bin'}, timeout=30)
            self.assertEqual(result.returncode, 0, result.stderr)
            match = re.fullmatch(r'%s (\S+) \(build ([0-9a-f]{7,40}|unknown)\)\n' % name, result.stdout)
            self.assertTrue(match, result.stdout)
            self.assertEqual(match.group(1), project_version())
            ids.add(match.group(2))
        self.assertEqual(len(ids), 1, ids)

    def test_defaults_point_to_share(self):
        help_text = subprocess.run([self.installed('r5-gateway'), '--help'], capture_output=True, text=True,
                                   check=True).stdout
        self.assertIn('[default: %s/schema.graphql]' % self.share, help_text)
        self.assertIn('[default: %s/web]' % self.share, help_text)
        self.assertIn('[default: %s/explorer]' % self.share, help_text)
        # The program in the build tree keeps the source tree's, for the quick start and the tests.
        built = os.path.join(BUILD_DIR, 'services', 'gateway', 'r5-gateway')
        help_text = subprocess.run([built, '--help'], capture_output=True, text=True, check=True).stdout
        self.assertIn('[default: %s]' % os.path.join(os.path.realpath(SOURCE_DIR), 'services', 'gateway', 'schema.graphql'),
                      help_text)

    def copy_prefix(self, name):
        """A copy of the installed tree elsewhere (an installed tree is
        relocatable), for a test to change without touching the others'."""
        copy = os.path.join(self.tmp, name)
        shutil.copytree(self.prefix, copy, symlinks=True)
        return copy

    def gateway_env(self, prefix, name):
        """A bare environment for an installed gateway, with bus keys made by
        the installed r5-keygen and brokers nobody listens on."""
        keys = os.path.join(self.tmp, 'keys-' + name)
        subprocess.run([os.path.join(prefix, 'bin', 'r5-keygen'), '--dir', keys], check=True, stdout=subprocess.DEVNULL,
                       env={'PATH': '/usr/bin:/bin'})
        return {'PATH': '/usr/bin:/bin', 'R5_BROKERS': unused_endpoint(), 'R5_EVENTS_SUBSCRIBE': unused_endpoint(),
                'R5_BUS_KEY': os.path.join(keys, 'gateway.key_secret'), 'R5_BROKER_KEY': os.path.join(keys, 'broker.key')}

    def start_gateway(self, prefix, log):
        env = self.gateway_env(prefix, log)
        for key in ('ASAN_OPTIONS', 'UBSAN_OPTIONS'):
            if key in os.environ:
                env[key] = os.environ[key]
        return r5suite.Process('r5-gateway', [os.path.join(prefix, 'bin', 'r5-gateway'), '--listen', '127.0.0.1:0'], env,
                               os.path.join(self.tmp, log), timeout=30)

    def test_installed_gateway_serves_share(self):
        # A mark only this installed copy has: what / serves comes from its share/r5/web.
        prefix = self.copy_prefix('web')
        with open(os.path.join(prefix, 'share', 'r5', 'web', 'index.html'), 'a') as f:
            f.write('<!-- installed copy -->\n')
        # No broker is reachable: the gateway starts anyway (ZeroMQ connects
        # lazily), is live and not ready.
        gateway = self.start_gateway(prefix, 'gateway.log')
        try:
            base = 'http://127.0.0.1:%s' % gateway.fields['port']
            self.assertEqual(get(base + '/healthz')[0], 200)
            status, body = get(base + '/')
            self.assertEqual(status, 200)
            self.assertIn(b'<!-- installed copy -->', body)
            status, body = get(base + '/explorer/')
            self.assertEqual(status, 200)
            self.assertIn(b'<title>API explorer', body)
            self.assertEqual(get(base + '/readyz')[0], 503)
        finally:
            self.assertEqual(gateway.stop(), 0)

    def test_installed_gateway_reads_share_schema(self):
        # A broken installed schema stops the installed gateway, naming the
        # file: it reads share/r5, not the source tree's copy.
        schema = self.copy_prefix('schema')
        with open(os.path.join(schema, 'share', 'r5', 'schema.graphql'), 'a') as f:
            f.write('\ntype Broken {\n')
        result = subprocess.run([os.path.join(schema, 'bin', 'r5-gateway'), '--listen', '127.0.0.1:0'],
                                capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL,
                                env=dict(os.environ, **self.gateway_env(schema, 'schema')))
        self.assertNotEqual(result.returncode, 0)
        self.assertNotIn('ready', result.stdout)
        self.assertIn('schema %s/share/r5/schema.graphql:' % schema, result.stderr)

    def test_installed_devmongo(self):
        process = r5suite.Process('r5-devmongo', ['/usr/bin/python3', os.path.join(self.share, 'devmongo', 'r5-devmongo'),
                                                  '--data-dir', os.path.join(self.tmp, 'mongo'), '--port', '0'],
                                  {'PATH': '/usr/bin:/bin', 'PYTHONDONTWRITEBYTECODE': '1'},
                                  os.path.join(self.tmp, 'devmongo.log'))
        try:
            self.assertGreater(int(process.fields['port']), 0)
        finally:
            self.assertEqual(process.stop(), 0)


if __name__ == '__main__':
    unittest.main()
