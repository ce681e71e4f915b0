"""Seed section 3.1 (mcp_model_routing_tracing.py) without OpenTelemetry:
the routing, selection and inference wrappers still await the caller's
function, time it, log and re-raise; the cache hit/miss recorders, which did
nothing but bump a counter, are left as the empty calls a binding sees."""
from typing import Dict, Any, Optional, List
import time

from . import _log

logger = _log.get_logger(__name__)


class ModelRouterTracer:
    """Custom tracer for model routing operations"""

    def __init__(self):
        # The seed creates its tracer, meter and twelve instruments here.
        pass

    async def trace_model_routing(
        self,
        request_id: str,
        model_type: Optional[str],
        prompt: str,
        routing_func: callable
    ) -> Dict[str, Any]:
        """Trace a model routing request"""
        start_time = time.time()
        try:
            result = await routing_func(request_id, model_type, prompt)
            duration = time.time() - start_time
            logger.info(
                "Model routing completed",
                request_id=request_id,
                model_type=result.get("model_type", "unknown"),
                duration_ms=duration * 1000,
                tokens_used=result.get("tokens_used", 0),
                cache_hit=result.get("cache_hit", False)
            )
            return result
        except Exception as e:
            duration = time.time() - start_time
            logger.error(
                "Model routing failed",
                request_id=request_id,
                model_type=model_type,
                error=str(e),
                error_type=type(e).__name__,
                duration_ms=duration * 1000
            )
            raise

    async def trace_model_selection(
        self,
        request_id: str,
        available_models: List[str],
        selection_func: callable,
        *args, **kwargs
    ) -> str:
        """Trace model selection process"""
        start_time = time.time()
        try:
            selected_model = await selection_func(available_models, *args, **kwargs)
            duration = time.time() - start_time
            logger.debug(
                "Model selection completed",
                request_id=request_id,
                selected_model=selected_model,
                duration_ms=duration * 1000
            )
            return selected_model
        except Exception as e:
            duration = time.time() - start_time
            logger.error(
                "Model selection failed",
                request_id=request_id,
                error=str(e),
                error_type=type(e).__name__,
                duration_ms=duration * 1000
            )
            raise

    async def trace_model_inference(
        self,
        request_id: str,
        model_type: str,
        prompt: str,
        inference_func: callable,
        *args, **kwargs
    ) -> Dict[str, Any]:
        """Trace model inference process"""
        start_time = time.time()
        try:
            result = await inference_func(model_type, prompt, *args, **kwargs)
            duration = time.time() - start_time
            logger.debug(
                "Model inference completed",
                request_id=request_id,
                model_type=model_type,
                duration_ms=duration * 1000,
                tokens_used=result.get("tokens_used", 0)
            )
            return result
        except Exception as e:
            duration = time.time() - start_time
            logger.error(
                "Model inference failed",
                request_id=request_id,
                model_type=model_type,
                error=str(e),
                error_type=type(e).__name__,
                duration_ms=duration * 1000
            )
            raise

    def record_cache_hit(self, model_type: str):
        """Record a cache hit"""

    def record_cache_miss(self, model_type: str):
        """Record a cache miss"""
