"""The real Kafka broker and real processor workers, for the broker tests.

The broker is the one ``deploy/kafka/kafka.sh`` runs (or the one named by
PANTAU_KAFKA_BOOTSTRAP); workers are ``pantau worker processors``
subprocesses, so a test can SIGKILL one. Every test gets its own topic
prefix and consumer group.
"""
from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Callable, Dict, Iterable, List, Sequence, Tuple

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

REPO = Path(__file__).resolve().parents[2]
KAFKA_SH = REPO / "deploy" / "kafka" / "kafka.sh"

Record = Tuple[str, str, bytes]  # (topic role, key, payload)


def start_broker() -> Tuple[str, bool]:
    """The bootstrap address, and whether this call started the broker."""
    given = os.environ.get("PANTAU_KAFKA_BOOTSTRAP")
    if given:
        return given, False
    if subprocess.run([str(KAFKA_SH), "status"], capture_output=True).returncode == 0:
        return "127.0.0.1:9092", False
    subprocess.run([str(KAFKA_SH), "start"], check=True)
    return "127.0.0.1:9092", True


def stop_broker() -> None:
    subprocess.run([str(KAFKA_SH), "stop"], check=False)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Deployment:
    """One isolated set of topics and a consumer group on the broker."""

    def __init__(self, bootstrap: str, workdir: Path, partitions: int = 4, **rules: object) -> None:
        self.bootstrap = bootstrap
        self.prefix = f"t{uuid.uuid4().hex[:10]}"
        self.app_id = self.prefix
        self.group = f"{self.app_id}-processors"
        self.partitions = partitions
        self.workdir = workdir
        self.workers: List["Worker"] = []
        rule_lines = "\n".join(f"{k} = {json.dumps(v)}" for k, v in rules.items())
        self.config = workdir / f"{self.prefix}.toml"
        self.config.write_text(
            f'data_dir = "{workdir / "data"}"\nlog_level = "info"\n'
            f'[kafka]\nbroker = "kafka://{bootstrap}"\ntopic_prefix = "{self.prefix}"\n'
            f'app_id = "{self.app_id}"\npartitions = {partitions}\n'
            f"[server]\nopen_desk = true\n[rules]\n{rule_lines}\n"
        )

    async def declare(self) -> None:
        """Create the topics as a worker would, before anything is produced."""
        from prometheus_client import CollectorRegistry

        from pantau.config import load_settings
        from pantau.distributed import build_role, changelog_topics, declare_topics

        settings = load_settings(self.config)
        app, _ = build_role("processors", settings, CollectorRegistry())
        await declare_topics(settings, changelog_topics(app))

    def topic(self, role: str) -> str:
        return f"{self.prefix}.{role}"

    def start_worker(self, role: str = "processors") -> "Worker":
        worker = Worker(self, len(self.workers), role)
        self.workers.append(worker)
        return worker

    def stop_all(self) -> None:
        for worker in self.workers:
            worker.stop()

    async def produce(self, records: Iterable[Record]) -> None:
        producer = AIOKafkaProducer(bootstrap_servers=self.bootstrap, linger_ms=5)
        await producer.start()
        try:
            for role, key, payload in records:
                await producer.send(self.topic(role), payload, key=key.encode())
            await producer.flush()
        finally:
            await producer.stop()

    async def collect(self, roles: Sequence[str], done: Callable[[List[dict]], bool],
                      timeout: float = 60.0) -> List[dict]:
        """Read topics from the start until ``done(messages)``; each message
        as ``{"topic": role, "key": str, "value": dict}``."""
        consumer = AIOKafkaConsumer(*(self.topic(r) for r in roles), bootstrap_servers=self.bootstrap,
                                    auto_offset_reset="earliest", enable_auto_commit=False,
                                    group_id=None)
        await consumer.start()
        seen: List[dict] = []
        deadline = time.monotonic() + timeout
        try:
            while not done(seen):
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"after {timeout:.0f} s: {len(seen)} messages; logs: {self.logs()}")
                batches = await consumer.getmany(timeout_ms=int(min(left, 0.5) * 1000))
                for tp, messages in batches.items():
                    for m in messages:
                        seen.append({"topic": tp.topic.rsplit(".", 1)[-1], "key": (m.key or b"").decode(),
                                     "value": json.loads(m.value)})
        finally:
            await consumer.stop()
        return seen

    async def wait_processed(self, roles: Sequence[str], timeout: float = 60.0) -> None:
        """Barrier: the group has committed everything now on these topics."""
        consumer = AIOKafkaConsumer(bootstrap_servers=self.bootstrap)
        admin = AIOKafkaAdminClient(bootstrap_servers=self.bootstrap)
        await consumer.start()
        await admin.start()
        try:
            tps = [TopicPartition(self.topic(r), p) for r in roles for p in range(self.partitions)]
            ends = await consumer.end_offsets(tps)
            deadline = time.monotonic() + timeout
            while True:
                committed = await admin.list_consumer_group_offsets(self.group)
                behind = {tp: end for tp, end in ends.items()
                          if end > (committed.get(tp).offset if committed.get(tp) else 0)}
                if not behind:
                    return
                if time.monotonic() > deadline:
                    raise TimeoutError(f"group {self.group} still behind on {behind}; logs: {self.logs()}")
                await asyncio.sleep(0.2)
        finally:
            await consumer.stop()
            await admin.close()

    async def members(self) -> int:
        admin = AIOKafkaAdminClient(bootstrap_servers=self.bootstrap)
        await admin.start()
        try:
            (response,) = await admin.describe_consumer_groups([self.group])
            (group,) = response.to_object()["groups"]
            return len(group["members"]) if group["state"] == "Stable" else 0
        finally:
            await admin.close()

    async def wait_members(self, count: int, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while await self.members() != count:
            if time.monotonic() > deadline:
                raise TimeoutError(f"group {self.group} never had {count} stable members; logs: {self.logs()}")
            await asyncio.sleep(0.5)

    def logs(self) -> str:
        return "\n".join(f"--- worker {w.index} ---\n{w.log_tail()}" for w in self.workers)


class Worker:
    """One ``pantau worker ROLE`` process (processors unless told)."""

    def __init__(self, deployment: Deployment, index: int, role: str = "processors") -> None:
        self.index = index
        self.role = role
        self.port = free_port()
        self.log_path = deployment.workdir / f"{deployment.prefix}-worker{index}.log"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "pantau.cli", "worker", role, "--config", str(deployment.config),
             "--port", str(self.port)],
            stdout=open(self.log_path, "wb"), stderr=subprocess.STDOUT, cwd=REPO,
        )

    def get_json(self, path: str) -> object:
        from urllib.request import urlopen

        with urlopen(f"http://127.0.0.1:{self.port}{path}", timeout=5) as response:
            return json.loads(response.read())

    def metrics(self) -> Dict[str, float]:
        from urllib.request import urlopen

        from prometheus_client.parser import text_string_to_metric_families

        with urlopen(f"http://127.0.0.1:{self.port}/metrics", timeout=5) as response:
            text = response.read().decode()
        return {
            s.name + "{" + ",".join(f"{k}={v}" for k, v in sorted(s.labels.items())) + "}": s.value
            for family in text_string_to_metric_families(text) for s in family.samples
        }

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)

    def alive(self) -> bool:
        return self.process.poll() is None

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except FileNotFoundError:
            return ""


def final_alerts(messages: List[dict]) -> Dict[str, dict]:
    """The alert store's view of the alerts topic: the latest version of each alert_id."""
    latest: Dict[str, dict] = {}
    for m in messages:
        if m["topic"] == "alerts":
            alert = m["value"]
            old = latest.get(alert["alert_id"])
            if old is None or alert["count"] >= old["count"]:
                latest[alert["alert_id"]] = alert
    return latest
