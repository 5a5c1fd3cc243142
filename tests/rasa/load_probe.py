"""Loads a model as a Rasa server would and prints what it predicts, as JSON (for test_model_loading).

Usage: python tests/rasa/load_probe.py rasa|ours MODEL. Run apart from pytest: each loader gets a
fresh process, as each Rasa server does.
"""

from __future__ import annotations

import asyncio
import json
import sys
from typing import Any

TEXTS = [
    "what exactly is prolotherapy",
    "does it help with sciatica",
    "how much does it cost",
    "is it covered by my insurance",
    "who does the injections",
    "I lost control of my bladder since yesterday",
    "what's the weather like",
    "I'd like to book an appointment",
]
CONVERSATION = ["hi", "what is prolotherapy", "how much is it", "I want to book an appointment", "Jane Doe"]


def record_policy_predictions(into: list[Any]) -> None:
    """Every policy's probabilities at each step, not only the winner's."""
    from rasa.core.policies.ensemble import DefaultPolicyPredictionEnsemble

    combine = DefaultPolicyPredictionEnsemble.combine_predictions

    def recording(self: Any, predictions: list[Any], *args: Any, **kwargs: Any) -> Any:
        into.append({p.policy_name: list(p.probabilities) for p in predictions})
        return combine(self, predictions, *args, **kwargs)

    DefaultPolicyPredictionEnsemble.combine_predictions = recording


async def probe(model: str) -> dict[str, Any]:
    from rasa.core.agent import load_agent

    policies: list[Any] = []
    record_policy_predictions(policies)
    agent = await load_agent(model_path=model)
    parses = []
    for text in TEXTS:
        parsed = await agent.parse_message(text)
        parses.append(
            {
                "intent": [parsed["intent"]["name"], parsed["intent"]["confidence"]],
                "ranking": [[r["name"], r["confidence"]] for r in parsed["intent_ranking"]],
                "responses": {
                    key: [value["response"]["utter_action"], value["response"]["confidence"]]
                    for key, value in parsed.get("response_selector", {}).items()
                    if isinstance(value, dict) and "response" in value
                },
            }
        )
    for text in CONVERSATION:
        await agent.handle_text(text, sender_id="probe")
    tracker = await agent.tracker_store.retrieve("probe")
    actions = [
        [event.action_name, event.policy, event.confidence]
        for event in tracker.events
        if event.type_name == "action" and event.action_name != "action_session_start"
    ]
    return {"parses": parses, "actions": actions, "policies": policies}


def main() -> None:
    loader, model = sys.argv[1:3]
    if loader == "ours":
        from bot.rasa import patches

        patches.apply()
    print("PROBE " + json.dumps(asyncio.run(probe(model))))


if __name__ == "__main__":
    main()
