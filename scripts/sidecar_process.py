"""Starts the real entitlement-sidecar binary offline on a free loopback port, for the checks
that drive it from outside (scripts/check-openapi, scripts/check-docs, docs/examples).
Imported, not run."""
import os
import re
import shutil
import subprocess
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def binary_path():
    """The debug binary SwiftPM built (scripts/test.sh builds it first), or $SIDECAR_BINARY."""
    if os.environ.get("SIDECAR_BINARY"):
        return os.environ["SIDECAR_BINARY"]
    bin_dir = subprocess.run(["swift", "build", "--show-bin-path"], cwd=ROOT, check=True,
                             capture_output=True, text=True).stdout.strip()
    return os.path.join(bin_dir, "entitlement-sidecar")


class Sidecar:
    """An offline sidecar with a private database and the shipped demo snapshot; stopped
    (SIGTERM, then SIGKILL after 10 s) and its temp directory removed by `stop`."""

    def __init__(self, env=None, args=()):
        binary = binary_path()
        if not os.access(binary, os.X_OK):
            raise SystemExit(f"no sidecar binary at {binary}; run swift build first")
        self.workdir = tempfile.mkdtemp(prefix="sidecar-check-")
        full_env = {k: v for k, v in os.environ.items() if not k.startswith(("SIDECAR_", "STIGG_"))}
        full_env.update({
            "SIDECAR_DB_PATH": os.path.join(self.workdir, "sidecar.sqlite"),
            "SIDECAR_OFFLINE_FILE": os.path.join(ROOT, "config/offline-entitlements.json"),
            "SIDECAR_PORT": "0",
        })
        full_env.update(env or {})
        self.log = []
        self.proc = subprocess.Popen([binary, *args], env=full_env, stderr=subprocess.PIPE,
                                     stdout=subprocess.DEVNULL, text=True)
        self.port = None
        deadline = time.time() + 30
        while time.time() < deadline and self.port is None:
            line = self.proc.stderr.readline()
            if not line:
                break
            self.log.append(line)
            match = re.search(r"port=(\d+)", line)
            if match:
                self.port = int(match.group(1))
        if self.port is None:
            self.stop()
            raise SystemExit("sidecar did not start:\n" + "".join(self.log))
        # Keep draining stderr so the sidecar never blocks on a full pipe.
        threading.Thread(target=lambda: [self.log.append(l) for l in self.proc.stderr], daemon=True).start()

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        shutil.rmtree(self.workdir, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
