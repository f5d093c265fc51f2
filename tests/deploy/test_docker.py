"""deploy/docker: no Docker engine runs here, so what can be checked without
one is: `docker-compose config` (Compose's own schema validation and
merging), the merged file's shape (a three-member replica set and its
rs.initiate, two instances of each service, a broker and the gateway, the
pepper as a secret, the bus keys: the one-shot `keys` service, run here
against the built r5-keygen, and that each program's environment names files
its own read-only volume holds and no other program's secret key), and the
Dockerfile's stages: a debian:12 build stage, a
debian:12 runtime stage that installs `deploy/install-deps.sh --runtime` as a
non-root user, and that this runtime list provides every shared library the
built programs load (their DT_NEEDED entries, mapped to Debian packages)."""

import os
import re
import shutil
import subprocess
import tempfile
import unittest

import yaml

SOURCE_DIR = os.environ.get('R5_SOURCE_DIR') or os.path.dirname(os.path.dirname(os.path.dirname(os.path.realpath(__file__))))
BUILD_DIR = os.environ.get('R5_BUILD_DIR') or os.path.join(SOURCE_DIR, 'build')
DOCKER = os.path.join(SOURCE_DIR, 'deploy', 'docker')
PROGRAMS = ['r5-authz', 'r5-broker', 'r5-gateway', 'r5-keygen', 'r5-resource', 'r5-scan', 'r5-token']
# The programs that run as compose services (r5-keygen runs in `keys`; r5-scan is an operator's command).
SERVICES = [p for p in PROGRAMS if p not in ('r5-keygen', 'r5-scan')]
# The key settings each program must be given (--help of each), and the
# secret files r5-keygen writes: a program may hold only its own.
KEY_SETTINGS = {
    'r5-broker': ['R5_BUS_KEY', 'R5_BUS_ALLOW'],
    'r5-gateway': ['R5_BUS_KEY', 'R5_BROKER_KEY'],
    'r5-token': ['R5_BUS_KEY', 'R5_BROKER_KEY', 'R5_ASSERTION_KEY', 'R5_PASSWORD_PROOF_VERIFY_KEY'],
    'r5-authz': ['R5_BUS_KEY', 'R5_BROKER_KEY', 'R5_ASSERTION_VERIFY_KEY'],
    'r5-resource': ['R5_BUS_KEY', 'R5_BROKER_KEY', 'R5_ASSERTION_VERIFY_KEY', 'R5_PASSWORD_PROOF_KEY'],
}
OWN_SECRETS = {
    'r5-broker': {'broker.key_secret'},
    'r5-gateway': {'gateway.key_secret'},
    'r5-token': {'token.key_secret', 'assertion.sign'},
    'r5-authz': {'authz.key_secret'},
    'r5-resource': {'resource.key_secret', 'password-proof.sign'},
}
SECRETS = set().union(*OWN_SECRETS.values()) | {'internal.key_secret'}
# Libraries that are not the runtime stage's business: the C library is in
# every Debian image, and the sanitizer runtimes belong to the test build only.
NOT_RUNTIME = {'libc6', 'libasan8', 'libubsan1'}


def compose_command():
    if shutil.which('docker-compose'):
        return ['docker-compose']
    if shutil.which('docker') and subprocess.run(['docker', 'compose', 'version'], capture_output=True).returncode == 0:
        return ['docker', 'compose']
    raise AssertionError('no docker-compose: deploy/install-deps.sh --test installs it')


def mounts(service):
    """A service's volumes as (source, target, read_only); docker-compose v1
    prints the short syntax, v2 the long one."""
    result = []
    for volume in service.get('volumes', []):
        if isinstance(volume, str):
            source, target, *mode = volume.split(':')
            result.append((source, target, mode == ['ro']))
        else:
            result.append((volume.get('source'), volume['target'], bool(volume.get('read_only'))))
    return result


def dockerfile_stages():
    """[(from line, [instructions])] with continuation lines joined."""
    with open(os.path.join(DOCKER, 'Dockerfile')) as f:
        text = re.sub(r'\\\n', ' ', f.read())
    stages = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith('#'):
            continue
        if line.upper().startswith('FROM '):
            stages.append((line, []))
        elif stages:
            stages[-1][1].append(line)
    return stages


def runtime_packages():
    result = subprocess.run([os.path.join(SOURCE_DIR, 'deploy', 'install-deps.sh'), '--runtime', '--print'],
                            capture_output=True, text=True, check=True)
    return set(result.stdout.split())


def package_of_soname(soname, cache):
    """The Debian package shipping a shared library, found as the loader finds it."""
    match = re.search(r'^\s*%s \(libc6,x86-64\S*\) => (\S+)$' % re.escape(soname), cache, re.M) \
        or re.search(r'^\s*%s \(.*\) => (\S+)$' % re.escape(soname), cache, re.M)
    if not match:
        return None
    path = match.group(1)
    # Merged /usr: dpkg knows a library under one of /lib and /usr/lib.
    for candidate in (path, os.path.realpath(path), path.replace('/usr/lib/', '/lib/', 1),
                      os.path.realpath(path).replace('/usr/lib/', '/lib/', 1)):
        result = subprocess.run(['dpkg', '-S', candidate], capture_output=True, text=True)
        if result.returncode == 0:
            return result.stdout.split(':')[0]
    return None


class ComposeTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        command = compose_command() + ['-f', os.path.join(DOCKER, 'compose.yaml'), 'config']
        # An engine is never contacted: config only reads, validates and merges.
        result = subprocess.run(command, capture_output=True, text=True, timeout=120,
                                env=dict(os.environ, DOCKER_HOST='unix:///nonexistent.sock'))
        if result.returncode != 0:
            raise AssertionError('compose config failed:\n' + result.stderr)
        cls.warnings = result.stderr.strip()
        cls.config = yaml.safe_load(result.stdout)
        cls.services = cls.config['services']

    def r5_services(self, program):
        return sorted(name for name, service in self.services.items() if service.get('command', [None])[0] == program)

    def test_valid_without_warnings(self):
        self.assertEqual(self.warnings, '')

    def test_instances(self):
        for program in ('r5-token', 'r5-authz', 'r5-resource'):
            self.assertEqual(len(self.r5_services(program)), 2, program)
        self.assertEqual(len(self.r5_services('r5-broker')), 1)
        self.assertEqual(len(self.r5_services('r5-gateway')), 1)
        broker = self.r5_services('r5-broker')[0]
        for program in SERVICES:
            for name in self.r5_services(program):
                service = self.services[name]
                # One image, built from this Dockerfile, and never root.
                self.assertEqual(service['build']['dockerfile'], 'deploy/docker/Dockerfile', name)
                self.assertEqual(os.path.realpath(service['build']['context']), os.path.realpath(SOURCE_DIR), name)
                self.assertNotIn(str(service.get('user', '10001')).split(':')[0], ('0', 'root'), name)
                self.assertEqual(service.get('cap_drop'), ['ALL'], name)
                if program != 'r5-broker':
                    self.assertEqual(service['environment']['R5_BROKERS'], 'tcp://%s:5555' % broker, name)

    def test_stop_timeouts_and_metrics(self):
        # docker stop waits stop_grace_period before SIGKILL: longer than the
        # drain's R5_SHUTDOWN_GRACE_MS; and every program's metrics listener is
        # on a port the compose network reaches.
        def seconds(text):
            match = re.fullmatch(r'(?:(\d+)m)?(?:(\d+(?:\.\d+)?)s)?', str(text))
            self.assertTrue(match and match.group(0), text)
            return int(match.group(1) or 0) * 60 + float(match.group(2) or 0)
        for program in SERVICES:
            for name in self.r5_services(program):
                service = self.services[name]
                environment = service['environment']
                grace_s = int(environment['R5_SHUTDOWN_GRACE_MS']) / 1000.0
                self.assertGreater(seconds(service['stop_grace_period']), grace_s, name)
                port = environment['R5_METRICS_LISTEN'].rsplit(':', 1)[1]
                self.assertIn(port, [str(p) for p in service.get('expose', [])], name)

    def test_replica_set(self):
        members = sorted(name for name, service in self.services.items()
                         if service.get('image', '').startswith('mongo:') and 'mongod' in service.get('command', []))
        self.assertEqual(len(members), 3)
        for name in members:
            command = self.services[name]['command']
            self.assertEqual(command[command.index('--replSet') + 1], 'rs0', name)
        init = [s for s in self.services.values() if 'rs.initiate' in ' '.join(s.get('command', []))]
        self.assertEqual(len(init), 1)
        script = ' '.join(init[0]['command'])
        self.assertEqual(sorted(re.findall(r'host: "([a-z0-9]+):27017"', script)), members)
        self.assertEqual(sorted(init[0]['depends_on']), members)
        # Every service that stores data waits for the set and names all three members.
        for program in ('r5-token', 'r5-resource'):
            for name in self.r5_services(program):
                uri = self.services[name]['environment']['R5_MONGODB_URI']
                self.assertEqual(sorted(re.findall(r'(mongo\d):27017', uri)), members, name)
                self.assertIn('replicaSet=rs0', uri)
                self.assertEqual(self.services[name]['depends_on']['mongo-init']['condition'],
                                 'service_completed_successfully')

    def key_volume(self, name):
        """The named volume a service mounts read-only at /etc/r5/keys."""
        found = [m for m in mounts(self.services[name]) if m[1] == '/etc/r5/keys']
        self.assertEqual(len(found), 1, name)
        self.assertIn(found[0][0], self.config['volumes'], name)
        self.assertTrue(found[0][2], name)
        return found[0][0]

    def test_keys_service(self):
        keys = self.services['keys']
        self.assertEqual(keys.get('restart'), 'no')
        self.assertIn('r5-keygen --dir /var/lib/r5/keys', keys['command'][-1])
        # Same image and uid as the services, so the 0600 files it writes are theirs.
        self.assertEqual(keys['build']['dockerfile'], 'deploy/docker/Dockerfile')
        self.assertNotIn('user', keys)
        self.assertEqual(keys.get('cap_drop'), ['ALL'])
        for program in SERVICES:
            for name in self.r5_services(program):
                self.assertEqual(self.services[name]['depends_on']['keys']['condition'],
                                 'service_completed_successfully', name)
                self.assertNotIn('user', self.services[name], name)
        # Only the keys service mounts the volume with every key.
        for name, service in self.services.items():
            sources = [m[0] for m in mounts(service)]
            self.assertEqual('keys' in sources, name == 'keys', name)

    def test_each_program_gets_its_own_keys(self):
        """Run the keys service's script with the built r5-keygen into a
        temporary directory, then check every service's key settings against
        the files its own volume holds."""
        keys = self.services['keys']
        volumes = {source: target for source, target, _ in mounts(keys)}
        keygen = os.path.join(BUILD_DIR, 'services', 'keygen', 'r5-keygen')
        with tempfile.TemporaryDirectory() as tmp:
            for target in volumes.values():
                os.makedirs(tmp + target, mode=0o700)
            # docker-compose config prints $$ (compose's escape) as it was written.
            script = keys['command'][-1].replace('$$', '$').replace('/var/lib/r5/', tmp + '/var/lib/r5/')
            script = script.replace('r5-keygen --dir', keygen + ' --dir', 1)
            subprocess.run([keygen, '--dir', tmp + '/var/lib/r5/keys', '--add', 'token-2', '--role', 'token'],
                           check=True, capture_output=True)
            subprocess.run(keys['command'][:-1] + [script], check=True, capture_output=True, timeout=60)
            for _ in range(2):  # a second run changes nothing
                subprocess.run(keys['command'][:-1] + [script], check=True, capture_output=True, timeout=60)
            held = {source: set(os.listdir(tmp + target)) for source, target in volumes.items()}
            for program in SERVICES:
                for name in self.r5_services(program):
                    volume = self.key_volume(name)
                    files = held[volume]
                    environment = self.services[name]['environment']
                    for setting in KEY_SETTINGS[program]:
                        path = environment.get(setting, '')
                        self.assertTrue(path.startswith('/etc/r5/keys/'), '%s: %s' % (name, setting))
                        self.assertIn(os.path.basename(path), files, '%s: %s' % (name, setting))
                    own = OWN_SECRETS[program] | ({'token-2.key_secret'} if program == 'r5-token' else set())
                    self.assertEqual(files & (SECRETS | {'token-2.key_secret'}), own, name)
                    self.assertEqual('bus-allow' in files, program == 'r5-broker', name)
                    for file in files:
                        mode = os.stat(os.path.join(tmp + volumes[volume], file)).st_mode & 0o777
                        self.assertEqual(mode, 0o600, '%s: %s' % (name, file))
            # And the check above can fail: the keys volume holds every secret.
            self.assertGreater(held['keys'] & SECRETS, OWN_SECRETS['r5-token'])

    def test_pepper_is_a_secret(self):
        self.assertIn('pepper', self.config['secrets'])
        for name in self.r5_services('r5-token'):
            service = self.services[name]
            self.assertEqual([s['source'] for s in service['secrets']], ['pepper'])
            self.assertEqual(service['environment']['R5_PEPPER_FILE'], '/run/secrets/pepper')
            self.assertNotIn('R5_PEPPER', service['environment'])
        with open(os.path.join(SOURCE_DIR, '.dockerignore')) as f:
            ignored = f.read().split()
        # The pepper and local data never reach a build context.
        for path in ('deploy/docker/secrets', 'data', '.git', 'build-*'):
            self.assertIn(path, ignored)


class DockerfileTest(unittest.TestCase):

    def test_stages(self):
        stages = dockerfile_stages()
        self.assertEqual([s[0] for s in stages], ['FROM debian:12 AS build', 'FROM debian:12 AS runtime'])
        build, runtime = stages[0][1], stages[1][1]
        # The build stage installs the build packages (install-deps.sh with no option).
        self.assertTrue(any(re.search(r'install-deps\.sh(?! --)', i) for i in build if i.startswith('RUN')), build)
        self.assertTrue(any('cmake --install' in i for i in build))
        runs = [i for i in runtime if i.startswith('RUN')]
        self.assertTrue(any('install-deps.sh --runtime' in i for i in runs), runs)
        # Nothing else is installed in the runtime stage: no compiler, no -dev package.
        self.assertFalse(any('apt-get install' in i or '-dev' in i for i in runs), runs)
        users = [i.split()[1] for i in runtime if i.startswith('USER ')]
        self.assertEqual(len(users), 1)
        self.assertNotIn(users[0].split(':')[0], ('0', 'root'))
        self.assertTrue(any(i.startswith('COPY --from=build ') for i in runtime))

    def test_runtime_packages_cover_the_programs(self):
        listed = runtime_packages()
        cache = subprocess.run(['ldconfig', '-p'], capture_output=True, text=True, check=True).stdout
        needed = {}
        for program in PROGRAMS:
            path = os.path.join(BUILD_DIR, 'services', program.replace('r5-', ''), program)
            dynamic = subprocess.run(['readelf', '-d', path], capture_output=True, text=True, check=True).stdout
            for soname in re.findall(r'\(NEEDED\)\s+Shared library: \[(.+)\]', dynamic):
                needed.setdefault(soname, set()).add(program)
        self.assertIn('libczmq.so.4', needed)
        for soname, programs in sorted(needed.items()):
            package = package_of_soname(soname, cache)
            self.assertIsNotNone(package, soname)
            if package not in NOT_RUNTIME:
                self.assertIn(package, listed, '%s (needed by %s)' % (soname, ', '.join(sorted(programs))))
        # And nothing for building: the runtime list is libraries.
        self.assertFalse([p for p in listed if p.endswith('-dev') or p in ('build-essential', 'cmake', 'gcc')])


if __name__ == '__main__':
    unittest.main()
