"""The AsyncAPI 3.0.0 document of Nazar's topics, generated from the registry."""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from typing import Any

from pydantic.json_schema import models_json_schema

from nazar_contracts import topics as t
from nazar_contracts.registry import SPECS, EventSpec, specs_on
from nazar_contracts.schemas import data_specs

BINDING_VERSION = "0.5.0"
_SCHEMAS = "#/components/schemas/"

DESCRIPTION = """\
The Kafka topics through which Nazar's services (roster, directive, story-intake,
social-publisher) talk to each other and to other state IT systems.

**Envelope.** Every record is a CloudEvents 1.0 event in Kafka *binary* content mode: the
attributes are `ce_*` headers, the value is the event's data as UTF-8 JSON. Event types are named
`nazar.<aggregate>.<past-tense-verb>.v<N>`.

**Keys.** The key is the aggregate's id, so one aggregate's events stay in order; delivery topics
are keyed by the recipient's member id, so one person's messages stay in order.

**Compacted topics** (`roster.*`) carry the whole current state of their key in every record; a
deletion is a tombstone: a null value whose `ce_type` says what was deleted (e.g.
`nazar.member.erased.v1`).

**Phone numbers** appear on `roster.contacts.v1` only.

**Delivery ids.** A delivery (one message to one member) has the id
`uuid5(UUID("a4d5f0a6-2c9b-5d4e-9f3a-6e1b7c8d9e01"), f"{message_id}:{member_id}")`, so a repeat
has the same id and can be dropped.

**Duplicates.** Delivery is at least once: consumers remember the `ce_id`s they applied.

**Dead letters.** Every topic has a `<topic>.dlq` twin (delete policy; 7 days for `roster.*`,
30 days otherwise) holding records a consumer could not process, unchanged, with `dlq.*` headers
saying why.

**Compatibility.** Within a version, fields are only ever added, and only optional ones;
consumers ignore fields they do not know. Anything else is a new version with a new event type
(and, for a changed key or meaning, a new topic).

**Alerts** (`alert.events.v1`, `alert.cases.v1`) stay in the chain of command: only the directive
service reads what is raised, and only story-intake (for the raiser) reads what became of it.
"""


def message_id(event_type: str) -> str:
    """nazar.dispatch.opted_out.v1 -> dispatchOptedOutV1"""
    words = event_type.removeprefix("nazar.").replace("_", ".").split(".")
    return words[0] + "".join(w[:1].upper() + w[1:] for w in words[1:])


def channel_id(topic: str) -> str:
    words = topic.split(".")
    return words[0] + "".join(w[:1].upper() + w[1:] for w in words[1:])


def _headers(event_type: str, tombstone: bool) -> dict[str, Any]:
    properties: dict[str, Any] = {
        "ce_specversion": {"type": "string", "const": "1.0"},
        "ce_id": {"type": "string", "description": "unique per event; the deduplication key"},
        "ce_source": {"type": "string", "description": "the producing service, e.g. /nazar/roster"},
        "ce_type": {"type": "string", "const": event_type},
        "ce_time": {"type": "string", "format": "date-time"},
        "ce_subject": {"type": "string", "description": "the aggregate id (usually the key)"},
    }
    required = ["ce_specversion", "ce_id", "ce_source", "ce_type"]
    if not tombstone:
        properties["content-type"] = {"type": "string", "const": "application/json"}
    return {"type": "object", "required": required, "properties": properties}


def _message(spec: EventSpec[Any], example: Mapping[str, Any] | None) -> dict[str, Any]:
    topic = t.topic(spec.topic)
    doc = (spec.model.__doc__ or "").strip()
    message: dict[str, Any] = {
        "name": spec.type,
        "title": spec.type,
        "headers": _headers(spec.type, spec.tombstone),
        "bindings": {
            "kafka": {
                "key": {"type": "string", "description": topic.key},
                "bindingVersion": BINDING_VERSION,
            }
        },
    }
    if spec.tombstone:
        message["summary"] = f"Tombstone: the {topic.key} was deleted (null value, no data)."
        message["payload"] = {"type": "null"}
        return message
    message["summary"] = doc.split("\n\n")[0].replace("\n", " ") or spec.type
    message["contentType"] = "application/json"
    message["payload"] = {"$ref": _SCHEMAS + spec.model.__name__}
    if example is not None:
        key = spec.key(spec.model.model_validate_json(json.dumps(example)))
        headers = {
            "ce_specversion": "1.0",
            "ce_id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"nazar:example:{spec.type}")),
            "ce_source": f"/nazar/{topic.producer}",
            "ce_type": spec.type,
            "ce_time": "2026-11-28T10:30:00Z",
            "ce_subject": key,
            "content-type": "application/json",
        }
        message["examples"] = [{"name": "golden", "headers": headers, "payload": dict(example)}]
    return message


def _channel(topic: t.Topic) -> dict[str, Any]:
    channel: dict[str, Any] = {
        "address": topic.name,
        "title": topic.name,
        "description": f"{topic.description} Key: {topic.key}. Written by {topic.producer}.",
        "bindings": {
            "kafka": {
                "topic": topic.name,
                "topicConfiguration": {"cleanup.policy": [topic.cleanup]},
                "bindingVersion": BINDING_VERSION,
            }
        },
    }
    specs = specs_on(topic.name)
    if specs:
        channel["messages"] = {
            message_id(s.type): {"$ref": f"#/components/messages/{message_id(s.type)}"}
            for s in specs
        }
    return channel


def _operation(topic: t.Topic) -> dict[str, Any]:
    cid = channel_id(topic.name)
    return {
        "action": "send",
        "channel": {"$ref": f"#/channels/{cid}"},
        "summary": f"{topic.producer} publishes to {topic.name}",
        "tags": [{"name": topic.producer}],
        "messages": [
            {"$ref": f"#/channels/{cid}/messages/{message_id(s.type)}"}
            for s in specs_on(topic.name)
        ],
    }


def build(examples: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """The document; `examples` maps event types to their golden data."""
    models = list(dict.fromkeys(s.model for s in data_specs()))
    _, top = models_json_schema(
        [(m, "validation") for m in models], ref_template=_SCHEMAS + "{model}"
    )
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "Nazar events",
            "version": "1.0.0",
            "description": DESCRIPTION,
        },
        "defaultContentType": "application/json",
        "servers": {
            "local": {
                "host": "127.0.0.1:19092",
                "protocol": "kafka",
                "description": "The single-node broker of `deploy/stack up`.",
            }
        },
        "channels": {channel_id(topic.name): _channel(topic) for topic in t.TOPICS},
        "operations": {
            f"publish{channel_id(topic.name)[:1].upper()}{channel_id(topic.name)[1:]}": _operation(
                topic
            )
            for topic in t.TOPICS
            if specs_on(topic.name)
        },
        "components": {
            "schemas": top["$defs"],
            "messages": {message_id(s.type): _message(s, examples.get(s.type)) for s in SPECS},
        },
    }
