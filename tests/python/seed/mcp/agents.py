"""Seed section 2.1 (mcp_agent_collaboration_tracing.py) without OpenTelemetry:
what is left is the code the spans and metrics were wrapped around (await
the caller's function, time it, log, re-raise). mcp-bpftrace binds these
methods by name and puts the telemetry back from outside."""
from typing import List, Dict, Any
import time

from . import _log

logger = _log.get_logger(__name__)


class AgentCollaborationTracer:
    """Custom tracer for agent collaboration operations"""

    def __init__(self):
        # The seed creates its tracer, meter and nine instruments here.
        pass

    async def trace_collaboration_session(
        self,
        collaboration_id: str,
        collaboration_type: str,
        agents: List[str],
        task: str,
        collaboration_func: callable
    ) -> Dict[str, Any]:
        """Trace an agent collaboration session"""
        start_time = time.time()
        try:
            result = await collaboration_func(collaboration_id, collaboration_type, agents, task)
            duration = time.time() - start_time
            logger.info(
                "Agent collaboration session completed",
                collaboration_id=collaboration_id,
                collaboration_type=collaboration_type,
                duration_ms=duration * 1000,
                iterations=result.get("iterations", 0),
                consensus_time_ms=result.get("consensus_time", 0) * 1000
            )
            return result
        except Exception as e:
            duration = time.time() - start_time
            logger.error(
                "Agent collaboration session failed",
                collaboration_id=collaboration_id,
                collaboration_type=collaboration_type,
                error=str(e),
                error_type=type(e).__name__,
                duration_ms=duration * 1000
            )
            raise

    async def trace_agent_iteration(
        self,
        collaboration_id: str,
        agent_name: str,
        iteration_number: int,
        iteration_func: callable,
        *args, **kwargs
    ) -> Any:
        """Trace a single agent iteration within a collaboration"""
        start_time = time.time()
        try:
            result = await iteration_func(*args, **kwargs)
            duration = time.time() - start_time
            logger.debug(
                "Agent iteration completed",
                collaboration_id=collaboration_id,
                agent_name=agent_name,
                iteration_number=iteration_number,
                duration_ms=duration * 1000,
                contribution_score=getattr(result, 'contribution_score', 0)
            )
            return result
        except Exception as e:
            duration = time.time() - start_time
            logger.error(
                "Agent iteration failed",
                collaboration_id=collaboration_id,
                agent_name=agent_name,
                iteration_number=iteration_number,
                error=str(e),
                error_type=type(e).__name__,
                duration_ms=duration * 1000
            )
            raise

    async def trace_consensus_building(
        self,
        collaboration_id: str,
        agents: List[str],
        consensus_func: callable,
        *args, **kwargs
    ) -> Dict[str, Any]:
        """Trace consensus building process"""
        start_time = time.time()
        try:
            result = await consensus_func(*args, **kwargs)
            duration = time.time() - start_time
            logger.info(
                "Consensus building completed",
                collaboration_id=collaboration_id,
                consensus_reached=result.get("consensus_reached", False),
                duration_ms=duration * 1000,
                iterations=result.get("iterations", 0),
                agreement_score=result.get("agreement_score", 0)
            )
            return result
        except Exception as e:
            duration = time.time() - start_time
            logger.error(
                "Consensus building failed",
                collaboration_id=collaboration_id,
                error=str(e),
                error_type=type(e).__name__,
                duration_ms=duration * 1000
            )
            raise
