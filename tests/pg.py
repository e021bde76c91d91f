"""A throwaway PostgreSQL cluster for the tests (see DESIGN.md, field notes).

``initdb`` refuses to run as root, so as root the cluster belongs to the
``postgres`` user and lives in a ``mktemp -d`` folder chowned to it.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass


def find_pg_bin() -> str | None:
    for candidate in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if os.path.exists(os.path.join(candidate, "initdb")):
            return candidate
    initdb = shutil.which("initdb")
    return os.path.dirname(initdb) if initdb else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Cluster:
    bin_dir: str
    data_dir: str
    port: int
    as_postgres: bool

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/fablab_test"

    def _run(self, *args: str) -> None:
        command = list(args)
        if self.as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def start(self) -> None:
        bin_ = lambda name: os.path.join(self.bin_dir, name)  # noqa: E731
        self._run(
            bin_("initdb"),
            "-D",
            self.data_dir,
            "-A",
            "trust",
            "-U",
            "postgres",
            "-E",
            "UTF8",
            "--no-sync",
        )
        options = (
            f"-p {self.port} -k {self.data_dir} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
            "-c max_connections=200"
        )
        self._run(
            bin_("pg_ctl"),
            "-D",
            self.data_dir,
            "-o",
            options,
            "-w",
            "-l",
            os.path.join(self.data_dir, "server.log"),
            "start",
        )
        deadline = time.monotonic() + 20
        while True:
            try:
                self._run(
                    bin_("createdb"),
                    "-h",
                    "127.0.0.1",
                    "-p",
                    str(self.port),
                    "-U",
                    "postgres",
                    "fablab_test",
                )
                return
            except subprocess.CalledProcessError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)

    def stop(self) -> None:
        try:
            self._run(
                os.path.join(self.bin_dir, "pg_ctl"), "-D", self.data_dir, "-m", "immediate", "stop"
            )
        finally:
            shutil.rmtree(self.data_dir, ignore_errors=True)


def start_cluster() -> Cluster:
    bin_dir = find_pg_bin()
    if bin_dir is None:
        raise FileNotFoundError("no PostgreSQL binaries (initdb) found")
    as_postgres = os.geteuid() == 0
    data_dir = tempfile.mkdtemp(prefix="fablab-pg-")
    if as_postgres:
        shutil.chown(data_dir, "postgres", "postgres")
    cluster = Cluster(bin_dir, data_dir, _free_port(), as_postgres)
    cluster.start()
    return cluster
