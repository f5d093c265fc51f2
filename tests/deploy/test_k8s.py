"""deploy/k8s, checked without a cluster: yamllint; `kubectl apply
--dry-run=client --validate=false` against a stand-in API server on loopback
that only answers discovery (so kubectl maps every apiVersion and kind, and
finds nothing existing); every field of every object against the Kubernetes
API models of Debian's python3-kubernetes; and the shape r5 needs: a
Deployment with probes, an autoscaler and a disruption budget per service,
one Deployment and Service per broker, Services that select pods, the secrets
the pods refer to, and the bus keys: each program's key settings name files
of its own Secret (made with the commands 10-secrets.yaml gives), which holds
no other program's secret key and is mounted read-only."""

import json
import os
import re
import subprocess
import tempfile
import threading
import unittest
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import yaml
from kubernetes import client as models

SOURCE_DIR = os.environ.get('R5_SOURCE_DIR') or os.path.dirname(os.path.dirname(os.path.dirname(os.path.realpath(__file__))))
K8S = os.path.join(SOURCE_DIR, 'deploy', 'k8s')
SERVICES = ['r5-authz', 'r5-gateway', 'r5-resource', 'r5-token']
# Each program's key settings (its --help) and the r5-keygen file each names.
KEYS = {
    'r5-broker': {'R5_BUS_KEY': 'broker.key_secret', 'R5_BUS_ALLOW': 'bus-allow'},
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

# apiVersion -> [(resource, kind, namespaced)], what the stand-in server lists.
RESOURCES = {
    'v1': [('namespaces', 'Namespace', False), ('secrets', 'Secret', True), ('configmaps', 'ConfigMap', True),
           ('services', 'Service', True)],
    'apps/v1': [('deployments', 'Deployment', True), ('statefulsets', 'StatefulSet', True)],
    'batch/v1': [('jobs', 'Job', True)],
    'policy/v1': [('poddisruptionbudgets', 'PodDisruptionBudget', True)],
    'autoscaling/v2': [('horizontalpodautoscalers', 'HorizontalPodAutoscaler', True)],
}
# python3-kubernetes 22 (Kubernetes 1.22) predates autoscaling/v2, whose
# schema is v2beta2's unchanged.
MODEL_VERSION = {'v1': 'V1', 'apps/v1': 'V1', 'batch/v1': 'V1', 'policy/v1': 'V1', 'autoscaling/v2': 'V2beta2'}


class Discovery(BaseHTTPRequestHandler):
    """Answers API discovery; every object is 404 (nothing exists yet)."""

    def _send(self, code, body):
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header('Content-Type', 'application/json')
        self.send_header('Content-Length', str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        path = self.path.split('?')[0]
        if path == '/api':
            return self._send(200, {'kind': 'APIVersions', 'versions': ['v1'], 'serverAddressByClientCIDRs': []})
        if path == '/apis':
            groups = [{'name': gv.split('/')[0], 'versions': [{'groupVersion': gv, 'version': gv.split('/')[1]}],
                       'preferredVersion': {'groupVersion': gv, 'version': gv.split('/')[1]}}
                      for gv in RESOURCES if '/' in gv]
            return self._send(200, {'kind': 'APIGroupList', 'apiVersion': 'v1', 'groups': groups})
        for gv, resources in RESOURCES.items():
            if path == ('/api/v1' if gv == 'v1' else '/apis/' + gv):
                return self._send(200, {'kind': 'APIResourceList', 'apiVersion': 'v1', 'groupVersion': gv,
                                        'resources': [{'name': n, 'singularName': k.lower(), 'namespaced': ns,
                                                       'kind': k, 'verbs': ['create', 'get', 'list', 'patch']}
                                                      for n, k, ns in resources]})
        self.server.objects_asked += 1
        return self._send(404, {'kind': 'Status', 'apiVersion': 'v1', 'status': 'Failure', 'reason': 'NotFound',
                                'code': 404, 'message': 'not found'})

    def log_message(self, *args):
        pass


def load_objects():
    objects = []
    for name in sorted(os.listdir(K8S)):
        if name.endswith('.yaml'):
            with open(os.path.join(K8S, name)) as f:
                objects += [(name, o) for o in yaml.safe_load_all(f) if o]
    return objects


def check_fields(value, type_name, path, errors):
    """Every key of value is a field of the model type_name, recursively."""
    if type_name.startswith('list['):
        if not isinstance(value, list):
            errors.append('%s: expected a list' % path)
            return
        for i, item in enumerate(value):
            check_fields(item, type_name[5:-1], '%s[%d]' % (path, i), errors)
    elif type_name.startswith('dict('):
        if not isinstance(value, dict):
            errors.append('%s: expected a map' % path)
    elif type_name in ('str', 'int', 'bool', 'float', 'datetime'):
        expected = {'str': str, 'int': int, 'bool': bool, 'float': (int, float), 'datetime': str}[type_name]
        if not isinstance(value, expected) or (type_name == 'int' and isinstance(value, bool)):
            errors.append('%s: expected %s, not %r' % (path, type_name, value))
    elif type_name == 'object':
        pass    # int-or-string and free-form values
    else:
        model = getattr(models, type_name)
        if not isinstance(value, dict):
            errors.append('%s: expected a %s' % (path, type_name))
            return
        by_json = {json_name: attribute for attribute, json_name in model.attribute_map.items()}
        for key, item in value.items():
            if key not in by_json:
                errors.append('%s.%s: no such field in %s' % (path, key, type_name))
            else:
                check_fields(item, model.openapi_types[by_json[key]], '%s.%s' % (path, key), errors)


class KubernetesTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.objects = load_objects()
        cls.by_kind = {}
        for _file, o in cls.objects:
            cls.by_kind.setdefault(o['kind'], {})[o['metadata']['name']] = o

    def test_yamllint(self):
        result = subprocess.run(['yamllint', '-s', '-c', os.path.join(K8S, '.yamllint'), K8S,
                                 os.path.join(SOURCE_DIR, 'deploy', 'docker', 'compose.yaml')],
                                capture_output=True, text=True)
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)

    def test_kubectl_dry_run(self):
        server = ThreadingHTTPServer(('127.0.0.1', 0), Discovery)
        server.objects_asked = 0
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            with tempfile.TemporaryDirectory() as home:
                config = os.path.join(home, 'kubeconfig')
                with open(config, 'w') as f:
                    yaml.safe_dump({'apiVersion': 'v1', 'kind': 'Config', 'current-context': 'stand-in',
                                    'clusters': [{'name': 'stand-in', 'cluster': {
                                        'server': 'http://127.0.0.1:%d' % server.server_address[1]}}],
                                    'contexts': [{'name': 'stand-in', 'context': {'cluster': 'stand-in',
                                                                                  'user': 'nobody'}}],
                                    'users': [{'name': 'nobody', 'user': {}}]}, f)
                result = subprocess.run(['kubectl', 'apply', '--dry-run=client', '--validate=false', '-f', K8S],
                                        capture_output=True, text=True, timeout=120,
                                        env={'PATH': os.environ['PATH'], 'HOME': home, 'KUBECONFIG': config})
        finally:
            server.shutdown()
            server.server_close()
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        created = re.findall(r'^\S+/(\S+) created \(dry run\)$', result.stdout, re.M)
        self.assertEqual(sorted(created), sorted(o['metadata']['name'] for _f, o in self.objects), result.stdout)
        self.assertGreater(server.objects_asked, 0)

    def test_fields(self):
        errors = []
        for file, o in self.objects:
            version = MODEL_VERSION.get(o['apiVersion'])
            self.assertIsNotNone(version, '%s: %s' % (file, o['apiVersion']))
            check_fields(o, version + o['kind'], '%s:%s/%s' % (file, o['kind'], o['metadata']['name']), errors)
        self.assertEqual(errors, [])

    def test_field_check_can_fail(self):
        errors = []
        check_fields({'spec': {'replica': 2}}, 'V1Deployment', 'x', errors)
        check_fields({'spec': {'replicas': '2'}}, 'V1Deployment', 'y', errors)
        self.assertEqual(len(errors), 2, errors)

    def pod_spec(self, o):
        return o['spec']['template']['spec']

    def test_every_service_has_probes_autoscaler_and_budget(self):
        deployments = self.by_kind['Deployment']
        for name in SERVICES:
            self.assertIn(name, deployments)
            container = self.pod_spec(deployments[name])['containers'][0]
            self.assertEqual(container['command'], [name])
            self.assertIn('livenessProbe', container, name)
            self.assertIn('readinessProbe', container, name)
            hpa = self.by_kind['HorizontalPodAutoscaler'][name]
            self.assertEqual(hpa['spec']['scaleTargetRef'], {'apiVersion': 'apps/v1', 'kind': 'Deployment', 'name': name})
            self.assertGreaterEqual(hpa['spec']['minReplicas'], 2)
        gateway = self.pod_spec(deployments['r5-gateway'])['containers'][0]
        self.assertEqual(gateway['livenessProbe']['httpGet']['path'], '/healthz')
        self.assertEqual(gateway['readinessProbe']['httpGet']['path'], '/readyz')
        # Named probe ports exist on the container.
        for o in deployments.values():
            for container in self.pod_spec(o)['containers']:
                names = {p['name'] for p in container.get('ports', [])}
                for probe in ('livenessProbe', 'readinessProbe'):
                    for kind in ('httpGet', 'tcpSocket'):
                        port = container[probe].get(kind, {}).get('port')
                        if isinstance(port, str):
                            self.assertIn(port, names, o['metadata']['name'])

    def test_stop_timeouts_and_metrics(self):
        # Every program drains on SIGTERM for at most R5_SHUTDOWN_GRACE_MS: the
        # kubelet must wait longer (plus the gateway's preStop sleep), and
        # Prometheus finds each one's metrics listener by its annotations.
        grace_s = int(self.by_kind['ConfigMap']['r5-config']['data']['R5_SHUTDOWN_GRACE_MS']) / 1000.0
        programs = 0
        for name, o in self.by_kind['Deployment'].items():
            spec = self.pod_spec(o)
            container = spec['containers'][0]
            if not container['command'][0].startswith('r5-'):
                continue
            programs += 1
            pre_stop = container.get('lifecycle', {}).get('preStop', {}).get('exec', {}).get('command', [])
            sleep_s = int(pre_stop[1]) if pre_stop[:1] == ['sleep'] else 0
            if container['command'] == ['r5-gateway']:
                self.assertGreater(sleep_s, 0, 'the gateway leaves the Service before its SIGTERM')
            self.assertGreater(spec['terminationGracePeriodSeconds'], grace_s + sleep_s + 5, name)
            env = {e['name']: e.get('value') for e in container['env']}
            port = int(env['R5_METRICS_LISTEN'].rsplit(':', 1)[1])
            self.assertIn({'name': 'metrics', 'containerPort': port}, container['ports'], name)
            annotations = o['spec']['template']['metadata']['annotations']
            self.assertEqual(annotations['prometheus.io/scrape'], 'true', name)
            self.assertEqual(annotations['prometheus.io/port'], str(port), name)
            self.assertEqual(annotations['prometheus.io/path'], '/metrics', name)
        self.assertEqual(programs, len(SERVICES) + 2)     # and the two brokers

    def test_budgets_and_services_select_pods(self):
        templates = [o['spec']['template']['metadata']['labels']
                     for kind in ('Deployment', 'StatefulSet') for o in self.by_kind[kind].values()]

        def selects(selector):
            return [t for t in templates if all(t.get(k) == v for k, v in selector.items())]
        for name, pdb in self.by_kind['PodDisruptionBudget'].items():
            self.assertTrue(selects(pdb['spec']['selector']['matchLabels']), name)
        for name, service in self.by_kind['Service'].items():
            self.assertEqual(len(selects(service['spec']['selector'])) > 0, True, name)
        for name in SERVICES:
            self.assertIn(name, self.by_kind['PodDisruptionBudget'])

    def test_brokers(self):
        brokers = sorted(n for n, o in self.by_kind['Deployment'].items()
                         if self.pod_spec(o)['containers'][0]['command'] == ['r5-broker'])
        self.assertGreaterEqual(len(brokers), 2)
        config = self.by_kind['ConfigMap']['r5-config']['data']
        for broker in brokers:
            self.assertEqual(self.by_kind['Deployment'][broker]['spec']['replicas'], 1)
            self.assertIn(broker, self.by_kind['Service'])
            self.assertIn('tcp://%s:5555' % broker, config['R5_BROKERS'].split(','))
            self.assertIn('tcp://%s:5556' % broker, config['R5_EVENTS_PUBLISH'].split(','))
            self.assertIn('tcp://%s:5557' % broker, config['R5_EVENTS_SUBSCRIBE'].split(','))

    def test_secrets_and_pods(self):
        secrets = self.by_kind['Secret']
        self.assertIn('r5-pepper', secrets)
        token = self.pod_spec(self.by_kind['Deployment']['r5-token'])['containers'][0]
        pepper = [e for e in token['env'] if e['name'] == 'R5_PEPPER'][0]
        self.assertEqual(pepper['valueFrom']['secretKeyRef'], {'name': 'r5-pepper', 'key': 'pepper'})
        # The placeholder is never a usable pepper: r5-token refuses anything but 64 hex characters.
        self.assertFalse(re.fullmatch(r'[0-9a-fA-F]{64}', secrets['r5-pepper']['stringData']['pepper']))
        for name, o in self.by_kind['Deployment'].items():
            spec = self.pod_spec(o)
            self.assertTrue(spec['securityContext']['runAsNonRoot'], name)
            for container in spec['containers']:
                self.assertFalse(container['securityContext']['allowPrivilegeEscalation'], name)
                self.assertTrue(container['securityContext']['readOnlyRootFilesystem'], name)
                self.assertEqual(container['securityContext']['capabilities']['drop'], ['ALL'], name)

    def secret_commands(self):
        """{secret name: [files]} from the kubectl create commands of 10-secrets.yaml."""
        with open(os.path.join(K8S, '10-secrets.yaml')) as f:
            text = re.sub(r'\\\n#\s*', ' ', f.read())
        commands = {}
        for name, args in re.findall(r'kubectl -n r5 create secret generic (\S+)(.*)', text):
            commands[name] = [os.path.basename(a) for a in re.findall(r'--from-file=(\S+)', args)]
        return commands

    def test_keys(self):
        commands = self.secret_commands()
        deployments = self.by_kind['Deployment']
        checked = set()
        for name, o in deployments.items():
            spec = self.pod_spec(o)
            container = spec['containers'][0]
            program = container['command'][0]
            if program not in KEYS:
                continue
            checked.add(program)
            secret = '%s-keys' % program
            files = commands.get(secret)
            self.assertIsNotNone(files, secret)
            # The Secret holds what the program is given and no other program's secret.
            self.assertEqual(sorted(files), sorted(KEYS[program].values()), secret)
            self.assertEqual(set(files) & SECRETS, {f for f in KEYS[program].values() if f in SECRETS}, secret)
            volumes = {v['name']: v for v in spec['volumes']}
            secret_volumes = [v for v in volumes.values() if 'secret' in v]
            self.assertEqual({v['secret']['secretName'] for v in secret_volumes}, {secret}, name)
            for v in secret_volumes:
                projected = [i['key'] for i in v['secret'].get('items', [])] or files
                mode = v['secret'].get('defaultMode')
                if set(projected) & SECRETS:
                    self.assertIn(mode, (0o400, 0o600), name)
                else:
                    self.assertEqual(projected, ['bus-allow'], name)
            # Every container mounts what it mounts read-only, but the init
            # container's copy target; the program's settings name files there.
            env = {e['name']: e.get('value') for e in container.get('env', [])}
            mounted = {m['mountPath']: m for m in container['volumeMounts']}
            for m in mounted.values():
                self.assertTrue(m.get('readOnly'), '%s: %s' % (name, m['mountPath']))
            for setting, file in KEYS[program].items():
                path = env.get(setting) or ''
                self.assertEqual(os.path.basename(path), file, '%s: %s' % (name, setting))
                mount = mounted.get(os.path.dirname(path))
                self.assertIsNotNone(mount, '%s: %s' % (name, setting))
                volume = volumes[mount['name']]
                if 'secret' in volume:
                    # Only a public file is read from the Secret in place (group-readable under fsGroup).
                    self.assertNotIn(file, SECRETS, name)
                    self.assertEqual([i['path'] for i in volume['secret']['items']], [file], name)
                else:
                    self.assertEqual(volume['emptyDir'].get('medium'), 'Memory', name)
            # The init container copies the Secret's files there, 0600 and owned by the pod's user.
            init = spec['initContainers'][0]
            self.assertIn('install -m 0600 /run/secrets/r5-keys/* /etc/r5/keys/', init['command'][-1])
            init_mounts = {m['mountPath']: m for m in init['volumeMounts']}
            self.assertTrue(init_mounts['/run/secrets/r5-keys']['readOnly'], name)
            self.assertEqual(volumes[init_mounts['/etc/r5/keys']['name']], volumes[mounted['/etc/r5/keys']['name']])
            self.assertEqual(spec['securityContext']['fsGroup'], spec['securityContext']['runAsUser'], name)
            self.assertFalse(init['securityContext']['allowPrivilegeEscalation'], name)
            self.assertEqual(init['securityContext']['capabilities']['drop'], ['ALL'], name)
        self.assertEqual(checked, set(KEYS))

    def test_mongodb_replica_set(self):
        mongo = self.by_kind['StatefulSet']['r5-mongo']
        self.assertEqual(mongo['spec']['replicas'], 3)
        uri = self.by_kind['ConfigMap']['r5-config']['data']['R5_MONGODB_URI']
        self.assertEqual(sorted(re.findall(r'(r5-mongo-\d)\.r5-mongo:27017', uri)),
                         ['r5-mongo-0', 'r5-mongo-1', 'r5-mongo-2'])
        self.assertIn('replicaSet=rs0', uri)
        script = ' '.join(self.by_kind['Job']['r5-mongo-init']['spec']['template']['spec']['containers'][0]['command'])
        self.assertIn('rs.initiate', script)
        self.assertEqual(len(re.findall(r'host: "r5-mongo-\d\.r5-mongo:27017"', script)), 3)


if __name__ == '__main__':
    unittest.main()
