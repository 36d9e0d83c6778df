"""Past one machine (deploy/): two replicas behind HAProxy with PostgreSQL as the rooms' store. Phones spread over
both replicas, the speaker on one sees every submission, and when a replica dies mid-room its phones reconnect
through the balancer and every submission acknowledged before the kill is still in the room, once.

Needs Debian's `haproxy` and `postgresql` (CI installs both); skipped where either is missing unless
CNNRNN_REQUIRE_POSTGRES is set, as the store's PostgreSQL tests are.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import sys
from pathlib import Path

import pytest

from cnnrnn.audience import Session, SessionError

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow  # PostgreSQL, three servers and a balancer


def _deploy():
    spec = importlib.util.spec_from_file_location("deploy_start", ROOT / "deploy" / "start.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def _installed(name: str) -> bool:
    found = shutil.which(name) or Path(f"/usr/sbin/{name}").is_file()
    return bool(found or list(Path("/usr/lib").glob(f"postgresql/*/bin/{name}")))


def _require() -> None:
    missing = [name for name in ("haproxy", "initdb") if not _installed(name)]
    if missing:
        if os.environ.get("CNNRNN_REQUIRE_POSTGRES") == "1":
            raise RuntimeError(f"{', '.join(missing)} missing (apt-get install haproxy postgresql)")
        pytest.skip(f"{', '.join(missing)} not installed")


def _counts(run) -> dict[str, str]:
    return dict(run.metrics())


def _send(phone: Session, sentence: str) -> None:
    """Switch the phone to sentences (once) and send `sentence`; fails unless both verdicts came back."""
    if phone.values.get("room_what") != ["A sentence"]:
        phone.send({"room_what": ["A sentence"]})
    typed = {phone.key("room_sentence_"): sentence, phone.key("room_said_"): "positive"}
    run = phone.send(typed, "room_send_sentence")
    assert len(run.metrics()) == 2 and not run.exceptions, (sentence, run.texts())


def test_two_replicas_share_the_room_and_one_dying_loses_nothing_acknowledged(tmp_path):
    _require()
    from streamlit.connections import SQLConnection

    from cnnrnn.tasks.room import store

    deploy = _deploy()
    deployment = deploy.start(2, log_dir=tmp_path)
    engine = None
    try:
        engine = SQLConnection("rooms_replicas_test", url=deployment.database).engine
        store.create_tables(engine)
        code, key = store.open_room(engine)
        speaker = Session(deployment.url, "Room", f"room={code}&key={key}")
        speaker.open()
        phones = [Session(deployment.url, "Room", f"room={code}") for _ in range(4)]
        for phone in phones:
            phone.open(assets=False)
        on = [phone.cookie("CNNRNN_REPLICA") for phone in phones]
        assert set(on) == {"r0", "r1"}, f"the balancer sent every phone to one replica: {on}"
        acknowledged = []
        for i, phone in enumerate(phones):
            _send(phone, f"phone {i} loved the first act")
            acknowledged.append(f"phone {i} loved the first act")
        assert _counts(speaker.send())["Sentences"] == "4", "the speaker sees the other replica's phones too"

        victim = "r1" if speaker.cookie("CNNRNN_REPLICA") == "r0" else "r0"
        deployment.kill(victim)
        for i, phone in enumerate(phones):
            sentence = f"phone {i} loved the second act"
            if on[i] == victim:
                with pytest.raises(SessionError, match="connection closed"):
                    _send(phone, sentence)  # the replica is gone: nothing was acknowledged
                phone.reconnect()
                assert phone.cookie("CNNRNN_REPLICA") not in (None, victim)
            _send(phone, sentence)
            acknowledged.append(sentence)
        stored = [row["sentence"] for row in store.submissions(engine, code)]
        assert sorted(stored) == sorted(acknowledged), "each acknowledged submission is in the room, once"
        assert _counts(speaker.send())["Sentences"] == str(len(acknowledged))
        for session in [speaker, *phones]:
            session.close()
    finally:
        if engine is not None:
            engine.dispose()
        deployment.stop()


def test_the_balancer_config_names_every_replica_with_its_cookie():
    config = _deploy().haproxy_config(8500, [("r0", 9001), ("r1", 9002)])
    assert "bind 127.0.0.1:8500" in config and "cookie CNNRNN_REPLICA insert indirect nocache" in config
    assert "server r0 127.0.0.1:9001 check cookie r0" in config and "server r1 127.0.0.1:9002 check cookie r1" in config
    assert "option redispatch" in config and "timeout tunnel" in config
