"""Files r5 writes are private (issue "Hostile input cannot take r5 down",
item 8): the data directory, the logs, the pepper and the dev MongoDB's
journal and snapshot (Argon2 hashes, emails, token digests) are 0700
directories and 0600 files whatever the umask, and files left with looser
modes by an earlier run are tightened when the suite starts."""

import os
import stat
import tempfile
import unittest

from r5client import BUILD_DIR, Session, r5suite


def _modes(root):
    """{relative path: mode} of root and everything under it."""
    found = {'.': stat.S_IMODE(os.lstat(root).st_mode)}
    for directory, dirs, files in os.walk(root):
        for name in dirs + files:
            path = os.path.join(directory, name)
            found[os.path.relpath(path, root)] = stat.S_IMODE(os.lstat(path).st_mode)
    return found


class FileModesTest(unittest.TestCase):

    def _run_suite(self, data_dir, umask):
        """Start the suite under `umask`, write something, stop it; the modes."""
        old = os.umask(umask)
        try:
            suite = r5suite.Suite(BUILD_DIR, data_dir)
            suite.start()
        finally:
            os.umask(old)
        try:
            owner = Session(suite.url())
            owner.signup()                  # a user (Argon2 hash, email) in the journal
            owner.create_token(['incidentsRead'])
            running = _modes(data_dir)
        finally:
            suite.stop()                    # a clean stop compacts into snapshot.r5j
        return running, _modes(data_dir)

    def _assert_private(self, modes):
        for path, mode in sorted(modes.items()):
            with self.subTest(path=path):
                full = os.path.join(self.data_dir, path)
                expected = 0o700 if os.path.isdir(full) else 0o600
                self.assertEqual(oct(mode), oct(expected))

    def _assert_present(self, modes):
        for path in ('.', 'logs', 'pepper', 'mongo', 'mongo/journal.r5j', 'logs/r5-token-0.log',
                     'logs/r5-devmongo-0.log', 'logs/r5-gateway-0.log'):
            self.assertIn(path, modes)

    def test_new_files_are_private_under_an_open_umask(self):
        self.data_dir = os.path.join(tempfile.mkdtemp(prefix='r5-it-'), 'data')
        running, stopped = self._run_suite(self.data_dir, 0o000)
        self._assert_present(running)
        self.assertIn('mongo/snapshot.r5j', stopped)
        self._assert_private(running)
        self._assert_private(stopped)

    def test_loose_files_of_an_earlier_run_are_tightened(self):
        self.data_dir = os.path.join(tempfile.mkdtemp(prefix='r5-it-'), 'data')
        for directory in ('', 'logs', 'mongo'):
            os.makedirs(os.path.join(self.data_dir, directory), exist_ok=True)
            os.chmod(os.path.join(self.data_dir, directory), 0o755)
        loose = {'pepper': '00' * 32 + '\n', 'logs/r5-token-0.log': 'an old line\n',
                 'mongo/journal.r5j': '', 'mongo/snapshot.r5j': '', 'mongo/LOCK': ''}
        for path, text in loose.items():
            with open(os.path.join(self.data_dir, path), 'w') as f:
                f.write(text)
            os.chmod(os.path.join(self.data_dir, path), 0o644)
        running, stopped = self._run_suite(self.data_dir, 0o022)
        self._assert_present(running)
        self._assert_private(running)
        self._assert_private(stopped)


if __name__ == '__main__':
    unittest.main()
