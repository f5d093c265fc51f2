"""deploy/docker: no Docker engine runs here, so what can be checked without
one is: `docker-compose config` (Compose's own schema validation and
merging), the merged file's shape (a three-member replica set and its
rs.initiate, two instances of each service, a broker and the gateway, the
pepper as a secret), and the Dockerfile's stages: a debian:12 build stage, a
debian:12 runtime stage that installs `deploy/install-deps.sh --runtime` as a
non-root user, and that this runtime list provides every shared library the
built programs load (their DT_NEEDED entries, mapped to Debian packages)."""

import os
import re
import shutil
import subprocess
import unittest

import yaml

SOURCE_DIR = os.environ.get('R5_SOURCE_DIR') or os.path.dirname(os.path.dirname(os.path.dirname(os.path.realpath(__file__))))
BUILD_DIR = os.environ.get('R5_BUILD_DIR') or os.path.join(SOURCE_DIR, 'build')
DOCKER = os.path.join(SOURCE_DIR, 'deploy', 'docker')
PROGRAMS = ['r5-authz', 'r5-broker', 'r5-gateway', 'r5-resource', 'r5-token']
# Libraries that are not the runtime stage's business: the C library is in
# every Debian image, and the sanitizer runtimes belong to the test build only.
NOT_RUNTIME = {'libc6', 'libasan8', 'libubsan1'}


def compose_command():
    if shutil.which('docker-compose'):
        return ['docker-compose']
    if shutil.which('docker') and subprocess.run(['docker', 'compose', 'version'], capture_output=True).returncode == 0:
        return ['docker', 'compose']
    raise AssertionError('no docker-compose: deploy/install-deps.sh --test installs it')


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
        for program in PROGRAMS:
            for name in self.r5_services(program):
                service = self.services[name]
                # One image, built from this Dockerfile, and never root.
                self.assertEqual(service['build']['dockerfile'], 'deploy/docker/Dockerfile', name)
                self.assertEqual(os.path.realpath(service['build']['context']), os.path.realpath(SOURCE_DIR), name)
                self.assertNotIn(str(service.get('user', '10001')).split(':')[0], ('0', 'root'), name)
                self.assertEqual(service.get('cap_drop'), ['ALL'], name)
                if program != 'r5-broker':
                    self.assertEqual(service['environment']['R5_BROKERS'], 'tcp://%s:5555' % broker, name)

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
