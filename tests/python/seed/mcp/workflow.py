"""Seed section 4.1 (mcp_workflow_tracing.py) without OpenTelemetry: the
execution and step wrappers still await the caller's function, time it, log
and re-raise; the branch, retry and rollback recorders, which only bumped a
counter, are left as the empty calls a binding sees."""
from typing import Dict, Any, List
import time

from . import _log

logger = _log.get_logger(__name__)


class WorkflowTracer:
    """Custom tracer for workflow execution operations"""

    def __init__(self):
        # The seed creates its tracer, meter and twelve instruments here.
        pass

    async def trace_workflow_execution(
        self,
        workflow_id: str,
        workflow_type: str,
        steps: List[Dict[str, Any]],
        input_data: Dict[str, Any],
        execution_func: callable
    ) -> Dict[str, Any]:
        """Trace a workflow execution"""
        start_time = time.time()
        try:
            result = await execution_func(workflow_id, workflow_type, steps, input_data)
            duration = time.time() - start_time
            logger.info(
                "Workflow execution completed",
                workflow_id=workflow_id,
                workflow_type=workflow_type,
                duration_ms=duration * 1000,
                completed_steps=result.get("completed_steps", 0),
                total_steps=len(steps)
            )
            return result
        except Exception as e:
            duration = time.time() - start_time
            logger.error(
                "Workflow execution failed",
                workflow_id=workflow_id,
                workflow_type=workflow_type,
                error=str(e),
                error_type=type(e).__name__,
                duration_ms=duration * 1000
            )
            raise

    async def trace_workflow_step(
        self,
        workflow_id: str,
        step_name: str,
        step_type: str,
        step_index: int,
        step_func: callable,
        *args, **kwargs
    ) -> Any:
        """Trace a single workflow step"""
        start_time = time.time()
        try:
            result = await step_func(*args, **kwargs)
            duration = time.time() - start_time
            logger.debug(
                "Workflow step completed",
                workflow_id=workflow_id,
                step_name=step_name,
                step_type=step_type,
                duration_ms=duration * 1000
            )
            return result
        except Exception as e:
            duration = time.time() - start_time
            logger.error(
                "Workflow step failed",
                workflow_id=workflow_id,
                step_name=step_name,
                step_type=step_type,
                error=str(e),
                error_type=type(e).__name__,
                duration_ms=duration * 1000
            )
            raise

    def record_workflow_branch(
        self,
        workflow_id: str,
        branch_name: str,
        condition: str
    ):
        """Record a workflow branch decision"""

    def record_workflow_retry(
        self,
        workflow_id: str,
        step_name: str,
        retry_count: int
    ):
        """Record a workflow step retry"""

    def record_workflow_rollback(
        self,
        workflow_id: str,
        reason: str
    ):
        """Record a workflow rollback"""
