"""The catalog's span tree (../shared/spec/telemetry.md), for the checkers:
which span may be the parent of which, and which spans are roots."""

# child span name pattern (fnmatch) -> allowed parent span names
PARENT_RULES = {"agent_iteration_*": {"agent_collaboration_session"},
                "consensus_building": {"agent_collaboration_session"},
                "model_selection": {"model_routing"}, "model_inference": {"model_routing"},
                "workflow_step_*": {"workflow_execution"}, "plan_validation": {"plan_execution"},
                "verification": {"feedback_loop"}}
ROOT_SPANS = {"agent_collaboration_session", "model_routing", "workflow_execution",
              "plan_creation", "plan_execution", "feedback_loop"}
