"""The mandatory guardrails: `policies` holds plain functions; `__main__` wraps them for CrossGuard."""
