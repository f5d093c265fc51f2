"""Every process serves Prometheus /metrics on its own listener
(R5_METRICS_LISTEN): promtool accepts each one, and the values move with the
requests driven here (docs/operations.md, "Metrics")."""

import json
import re
import subprocess
import unittest

from r5client import SuiteTestCase, http

SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\{[^}]*\})?) (\S+)$')


def scrape(suite, process):
    response = http(suite.metrics_url(process))
    assert response.status == 200, response.status
    return response.body


def samples(text):
    found = {}
    for line in text.decode().splitlines():
        match = SAMPLE.match(line)
        if match:
            found[match.group(1)] = float(match.group(2))
    return found


class MetricsTest(SuiteTestCase):

    def test_promtool_accepts_every_process(self):
        self.assertEqual(len([p for p in self.suite.processes if 'metrics_port' in p.fields]), 5)
        for process in self.suite.processes:
            if 'metrics_port' not in process.fields:
                continue
            text = scrape(self.suite, process)
            result = subprocess.run(['promtool', 'check', 'metrics'], input=text, capture_output=True)
            self.assertEqual(result.returncode, 0, (process.name, result.stdout, result.stderr))
            self.assertEqual(result.stdout + result.stderr, b'', process.name)
            values = samples(text)
            self.assertIn('process_resident_memory_bytes', values, process.name)
            self.assertGreater(values['process_open_fds'], 0, process.name)
            self.assertTrue(any(k.startswith('r5_build_info{') for k in values), process.name)

    def test_broker_counts_every_worker_of_the_started_instance(self):
        broker = samples(scrape(self.suite, self.suite.brokers[0]))
        for service in ('r5.token', 'r5.authz', 'r5.resource'):
            instance = next(p for p in self.suite.processes if p.name == 'r5-' + service[3:])
            self.assertEqual(broker['r5_broker_workers{service="%s"}' % service], int(instance.fields['workers']), service)
            self.assertEqual(broker['r5_broker_queue_depth{service="%s"}' % service], 0, service)
            self.assertEqual(broker['r5_broker_workers_busy{service="%s"}' % service], 0, service)

    def test_unauthenticated_requests_are_counted_by_route_and_code(self):
        gateway = self.suite.gateways[0]
        key = 'r5_gateway_http_request_duration_seconds_count{route="graphql",operation="none",code="401"}'
        before = samples(scrape(self.suite, gateway)).get(key, 0)
        for _ in range(3):
            response = http(self.base + '/graphql', 'POST', json.dumps({'query': '{ viewer { id } }'}).encode(),
                            {'Content-Type': 'application/json', 'Authorization': 'Bearer r5p_nope'})
            self.assertEqual(response.status, 401)
        self.assertEqual(samples(scrape(self.suite, gateway))[key], before + 3)

    def test_readiness_probes_show_in_every_service_histogram(self):
        # /readyz sends each service an empty envelope: operation "none" (each
        # answers it with a status of its own).
        self.assertEqual(http(self.suite.admin_url() + '/readyz').status, 200)
        for process in self.suite.processes:
            name = {'r5-token': 'r5.token', 'r5-authz': 'r5.authz', 'r5-resource': 'r5.resource'}.get(process.name)
            if not name:
                continue
            prefix = 'r5_service_request_duration_seconds_count{service="%s",operation="none",' % name
            count = sum(v for k, v in samples(scrape(self.suite, process)).items() if k.startswith(prefix))
            self.assertGreaterEqual(count, 1, process.name)


if __name__ == '__main__':
    unittest.main()
